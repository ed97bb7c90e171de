"""Buffered writes on read paths: a failed write never fails the page and loses nothing."""
import threading

from app import write_behind
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


def test_a_quiet_buffer_is_written_by_its_timer(app):
    written, done = [], threading.Event()

    def write(connection, items):
        written.extend(items)
        done.set()

    buffer = WriteBehind(write, flush_seconds=0.2)
    buffer.add("only view", db.engine)  # no later request comes to find it due
    assert written == [] and buffer.pending() == 1
    assert done.wait(timeout=30)
    assert written == ["only view"] and buffer.pending() == 0


def test_the_exit_flush_writes_every_buffer_of_the_process(app):
    views, searches = [], []
    for target, item in ((views, "view"), (searches, "search")):
        WriteBehind(lambda connection, items, target=target: target.extend(items), 3600).add(item, db.engine)
    assert views == [] and searches == []
    write_behind.flush_all()
    assert views == ["view"] and searches == ["search"]
