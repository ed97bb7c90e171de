"""The permissions module: who may do what, for every role and for visitors."""
from datetime import datetime
from types import SimpleNamespace

import pytest

from app import permissions
from app.auth.sessions import Visitor


def member(role="member", user_id=1):
    """A stand-in for a signed-in user."""
    return SimpleNamespace(id=user_id, role=role, is_authenticated=True, is_staff=role != "member")


def post(author_id=1, deleted=False, answer_count=0, accepted=False, closed=False):
    """A stand-in for a question or answer."""
    return SimpleNamespace(author_id=author_id, is_deleted=deleted, answer_count=answer_count, is_accepted=accepted,
                           deleted_at=object() if deleted else None, is_closed=closed)


ROLES = ["member", "agent", "moderator", "admin"]
OTHER = 99
# No rule here depends on the date, but every rule is asked at an explicit moment.
NOW = datetime(2026, 1, 15, 9, 0)


def test_visitors_may_read_but_not_write():
    visitor = Visitor()
    thread = post()
    assert not any([permissions.can_ask(visitor, now=NOW), permissions.can_answer(visitor, thread, now=NOW),
                    permissions.can_comment(visitor, thread, now=NOW), permissions.can_vote(visitor, thread, now=NOW),
                    permissions.can_edit(visitor, thread, now=NOW), permissions.can_accept(visitor, thread, now=NOW),
                    permissions.can_delete_question(visitor, thread, now=NOW), permissions.is_staff(visitor)])


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_asks_answers_comments_and_votes_on_others(role):
    user, thread = member(role), post(author_id=OTHER)
    assert permissions.can_ask(user, now=NOW) and permissions.can_answer(user, thread, now=NOW)
    assert permissions.can_comment(user, thread, now=NOW) and permissions.can_vote(user, thread, now=NOW)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_votes_on_their_own_or_on_deleted_posts(role):
    assert not permissions.can_vote(member(role), post(author_id=1), now=NOW)
    assert not permissions.can_vote(member(role), post(author_id=OTHER, deleted=True), now=NOW)


@pytest.mark.parametrize("role, may_edit_others", [("member", False), ("agent", False), ("moderator", True),
                                                    ("admin", True)])
def test_editing(role, may_edit_others):
    assert permissions.can_edit(member(role), post(author_id=1), now=NOW)
    assert permissions.can_edit(member(role), post(author_id=OTHER), now=NOW) is may_edit_others


@pytest.mark.parametrize("role, may_accept_for_others", [("member", False), ("agent", True), ("moderator", True),
                                                          ("admin", True)])
def test_accepting_is_for_the_asker_and_staff(role, may_accept_for_others):
    assert permissions.can_accept(member(role), post(author_id=1), now=NOW)
    assert permissions.can_accept(member(role), post(author_id=OTHER), now=NOW) is may_accept_for_others


def test_askers_delete_their_question_only_while_unanswered():
    asker = member()
    assert permissions.can_delete_question(asker, post(author_id=1, answer_count=0), now=NOW)
    assert not permissions.can_delete_question(asker, post(author_id=1, answer_count=1), now=NOW)
    assert not permissions.can_delete_question(asker, post(author_id=OTHER), now=NOW)
    assert permissions.can_delete_question(member("moderator"), post(author_id=OTHER, answer_count=3), now=NOW)
    assert not permissions.can_delete_question(member("agent"), post(author_id=OTHER), now=NOW)


def test_answer_authors_keep_their_accepted_answer():
    author = member()
    assert permissions.can_delete_answer(author, post(author_id=1), now=NOW)
    assert not permissions.can_delete_answer(author, post(author_id=1, accepted=True), now=NOW)
    assert permissions.can_delete_answer(member("admin"), post(author_id=OTHER, accepted=True), now=NOW)


@pytest.mark.parametrize("role, staff, moderator", [("member", False, False), ("agent", True, False),
                                                    ("moderator", True, True), ("admin", True, True)])
def test_role_groups(role, staff, moderator):
    assert permissions.is_staff(member(role)) is staff
    assert permissions.is_moderator(member(role)) is moderator
    assert permissions.can_see_deleted(member(role)) is moderator


@pytest.mark.parametrize("role, may_close", [("member", False), ("agent", False), ("moderator", True),
                                             ("admin", True)])
def test_closing_is_for_moderators_and_closed_questions_take_no_answers(role, may_close):
    assert permissions.can_close(member(role), post(author_id=OTHER), now=NOW) is may_close
    assert not permissions.can_answer(member(role), post(author_id=OTHER, closed=True), now=NOW)
    assert permissions.can_comment(member(role), post(author_id=OTHER, closed=True), now=NOW)
