"""The visibility rules, named once: the SQL predicates and the checks on loaded posts agree for every viewer."""
from sqlalchemy import select

from app import visibility
from app.extensions import db
from app.models import Answer
from tests import builders


def _answers(make, clock):
    """One question with a public, a hidden, a deleted and a hidden-and-deleted answer, all by `author`."""
    author = make.user("writer")
    question = make.question(make.user("asker"))
    answers = {name: make.answer(question, author, body=f"An answer that is {name}, with enough words.")
               for name in ("public", "hidden", "deleted", "hidden_deleted")}
    for name, answer in answers.items():
        if "hidden" in name:
            answer.hidden_at, answer.hidden_reason = clock.now, "flags"
        if "deleted" in name:
            answer.deleted_at = clock.now
    db.session.commit()
    return author, answers


def _selected(predicate, answers):
    ids = set(db.session.scalars(select(Answer.id).where(predicate, Answer.id.in_([a.id for a in answers.values()]))))
    return {name for name, answer in answers.items() if answer.id in ids}


def test_public_means_neither_hidden_nor_deleted(app, make, clock):
    _, answers = _answers(make, clock)
    assert _selected(visibility.public(Answer), answers) == {"public"}
    assert {name for name, a in answers.items() if visibility.is_public(a)} == {"public"}
    assert _selected(visibility.not_deleted(Answer), answers) == {"public", "hidden"}


def test_hidden_posts_are_shown_to_their_author_and_moderators_only(app, make, clock):
    author, answers = _answers(make, clock)
    visitor = None
    stranger = make.user("stranger")
    moderator = builders.user("mod", role="moderator")
    expected = {visitor: {"public"}, stranger: {"public"}, author: {"public", "hidden"},
                moderator: {"public", "hidden"}}
    for viewer, shown in expected.items():
        assert _selected(visibility.shown_to(Answer, viewer), answers) == shown, viewer
        assert {name for name, a in answers.items() if visibility.is_shown_to(a, viewer)} == shown, viewer


def test_only_moderators_may_open_a_deleted_post(app, make, clock):
    author, answers = _answers(make, clock)
    moderator = builders.user("mod2", role="moderator")
    assert {n for n, a in answers.items() if visibility.is_visible_to(a, author)} == {"public", "hidden"}
    assert {n for n, a in answers.items() if visibility.is_visible_to(a, moderator)} == set(answers)
    assert {n for n, a in answers.items() if visibility.is_visible_to(a, None)} == {"public"}
