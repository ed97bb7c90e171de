"""Small writes on read paths (view counts, search logs), buffered so a page view never waits on a write."""
import threading
import time

from flask import current_app

from app.extensions import db


class WriteBehind:
    """Collects items in memory and writes them in one short transaction now and then.

    Items still waiting when the process dies are lost: acceptable for counters and logs,
    and it keeps reads free of database writes (and of SQLite's write lock).
    """

    def __init__(self, write, flush_seconds):
        self._write = write
        self.flush_seconds = flush_seconds
        self._items = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def add(self, item, engine):
        """Queue one item; flush when the buffer is old enough."""
        with self._lock:
            self._items.append(item)
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            try:
                self.flush(engine)
            except Exception:  # noqa: BLE001 - a counter must never fail the page that counts
                # The items went back to the buffer; the next flush tries again.
                current_app.logger.warning("Buffered writes postponed", exc_info=True)

    def flush(self, engine):
        """Write what is queued on a connection of its own; put it back if the write fails."""
        with self._lock:
            items, self._items = self._items, []
            self._last_flush = time.monotonic()
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


def record(name, write, item):
    """Queue `item` in the app's buffer called `name`, written by `write(connection, items)`."""
    buffers = current_app.extensions.setdefault("peerdesk_write_behind", {})
    if name not in buffers:
        buffers[name] = WriteBehind(write, current_app.config["WRITE_BEHIND_SECONDS"])
    buffers[name].add(item, db.engine)
