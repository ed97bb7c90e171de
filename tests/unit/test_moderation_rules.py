"""Pure moderation rules: how much a flag counts, and who may flag, moderate and suspend."""
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from app import permissions
from app.moderation.services import SUSPENSION_STEPS, flag_weight


@pytest.mark.parametrize("agreed, disagreed, weight", [
    (0, 0, 100), (0, 2, 100),   # fewer than three decided flags: full weight
    (2, 2, 100), (5, 5, 100),   # at least half agreed: full weight
    (2, 3, 80), (1, 3, 50),     # below half: twice the agreed share
    (1, 9, 25), (0, 4, 25),     # never less than a quarter
    (40, 0, 100),
])
def test_flag_weight(agreed, disagreed, weight):
    assert flag_weight(agreed, disagreed) == weight


def test_suspension_steps_grow():
    assert SUSPENSION_STEPS == (1, 3, 7, 30)


NOW = datetime(2026, 11, 22, 12, 0)
RULE = permissions.TrustRule(min_reputation=15, min_account_days=7)


def person(role="member", user_id=1, suspended_until=None, reputation=1, joined_days_ago=30, verified=True):
    """A stand-in for a signed-in user (by default a verified member who joined a month ago)."""
    joined = NOW - timedelta(days=joined_days_ago)
    return SimpleNamespace(id=user_id, role=role, is_authenticated=True, is_staff=role != "member",
                           suspended_until=suspended_until, reputation=reputation, created_at=joined,
                           email_verified_at=joined if verified else None)


def post(author_id=99, deleted=False, hidden=False, locked=False):
    """A stand-in for a question, answer or comment."""
    return SimpleNamespace(author_id=author_id, is_deleted=deleted, is_closed=False, deleted_at=None,
                           hidden_at=object() if hidden else None, locked_at=object() if locked else None,
                           answer_count=0, is_accepted=False)


def test_a_running_suspension_stops_every_write_but_not_reading():
    suspended = person(suspended_until=NOW + timedelta(days=1))
    thread = post()
    assert permissions.is_suspended(suspended, now=NOW)
    assert not permissions.is_suspended(suspended, now=NOW + timedelta(days=2))
    assert not any([permissions.can_ask(suspended, now=NOW), permissions.can_answer(suspended, thread, now=NOW),
                    permissions.can_comment(suspended, thread, now=NOW),
                    permissions.can_vote(suspended, thread, now=NOW),
                    permissions.can_flag(suspended, thread, RULE, now=NOW)])
    # The day after it ends, the same member writes again.
    later = NOW + timedelta(days=2)
    assert permissions.can_ask(suspended, now=later) and permissions.can_vote(suspended, thread, now=later)


def test_a_lock_stops_answers_and_comments_for_everyone():
    thread = post(locked=True)
    for role in ("member", "moderator", "admin"):
        assert not permissions.can_answer(person(role), thread, now=NOW)
        assert not permissions.can_comment(person(role), thread, now=NOW)


@pytest.mark.parametrize("role, may", [("member", False), ("agent", False), ("moderator", True), ("admin", True)])
def test_who_moderates_and_sees_hidden_posts(role, may):
    user = person(role)
    assert permissions.can_moderate(user, now=NOW) is may
    assert permissions.can_see_hidden(user, post(hidden=True)) is may
    assert permissions.can_see_hidden(user, post(author_id=user.id, hidden=True))


def test_flagging_is_for_other_peoples_posts():
    member = person()
    assert permissions.can_flag(member, post(), RULE, now=NOW)
    assert not permissions.can_flag(member, post(author_id=member.id), RULE, now=NOW)
    assert not permissions.can_flag(member, post(deleted=True), RULE, now=NOW)
    assert not permissions.can_flag(SimpleNamespace(is_authenticated=False), post(), RULE, now=NOW)


@pytest.mark.parametrize("member, trusted", [
    (person(reputation=1, joined_days_ago=0), False),                 # minutes old, reputation 1: the case
    (person(reputation=15, joined_days_ago=0), True),                 # reputation earns it
    (person(reputation=14, joined_days_ago=7), True),                 # so does account age, to the day
    (person(reputation=14, joined_days_ago=6), False),
    (person(reputation=500, joined_days_ago=400, verified=False), False),  # never without a verified email
    (person("agent", joined_days_ago=0, verified=False), True),       # staff always
])
def test_flagging_needs_earned_trust(member, trusted):
    assert permissions.has_earned_trust(member, RULE, now=NOW) is trusted
    assert permissions.can_flag(member, post(), RULE, now=NOW) is trusted


def test_the_refusal_says_what_earns_trust():
    assert "Verify your email" in permissions.trust_message(RULE, person(verified=False))
    assert "15 reputation" in permissions.trust_message(RULE, person(joined_days_ago=0))
    assert "7 days" in permissions.trust_message(RULE, person(joined_days_ago=0))
