"""Writes to a thread that questions and moderation share: lock a post, mark the thread changed, move acceptance."""
from flask_babel import gettext as _
from sqlalchemy import select, update

from app import reputation
from app.exceptions import NotFound
from app.extensions import db
from app.models import Answer, Question
from app.search.index_sync import record_change


def lock_row(model, post_id):
    """Re-read a row under a row lock (PostgreSQL; SQLite already holds the write lock); raises NotFound."""
    post = db.session.execute(
        select(model).where(model.id == post_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if post is None:
        raise NotFound(_missing(model))
    return post


def _missing(model):
    """What a reader is told when the row they acted on is gone, in their language."""
    messages = {"question": _("That question does not exist."), "answer": _("That answer does not exist."),
                "comment": _("That comment does not exist."), "user": _("That user does not exist.")}
    return messages.get(model.__name__.lower(), _("That post does not exist."))


def mark_changed(question_id, searchable=True):
    """Something a question page shows changed: move its version (the page cache key) and tell search."""
    db.session.execute(update(Question).where(Question.id == question_id).values(version=Question.version + 1))
    if searchable:
        record_change(question_id)


def set_accepted(question, answer, *, now):
    """Point the question at a new accepted answer (or none) at `now`, moving the reputation with it."""
    if question.accepted_answer_id is not None:
        previous = db.session.get(Answer, question.accepted_answer_id)
        reputation.record_acceptance(question, previous, accepted=False, now=now)
    question.accepted_answer_id = answer.id if answer else None
    mark_changed(question.id)
    if answer is not None:
        reputation.record_acceptance(question, answer, accepted=True, now=now)
