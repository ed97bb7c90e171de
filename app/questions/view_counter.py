"""Question view counts, buffered in memory so reading a page never waits on a write."""
import threading
import time
from collections import Counter

from sqlalchemy import update

from app.models import Question


class ViewCounter:
    """Collects views per question and adds them to the database in one batch now and then.

    A view that waits in the buffer when the process dies is lost: acceptable for a
    popularity figure, and it keeps every page view free of a database write.
    """

    def __init__(self, flush_seconds):
        self.flush_seconds = flush_seconds
        self._pending = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def record(self, question_id, engine):
        """Count one view; flush when the buffer is old enough."""
        with self._lock:
            self._pending[question_id] += 1
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            self.flush(engine)

    def flush(self, engine):
        """Add the buffered views with one additive UPDATE per question, on a connection of its own."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        try:
            # Its own short transaction, which writes first: never entangled with the request's reads.
            with engine.begin() as connection:
                for question_id, views in sorted(pending.items()):
                    connection.execute(update(Question).where(Question.id == question_id)
                                       .values(view_count=Question.view_count + views))
        except Exception:
            with self._lock:
                self._pending.update(pending)
            raise
