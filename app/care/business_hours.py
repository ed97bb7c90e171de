"""Business-hours calendars: weekly opening hours in a time zone, and time that counts only while open.

A calendar reads `Mon-Fri 09:00-17:00 Europe/Paris`; several spans may share the zone, as in
`Mon-Fri 09:00-17:00, Sat 10:00-14:00 Europe/Paris`, and 24:00 closes at midnight. The hours are
the zone's wall-clock hours, so 09:00-17:00 stays 09:00-17:00 local across a DST change: zoneinfo
turns each day's hours into UTC. Moments in and out are naive UTC, as the database stores them.

No maintained library does this small arithmetic (businesstimedelta, the usual answer, last
released in 2019 and is built on pytz), so it is here, pure and tested on its own.
"""
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EXAMPLE = "technical support=Mon-Fri 09:00-17:00 Europe/Paris"
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_DAY_LIMIT = 366 * 50  # add() gives up past this many days: only a calendar that is never open gets there


class CalendarError(ValueError):
    """A calendar line that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class Span:
    """Open on one weekday (0 is Monday) from `opens` to `closes`, in minutes after local midnight."""

    weekday: int
    opens: int
    closes: int


class AlwaysOpen:
    """The 24/7 calendar: every second counts."""

    zone = None
    text = "24/7"

    def add(self, start, duration):
        return start + max(duration, timedelta(0))

    def elapsed(self, start, end):
        return max(end - start, timedelta(0))

    def __repr__(self):
        return "AlwaysOpen()"


ALWAYS = AlwaysOpen()


@dataclass(frozen=True)
class Calendar:
    """Weekly opening hours in a zone; `add` and `elapsed` count only open time."""

    spans: tuple
    zone: ZoneInfo
    text: str

    def _moment(self, day, minutes):
        """The naive UTC moment of a local wall-clock time (minutes after midnight, 1440 is the next midnight)."""
        local = datetime.combine(day + timedelta(days=minutes // 1440), time(minutes % 1440 // 60, minutes % 60),
                                 tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    def _local_day(self, moment):
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def _open_on(self, day):
        """The open intervals of one local day, in UTC, in order."""
        for span in self.spans:
            if span.weekday == day.weekday():
                opens, closes = self._moment(day, span.opens), self._moment(day, span.closes)
                if closes > opens:  # an hour inside a spring-forward gap does not exist
                    yield opens, closes

    def elapsed(self, start, end):
        """Open time between two moments (zero when `end` is not after `start`)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day, last = self._local_day(start) - timedelta(days=1), self._local_day(end) + timedelta(days=1)
        while day <= last:
            for opens, closes in self._open_on(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def add(self, start, duration):
        """The moment when `duration` of open time has passed since `start`."""
        left = max(duration, timedelta(0))
        if not left:
            return start
        day = self._local_day(start) - timedelta(days=1)
        for _attempt in range(_DAY_LIMIT):
            for opens, closes in self._open_on(day):
                if closes <= start:
                    continue
                opens = max(opens, start)
                if closes - opens >= left:
                    return opens + left
                left -= closes - opens
            day += timedelta(days=1)
        raise CalendarError(_("“%(hours)s” is never open.", hours=self.text))

    def local(self, moment):
        """A naive UTC moment as an aware time in the calendar's zone."""
        return moment.replace(tzinfo=UTC).astimezone(self.zone)


def _days(token):
    """Weekday numbers from "Mon", "Mon-Fri" or "Mon,Wed,Fri"."""
    found = []
    for part in token.split(","):
        first, dash, last = part.lower().partition("-")
        if first not in DAYS or (dash and last not in DAYS):
            raise CalendarError(_("“%(token)s”: name the days Mon, Tue, Wed, Thu, Fri, Sat, Sun, or a range such "
                                  "as Mon-Fri.", token=token))
        start, end = DAYS.index(first), DAYS.index(last) if dash else DAYS.index(first)
        if end < start:
            raise CalendarError(_("“%(token)s”: write the range from the earlier day, such as Mon-Fri.", token=token))
        found.extend(range(start, end + 1))
    return found


def _minutes(hours, minutes, token):
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 1440:
        raise CalendarError(_("“%(token)s”: hours run from 00:00 to 24:00.", token=token))
    return value


def _hours(token):
    match = _HOURS.match(token)
    if match is None:
        raise CalendarError(_("“%(token)s”: give the hours as HH:MM-HH:MM, such as 09:00-17:00.", token=token))
    opens, closes = _minutes(*match.group(1, 2), token), _minutes(*match.group(3, 4), token)
    if closes <= opens:
        raise CalendarError(_("“%(token)s”: closing time comes after opening time (for hours past midnight, write "
                              "two spans, such as Fri 22:00-24:00, Sat 00:00-06:00).", token=token))
    return opens, closes


def _zone(token):
    try:
        return ZoneInfo(token)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(_("“%(token)s” is not a time zone: use a name such as Europe/Paris, America/New_York "
                              "or UTC.", token=token)) from None


@lru_cache(maxsize=256)  # pure, and read on every page that shows a clock
def parse(text):
    """A Calendar from "Mon-Fri 09:00-17:00 Europe/Paris"; CalendarError says what is wrong."""
    tokens = [token.strip(",") for token in text.split()]
    tokens = [token for token in tokens if token]
    if not tokens:
        raise CalendarError(_("Give days, hours and a time zone, such as %(example)s.",
                              example=EXAMPLE.partition("=")[2]))
    if tokens[-1][:1].isdigit() or tokens[-1].lower().split("-")[0].split(",")[0] in DAYS:
        raise CalendarError(_("End with the time zone of the hours, such as Europe/Paris."))
    zone = _zone(tokens[-1])
    spans, days, days_token, has_hours = [], None, None, False
    for token in tokens[:-1]:
        if token[:1].isdigit():
            if days is None:
                raise CalendarError(_("“%(token)s”: put the days before the hours, such as Mon-Fri %(token)s.",
                                      token=token))
            opens, closes = _hours(token)
            spans.extend(Span(day, opens, closes) for day in days)
            has_hours = True
        else:
            if days is not None and not has_hours:
                raise CalendarError(_("“%(token)s”: give the hours after the days, such as %(token)s 09:00-17:00.",
                                      token=days_token))
            days, days_token, has_hours = _days(token), token, False
    if days is None:
        raise CalendarError(_("Give at least one span of days and hours, such as Mon-Fri 09:00-17:00."))
    if not has_hours:
        raise CalendarError(_("“%(token)s”: give the hours after the days, such as %(token)s 09:00-17:00.",
                              token=days_token))
    spans.sort(key=lambda span: (span.weekday, span.opens))
    for before, after in zip(spans, spans[1:], strict=False):
        if before.weekday == after.weekday and after.opens < before.closes:
            first, second = ("-".join((_clock(span.opens), _clock(span.closes))) for span in (before, after))
            raise CalendarError(_("%(day)s has overlapping hours: %(first)s and %(second)s.",
                                  day=DAY_NAMES[before.weekday], first=first, second=second))
    return Calendar(tuple(spans), zone, " ".join(text.split()))


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_lines(lines, teams=None):
    """{team (lower case): Calendar} from "team=hours" lines; CalendarError names every bad line.

    With `teams`, a line must name one of them; a team may have one line.
    """
    calendars, errors = {}, []
    known = {team.lower(): team for team in teams} if teams is not None else None
    for number, line in enumerate(lines, start=1):
        team, equals, spec = line.partition("=")
        team = " ".join(team.split())
        try:
            if not equals or not team:
                raise CalendarError(_("write team=hours, such as %(example)s.", example=EXAMPLE))
            if known is not None and team.lower() not in known:
                raise CalendarError(_("“%(team)s” is not a care team (the teams are %(teams)s).", team=team,
                                      teams=", ".join(known.values())))
            if team.lower() in calendars:
                raise CalendarError(_("%(team)s has a line already: keep one line per team.", team=team))
            calendars[team.lower()] = parse(spec)
        except CalendarError as error:
            errors.append(_("Line %(number)s (“%(line)s”): %(error)s", number=number, line=line.strip(), error=error))
    if errors:
        raise CalendarError(" ".join(errors))
    return calendars
