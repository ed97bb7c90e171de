"""SLA clocks that tell the truth: a resolution stops every clock, a stopped clock is frozen, the start is
stated, durations never hide lateness, and business hours count only while a team is open."""
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.care import business_hours, sla
from app.care.routes import care_duration
from app.care.services import add_pause

ASKED = datetime(2026, 12, 1, 8, 0)  # a Tuesday
QUEUED = ASKED + timedelta(hours=1)
TARGETS = sla.Targets(timedelta(minutes=60), timedelta(hours=24))
OFFICE = business_hours.parse("Mon-Fri 09:00-17:00 Europe/Paris")
OFFICE_TARGETS = sla.Targets(timedelta(minutes=60), timedelta(hours=8), calendars={"technical support": OFFICE})


def item(**overrides):
    values = {"created_at": QUEUED, "opened_at": QUEUED, "first_response_at": None, "first_response_closed_at": None,
              "waiting_since": None, "paused_seconds": 0, "first_response_paused_seconds": 0, "resolved_at": None,
              "withdrawn_at": None, "status": "new", "category": "question", "team": "technical support",
              "reopened_count": 0, "question": SimpleNamespace(created_at=ASKED)}
    return SimpleNamespace(**{**values, **overrides})


def resolved_by_community(at):
    """An item the community resolved at `at`, before any staff response (move_status stops the first clock)."""
    return item(status="resolved", resolved_at=at, first_response_closed_at=at)


def paris(*args):
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris")).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def test_a_community_resolution_within_the_clock_counts_as_met_and_stays_met():
    done = resolved_by_community(QUEUED + timedelta(minutes=40))
    for later in (QUEUED + timedelta(minutes=41), QUEUED + timedelta(hours=5), QUEUED + timedelta(days=30)):
        first, resolution = sla.clocks(done, later, TARGETS)
        assert first.met and not first.breached and not first.running and first.stopped_by == "resolved"
        assert first.remaining == timedelta(minutes=20)  # what was left when it stopped: frozen
        assert resolution.met and resolution.remaining == timedelta(hours=23, minutes=20)
    assert sla.next_due(done, QUEUED + timedelta(days=30), TARGETS) is None


def test_a_community_resolution_after_the_due_time_counts_as_breached():
    first, _ = sla.clocks(resolved_by_community(QUEUED + timedelta(minutes=70)), QUEUED + timedelta(days=2), TARGETS)
    assert first.breached and not first.met and first.remaining == -timedelta(minutes=10)


def test_a_staff_response_stops_the_first_clock_before_a_later_resolution():
    answered = item(first_response_at=QUEUED + timedelta(minutes=5), status="resolved",
                    resolved_at=QUEUED + timedelta(hours=2))
    first, _ = sla.clocks(answered, QUEUED + timedelta(days=1), TARGETS)
    assert first.stopped_at == QUEUED + timedelta(minutes=5) and first.stopped_by == "response"


def test_a_withdrawn_item_stops_both_clocks_where_it_left():
    gone = item(status="withdrawn", withdrawn_at=QUEUED + timedelta(minutes=30))
    first, resolution = sla.clocks(gone, QUEUED + timedelta(days=3), TARGETS)
    assert first.stopped_by == resolution.stopped_by == "withdrawn"
    assert first.remaining == timedelta(minutes=30) and not first.breached and not resolution.breached


def test_pauses_after_the_first_response_never_move_its_due_time():
    # Waited 2 h on the customer after a first response 70 min in: the first clock stays late by 10 min.
    late = item(first_response_at=QUEUED + timedelta(minutes=70), status="in_progress", paused_seconds=7200)
    first, resolution = sla.clocks(late, QUEUED + timedelta(hours=5), TARGETS)
    assert first.due_at == QUEUED + timedelta(hours=1) and first.breached
    assert resolution.due_at == QUEUED + timedelta(hours=26)
    waiting = item(first_response_at=QUEUED + timedelta(minutes=70), status="waiting",
                   waiting_since=QUEUED + timedelta(hours=2))
    first, resolution = sla.clocks(waiting, QUEUED + timedelta(hours=9), TARGETS)
    assert first.due_at == QUEUED + timedelta(hours=1) and not first.paused
    assert resolution.paused and resolution.due_at == QUEUED + timedelta(hours=31)


def test_clocks_count_from_queuing_by_default_and_from_asking_when_set():
    queued_first, queued_resolution = sla.clocks(item(), QUEUED + timedelta(minutes=10), TARGETS)
    assert queued_first.counted_from == "queued" and queued_first.started_at == QUEUED
    assert queued_first.due_at == QUEUED + timedelta(hours=1) and queued_first.basis_label == "counted from queuing"
    asked = sla.Targets(TARGETS.first_response, TARGETS.resolution, counted_from="asked")
    asked_first, asked_resolution = sla.clocks(item(), QUEUED + timedelta(minutes=10), asked)
    assert asked_first.counted_from == "asked" and asked_first.started_at == ASKED
    assert asked_first.due_at == ASKED + timedelta(hours=1) and asked_first.breached
    assert asked_resolution.due_at == ASKED + timedelta(hours=24) and queued_resolution.due_at == QUEUED + \
        timedelta(hours=24)


def test_a_reopened_item_counts_its_resolution_from_the_reopening():
    reopened = item(first_response_closed_at=QUEUED + timedelta(minutes=30), opened_at=QUEUED + timedelta(days=2),
                    reopened_count=1, status="new")
    first, resolution = sla.clocks(reopened, QUEUED + timedelta(days=2, hours=1), TARGETS)
    assert first.met and first.stopped_by == "resolved"
    assert resolution.counted_from == "reopened" and resolution.due_at == QUEUED + timedelta(days=3)


def test_business_hours_put_the_due_time_on_the_next_open_morning_in_the_teams_zone():
    friday = paris(2026, 12, 4, 16, 30)
    first, resolution = sla.clocks(item(created_at=friday, opened_at=friday), friday, OFFICE_TARGETS)
    assert first.due_at == paris(2026, 12, 7, 9, 30) and first.calendar is OFFICE
    assert first.due_local.strftime("%a %H:%M %Z") == "Mon 09:30 CET"
    assert resolution.due_at == paris(2026, 12, 7, 16, 30)  # 8 open hours: 30 min on Friday, 7.5 h on Monday
    # Another team has no line: 24/7.
    other, _ = sla.clocks(item(created_at=friday, opened_at=friday, team="marketing"), friday, OFFICE_TARGETS)
    assert other.due_at == friday + timedelta(hours=1) and other.due_local is None


def test_a_pause_that_straddles_closing_time_counts_only_its_open_hours():
    # Waiting on the customer from Friday 16:00 to Monday 10:00 Paris: two open hours of pause.
    monday = paris(2026, 11, 30, 9, 0)
    paused = item(created_at=monday, opened_at=monday, status="waiting", waiting_since=paris(2026, 12, 4, 16, 0))
    add_pause(paused, paused.waiting_since, paris(2026, 12, 7, 10, 0), OFFICE_TARGETS)
    assert paused.paused_seconds == paused.first_response_paused_seconds == 2 * 3600
    # While a pause goes on past closing time, the due time moves by its open hours only: half an hour of the
    # target was left at 09:30 on Monday, so at any time that evening it is due at 09:30 on Tuesday.
    waiting = item(created_at=monday, opened_at=monday, status="waiting", waiting_since=paris(2026, 11, 30, 9, 30))
    for evening in (paris(2026, 11, 30, 17, 0), paris(2026, 11, 30, 23, 0)):
        first, _ = sla.clocks(waiting, evening, OFFICE_TARGETS)
        assert first.paused and first.due_at == paris(2026, 12, 1, 9, 30)


def test_a_pause_after_the_first_response_adds_nothing_to_the_first_clock():
    answered = item(first_response_at=QUEUED + timedelta(minutes=20))
    add_pause(answered, QUEUED + timedelta(minutes=10), QUEUED + timedelta(hours=1), TARGETS)
    assert answered.paused_seconds == 3000 and answered.first_response_paused_seconds == 600


@pytest.mark.parametrize("delta, text", [
    (timedelta(seconds=20), "20 s"),
    (-timedelta(seconds=20), "20 s"),
    (timedelta(seconds=0.3), "1 s"),  # a fraction of a second late is late
    (timedelta(seconds=59.5), "1 min"),
    (timedelta(minutes=12, seconds=40), "12 min"),
    (timedelta(hours=2, minutes=5), "2 h 5 min"),
    (timedelta(days=3, hours=4), "3 d 4 h"),
    (timedelta(0), "0 s"),
])
def test_durations_never_read_zero_minutes(delta, text):
    assert care_duration(delta) == text


def test_a_clock_twenty_seconds_late_is_breached():
    first, _ = sla.clocks(item(first_response_at=QUEUED + timedelta(minutes=60, seconds=20), status="in_progress"),
                          QUEUED + timedelta(hours=2), TARGETS)
    assert first.breached and care_duration(first.remaining) == "20 s"
