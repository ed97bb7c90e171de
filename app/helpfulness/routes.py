"""The "Did this answer help you?" form of every answer, for visitors without an account."""
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, request
from flask_babel import gettext as _

from app import ratelimits, visitors
from app.clock import request_now
from app.exceptions import NotFound, ValidationError
from app.extensions import csrf, db
from app.helpfulness import bp
from app.helpfulness.services import counts, ensure_open, record
from app.models import Answer, Question
from app.urls import question_url


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
@ratelimits.visitor_press_limit
@ratelimits.counted_per_post_limit
@ratelimits.counted_across_posts_limit
def helpful(answer_id):
    """A visitor's yes or no, counted once per stable visitor token; JSON for the script, a page for a plain form."""
    if not _same_site():
        abort(403)
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(_("That answer does not exist."))
    value = {"yes": True, "no": False}.get(request.form.get("helpful", ""))
    if value is None:
        raise ValidationError({"helpful": _("Answer yes or no.")})
    visitor = visitors.current()
    wants_json = request.accept_mimetypes.best == "application/json"
    if not visitor.stable:
        ensure_open(answer)
        if wants_json:
            response = jsonify(helpful=value, counted=False, retry=True, message=visitors.NOT_COUNTED_YET)
        else:
            response = visitors.press_again_page(request.path, {"helpful": request.form["helpful"]},
                                                 _("Yes, it helped") if value else _("No, it did not help"))
        return visitors.keep(response, visitor)
    counted = record(answer, visitor.token, value, now=request_now())
    if counted:
        ratelimits.count_visitor_press()
    message = _("Thanks! Your answer helps us improve.") if value else _("Thanks. We will try to make it clearer.")
    if wants_json:
        return jsonify(helpful=value, counted=counted, retry=False, message=message)
    question = db.session.get(Question, answer.question_id)
    return redirect(question_url(question, _anchor=f"answer-{answer.id}"), code=303)
