"""Care queue API for staff tokens: a brand's CRM follows and drives the queue."""
from flask import g, request, url_for

from app import permissions
from app.auth.bearer import token_required
from app.care import api_bp, queries, services
from app.care.models import CATEGORIES, STATUS_LABELS
from app.clock import request_now
from app.exceptions import MalformedRequest, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Question, User
from app.urls import question_url


def _staff_token():
    if not permissions.is_staff(g.api_user):
        raise PermissionDenied("Only staff tokens may use the care queue.")


def _json_object():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedRequest("Send a JSON object with Content-Type: application/json.")
    return data


def _iso(moment):
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def serialize(item, now):
    """An item as JSON: status, triage, assignee, reasons and both clocks."""
    first, resolution = services.sla.clocks(item, now)
    return {
        "id": item.id,
        "question": {"id": item.question_id, "title": item.question.title, "url": question_url(item.question,
                                                                                              _external=True)},
        "status": item.status,
        "category": item.category,
        "team": item.team,
        "priority": queries.effective_priority(item),
        "priority_overridden": item.priority_override is not None,
        "assignee": {"id": item.assignee.id, "username": item.assignee.username} if item.assignee else None,
        "reasons": [{"kind": r.kind, "detail": r.detail, "at": _iso(r.created_at)} for r in item.reasons],
        "matched_words": item.matched_words or [],
        "created_at": _iso(item.created_at),
        "resolved_at": _iso(item.resolved_at),
        "resolved_by": item.resolved_by,
        "satisfied": item.satisfied,
        "clocks": {clock.name: {"due_at": _iso(clock.due_at), "stopped_at": _iso(clock.stopped_at),
                                "seconds_left": int(clock.remaining.total_seconds()), "breached": clock.breached,
                                "paused": clock.paused} for clock in (first, resolution)},
    }


@api_bp.get("/items")
@token_required
def list_items():
    """Items, soonest breach first: ?status=open|all|<status>&team=&assignee=<id>|none&category=&reason=."""
    _staff_token()
    args = request.args
    status = args.get("status") or "open"
    if status not in (*STATUS_LABELS, "open", "all"):
        raise ValidationError({"status": f"status is open, all or one of: {', '.join(STATUS_LABELS)}."})
    category = args.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise ValidationError({"category": f"category is one of: {', '.join(CATEGORIES)}."})
    assignee = args.get("assignee") or None
    if assignee not in (None, "none"):
        if not assignee.isdigit() or not 0 < int(assignee) < 2**31:
            raise ValidationError({"assignee": "assignee is a user id or none."})
        assignee = int(assignee)
    now = request_now()
    rows = queries.queue(now, team=args.get("team") or None, assignee=assignee, category=category, status=status,
                          reason=args.get("reason") or None)
    return {"items": [serialize(row[0], now) for row in rows], "total": len(rows)}


@api_bp.get("/items/<id:item_id>")
@token_required
def get_item(item_id):
    """One item."""
    _staff_token()
    return serialize(queries.get_item_or_404(item_id), request_now())


@api_bp.patch("/items/<id:item_id>")
@token_required
def update_item(item_id):
    """Change status, assignee (a user id or null), category or priority ("auto" clears an override)."""
    _staff_token()
    data = _json_object()
    unknown = set(data) - {"status", "assignee", "category", "priority", "team"}
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here." for name in sorted(unknown)})
    item = queries.get_item_or_404(item_id)
    for name in ("status", "category", "priority", "team"):
        if name in data and not isinstance(data[name], str):
            raise ValidationError({name: f"{name} is a string."})
    # Check what can be checked up front, so a bad field changes nothing.
    if "status" in data and data["status"] not in STATUS_LABELS or data.get("status") == "new":
        raise ValidationError({"status": "status is acknowledged, in_progress, waiting or resolved."})
    assignee = None
    if "assignee" in data:
        value = data["assignee"]
        if value is not None and (type(value) is not int or not 0 < value < 2**31):
            raise ValidationError({"assignee": "assignee is a user id or null."})
        assignee = db.session.get(User, value) if value is not None else None
        if value is not None and not permissions.is_staff(assignee):
            raise ValidationError({"assignee": "assignee is the id of a member of staff."})
    if "category" in data or "priority" in data or "team" in data:
        item = services.triage(g.api_user, item, category=data.get("category"), team=data.get("team"),
                               priority=data.get("priority"), now=request_now())
    if "assignee" in data:
        item = services.assign(g.api_user, item, assignee, now=request_now())
    if "status" in data:
        item = services.set_status(g.api_user, item, data["status"], now=request_now())
    return serialize(queries.get_item_or_404(item_id), request_now())


@api_bp.post("/items")
@token_required
def create_item():
    """Send a thread to the queue by hand: {question_id, note} -> 201 with the item."""
    _staff_token()
    data = _json_object()
    question_id = data.get("question_id")
    if type(question_id) is not int or not 0 < question_id < 2**31:
        raise ValidationError({"question_id": "question_id is the id of a question."})
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ValidationError({"note": "note is a string."})
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted:
        raise NotFound("That question does not exist.")
    item = services.send_to_queue(g.api_user, question, note, now=request_now())
    return serialize(item, request_now()), 201, {"Location": url_for("care_api.get_item", item_id=item.id)}
