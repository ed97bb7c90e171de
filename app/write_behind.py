"""Small writes on read paths (view counts, search logs), buffered so a page view never waits on a write.

A buffer is written when it is WRITE_BEHIND_SECONDS old: by the request that finds it due, else by a
timer (a quiet site still writes within that time), and once more when the process exits normally
(gunicorn's graceful stop on SIGTERM, a deploy's restart), so only a killed process loses its items.
"""
import atexit
import logging
import threading
import time
import weakref

from flask import current_app

from app.extensions import db

logger = logging.getLogger(__name__)

# Every buffer of this process, for the flush at exit (weakly: an app and its buffers may be dropped).
_live_buffers = weakref.WeakSet()


class WriteBehind:
    """Collects items in memory and writes them in one short transaction now and then."""

    def __init__(self, write, flush_seconds):
        self._write = write
        self.flush_seconds = flush_seconds
        self._items = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._timer = None
        self._engine = None
        _live_buffers.add(self)

    def add(self, item, engine):
        """Queue one item; flush when the buffer is old enough, else make sure a timer will."""
        with self._lock:
            self._items.append(item)
            self._engine = engine
            due = time.monotonic() - self._last_flush >= self.flush_seconds
            if not due and self._timer is None:
                self._timer = threading.Timer(self.flush_seconds, self._flush_on_timer)
                self._timer.daemon = True  # never holds the process open: the exit flush writes what is left
                self._timer.start()
        if due:
            self._flush_quietly()

    def _flush_on_timer(self):
        with self._lock:
            self._timer = None
        self._flush_quietly()

    def _flush_quietly(self):
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - a counter must never fail the page that counts
            # The items went back to the buffer; the next flush tries again.
            logger.warning("Buffered writes postponed", exc_info=True)

    def pending(self):
        """How many items wait to be written."""
        with self._lock:
            return len(self._items)

    def flush(self, engine=None):
        """Write what is queued on a connection of its own; put it back if the write fails."""
        with self._lock:
            items, self._items = self._items, []
            self._last_flush = time.monotonic()
            engine = engine or self._engine
        if not items:
            return
        try:
            # Its own transaction, which writes first: never entangled with the request's reads.
            with engine.begin() as connection:
                self._write(connection, items)
        except Exception:
            with self._lock:
                self._items[:0] = items
            raise


@atexit.register
def flush_all():
    """Write every buffer of this process (at exit; a graceful stop must lose no view and no search log)."""
    for buffer in list(_live_buffers):
        buffer._flush_quietly()


def record(name, write, item):
    """Queue `item` in the app's buffer called `name`, written by `write(connection, items)`."""
    buffers = current_app.extensions.setdefault("peerdesk_write_behind", {})
    if name not in buffers:
        buffers[name] = WriteBehind(write, current_app.config["WRITE_BEHIND_SECONDS"])
    buffers[name].add(item, db.engine)
