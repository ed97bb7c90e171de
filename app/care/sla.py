"""SLA clocks: first staff response and resolution, per category, pausing while waiting on the customer.

The rules, as the report states them:

- A clock starts when the item entered the care queue ("queued", the default) or when the
  customer asked the question ("asked"), as CARE_SLA_CLOCK_START says; staff pages and the API
  show both moments either way. After a reopening, the resolution clock starts at the reopening.
- The first-response clock stops at the first staff response, or when the item leaves the
  queue first (resolved by staff or by the community, or withdrawn with its question). So an
  item the community resolved before its first response was due counts as met, after it as
  breached. Once stopped by a resolution it stays stopped: a reopened item runs on its
  resolution clock.
- The resolution clock stops when the item is resolved or withdrawn.
- A stopped clock is frozen: its due time, and what was left when it stopped, no longer move.
- Waiting on the customer pauses the running clocks: each pause moves their due times later by
  its length. A paused clock that has already stopped is not paused.
- A team with business hours (CARE_BUSINESS_HOURS) counts only its open hours, pauses included;
  every other team counts 24/7. A due time is a moment (UTC); `remaining` is the time from now
  (or from the stop) to that moment.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app import settings
from app.care import options
from app.care.business_hours import ALWAYS
from app.care.models import CATEGORIES

BASIS_LABELS = {"queued": _l("counted from queuing"), "asked": _l("counted from asking"),
                "reopened": _l("counted from reopening")}


@dataclass(frozen=True)
class Targets:
    """How long each clock of a category runs, where clocks start, and the teams' calendars ({team: Calendar})."""

    first_response: timedelta
    resolution: timedelta
    counted_from: str = "queued"
    calendars: object = None

    def calendar_for(self, team):
        """The team's business-hours calendar, or ALWAYS (24/7)."""
        if not self.calendars or team is None:
            return ALWAYS
        return self.calendars.get(team.lower(), ALWAYS)


def targets_by_category():
    """{category: Targets} from the current settings, each setting read once."""
    policy = {"counted_from": options.clock_start(), "calendars": options.business_hours()}
    first = timedelta(minutes=settings.get(options.FIRST_RESPONSE_MINUTES))
    resolution = timedelta(hours=settings.get(options.RESOLUTION_HOURS))
    complaint = Targets(timedelta(minutes=settings.get(options.FIRST_RESPONSE_MINUTES_COMPLAINT)),
                        timedelta(hours=settings.get(options.RESOLUTION_HOURS_COMPLAINT)), **policy)
    ordinary = Targets(first, resolution, **policy)
    return {category: complaint if category == "complaint" else ordinary for category in CATEGORIES}


def targets_for(category):
    """The SLA targets of a category (complaints are tighter)."""
    table = targets_by_category()
    return table.get(category, table["question"])


@dataclass(frozen=True)
class Clock:
    """One clock of one item at a moment: due time, whether it stopped, what is left (negative: overdue).

    `started_at` is where it counts from, `counted_from` says which moment that is ("queued",
    "asked" or "reopened"), `stopped_by` why it stopped ("response", "resolved", "withdrawn" or
    None while it runs), `calendar` the team's hours (ALWAYS for 24/7).
    """

    name: str
    due_at: object
    stopped_at: object
    remaining: timedelta
    paused: bool
    started_at: object = None
    counted_from: str = "queued"
    stopped_by: str | None = None
    calendar: object = ALWAYS

    @property
    def running(self):
        return self.stopped_at is None

    @property
    def breached(self):
        """Overdue now, or stopped after its due time."""
        if self.stopped_at is not None:
            return self.stopped_at > self.due_at
        return self.remaining < timedelta(0)

    @property
    def met(self):
        """Stopped in time."""
        return self.stopped_at is not None and self.stopped_at <= self.due_at

    @property
    def basis_label(self):
        """"counted from queuing", "counted from asking" or "counted from reopening"."""
        return BASIS_LABELS.get(self.counted_from, self.counted_from)

    @property
    def due_local(self):
        """The due time in the team's zone (aware), or None for a 24/7 team."""
        return self.calendar.local(self.due_at) if self.calendar.zone is not None else None


def paused_for(item, now):
    """The resolution clock's pause so far, as stored (business time for a team with hours), plus the wall time of
    a pause still going on: the waiting time that priorities leave out."""
    extra = (now - item.waiting_since) if item.waiting_since is not None else timedelta(0)
    return timedelta(seconds=item.paused_seconds) + max(extra, timedelta(0))


def _running_pause(item, calendar, until):
    """What the pause still going on adds to a clock that ran until `until`."""
    if item.waiting_since is None or until <= item.waiting_since:
        return timedelta(0)
    return calendar.elapsed(item.waiting_since, until)


def first_response_stop(item):
    """(moment, why) the first-response clock stopped, or (None, None) while it runs."""
    stops = [(item.first_response_at, "response"), (item.first_response_closed_at, "resolved")]
    if item.status == "withdrawn":
        stops.append((item.withdrawn_at, "withdrawn"))
    stops = [stop for stop in stops if stop[0] is not None]
    return min(stops, key=lambda stop: stop[0]) if stops else (None, None)


def resolution_stop(item):
    """(moment, why) the resolution clock stopped, or (None, None) while it runs."""
    if item.status == "resolved" and item.resolved_at is not None:
        return item.resolved_at, "resolved"
    if item.status == "withdrawn" and item.withdrawn_at is not None:
        return item.withdrawn_at, "withdrawn"
    return None, None


def starts(item, counted_from):
    """((first-response start, basis), (resolution start, basis)) of an item."""
    first = (item.created_at, "queued")
    if counted_from == "asked":
        first = (min(item.question.created_at, item.created_at), "asked")
    resolution = (item.opened_at, "reopened") if item.reopened_count else first
    return first, resolution


def clocks(item, now, targets=None):
    """(first_response, resolution) clocks of an item at `now`."""
    targets = targets or targets_for(item.category)
    calendar = targets.calendar_for(item.team) if targets.calendars else ALWAYS
    (first_start, first_basis), (resolution_start, resolution_basis) = starts(item, targets.counted_from)
    made = []
    for name, target, start, basis, stored_pause, (stopped_at, stopped_by) in (
            ("first_response", targets.first_response, first_start, first_basis,
             item.first_response_paused_seconds, first_response_stop(item)),
            ("resolution", targets.resolution, resolution_start, resolution_basis, item.paused_seconds,
             resolution_stop(item))):
        until = stopped_at or now
        pause = timedelta(seconds=stored_pause or 0) + _running_pause(item, calendar, until)
        due_at = calendar.add(start, target + pause)
        made.append(Clock(name, due_at, stopped_at, due_at - until, item.waiting_since is not None and not stopped_at,
                          start, basis, stopped_by, calendar))
    return tuple(made)


def next_due(item, now, targets=None):
    """When the item's next running clock breaches (None when both stopped): the queue's sort key."""
    running = [clock.due_at for clock in clocks(item, now, targets) if clock.running]
    return min(running) if running else None
