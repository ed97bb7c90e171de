"""Business-hours calendars: open time across nights, weekends and DST changes; lines that cannot be read."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.care import business_hours
from app.care.business_hours import ALWAYS, CalendarError

PARIS = ZoneInfo("Europe/Paris")
OFFICE = business_hours.parse("Mon-Fri 09:00-17:00 Europe/Paris")


def paris(*args):
    """A Paris wall-clock time as the naive UTC moment the database stores."""
    return datetime(*args, tzinfo=PARIS).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def test_an_hour_left_on_friday_afternoon_is_due_on_monday_morning():
    friday = paris(2026, 12, 4, 16, 30)
    assert OFFICE.add(friday, timedelta(hours=1)) == paris(2026, 12, 7, 9, 30)
    assert OFFICE.elapsed(friday, paris(2026, 12, 7, 9, 30)) == timedelta(hours=1)
    # Nothing counts over the weekend.
    assert OFFICE.elapsed(paris(2026, 12, 5, 8, 0), paris(2026, 12, 6, 20, 0)) == timedelta(0)


def test_a_start_outside_hours_counts_from_the_next_opening():
    assert OFFICE.add(paris(2026, 12, 8, 20, 0), timedelta(minutes=30)) == paris(2026, 12, 9, 9, 30)
    assert OFFICE.add(paris(2026, 12, 8, 7, 0), timedelta(hours=8)) == paris(2026, 12, 8, 17, 0)
    assert OFFICE.add(paris(2026, 12, 8, 7, 0), timedelta(hours=8, seconds=1)) == paris(2026, 12, 9, 9, 0, 1)


def test_hours_are_local_across_the_dst_changes():
    # Paris moves to summer time on Sunday 29 March 2026: Friday 16:30 is 15:30 UTC, Monday 09:30 is 07:30 UTC.
    assert OFFICE.add(paris(2026, 3, 27, 16, 30), timedelta(hours=1)) == datetime(2026, 3, 30, 7, 30)
    # And back on Sunday 25 October: Monday 09:30 is 08:30 UTC again.
    assert OFFICE.add(paris(2026, 10, 23, 16, 30), timedelta(hours=1)) == datetime(2026, 10, 26, 8, 30)
    # A round-the-clock Sunday is 23 real hours on the spring change and 25 on the autumn one.
    always = business_hours.parse("Sun 00:00-24:00 Europe/Paris")
    assert always.elapsed(paris(2026, 3, 29, 0, 0), paris(2026, 3, 30, 0, 0)) == timedelta(hours=23)
    assert always.elapsed(paris(2026, 10, 25, 0, 0), paris(2026, 10, 26, 0, 0)) == timedelta(hours=25)


def test_several_spans_and_a_lunch_break():
    shop = business_hours.parse("Mon-Fri 09:00-12:00 13:00-17:00, Sat 10:00-14:00 Europe/Paris")
    assert shop.elapsed(paris(2026, 12, 7, 0, 0), paris(2026, 12, 8, 0, 0)) == timedelta(hours=7)
    assert shop.add(paris(2026, 12, 7, 11, 0), timedelta(hours=2)) == paris(2026, 12, 7, 14, 0)
    assert shop.add(paris(2026, 12, 11, 16, 0), timedelta(hours=2)) == paris(2026, 12, 12, 11, 0)


def test_the_24_7_calendar_counts_every_second():
    start = datetime(2026, 12, 5, 3, 0)
    assert ALWAYS.add(start, timedelta(hours=1)) == start + timedelta(hours=1)
    assert ALWAYS.elapsed(start, start - timedelta(hours=1)) == timedelta(0)
    assert ALWAYS.zone is None


@pytest.mark.parametrize("line, message", [
    ("Mon-Fry 09:00-17:00 Europe/Paris", "name the days Mon, Tue"),
    ("Mon-Fri 9-17 Europe/Paris", "give the hours as HH:MM-HH:MM"),
    ("Mon-Fri 09:00-17:00", "End with the time zone"),
    ("Mon-Fri 09:00-17:00 Europe/Pariss", "is not a time zone"),
    ("Mon-Fri 17:00-09:00 Europe/Paris", "closing time comes after opening time"),
    ("Mon-Fri 09:00-25:00 Europe/Paris", "hours run from 00:00 to 24:00"),
    ("Mon-Fri Europe/Paris", "give the hours after the days"),
    ("09:00-17:00 Europe/Paris", "put the days before the hours"),
    ("Mon 09:00-13:00 Mon 12:00-17:00 Europe/Paris", "Mon has overlapping hours"),
    ("", "Give days, hours and a time zone"),
])
def test_a_malformed_calendar_is_refused_with_what_to_write(line, message):
    with pytest.raises(CalendarError, match=message):
        business_hours.parse(line)


def test_calendar_lines_name_the_line_the_team_and_every_problem():
    teams = ["technical support", "customer care"]
    found = business_hours.parse_lines(["Technical  Support = Mon-Fri 09:00-17:00 Europe/Paris"], teams)
    assert list(found) == ["technical support"] and found["technical support"].zone.key == "Europe/Paris"
    with pytest.raises(CalendarError) as error:
        business_hours.parse_lines(["tech=Mon-Fri 09:00-17:00 UTC", "customer care Mon 09:00-10:00 UTC",
                                    "customer care=Mon 09:00-10:00 UTC", "customer care=Tue 09:00-10:00 UTC"], teams)
    message = str(error.value)
    assert "Line 1 (“tech=Mon-Fri 09:00-17:00 UTC”): “tech” is not a care team" in message
    assert "Line 2" in message and "write team=hours" in message
    assert "Line 3" not in message and "Line 4" in message and "has a line already" in message
