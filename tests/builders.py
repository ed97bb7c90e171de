"""Builders that make members and threads through the real services, with sensible defaults."""
import itertools

from app.auth import services as accounts
from app.questions import services

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def user(username=None, role="member", password=PASSWORD):
    """A new member (or staff with `role`)."""
    number = next(_sequence)
    username = username or f"member{number}"
    return accounts.register(username, f"{username.lower()}@example.com", password, role=role)


def question(author=None, title=None, body=None, tags=("earbuds",)):
    """A new question; makes an author if none is given."""
    number = next(_sequence)
    return services.ask_question(
        author or user(),
        title or f"How do I reset my X200 earbuds, case {number}?",
        body or "The left earbud stopped pairing after the firmware update. I tried the button.",
        list(tags),
    )


def answer(question, author=None, body=None):
    """A new answer to `question`; makes an author if none is given."""
    return services.post_answer(author or user(), question,
                                body or "Hold both buttons for fifteen seconds until the light blinks.")


def comment(question, author=None, text="Did you try another cable?", answer=None):
    """A new comment on the question or one of its answers."""
    return services.add_comment(author or user(), question, text, answer=answer)
