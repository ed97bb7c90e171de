"""The care sweep at scale: short batched write transactions, incremental repeat sweeps, hidden questions, overlap."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, func, insert, select, text, update

from app import create_app
from app.care import sweep
from app.care.models import CareItem, CareReason
from app.clock import utcnow
from app.database import begin_write
from app.extensions import db
from app.models import Question
from app.settings import Setting

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

ASKED = utcnow().replace(microsecond=0) - timedelta(days=30)


def _bulk_questions(author, count, asked=ASKED, body="The left earbud stopped pairing after the update.", **extra):
    """Questions inserted straight through the model (no services, no signals): fast enough for thousands."""
    begin_write(db.session)
    rows = [dict(author_id=author.id, title=f"X200 case {n} will not pair", body_source=body,
                 body_html=f"<p>{body}</p>", created_at=asked, last_activity_at=asked, **extra) for n in range(count)]
    ids = sorted(db.session.scalars(insert(Question).returning(Question.id), rows))
    db.session.commit()
    return ids


def _items():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CareItem))


class _Statements:
    """Counts the SQL statements the app's engine runs while active."""

    def __init__(self):
        self.count = 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)


def test_a_sweep_commits_batch_by_batch_and_another_connection_writes_between_batches(make):
    author = make.user()
    ids = _bulk_questions(author, 230)
    url = db.engine.url
    other = create_engine(url.render_as_string(hide_password=False))
    written, commits = [], []

    def write_between_batches(session):
        # Another connection that waits at most 200 ms for the lock, as an impatient web request would.
        with other.connect() as connection:
            if other.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA busy_timeout=200")
            else:
                connection.exec_driver_sql("SET lock_timeout = '200ms'")
            connection.execute(update(Question).where(Question.id == ids[len(commits)])
                               .values(view_count=Question.view_count + 1))
            connection.commit()
        commits.append(1)
        written.append(ids[len(commits) - 1])

    session = db.session()
    event.listen(session, "after_commit", write_between_batches)
    try:
        result = sweep.run(ASKED + timedelta(hours=2), batch_size=50)
    finally:
        event.remove(session, "after_commit", write_between_batches)
        other.dispose()
    assert result.created == 230 and result.full
    # 5 batches of questions, 5 of items' clocks, and the sweep's state: each its own transaction.
    assert result.transactions == 10 and len(commits) >= 11
    db.session.rollback()
    assert db.session.scalar(select(func.sum(Question.view_count))) == len(written) == len(commits)


class _ItemsPerTransaction:
    """How many care items each transaction of the app's engine inserted, in commit order."""

    def __init__(self):
        self.per_transaction, self._open = [], 0

    def _statement(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO CARE_ITEMS"):
            self._open += 1

    def _commit(self, conn):
        if self._open:
            self.per_transaction.append(self._open)
        self._open = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._statement)
        event.listen(db.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._statement)
        event.remove(db.engine, "commit", self._commit)


def test_a_first_sweep_queues_a_batch_per_transaction_while_another_writer_keeps_writing(make):
    """A web request writing all through a first sweep is never refused, and no transaction of the
    sweep does more than one batch's work: the lock is held for ten questions at a time, whatever
    the machine's load (the test above shows another connection writing between the batches)."""
    author = make.user()
    ids = _bulk_questions(author, 300)
    other = create_engine(db.engine.url.render_as_string(hide_password=False))
    done, failures, writes = threading.Event(), [], []

    def keep_writing():
        while not done.is_set():
            try:
                with other.connect() as connection:
                    if other.dialect.name == "sqlite":
                        # Waits as long as it must: a loaded machine may pause the sweep inside a batch.
                        connection.exec_driver_sql("PRAGMA busy_timeout=60000")
                    connection.execute(update(Question).where(Question.id == ids[-1])
                                       .values(view_count=Question.view_count + 1))
                    connection.commit()
                writes.append(1)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
                return
            done.wait(0.02)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        with _ItemsPerTransaction() as inserted:
            result = sweep.run(ASKED + timedelta(hours=2), batch_size=10)
    finally:
        done.set()
        writer.join()
        other.dispose()
    assert result.created == 300 and result.transactions == 60
    assert inserted.per_transaction == [10] * 30  # never the whole sweep in one transaction
    assert failures == []
    db.session.rollback()
    assert db.session.get(Question, ids[-1]).view_count == len(writes)


def test_a_repeat_sweep_does_not_grow_with_the_questions_already_queued(make):
    author = make.user()
    now = ASKED + timedelta(hours=2)
    _bulk_questions(author, 40)
    assert sweep.run(now).created == 40
    with _Statements() as small:
        repeat = sweep.run(now + timedelta(minutes=1))
    assert repeat.created == repeat.examined == 0 and not repeat.full and repeat.transactions == 0
    # Ten times as many, queued by the hourly catch-up (they were inserted behind the sweep's back).
    _bulk_questions(author, 400)
    assert sweep.run(now + timedelta(minutes=2)).created == 0
    assert sweep.run(now + timedelta(minutes=61)).created == 400
    with _Statements() as large:
        repeat = sweep.run(now + timedelta(minutes=62))
    assert repeat.created == repeat.examined == 0
    # Settings reads and a few index lookups (entry rules, clocks, visibility, warnings, reminders).
    assert large.count == small.count and large.count <= 40


def test_the_repeat_sweep_still_sees_what_changed(make):
    author = make.user()
    now = ASKED + timedelta(hours=2)
    quiet = _bulk_questions(author, 3, asked=now - timedelta(minutes=30))
    assert sweep.run(now).created == 0
    # A new complaint, a question crossing the unanswered threshold, and an answer arriving.
    complaint = make.question(title="I want a refund", body="Unacceptable, still broken after two weeks.")
    answered = make.question()
    make.answer(answered)
    result = sweep.run(now + timedelta(minutes=30))
    assert result.created == 3 and not result.full  # the three quiet ones; the complaint was queued when asked
    db.session.rollback()
    kinds = {question_id: item.reason_kinds for question_id, item in db.session.execute(
        select(CareItem.question_id, CareItem))}
    assert kinds[complaint.id] == ["complaint"] and all(kinds[q] == ["unanswered"] for q in quiet)
    assert answered.id not in kinds
    # Same-problem presses after the last sweep are noticed by the next one.
    begin_write(db.session)
    db.session.execute(text("INSERT INTO care_same_problem (question_id, browser_hash, created_at) "
                            "VALUES (:q, 'a', :t), (:q, 'b', :t), (:q, 'c', :t)"),
                       {"q": answered.id, "t": utcnow()})
    db.session.commit()
    assert sweep.run(now + timedelta(minutes=31)).created == 1


def test_changed_thresholds_make_the_next_sweep_a_full_one(make, app):
    author = make.user()
    now = ASKED + timedelta(hours=2)
    _bulk_questions(author, 5, asked=now - timedelta(minutes=40))
    assert sweep.run(now).created == 0
    app.config["CARE_UNANSWERED_MINUTES"] = 30
    result = sweep.run(now + timedelta(minutes=1))
    assert result.full and result.created == 5
    assert not sweep.run(now + timedelta(minutes=2)).full


def test_hidden_questions_never_enter_the_queue(make):
    author = make.user()
    now = ASKED + timedelta(hours=2)
    hidden = _bulk_questions(author, 3, hidden_at=ASKED, hidden_reason="flags",
                             body="Refund now, this is unacceptable and the worst service.")
    visible = _bulk_questions(author, 2)
    begin_write(db.session)
    db.session.execute(text("INSERT INTO care_same_problem (question_id, browser_hash, created_at) "
                            "VALUES (:q, 'a', :t), (:q, 'b', :t), (:q, 'c', :t)"), {"q": hidden[0], "t": utcnow()})
    db.session.commit()
    assert sweep.run(now).created == 2  # full sweep
    assert sweep.run(now + timedelta(hours=2)).created == 0  # incremental, with the hourly catch-up
    db.session.rollback()
    assert sorted(db.session.scalars(select(CareItem.question_id))) == visible
    # Unhidden, it qualifies at the next catch-up.
    begin_write(db.session)
    db.session.execute(update(Question).where(Question.id.in_(hidden)).values(hidden_at=None, hidden_reason=None))
    db.session.commit()
    assert sweep.run(now + timedelta(hours=3, minutes=1)).created == 3


def test_breaches_and_priorities_of_open_items_are_refreshed_only_when_due(make):
    author = make.user()
    now = ASKED + timedelta(hours=2)
    _bulk_questions(author, 30)
    sweep.run(now)
    db.session.rollback()
    scores = set(db.session.scalars(select(CareItem.priority_score)))
    # Nothing is due a minute later; past 60 minutes every first-response clock breaches, once.
    assert sweep.run(now + timedelta(minutes=1)).breaches == []
    breached = sweep.run(now + timedelta(minutes=61)).breaches
    assert sorted(clock for _, clock in breached) == ["first_response"] * 30
    assert sweep.run(now + timedelta(minutes=62)).breaches == []
    db.session.rollback()
    # Two wait steps of 30 minutes have passed since the items opened: two points more each.
    assert {score - 2 for score in db.session.scalars(select(CareItem.priority_score))} == scores


def test_two_batched_sweeps_at_once_create_no_duplicates(make, app):
    author = make.user()
    _bulk_questions(author, 120)
    now = ASKED + timedelta(hours=2)
    db.session.remove()
    results, errors = [], []
    barrier = threading.Barrier(2, timeout=60)
    apps = [create_app(app.config) for _ in range(2)]  # one after the other (see test_care_queue.py)

    def run_one(other):
        with other.app_context():
            try:
                barrier.wait()
                results.append(sweep.run(now, batch_size=10).created)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    workers = [threading.Thread(target=run_one, args=(other,)) for other in apps]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sum(results) == 120
    assert _items() == 120
    assert db.session.scalar(select(func.count()).select_from(CareReason)) == 120
    assert db.session.scalar(select(func.count()).select_from(Setting).where(Setting.name == sweep.STATE_NAME)) == 1
