"""SLA clocks: first staff response and resolution, per category, pausing while waiting on the customer."""
from dataclasses import dataclass
from datetime import timedelta

from app import settings
from app.care import options


@dataclass(frozen=True)
class Targets:
    """How long each clock runs for a category."""

    first_response: timedelta
    resolution: timedelta


def targets_for(category):
    """The SLA targets of a category (complaints are tighter)."""
    if category == "complaint":
        return Targets(timedelta(minutes=settings.get(options.FIRST_RESPONSE_MINUTES_COMPLAINT)),
                       timedelta(hours=settings.get(options.RESOLUTION_HOURS_COMPLAINT)))
    return Targets(timedelta(minutes=settings.get(options.FIRST_RESPONSE_MINUTES)),
                   timedelta(hours=settings.get(options.RESOLUTION_HOURS)))


@dataclass(frozen=True)
class Clock:
    """One clock of one item at a moment: due time, whether it stopped, what is left (negative: overdue)."""

    name: str
    due_at: object
    stopped_at: object
    remaining: timedelta
    paused: bool

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


def paused_for(item, now):
    """Total pause so far, including a pause still going on."""
    extra = (now - item.waiting_since) if item.waiting_since is not None else timedelta(0)
    return timedelta(seconds=item.paused_seconds) + max(extra, timedelta(0))


def clocks(item, now, targets=None):
    """(first_response, resolution) clocks of an item at `now`."""
    targets = targets or targets_for(item.category)
    pause = paused_for(item, now)
    paused = item.waiting_since is not None
    first_due = item.created_at + targets.first_response + pause
    first_stop = item.first_response_at
    resolution_due = item.opened_at + targets.resolution + pause
    resolution_stop = item.resolved_at if item.status == "resolved" else None
    first_left = (first_due - now) if first_stop is None else (first_due - first_stop)
    resolution_left = (resolution_due - now) if resolution_stop is None else (resolution_due - resolution_stop)
    return (Clock("first_response", first_due, first_stop, first_left, paused and first_stop is None),
            Clock("resolution", resolution_due, resolution_stop, resolution_left, paused and resolution_stop is None))


def next_due(item, now, targets=None):
    """When the item's next running clock breaches (None when both stopped): the queue's sort key."""
    running = [clock.due_at for clock in clocks(item, now, targets) if clock.running]
    return min(running) if running else None
