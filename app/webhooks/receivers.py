"""Turn community events (app/signals.py) into webhook deliveries, inside the transaction that caused them.

The care queue's events are delivered by app/care/events.py, with the item as its API shows it.
"""
from datetime import datetime

from sqlalchemy import inspect as sa_inspect

from app import outbox, signals
from app.formatting import iso
from app.urls import link, question_url
from app.webhooks import services, transport

# Columns never sent to a receiver, whatever model they appear on.
_PRIVATE_MARKS = ("hash", "secret", "token", "password", "email", "body_source", "body_html", "ip")


def actor_json(user):
    """Who acted, as deliveries show it (None for the system or a visitor)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return {"id": user.id, "username": user.username, "role": user.role}


def _question(question):
    return {
        "id": question.id,
        "title": question.title,
        "url": question_url(question, external=True),
        "author": {"id": question.author_id, "username": question.author.username},
        "tags": [tag.name for tag in question.tags],
        "status": question.status,
        "created_at": iso(question.created_at),
    }


def _answer(answer):
    return {
        "id": answer.id,
        "question_id": answer.question_id,
        "url": link("questions.answer_link", external=True, answer_id=answer.id),
        "author": {"id": answer.author_id, "username": answer.author.username},
        "official": answer.official,
        "score": answer.score,
        "created_at": iso(answer.created_at),
    }


def _row(obj):
    """A model row as plain JSON values, without any column that could carry a secret or personal data."""
    if obj is None:
        return None
    data = {"type": getattr(obj, "__tablename__", type(obj).__name__.lower())}
    for column in sa_inspect(obj).mapper.column_attrs:
        name = column.key
        if any(mark in name for mark in _PRIVATE_MARKS):
            continue
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif not isinstance(value, (str, int, float, bool, type(None))):
            continue
        data[name] = value
    return data


def on_question_asked(sender, question, *, now, **extra):
    services.enqueue_event("question.asked", {"question": _question(question), "actor": actor_json(sender)}, now=now)


def on_answer_accepted(sender, answer, question, *, now, **extra):
    services.enqueue_event("answer.accepted", {"question": _question(question), "answer": _answer(answer),
                                               "actor": actor_json(sender)}, now=now)


def on_answer_posted(sender, answer, question, *, now, **extra):
    services.enqueue_event("answer.posted", {"question": _question(question), "answer": _answer(answer),
                                             "actor": actor_json(sender)}, now=now)


def on_post_flagged(sender, flag, post, *, now, **extra):
    services.enqueue_event("post.flagged", {"flag": _row(flag), "post": _row(post), "actor": actor_json(sender)},
                           now=now)


def connect_receivers():
    """Connect the receivers and the outbox transport (idempotent: blinker keeps one connection per receiver)."""
    signals.question_asked.connect(on_question_asked)
    signals.answer_accepted.connect(on_answer_accepted)
    signals.answer_posted.connect(on_answer_posted)
    signals.post_flagged.connect(on_post_flagged)
    outbox.register_transport("webhook", transport.send)
