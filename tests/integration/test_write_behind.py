"""Buffered writes on read paths: a failed write never fails the page and loses nothing."""
from app.extensions import db
from app.write_behind import WriteBehind


def test_a_failing_flush_keeps_the_items_and_does_not_raise(app):
    written, failures = [], [RuntimeError("database is locked")]

    def write(connection, items):
        if failures:
            raise failures.pop()
        written.extend(items)

    buffer = WriteBehind(write, flush_seconds=0)
    buffer.add("first view", db.engine)  # the write fails: postponed, not raised
    assert written == []
    buffer.add("second view", db.engine)
    assert written == ["first view", "second view"]


def test_items_wait_until_the_buffer_is_old_enough(app):
    written = []
    buffer = WriteBehind(lambda connection, items: written.extend(items), flush_seconds=3600)
    buffer.add("a", db.engine)
    assert written == []
    buffer.flush(db.engine)
    assert written == ["a"]
