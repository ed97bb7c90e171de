"""Accepting answers: who may, switching, resolved status and the reputation that moves with it."""
import random

import pytest
from sqlalchemy import select

from app import reputation
from app.audit import AuditEntry
from app.clock import utcnow
from app.exceptions import Conflict, PermissionDenied
from app.extensions import db
from app.models import Question
from app.notifications.models import Notification
from app.questions import services


@pytest.fixture
def thread(make):
    """A question with two answers from two members."""
    asker = make.user("asker")
    question = make.question(asker)
    first, second = make.answer(question, make.user("first")), make.answer(question, make.user("second"))
    return question, first, second, asker


def test_accepting_resolves_the_question_and_awards_reputation(thread):
    question, first, _, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id == first.id and question.is_resolved and question.status == "resolved"
    assert first.author.reputation == 1 + 15
    assert asker.reputation == 1 + 2


def test_accepting_another_switches_and_moves_the_reputation(thread):
    question, first, second, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    services.accept_answer(asker, second, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id == second.id
    assert (first.author.reputation_points, second.author.reputation_points, asker.reputation_points) == (0, 15, 2)


def test_accepting_twice_changes_nothing(thread):
    question, first, _, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    services.accept_answer(asker, first, now=utcnow())
    db.session.expire_all()
    assert (first.author.reputation_points, asker.reputation_points) == (15, 2)


def test_unaccepting_reopens_and_takes_the_reputation_back(thread):
    question, first, _, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    services.unaccept_answer(asker, question, now=utcnow())
    db.session.expire_all()
    assert not question.is_resolved
    assert (first.author.reputation_points, asker.reputation_points) == (0, 0)


def test_accepting_your_own_answer_is_allowed_but_earns_nothing(make):
    asker = make.user("selfhelp")
    question = make.question(asker)
    own = make.answer(question, asker, "I found it myself: the reset button is under the left earbud.")
    services.accept_answer(asker, own, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id == own.id
    assert asker.reputation_points == 0


def test_only_the_asker_or_staff_accept(thread, make):
    question, first, second, _ = thread
    with pytest.raises(PermissionDenied):
        services.accept_answer(make.user("bystander"), first, now=utcnow())
    with pytest.raises(PermissionDenied):
        services.accept_answer(second.author, first, now=utcnow())
    services.accept_answer(make.user("helper", role="agent"), first, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id == first.id


def test_the_accepted_answer_cannot_be_deleted_by_its_author(thread):
    question, first, _, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    with pytest.raises(Conflict):
        services.delete_answer(first.author, first, now=utcnow())


def test_a_moderator_deleting_the_accepted_answer_unresolves_the_question(thread, make):
    question, first, _, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    services.delete_answer(make.user("mod", role="moderator"), first, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id is None and question.answer_count == 1
    assert (first.author.reputation_points, asker.reputation_points) == (0, 0)


def test_stored_reputation_matches_a_recomputation_after_random_activity(make):
    """Live reputation changes and `flask reputation recompute` agree, whatever happened."""
    chooser = random.Random(7)
    members = [make.user(f"member{number}") for number in range(6)]
    questions = [make.question(chooser.choice(members)) for _ in range(4)]
    answers = [make.answer(q, chooser.choice([m for m in members if m.id != q.author_id])) for q in questions
               for _ in range(2)]
    for _ in range(120):
        voter = chooser.choice(members)
        post = chooser.choice(questions + answers)
        if post.author_id != voter.id:
            services.cast_vote(voter, post, chooser.choice([1, -1, 0]), now=utcnow())
        answer = chooser.choice(answers)
        if chooser.random() < 0.2:
            services.accept_answer(answer.question.author, answer, now=utcnow())
    db.session.expire_all()
    live = {m.id: m.reputation_points for m in members}
    assert any(live.values())
    assert {member_id: 0 for member_id in live} | reputation.points_from_history() == live
    assert reputation.recompute_all(now=utcnow()) == 0


# Staff accepting on the asker's behalf ------------------------------------------------------


def _acceptance_audit(question):
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "question",
                                                            AuditEntry.target_id == str(question.id),
                                                            AuditEntry.action.in_(("question.accept",
                                                                                   "question.unaccept")))
                                   .order_by(AuditEntry.id)))


def _notes_of(user):
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_staff_accepting_for_the_asker_is_audited_and_tells_the_asker(thread, make):
    question, first, second, asker = thread
    agent = make.user("agent", role="agent")
    services.accept_answer(agent, first, now=utcnow())
    services.accept_answer(agent, second, now=utcnow())
    entries = _acceptance_audit(question)
    assert [(e.actor_id, e.action, e.before, e.after) for e in entries] == [
        (agent.id, "question.accept", {"accepted_answer_id": None}, {"accepted_answer_id": first.id}),
        (agent.id, "question.accept", {"accepted_answer_id": first.id}, {"accepted_answer_id": second.id}),
    ]
    [told, _] = [note for note in _notes_of(asker) if note.actor_id == agent.id]
    assert told.question_id == question.id and told.answer_id == first.id
    assert told.describe() == "agent accepted an answer to your question for you"
    assert told.excerpt == ("agent, of Peerdesk Community staff, accepted first's answer to your question "
                            f"“{question.title}” on your behalf. If another answer solved your problem, accept that "
                            "one instead: your own choice always counts.")
    assert services.who_accepted(db.session.get(Question, question.id)) == "staff"


def test_staff_cannot_replace_the_askers_own_choice(thread, make):
    question, official, downvoted, asker = thread
    services.cast_vote(make.user("critic"), downvoted, -1, now=utcnow())
    services.accept_answer(asker, official, now=utcnow())
    agent = make.user("agent", role="agent")
    with pytest.raises(Conflict, match="The asker accepted this answer themselves"):
        services.accept_answer(agent, downvoted, now=utcnow())
    with pytest.raises(Conflict, match="The asker accepted this answer themselves"):
        services.unaccept_answer(agent, question, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id == official.id
    assert services.who_accepted(question) == "asker"
    assert _acceptance_audit(question) == []


def test_the_asker_can_always_replace_a_staff_choice_which_then_is_theirs(thread, make):
    question, first, second, asker = thread
    agent = make.user("agent", role="agent")
    services.accept_answer(agent, first, now=utcnow())
    services.accept_answer(asker, second, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id == second.id and services.who_accepted(question) == "asker"
    with pytest.raises(Conflict):
        services.accept_answer(agent, first, now=utcnow())
    # The asker's taking back the staff choice, then choosing the same answer again, is theirs too.
    other = make.question(asker)
    answer = make.answer(other, make.user("third"))
    services.accept_answer(agent, answer, now=utcnow())
    services.unaccept_answer(asker, other, now=utcnow())
    services.accept_answer(asker, answer, now=utcnow())
    db.session.expire_all()
    assert services.who_accepted(other) == "asker"
    with pytest.raises(Conflict):
        services.unaccept_answer(agent, other, now=utcnow())


def test_staff_may_change_a_staff_choice_and_nobody_chose_an_unresolved_question(thread, make):
    question, first, second, _ = thread
    assert services.who_accepted(question) is None
    services.accept_answer(make.user("agent", role="agent"), first, now=utcnow())
    services.accept_answer(make.user("moderator", role="moderator"), second, now=utcnow())
    services.unaccept_answer(make.user("another", role="agent"), question, now=utcnow())
    db.session.expire_all()
    assert question.accepted_answer_id is None and services.who_accepted(question) is None
    assert [e.action for e in _acceptance_audit(question)] == ["question.accept", "question.accept",
                                                               "question.unaccept"]


def test_on_the_page_staff_are_told_why_the_askers_choice_stands(client, sign_in, thread, make):
    question, first, second, asker = thread
    services.accept_answer(asker, first, now=utcnow())
    sign_in(make.user("agent", role="agent"))
    response = client.post(f"/answers/{second.id}/accept")
    assert response.status_code == 409
    assert "The asker accepted this answer themselves" in response.get_data(as_text=True)
    other = make.question(asker)
    answer = make.answer(other, make.user("third"))
    page = client.post(f"/answers/{answer.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "Answer accepted on the asker&#39;s behalf: they have been told" in page
