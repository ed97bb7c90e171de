"""Accepting answers: who may, switching, resolved status and the reputation that moves with it."""
import random

import pytest

from app import reputation
from app.clock import utcnow
from app.exceptions import Conflict, PermissionDenied
from app.extensions import db
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
    assert reputation.recompute_all() == 0
