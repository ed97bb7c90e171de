"""API v1 endpoints of moderation: flag a post; moderators list flags."""
from flask import Blueprint, g, request
from flask_babel import gettext as _

from app import permissions
from app.auth.bearer import require_scope, token_required
from app.clock import request_now
from app.errors import json_error
from app.exceptions import MalformedRequest, ValidationError
from app.formatting import iso
from app.moderation import queries, services
from app.validation import positive_int

bp = Blueprint("moderation_api", __name__)


def serialize_flag(flag, post_hidden=None):
    """A flag as the API shows it."""
    data = {
        "id": flag.id,
        "post_type": flag.post_type,
        "post_id": flag.post_id,
        "question_id": flag.question_id,
        "reason": flag.reason,
        "text": flag.text,
        "status": flag.status,
        "weight": flag.weight / services.FULL_WEIGHT,
        "flagger": {"id": flag.flagger.id, "username": flag.flagger.username},
        "created_at": iso(flag.created_at),
        "resolved_at": iso(flag.resolved_at),
    }
    if post_hidden is not None:
        data["post_hidden"] = post_hidden
    return data


def _flag(post_type, post_id):
    """{reason, text} -> 201 with the flag; the post's visibility after it is in post_hidden."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedRequest(_("Send a JSON object with Content-Type: application/json."))
    post = services.get_post(post_type, post_id)
    flag = services.flag_post(g.api_user, post, data.get("reason"), data.get("text"), now=request_now())
    return serialize_flag(flag, post_hidden=services.get_post(post_type, post_id).is_hidden), 201


@bp.post("/questions/<id:post_id>/flags")
@token_required
def flag_question(post_id):
    """Flag a question."""
    require_scope("write")
    return _flag("question", post_id)


@bp.post("/answers/<id:post_id>/flags")
@token_required
def flag_answer(post_id):
    """Flag an answer."""
    require_scope("write")
    return _flag("answer", post_id)


@bp.post("/comments/<id:post_id>/flags")
@token_required
def flag_comment(post_id):
    """Flag a comment."""
    require_scope("write")
    return _flag("comment", post_id)


@bp.get("/moderation/flags")
@token_required
def list_flags():
    """Flags for moderators and admins, newest first: ?status=open|agreed|disagreed|ignored&page=."""
    require_scope("moderate")
    if not permissions.can_moderate(g.api_user, now=request_now()):
        return json_error(403, "forbidden", _("Only moderators and admins see flags."))
    status = request.args.get("status") or None
    if status is not None and status not in ("open", "agreed", "disagreed", "ignored"):
        raise ValidationError({"status": _("status must be one of: %(choices)s.",
                                           choices="open, agreed, disagreed, ignored")})
    page = positive_int(request.args.get("page", "1"), maximum=100000)
    if page is None:
        raise ValidationError({"page": _("page must be a whole number from %(low)d to %(high)d.", low=1, high=100000)})
    pagination = queries.flags_list(status, page)
    return {"items": [serialize_flag(flag) for flag in pagination.items], "page": pagination.page,
            "pages": pagination.pages, "total": pagination.total}
