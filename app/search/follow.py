"""Each host's index follows the change log by itself: a cheap poll of the log's head, work only when it moved.

A round (background.py runs one every SEARCH_FOLLOW_SECONDS in each web process, and at once after a
commit of this process logged a change) reads the log's head, one index lookup; when it moved since
the round before, the new changes go into the index in one commit, so a burst of votes costs one
commit, never one per vote, and never a request's time. One process per host follows at a time
(the others skip their round). An index that holds nothing while the database has questions (a new
host, a deleted folder) is rebuilt from the database instead of replaying the whole log; so is one
whose place fell off the log's pruned end. The log keeps SEARCH_LOG_KEEP_DAYS of changes.
"""
import logging
import threading
from datetime import timedelta

from sqlalchemy import delete, func, select

from app.database import CommitWakeups
from app.extensions import db
from app.models import SearchChange
from app.search import index_sync

logger = logging.getLogger(__name__)

# The switch of the follower thread (app/background.py); off, each request that changed content catches up
# after its response instead (the test suite's default, so a test sees its own writes in search at once).
SWITCH = "SEARCH_FOLLOW_IN_PROCESS"
DEFAULT_POLL_SECONDS = 1.0
DEFAULT_KEEP_DAYS = 7
# Pruning is cheap but needs no haste: at most this often per process.
PRUNE_EVERY = timedelta(hours=1)
# A change whose id is below the head but not yet committed (PostgreSQL hands out ids before commit)
# holds the index's place; look for it again this often, not at every poll.
HOLE_RETRY = timedelta(seconds=5)
_NOT_YET = object()


class Follower:
    """One process's follower: the log head it last applied and when it last pruned, between rounds."""

    def __init__(self, keep_days=DEFAULT_KEEP_DAYS):
        self.keep = timedelta(days=keep_days)
        self.applied_head = _NOT_YET
        self.last_pruned = None
        self.hole = None  # (head, when to look again) while the index's place waits on a hole below the head
        self._lock = threading.Lock()  # one round at a time in a process (a wake-up may meet the timer)

    def round(self, index, *, now):
        """Bring `index` up to the log as of `now`; returns "current", "applied", "rebuilt" or "busy"."""
        with self._lock, index.follower_turn() as mine:
            if not mine:
                self.applied_head = _NOT_YET  # another process of this host moved the index meanwhile
                return "busy"
            if self.last_pruned is None or now - self.last_pruned >= PRUNE_EVERY:
                prune_log(now=now, keep=self.keep)
                self.last_pruned = now
            return self._follow(index, now)

    def _follow(self, index, now):
        if not index.exists():
            return self._rebuild(index, "its folder is missing", recreate=True)
        head, oldest = db.session.execute(select(func.max(SearchChange.id), func.min(SearchChange.id))).one()
        db.session.rollback()
        if head == self.applied_head or (self.hole and self.hole[0] == head and now < self.hole[1]):
            return "current"
        if not index.holds_questions() and _has_public_questions():
            return self._rebuild(index, "it holds no question")
        cursor = index.latest_cursor()
        if oldest is not None and 0 < cursor < oldest - 1:
            return self._rebuild(index, "its place was pruned from the log")
        if head is None or head <= cursor:
            self.applied_head, self.hole = head, None
            return "current"
        index_sync.catch_up(index, now=now)
        if index.latest_cursor() >= head:
            self.applied_head, self.hole = head, None
        else:
            self.hole = (head, now + HOLE_RETRY)
        return "applied"

    def _rebuild(self, index, why, recreate=False):
        logger.warning("Rebuilding the search index from the database: %s", why)
        # The head as of before the rebuild: changes logged during it are applied by the next round.
        head = db.session.scalar(select(func.max(SearchChange.id)))
        index_sync.reindex(index, recreate=recreate)
        logger.warning("The search index is rebuilt: searches come from it again")
        self.applied_head = head
        return "rebuilt"


def _has_public_questions():
    found = index_sync.has_public_questions()
    db.session.rollback()
    return found


def prune_log(*, now, keep):
    """Delete change-log rows logged before `now - keep`; returns how many (an index that far behind is rebuilt)."""
    deleted = db.session.execute(delete(SearchChange).where(SearchChange.created_at < now - keep)).rowcount
    db.session.commit()
    return deleted


# This process's follower is woken by each commit that logged a change; the search's after-request hook
# reads the same flag, and clears it.
_wakeups = CommitWakeups("search_changed", consume=False)
on_commit_of_changes, stop_calling = _wakeups.add, _wakeups.remove
