"""Care queue API for staff tokens: a brand's CRM follows and drives the queue."""
import base64
import binascii
import json
import math
from datetime import UTC, datetime

from flask import g, request, url_for
from flask_babel import gettext as _

from app import permissions, settings
from app.auth.bearer import require_scope, token_required
from app.care import api_bp, options, queries, services
from app.care.models import CATEGORIES, STATUS_LABELS
from app.clock import request_now
from app.exceptions import MalformedRequest, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Question, User
from app.questions import services as threads
from app.urls import question_url


def _staff_token():
    if not permissions.is_staff(g.api_user):
        raise PermissionDenied(_("Only staff tokens may use the care queue."))


def _json_object():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedRequest(_("Send a JSON object with Content-Type: application/json."))
    return data


def _iso(moment):
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def serialize(item, now):
    """An item as JSON: status, triage, assignee, reasons and both clocks (see _clock)."""
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
        "updated_at": _iso(item.updated_at),  # the feed's order (order=updated, updated_since)
        "resolved_at": _iso(item.resolved_at),
        "resolved_by": item.resolved_by,
        "satisfied": item.satisfied,
        "rating": next((_rating(r) for r in item.ratings if r.episode == item.episode), None),
        "ratings": [_rating(r, with_comment=True) for r in item.ratings],
        "routed": item.triage_reason,
        "clocks": {clock.name: _clock(item, clock) for clock in (first, resolution)},
    }


def _rating(rating, with_comment=False):
    """The asker's answer to "Did this solve your problem?" for one resolution (the comment for staff only)."""
    data = {"episode": rating.episode, "solved": rating.solved, "score": rating.score,
            "satisfied": rating.satisfied, "created_at": _iso(rating.created_at)}
    if with_comment:
        data["comment"] = rating.comment
    return data


def _clock(item, clock):
    """One clock as JSON: its due time, frozen once it stopped, and the moments it may count from.

    `seconds_left` is rounded down, so a clock a fraction of a second late never reads 0.
    """
    return {
        "due_at": _iso(clock.due_at), "stopped_at": _iso(clock.stopped_at), "stopped_by": clock.stopped_by,
        "seconds_left": math.floor(clock.remaining.total_seconds()), "breached": clock.breached,
        "met": clock.met, "paused": clock.paused,
        "asked_at": _iso(item.question.created_at), "queued_at": _iso(item.created_at),
        "started_at": _iso(clock.started_at), "counted_from": clock.counted_from,
        "business_hours": None if clock.calendar.zone is None else clock.calendar.text,
        "time_zone": None if clock.calendar.zone is None else clock.calendar.zone.key,
    }


PAGE_DEFAULT, PAGE_MAX = 100, 500


def _page_size():
    raw = request.args.get("limit") or str(PAGE_DEFAULT)
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_MAX:
        raise ValidationError({"limit": _("limit is a number from 1 to %(max)s.", max=PAGE_MAX)})
    return int(raw)


def _moment(name):
    raw = request.args.get(name) or None
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({name: _("%(name)s is a UTC time such as 2026-11-22T14:00:00Z.", name=name)}) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _encode_cursor(data):
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(raw, order):
    """The position a cursor names; ValidationError for one this API did not give (or for another order)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if data.get("order") != order:
            raise ValueError
        if order == "due":
            offset = data["offset"]
            if type(offset) is not int or offset < 0:
                raise ValueError
            return offset
        at, item_id = datetime.fromisoformat(data["at"]), data["id"]
        if type(item_id) is not int:
            raise ValueError
        return at, item_id
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, json.JSONDecodeError):
        raise ValidationError({"cursor": _("Give the next_cursor of an earlier page, unchanged.")}) from None


@api_bp.get("/items")
@token_required
def list_items():
    """Items, soonest breach first, or (order=updated, or with updated_since) every change in order, a page at a time.

    Filters: ?status=open|all|<status>&team=&assignee=<id>|none&category=&reason=; paging: limit, cursor.
    """
    require_scope("care:read")
    _staff_token()
    args = request.args
    status = args.get("status") or "open"
    if status not in (*STATUS_LABELS, "open", "all"):
        raise ValidationError({"status": _("status is open, all or one of: %(statuses)s.",
                                            statuses=", ".join(STATUS_LABELS))})
    category = args.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise ValidationError({"category": _("category is one of: %(categories)s.", categories=", ".join(CATEGORIES))})
    assignee = args.get("assignee") or None
    if assignee not in (None, "none"):
        if not assignee.isdigit() or not 0 < int(assignee) < 2**31:
            raise ValidationError({"assignee": _("assignee is a user id or none.")})
        assignee = int(assignee)
    updated_since = _moment("updated_since")
    order = args.get("order") or ("updated" if updated_since is not None else "due")
    if order not in ("due", "updated"):
        raise ValidationError({"order": _("order is due (soonest breach first) or updated (oldest change first).")})
    limit = _page_size()
    filters = {"team": args.get("team") or None, "assignee": assignee, "category": category,
               "reason": args.get("reason") or None}
    now = request_now()
    if order == "due":
        offset = _decode_cursor(args["cursor"], "due") if args.get("cursor") else 0
        rows = queries.queue(now, status=status, **filters)
        page = [row[0] for row in rows[offset:offset + limit]]
        more = offset + limit < len(rows)
        next_cursor = _encode_cursor({"order": "due", "offset": offset + limit}) if more else None
        return {"items": [serialize(item, now) for item in page], "total": len(rows), "next_cursor": next_cursor}
    after = _decode_cursor(args["cursor"], "updated") if args.get("cursor") else None
    page = queries.changed(status=status, updated_since=updated_since, after=after, limit=limit + 1, **filters)
    more = len(page) > limit
    page = page[:limit]
    next_cursor = _encode_cursor({"order": "updated", "at": page[-1].updated_at.isoformat(), "id": page[-1].id}) \
        if more else None
    return {"items": [serialize(item, now) for item in page], "total": None, "next_cursor": next_cursor}


@api_bp.get("/items/<id:item_id>")
@token_required
def get_item(item_id):
    """One item."""
    require_scope("care:read")
    _staff_token()
    return serialize(queries.get_item_or_404(item_id), request_now())


@api_bp.patch("/items/<id:item_id>")
@token_required
def update_item(item_id):
    """Change status, assignee (a user id or null), category or priority ("auto" clears an override)."""
    require_scope("care:write")
    _staff_token()
    data = _json_object()
    unknown = set(data) - {"status", "assignee", "category", "priority", "team"}
    if unknown:
        raise ValidationError({name: _("%(name)s cannot be changed here.", name=name) for name in sorted(unknown)})
    item = queries.get_item_or_404(item_id)
    for name in ("status", "category", "priority", "team"):
        if name in data and not isinstance(data[name], str):
            raise ValidationError({name: _("%(name)s is a string.", name=name)})
    # Check what can be checked up front, so a bad field changes nothing.
    if "status" in data and data["status"] not in STATUS_LABELS or data.get("status") == "new":
        raise ValidationError({"status": _("status is acknowledged, in_progress, waiting or resolved.")})
    assignee = None
    if "assignee" in data:
        value = data["assignee"]
        if value is not None and (type(value) is not int or not 0 < value < 2**31):
            raise ValidationError({"assignee": _("assignee is a user id or null.")})
        assignee = db.session.get(User, value) if value is not None else None
        if value is not None and not permissions.is_staff(assignee):
            raise ValidationError({"assignee": _("assignee is the id of a member of staff.")})
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
    require_scope("care:write")
    _staff_token()
    data = _json_object()
    question_id = data.get("question_id")
    if type(question_id) is not int or not 0 < question_id < 2**31:
        raise ValidationError({"question_id": _("question_id is the id of a question.")})
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ValidationError({"note": _("note is a string.")})
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted:
        raise NotFound(_("That question does not exist."))
    item = services.send_to_queue(g.api_user, question, note, now=request_now())
    return serialize(item, request_now()), 201, {"Location": url_for("care_api.get_item", item_id=item.id)}


def _text_field(data, name, required=True):
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError({name: _("%(name)s is a string.", name=name)})
    return value


@api_bp.get("/items/<id:item_id>/notes")
@token_required
def list_notes(item_id):
    """The item's internal notes, oldest first (staff only, never on the thread)."""
    require_scope("care:read")
    _staff_token()
    item = queries.get_item_or_404(item_id)
    return {"items": [_note(note) for note in queries.notes_of(item)]}


def _note(note):
    return {"id": note.id, "body": note.body, "author": {"id": note.author.id, "username": note.author.username},
            "created_at": _iso(note.created_at)}


@api_bp.post("/items/<id:item_id>/notes")
@token_required
def create_note(item_id):
    """An internal note on the item: {body} -> 201 with the note."""
    require_scope("care:write")
    _staff_token()
    data = _json_object()
    item = queries.get_item_or_404(item_id)
    note = services.add_note(g.api_user, item, _text_field(data, "body"), now=request_now())
    return _note(note), 201


@api_bp.post("/items/<id:item_id>/comments")
@token_required
def create_comment(item_id):
    """A public staff comment on the item's thread: {body} -> 201 with the item (the comment is a first response)."""
    require_scope("care:write")
    _staff_token()
    data = _json_object()
    item = queries.get_item_or_404(item_id)
    return _comment_on(item, _text_field(data, "body"))


@api_bp.post("/items/<id:item_id>/acknowledge")
@token_required
def acknowledge(item_id):
    """Post the acknowledgement comment on the thread ({body} optional: the setting's message by default)."""
    require_scope("care:write")
    _staff_token()
    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise MalformedRequest(_("Send a JSON object with Content-Type: application/json, or no body."))
    body = _text_field(data, "body", required=False) or settings.get(options.ACKNOWLEDGE_MESSAGE)
    return _comment_on(queries.get_item_or_404(item_id), body)


def _comment_on(item, body):
    """A staff comment on the item's thread (its receivers stop the first-response clock): 201 with both."""
    comment = threads.add_comment(g.api_user, item.question, body, now=request_now())
    return {"comment": {"id": comment.id, "url": question_url(item.question, _external=True,
                                                              _anchor=f"comment-{comment.id}")},
            "care_item": serialize(queries.get_item_or_404(item.id), request_now())}, 201
