"""Imported history never sets off the care queue: no items, no reminders, no webhooks, nothing to placeholder
addresses; an operator opts a recent window in explicitly."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.care import sweep
from app.care.models import CareExemption, CareItem, CareReminder
from app.extensions import db
from app.importer.models import ImportedRecord
from app.importer.stackexchange import StackExchangeImport
from app.models import Question
from app.outbox import OutboxMessage
from app.webhooks import services as webhooks
from tests.integration.test_import_stackexchange import answer, question, user, write_dump

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def _dump(folder, recent):
    """Old threads from 2014-2016 (unanswered, answered and unresolved, a complaint) and one asked `recent`."""
    return write_dump(folder, users=[user(1, "Ada"), user(2, "Bo")], posts=[
        question(1, "X200 will not pair with my laptop", "<p>Nothing in the manual works.</p>",
                 created="2014-05-01T10:00:00"),
        question(2, "Case light keeps blinking red", "<p>Is the battery dead?</p>", created="2015-06-01T10:00:00"),
        answer(3, 2, "<p>Charge it for an hour.</p>", created="2015-06-02T10:00:00"),
        question(4, "I want a refund, this is unacceptable", "<p>Still broken, terrible service.</p>",
                 created="2016-01-01T10:00:00"),
        question(5, "Left earbud silent since this morning", "<p>It worked yesterday.</p>",
                 created=recent.strftime("%Y-%m-%dT%H:%M:%S")),
    ])


def _local(external_id):
    return db.session.scalar(select(ImportedRecord.local_id).where(ImportedRecord.kind == "question",
                                                                   ImportedRecord.external_id == str(external_id)))


def test_an_import_queues_nothing_reminds_nobody_and_delivers_nothing(tmp_path, clock, make):
    admin = make.user(role="admin")
    webhooks.create(admin, "https://receiver.example/hook", ["care_item.created", "care_item.breached"],
                    now=clock.now)
    report = StackExchangeImport(_dump(tmp_path / "dump", clock.now - timedelta(hours=3)), site="old",
                                 now=clock.now).run()
    assert report.care_exempt == 4 and report.care_eligible == 0
    assert any("4 imported question(s) kept out" in note for note in report.notes)
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    for later in (timedelta(minutes=1), timedelta(hours=2), timedelta(days=4), timedelta(days=9)):
        result = sweep.run(clock.now + later)
        assert (result.created, result.reminders, len(result.breaches)) == (0, 0, 0), later
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CareItem)) == 0
    assert db.session.scalar(select(func.count()).select_from(CareReminder)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before


def test_care_since_opts_a_recent_window_in(app, tmp_path, clock):
    recent = clock.now - timedelta(hours=3)
    report = StackExchangeImport(_dump(tmp_path / "dump", recent), site="old", now=clock.now,
                                 care_since=clock.now - timedelta(days=1)).run()
    assert (report.care_exempt, report.care_eligible) == (3, 1)
    result = sweep.run(clock.now + timedelta(minutes=1))
    assert result.created == 1
    db.session.rollback()
    assert db.session.scalar(select(CareItem.question_id)) == _local(5)


def test_flask_care_include_opts_in_after_the_import(app, tmp_path, clock, runner):
    StackExchangeImport(_dump(tmp_path / "dump", clock.now - timedelta(hours=3)), site="old", now=clock.now).run()
    since = (clock.now - timedelta(days=2)).strftime("%Y-%m-%d")
    result = runner.invoke(args=["care", "include", "--since", since])
    assert result.exit_code == 0 and "1 question(s)" in result.output
    db.session.rollback()
    assert db.session.get(CareExemption, _local(5)) is None and db.session.get(CareExemption, _local(1))
    assert sweep.run(clock.now + timedelta(minutes=1)).created == 1


def test_a_comment_on_an_imported_thread_does_not_queue_it(tmp_path, clock, make):
    """The asker's "still not working" reopens a real thread; on imported history it changes nothing."""
    from app.questions import services as threads

    StackExchangeImport(_dump(tmp_path / "dump", clock.now - timedelta(hours=3)), site="old", now=clock.now).run()
    imported = db.session.get(Question, _local(2))
    threads.add_comment(make.user(), imported, "Still not working for me, it did not solve it.", now=clock.now)
    assert db.session.scalar(select(func.count()).select_from(CareItem)) == 0


def test_no_email_is_queued_for_a_placeholder_address(make, clock):
    from app import mail

    member = make.user()
    member.email = "someone@import.invalid"
    db.session.commit()
    assert mail.enqueue_email(member.email, "Hi", "notification", now=clock.now, user_id=member.id) is None
