"""Recording a browser's yes or no, and counting them for staff."""
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.database import begin_write
from app.exceptions import NotFound, ValidationError
from app.extensions import db
from app.helpfulness.models import AnswerFeedback
from app.visibility import is_public
from app.visitors import digest


def ensure_open(answer):
    """Raise NotFound unless `answer` and its question are public, so feedback on it may be given."""
    if not (is_public(answer) and is_public(answer.question)):
        raise NotFound(_("That answer is not there any more."))


def record(answer, token, helpful, *, now):
    """Count this browser's answer for `answer` (`token`: its stable visitor token); a second click changes it.

    Returns whether this added a count (a first answer from this browser), not a change of mind.
    """
    if not isinstance(helpful, bool):
        raise ValidationError({"helpful": _("Answer yes or no.")})
    ensure_open(answer)
    key = digest(token)
    for _attempt in range(2):
        begin_write(db.session)
        row = db.session.scalar(select(AnswerFeedback).where(AnswerFeedback.answer_id == answer.id,
                                                             AnswerFeedback.browser_digest == key))
        if row is None:
            db.session.add(AnswerFeedback(answer_id=answer.id, browser_digest=key, helpful=helpful,
                                          created_at=now, updated_at=now))
        elif row.helpful != helpful:
            row.helpful, row.updated_at = helpful, now
        try:
            db.session.commit()
            return row is None
        except IntegrityError:  # the same browser's twin request won the insert: update that row instead
            db.session.rollback()
    raise ValidationError({"helpful": _("Try again.")})


def counts(answer_ids):
    """{answer_id: (yes, no)} for the given answers, in one query."""
    if not answer_ids:
        return {}
    rows = db.session.execute(
        select(AnswerFeedback.answer_id,
               func.sum(case((AnswerFeedback.helpful.is_(True), 1), else_=0)),
               func.sum(case((AnswerFeedback.helpful.is_(False), 1), else_=0)))
        .where(AnswerFeedback.answer_id.in_(list(answer_ids))).group_by(AnswerFeedback.answer_id))
    return {answer_id: (int(yes or 0), int(no or 0)) for answer_id, yes, no in rows}


def summary(since, until=None):
    """Browsers' last answers given in [since, until): (yes, no, answers that got any), for staff figures.

    Each is one browser's answer on one answer (a change of mind moves it, never adds one).
    """
    query = (select(func.sum(case((AnswerFeedback.helpful.is_(True), 1), else_=0)),
                    func.sum(case((AnswerFeedback.helpful.is_(False), 1), else_=0)),
                    func.count(func.distinct(AnswerFeedback.answer_id)))
             .where(AnswerFeedback.updated_at >= since))
    if until is not None:
        query = query.where(AnswerFeedback.updated_at < until)
    yes, no, answers = db.session.execute(query).one()
    return int(yes or 0), int(no or 0), int(answers or 0)
