"""The "Did this answer help you?" form of every answer, for visitors without an account."""
import re
import secrets
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, request

from app.clock import request_now
from app.exceptions import NotFound, ValidationError
from app.extensions import csrf, db, limiter
from app.helpfulness import bp
from app.helpfulness.services import counts, record
from app.models import Answer, Question
from app.urls import question_url

COOKIE_NAME = "pd_browser"
COOKIE_MAX_AGE = 2 * 365 * 86400
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def answer_helpfulness(answers):
    """Template helper for staff: {answer_id: (yes, no)} of a thread's answers."""
    return counts([answer.id for answer in answers])



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
        raise NotFound("That answer does not exist.")
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
