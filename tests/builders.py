"""Builders that make members and threads through the real services, with sensible defaults.

Each takes `now=` (default: the clock, which the `clock` fixture may have moved): a test that
fixes a date passes it, or travels there, so its rows never mix a fixed date with the wall clock.
"""
import itertools
from datetime import timedelta

from app.auth import services as accounts
from app.clock import utcnow
from app.questions import services

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def user(username=None, role="member", password=PASSWORD, *, now=None, verified=True):
    """A new member (or staff with `role`) who joined at `now`, email verified unless `verified=False`.

    An unverified member is sent the verification email, as sign-up does.
    """
    number = next(_sequence)
    username = username or f"member{number}"
    return accounts.register(username, f"{username.lower()}@example.com", password, role=role, now=now or utcnow(),
                             verified=verified)


def flagger(username=None, role="member", *, now=None):
    """A verified member who joined a month before `now`: trusted to flag at the default settings."""
    return user(username, role, now=(now or utcnow()) - timedelta(days=30))


def question(author=None, title=None, body=None, tags=("earbuds",), *, now=None):
    """A new question asked at `now`; makes an author (joined then) if none is given."""
    number = next(_sequence)
    now = now or utcnow()
    return services.ask_question(
        author or user(now=now),
        title or f"How do I reset my X200 earbuds, case {number}?",
        body or "The left earbud stopped pairing after the firmware update. I tried the button.",
        list(tags),
        now=now,
    )


def answer(question, author=None, body=None, *, now=None):
    """A new answer to `question` at `now`; makes an author if none is given."""
    now = now or utcnow()
    return services.post_answer(author or user(now=now), question,
                                body or "Hold both buttons for fifteen seconds until the light blinks.", now=now)


def comment(question, author=None, text="Did you try another cable?", answer=None, *, now=None):
    """A new comment on the question or one of its answers, at `now`."""
    now = now or utcnow()
    return services.add_comment(author or user(now=now), question, text, answer=answer, now=now)
