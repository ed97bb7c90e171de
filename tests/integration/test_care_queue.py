"""The care queue end to end through the real services: sweep, receivers, clocks, follow-up, concurrency."""
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import background, create_app, signals, visitors
from app.audit import AuditEntry
from app.care import queries, services, sweep
from app.care.models import CareItem, CareReason, CareReminder
from app.clock import utcnow
from app.exceptions import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.moderation import services as moderation
from app.notifications.models import Notification
from app.questions import services as threads

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def agent(make):
    return make.user("agent1", role="agent")


def _item(question):
    db.session.rollback()
    return db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def test_the_sweep_queues_an_unanswered_question_at_the_threshold_once(make):
    question = make.question(body="The left earbud stopped pairing after the update.")
    asked = question.created_at
    assert sweep.run(asked + timedelta(minutes=59, seconds=59)).created == 0
    assert _item(question) is None
    assert sweep.run(asked + timedelta(minutes=60)).created == 1
    assert sweep.run(asked + timedelta(minutes=61)).created == 0
    item = _item(question)
    assert item.reason_kinds == ["unanswered"] and item.status == "new" and item.team == "technical support"
    assert db.session.scalar(select(func.count()).select_from(CareItem)) == 1


def test_a_thread_that_qualifies_twice_is_queued_once_with_both_reasons(make):
    question = make.question(title="I want a refund for my X200", body="Still broken after two weeks, unacceptable.")
    item = _item(question)  # a complaint goes to staff at once
    assert item.reason_kinds == ["complaint"] and item.category == "complaint" and item.team == "customer care"
    assert {"refund", "unacceptable"} <= set(item.matched_words)
    sweep.run(question.created_at + timedelta(hours=1))
    assert _item(question).reason_kinds == ["complaint", "unanswered"]
    assert db.session.scalar(select(func.count()).select_from(CareItem)) == 1


def test_answered_but_unaccepted_enters_after_the_unresolved_threshold(make):
    question = make.question()
    make.answer(question)
    asked = question.created_at
    sweep.run(asked + timedelta(hours=23, minutes=59, seconds=59))
    assert _item(question) is None
    sweep.run(asked + timedelta(hours=24))
    assert _item(question).reason_kinds == ["unresolved"]


def test_same_problem_counts_once_per_member_and_browser_and_queues_at_the_threshold(make, app):
    question = make.question()
    make.answer(question)
    member = make.user()
    assert services.press_same_problem(member, question, "browser-token-1234567890", now=utcnow())[0] == 1
    assert services.press_same_problem(member, question, "browser-token-1234567890", now=utcnow()) == (1, False)
    visitor = SimpleNamespace(is_authenticated=False)
    assert services.press_same_problem(visitor, question, "another-browser-123456789", now=utcnow()) == (2, True)
    assert services.press_same_problem(visitor, question, "another-browser-123456789", now=utcnow()) == (2, False)
    # Pressed as a visitor, then signed in on the same browser: still one person.
    later = make.user()
    assert services.press_same_problem(later, question, "another-browser-123456789", now=utcnow()) == (2, False)
    sweep.run(question.created_at + timedelta(minutes=1))
    assert _item(question) is None
    services.press_same_problem(visitor, question, "third-browser-1234567890", now=utcnow())
    sweep.run(question.created_at + timedelta(minutes=2))
    assert _item(question).reason_kinds == ["same_problem"]
    stored = db.session.execute(select(services.SameProblem.browser_hash)).scalars().all()
    assert "another-browser-123456789" not in stored and visitors.digest("another-browser-123456789") in stored
    # A visitor without a stable token (None) is never counted: the question is only checked.
    assert services.press_same_problem(visitor, question, None, now=utcnow()) == (3, False)


def test_a_visitor_without_a_token_is_checked_but_not_counted(make):
    question = make.question()
    visitor = SimpleNamespace(is_authenticated=False)
    assert [services.press_same_problem(visitor, question, None, now=utcnow()) for _ in range(46)] == [(0, False)] * 46
    assert db.session.scalar(select(db.func.count()).select_from(services.SameProblem)) == 0
    threads.accept_answer(question.author, make.answer(question), now=utcnow())
    with pytest.raises(Conflict):
        services.press_same_problem(visitor, question, None, now=utcnow())


def test_a_staff_flag_queues_the_thread_in_the_flag_transaction(make):
    question = make.question()
    answer = make.answer(question)
    moderation.flag_post(make.flagger(), answer, "staff", "Customer is stuck for days", now=utcnow())
    moderation.flag_post(make.flagger(), question, "spam", now=utcnow())
    item = _item(question)
    assert item.reason_kinds == ["flagged"] and item.reasons[0].detail == "Customer is stuck for days"
    moderation.flag_post(make.flagger(), question, "staff", "Still waiting", now=utcnow())
    assert [r.detail for r in _item(question).reasons] == ["Customer is stuck for days", "Still waiting"]


def test_staff_answer_stops_first_response_and_acceptance_resolves(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "Known firmware issue", now=utcnow())
    item = _item(question)
    assert item.reason_kinds == ["manual"] and item.reasons[0].detail == "Known firmware issue"
    services.claim(agent, item, now=utcnow())
    assert _item(question).status == "in_progress"
    answer = make.answer(question, author=agent, body="Update to firmware 2.1 and pair again from settings.")
    item = _item(question)
    assert item.first_response_at == answer.created_at and item.first_response_by_id == agent.id
    threads.accept_answer(question.author, answer, now=utcnow())
    item = _item(question)
    assert item.status == "resolved" and item.resolved_by == "staff" and item.followup_asked_at is not None
    assert queries.public_status(question.id) == ("resolved", "Resolved by staff")


def test_a_staff_comment_acknowledges_and_a_community_acceptance_counts_as_community(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    threads.add_comment(agent, question, "We're looking into this.", now=utcnow())
    item = _item(question)
    assert item.status == "acknowledged" and item.first_response_at is not None
    assert queries.public_status(question.id) == ("investigating", "Staff investigating")
    helper_answer = make.answer(question)
    threads.accept_answer(question.author, helper_answer, now=utcnow())
    assert _item(question).resolved_by == "community"
    assert queries.public_status(question.id) is None


def test_no_reopens_and_yes_records_satisfaction(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    services.set_status(agent, _item(question), "resolved", now=utcnow())
    with pytest.raises(PermissionDenied):
        services.record_feedback(make.user(), question, False, now=utcnow())
    services.record_feedback(question.author, question, False, now=utcnow())
    item = _item(question)
    assert item.status == "new" and item.satisfied is False and item.reopened_count == 1
    assert "not_solved" in item.reason_kinds
    with pytest.raises(Conflict):
        services.record_feedback(question.author, question, True, now=utcnow())
    services.set_status(agent, item, "resolved", now=utcnow())
    services.record_feedback(question.author, question, True, now=utcnow())
    assert _item(question).satisfied is True


def test_the_askers_not_solved_comment_on_a_resolved_thread_reopens(make, agent):
    question = make.question()
    answer = make.answer(question)
    services.send_to_queue(agent, question, "", now=utcnow())
    threads.accept_answer(question.author, answer, now=utcnow())
    assert not _item(question).is_open
    threads.add_comment(make.user(), question, "This didn't solve it for me either", now=utcnow())  # not the asker
    assert not _item(question).is_open
    threads.add_comment(question.author, question, "Sorry, this did not solve my problem after all.", now=utcnow())
    item = _item(question)
    assert item.is_open and item.reason_kinds == ["manual", "not_solved"]


def test_waiting_on_the_customer_pauses_and_the_askers_reply_resumes(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    item = _item(question)
    start = item.created_at
    services.set_status(agent, item, "waiting", now=start + timedelta(minutes=10))
    services.set_status(agent, _item(question), "in_progress", now=start + timedelta(hours=2, minutes=10))
    item = _item(question)
    first, resolution = services.sla.clocks(item, start + timedelta(hours=3))
    assert item.paused_seconds == 7200
    assert resolution.due_at == start + timedelta(hours=26)
    services.set_status(agent, item, "waiting", now=utcnow())
    threads.add_comment(question.author, question, "Here is the serial number you asked for.", now=utcnow())
    assert _item(question).status == "in_progress" and _item(question).waiting_since is None


def test_breaches_are_marked_once_per_clock_and_signalled(make, agent):
    question = make.question()
    received = []

    def listen(sender, item, clock, **extra):
        received.append((item.id, clock))

    signals.care_item_breached.connect(listen)
    try:
        services.send_to_queue(agent, question, "", now=utcnow())
        created = _item(question).created_at
        assert sweep.run(created + timedelta(minutes=59)).breaches == []
        assert sweep.run(created + timedelta(minutes=61)).breaches == [(_item(question).id, "first_response")]
        assert sweep.run(created + timedelta(minutes=62)).breaches == []
        assert sweep.run(created + timedelta(hours=25)).breaches == [(_item(question).id, "resolution")]
    finally:
        signals.care_item_breached.disconnect(listen)
    assert received == [(_item(question).id, "first_response"), (_item(question).id, "resolution")]


def test_created_and_resolved_signals_are_sent(make, agent):
    seen = []
    handlers = {name: (lambda sender, item, name=name, **extra: seen.append(name))
                for name in ("care_item_created", "care_item_resolved")}
    for name, handler in handlers.items():
        getattr(signals, name).connect(handler)
    try:
        question = make.question()
        services.send_to_queue(agent, question, "", now=utcnow())
        services.set_status(agent, _item(question), "resolved", now=utcnow())
    finally:
        for name, handler in handlers.items():
            getattr(signals, name).disconnect(handler)
    assert seen == ["care_item_created", "care_item_resolved"]


def test_assignment_claim_and_away_with_backup(make, agent):
    backup = make.user("backup1", role="agent")
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    item = _item(question)
    services.assign(agent, item, agent, now=utcnow())
    with pytest.raises(Conflict):
        services.claim(backup, _item(question), now=utcnow())
    assert services.set_away(agent, agent, True, backup=backup, now=utcnow()) == 1
    assert _item(question).assignee_id == backup.id
    other = make.question()
    services.send_to_queue(backup, other, "", now=utcnow())
    services.assign(backup, _item(other), agent, now=utcnow())  # away: goes to the backup
    assert _item(other).assignee_id == backup.id
    services.set_away(backup, backup, True, now=utcnow())  # nobody to hand over to: back to the queue
    assert _item(question).assignee_id is None and _item(other).assignee_id is None
    with pytest.raises(Conflict):  # away, and the backup is away too
        services.assign(backup, _item(other), agent, now=utcnow())
    services.set_away(agent, agent, False, now=utcnow())
    services.assign(agent, _item(other), agent, now=utcnow())
    assert queries.open_counts_by_assignee() == {agent.id: 1}
    services.assign(agent, _item(other), None, now=utcnow())
    assert _item(other).assignee_id is None
    with pytest.raises(PermissionDenied):
        services.set_away(agent, backup, False, now=utcnow())


def test_triage_reroutes_and_overrides_priority_and_everything_is_audited(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    services.triage(agent, _item(question), category="compliment", priority="urgent", now=utcnow())
    item = _item(question)
    assert item.team == "marketing" and queries.effective_priority(item) == "urgent"
    services.triage(agent, item, priority="auto", now=utcnow())
    assert _item(question).priority_override is None
    with pytest.raises(ValidationError):
        services.triage(agent, item, category="rant", now=utcnow())
    services.add_note(agent, item, "Called the customer", now=utcnow())
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "care_item")).all()
    assert actions == ["care.create", "care.triage", "care.triage", "care.note"]


def test_members_cannot_work_items(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    member = make.user()
    for action in (lambda: services.claim(member, _item(question), now=utcnow()),
                   lambda: services.send_to_queue(member, question, "", now=utcnow()),
                   lambda: services.add_note(member, _item(question), "x", now=utcnow()),
                   lambda: services.set_status(member, _item(question), "resolved", now=utcnow())):
        with pytest.raises(PermissionDenied):
            action()


def test_reminders_come_after_three_days_at_most_twice(make):
    question = make.question()
    answer = make.answer(question)
    at = answer.created_at
    assert sweep.run(at + timedelta(days=3) - timedelta(seconds=1)).reminders == 0
    assert sweep.run(at + timedelta(days=3)).reminders == 1
    assert sweep.run(at + timedelta(days=4)).reminders == 0
    assert sweep.run(at + timedelta(days=6)).reminders == 1
    assert sweep.run(at + timedelta(days=30)).reminders == 0
    assert db.session.scalar(select(func.count()).select_from(CareReminder)) == 2
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == question.author_id,
                                                               Notification.kind == "care_reminder")).all()
    assert kinds == ["care_reminder", "care_reminder"]


def test_a_staff_resolution_asks_the_asker_by_notification(make, agent):
    question = make.question()
    services.send_to_queue(agent, question, "", now=utcnow())
    services.set_status(agent, _item(question), "resolved", now=utcnow())
    note = db.session.scalar(select(Notification).where(Notification.user_id == question.author_id,
                                                        Notification.kind == "care_followup"))
    assert note is not None and note.actor_id == agent.id and "Did this solve your problem?" in note.excerpt


def test_the_cli_sweeps_and_refuses_a_bad_time(make, runner):
    question = make.question()
    result = runner.invoke(args=["care", "sweep", "--now", (question.created_at + timedelta(hours=2)).isoformat()])
    assert result.exit_code == 0 and "1 item(s) queued" in result.output
    assert runner.invoke(args=["care", "sweep", "--now", "yesterday"]).exit_code == 2


def test_two_sweeps_at_once_create_no_duplicates(make, app):
    questions = [make.question() for _ in range(6)]
    now = max(q.created_at for q in questions) + timedelta(hours=2)
    db.session.remove()
    results, errors = [], []
    barrier = threading.Barrier(2, timeout=60)
    # Built here, one after the other: CPython 3.11 can fail compiling in two threads at once ("AST constructor
    # recursion depth mismatch", from Werkzeug's URL builders), and the sweeps are what runs concurrently.
    apps = [create_app(app.config) for _ in range(2)]

    def run_one(other):
        with other.app_context():
            try:
                barrier.wait()
                results.append(sweep.run(now).created)
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
    assert sorted(results) == [0, 6]
    assert db.session.scalar(select(func.count()).select_from(CareItem)) == 6
    assert db.session.scalar(select(func.count()).select_from(CareReason)) == 6


def test_the_in_app_sweeper_starts_lazily_only_when_turned_on(make, app, client):
    client.get("/")
    assert background.running(app) == []
    app.config["CARE_IN_APP_SWEEP"] = True
    app.config["CARE_SWEEP_INTERVAL_SECONDS"] = 3600
    try:
        client.get("/")
        assert background.running(app) == ["care_sweep"]
    finally:
        background.stop_all(app)
    assert background.running(app) == []


def test_admins_change_thresholds_and_lexicon_on_the_settings_page(client, make, sign_in):
    sign_in(make.user(role="admin"))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "CARE_UNANSWERED_MINUTES" in page and "CARE_COMPLAINT_WORDS" in page
    assert client.post("/admin/settings/CARE_UNANSWERED_MINUTES",
                       data={"value": "30", "reason": "faster care"}).status_code == 302
    assert client.post("/admin/settings/CARE_COMPLAINT_WORDS",
                       data={"value": "zebra\nwarranty claim", "reason": "new product line"}).status_code == 302
    assert client.post("/admin/settings/CARE_UNANSWERED_MINUTES",
                       data={"value": "0", "reason": "instant care"}).status_code == 422
    quiet = make.question(body="My zebra-striped case squeaks a little when I open it.")
    assert _item(quiet).reason_kinds == ["complaint"] and _item(quiet).matched_words[0] == "zebra"
    plain = make.question(body="The lid squeaks a little when I open it, nothing else.")
    sweep.run(plain.created_at + timedelta(minutes=29, seconds=59))
    assert _item(plain) is None
    sweep.run(plain.created_at + timedelta(minutes=30))
    assert _item(plain).reason_kinds == ["unanswered"]
