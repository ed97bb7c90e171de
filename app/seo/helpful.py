"""Anonymous "Did this answer help you?": one yes or no per browser and answer, no account, no personal data.

A browser is recognised by a random token in a cookie; only the token's SHA-256 digest is
stored, never an address, a user id or the token itself. Staff see the counts; the yes
answers count as deflection (a visitor helped by an existing answer, with no staff work).
"""
import hashlib
import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, request
from sqlalchemy import ForeignKey, String, UniqueConstraint, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import request_now
from app.database import begin_write
from app.exceptions import NotFound, ValidationError
from app.extensions import csrf, db, limiter
from app.models import NEVER_REUSE_IDS, Answer, Question
from app.seo import bp
from app.urls import question_url

COOKIE_NAME = "pd_browser"
COOKIE_MAX_AGE = 2 * 365 * 86400
TOKEN = re.compile(r"^[0-9a-f]{32}$")


class AnswerFeedback(db.Model):
    """One browser's yes or no on one answer; the digest identifies the browser and nothing else."""

    __tablename__ = "answer_feedback"
    __table_args__ = (UniqueConstraint("answer_id", "browser_digest", name="uq_answer_feedback_browser"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column()


def digest(token):
    """The stored form of a browser token (random, so a plain hash cannot be reversed)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def record(answer, token, helpful, *, now):
    """Count this browser's answer for `answer`; a second click changes it instead of adding one."""
    if not isinstance(helpful, bool):
        raise ValidationError({"helpful": "Answer yes or no."})
    if answer.is_deleted or answer.is_hidden or answer.question.is_deleted or answer.question.is_hidden:
        raise NotFound("That answer is not there any more.")
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
            return
        except IntegrityError:  # the same browser's twin request won the insert: update that row instead
            db.session.rollback()
    raise ValidationError({"helpful": "Try again."})


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


def summary(since):
    """Feedback given since `since`: (yes, no, answers that got any), for the staff insights page."""
    yes, no, answers = db.session.execute(
        select(func.sum(case((AnswerFeedback.helpful.is_(True), 1), else_=0)),
               func.sum(case((AnswerFeedback.helpful.is_(False), 1), else_=0)),
               func.count(func.distinct(AnswerFeedback.answer_id)))
        .where(AnswerFeedback.updated_at >= since)).one()
    return int(yes or 0), int(no or 0), int(answers or 0)


def answer_helpfulness(answers):
    """Template helper for staff: {answer_id: (yes, no)} of a thread's answers."""
    return counts([answer.id for answer in answers])


bp.add_app_template_global(answer_helpfulness)


def _same_site():
    """Whether the request came from one of our own pages (the form carries no CSRF token: visitors have none)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True


@bp.post("/answers/<id:answer_id>/helpful")
@csrf.exempt
@limiter.limit("30 per minute")
def helpful(answer_id):
    """A visitor's yes or no; JSON for the page's script, a redirect back for a plain form."""
    if not _same_site():
        abort(403)
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        abort(404)
    value = {"yes": True, "no": False}.get(request.form.get("helpful", ""))
    if value is None:
        raise ValidationError({"helpful": "Answer yes or no."})
    token = request.cookies.get(COOKIE_NAME, "")
    new_token = not TOKEN.match(token)
    if new_token:
        token = secrets.token_hex(16)
    record(answer, token, value, now=request_now())
    message = "Thanks! Your answer helps us improve." if value else "Thanks. We will try to make it clearer."
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(helpful=value, message=message)
    else:
        question = db.session.get(Question, answer.question_id)
        response = redirect(question_url(question, _anchor=f"answer-{answer.id}"), code=303)
    if new_token:
        response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response
