"""Care queue services: put threads in the queue, work items, follow up; every write checks who acts."""
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import audit, permissions, settings, signals
from app.care import options, rules, sla
from app.care.models import CATEGORIES, PRIORITIES, CareAgent, CareItem, CareNote, CareReason, SameProblem
from app.care.queries import agent_settings, effective_priority, is_away, item_for_question, same_problem_count
from app.database import begin_write
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Question, User

NOTE_MAX = 5000


def thresholds():
    """The entry-rule thresholds from the current settings."""
    return rules.Thresholds(
        unanswered_minutes=settings.get(options.UNANSWERED_MINUTES),
        unresolved_hours=settings.get(options.UNRESOLVED_HOURS),
        same_problem_threshold=settings.get(options.SAME_PROBLEM_THRESHOLD),
        complaint_sentiment=settings.get(options.COMPLAINT_SENTIMENT),
        compliment_sentiment=settings.get(options.COMPLIMENT_SENTIMENT),
        complaint_words=tuple(settings.get(options.COMPLAINT_WORDS)),
        negative_words=tuple(settings.get(options.NEGATIVE_WORDS)),
        positive_words=tuple(settings.get(options.POSITIVE_WORDS)),
    )


def question_text(question):
    """The words the lexicon reads: title and body source."""
    return f"{question.title}\n{question.body_source}"


def dialect_insert():
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]


def _require_staff(actor):
    if not permissions.is_staff(actor):
        raise PermissionDenied("Only staff work the care queue.")


def touch_question(question_id):
    """The public thread shows care status: move its version so cached pages refresh."""
    db.session.execute(update(Question).where(Question.id == question_id).values(version=Question.version + 1))


def _lock_item(item_id):
    """Re-read an item under a row lock."""
    item = db.session.execute(select(CareItem).where(CareItem.id == item_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    if item is None:
        raise NotFound("That care item does not exist.")
    return item


def _snapshot(item):
    return {"status": item.status, "category": item.category, "team": item.team,
            "assignee_id": item.assignee_id, "priority": effective_priority(item)}


def compute_priority(item, now, count=None):
    """Refresh the computed priority from waiting time, category, sentiment and same-problem count."""
    waited = now - item.opened_at - sla.paused_for(item, now)
    if count is None:
        count = same_problem_count(item.question_id)
    item.priority_score = rules.priority_score(item.category, waited, item.sentiment, count)


# Entering the queue ----------------------------------------------------------------------


def enqueue(question, reasons, now, actor=None, limits=None, reading=None, count=None, routing=None):
    """Put a question in the queue (or reopen/extend its item) for these rules.Reason; returns (item, created).

    Runs inside the caller's write transaction. One item per question: the insert ignores a
    conflict, then the row is locked, so concurrent sweeps and receivers never duplicate it.
    The sweep passes what it has read already: thresholds, the text's reading, the same-problem
    count and the routing table.
    """
    limits = limits or thresholds()
    text = question_text(question)
    reading = reading or rules.read_text(text, limits)
    category = rules.propose_category(reading, limits, text)
    team = routing[category] if routing and category in routing else options.team_for(category)
    result = db.session.execute(dialect_insert()(CareItem).values(
        question_id=question.id, status="new", category=category, team=team,
        sentiment=reading.sentiment, matched_words=reading.matched_words, created_at=now, opened_at=now,
        updated_at=now, priority_score=0, paused_seconds=0, reopened_count=0,
    ).on_conflict_do_nothing(index_elements=["question_id"]).returning(CareItem.id))
    created = result.scalar_one_or_none() is not None
    item = item_for_question(question.id, lock=True)
    added = []
    existing = {(reason.kind, reason.ref) for reason in item.reasons}
    for reason in reasons:
        key = (reason.kind, getattr(reason, "ref", ""))
        if key in existing:
            continue
        existing.add(key)
        row = CareReason(item_id=item.id, kind=reason.kind, ref=key[1], detail=reason.detail or None,
                         actor_id=actor.id if actor is not None else None, created_at=now)
        item.reasons.append(row)
        added.append(row)
    if not created and not added:
        return item, False
    if not item.is_open and added and any(r.kind in REOPENING_KINDS for r in added):
        _reopen(item, now)
    item.updated_at = now
    compute_priority(item, now, count)
    db.session.flush()
    touch_question(question.id)
    if created:
        audit.record(actor, "care.create", "care_item", item.id, reason="; ".join(r.kind for r in added),
                     after=_snapshot(item), now=now)
        signals.care_item_created.send(actor, item=item, now=now)
    elif added:
        audit.record(actor, "care.reason", "care_item", item.id, reason="; ".join(r.kind for r in added), now=now)
    return item, created


# A resolved item comes back for these; the time-based rules never re-queue a resolved thread.
REOPENING_KINDS = frozenset({"flagged", "not_solved", "manual"})


class QueueEvent:
    """A reason with a reference that tells repeated events apart (two flags, two notes)."""

    def __init__(self, kind, ref, detail):
        self.kind, self.ref, self.detail = kind, ref, detail


def _reopen(item, now):
    """Back in the queue after a resolution: the resolution clock starts again."""
    item.status = "in_progress" if item.assignee_id else "new"
    item.opened_at = now
    item.resolved_at = item.resolved_by = None
    item.followup_asked_at = None
    item.waiting_since = None
    item.reopened_count += 1


def send_to_queue(actor, question, note, *, now):
    """Staff send any thread to the queue by hand, with a note; returns the item."""
    _require_staff(actor)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"A note is at most {NOTE_MAX} characters."})
    begin_write(db.session)
    question = db.session.get(Question, question.id)
    if question is None or question.is_deleted:
        raise NotFound("That question does not exist.")
    item, _ = enqueue(question, [QueueEvent("manual", secrets.token_hex(6), note or None)], now, actor=actor)
    db.session.commit()
    return item


# Working an item -------------------------------------------------------------------------


def _available(user):
    """Who actually gets an item meant for `user`: their backup while they are away (None if nobody)."""
    seen = set()
    while user is not None and is_away(user) and user.id not in seen:
        seen.add(user.id)
        backup = agent_settings(user.id).backup
        user = backup if backup is not None and permissions.is_staff(backup) else None
    return user


def move_status(item, status, now):
    """Move the status, pausing the clocks while waiting on the customer."""
    if item.waiting_since is not None and status != "waiting":
        item.paused_seconds += int(max((now - item.waiting_since).total_seconds(), 0))
        item.waiting_since = None
    if status == "waiting" and item.waiting_since is None:
        item.waiting_since = now
    item.status = status


def resolve_item(item, now, resolved_by, actor=None):
    move_status(item, "resolved", now)
    item.resolved_at, item.resolved_by = now, resolved_by
    item.followup_asked_at = now
    item.satisfied = item.satisfied_at = None
    note_breaches(item, now)
    touch_question(item.question_id)
    question = db.session.get(Question, item.question_id)
    if actor is not None and actor.id != question.author_id:
        # The asker who accepted an answer is on the thread already; anyone else's resolution asks them.
        notify_asker(question, "care_followup", "Did this solve your problem? Tell us on the thread.", now,
                     actor=actor)
    signals.care_item_resolved.send(actor, item=item, now=now)


def notify_asker(question, kind, excerpt, now, actor=None):
    """A notification (and email, as the asker chose) inside the current transaction."""
    from app.notifications import services as notifications

    notifications.notify(db.session.get(User, question.author_id), kind, actor=actor, question=question,
                         excerpt=excerpt, now=now)


def _finish(actor, item, action, before, now, reason=None):
    item.updated_at = now
    audit.record(actor, action, "care_item", item.id, reason=reason, before=before, after=_snapshot(item), now=now)
    db.session.commit()
    return item


def claim(actor, item, *, now):
    """Take an item: the actor becomes its assignee and it is in progress."""
    _require_staff(actor)
    begin_write(db.session)
    item = _lock_item(item.id)
    if not item.is_open:
        raise Conflict("This item is resolved; reopen it first.")
    if item.assignee_id is not None and item.assignee_id != actor.id:
        raise Conflict(f"{item.assignee.username} already has this item; reassign it instead.")
    before = _snapshot(item)
    item.assignee_id = actor.id
    if item.status in ("new", "acknowledged"):
        move_status(item, "in_progress", now)
        touch_question(item.question_id)
    return _finish(actor, item, "care.claim", before, now)


def assign(actor, item, assignee, *, now):
    """Assign, reassign or (assignee None) unassign; an away agent's items go to their backup."""
    _require_staff(actor)
    if assignee is not None and not permissions.is_staff(assignee):
        raise ValidationError({"assignee": "Items can only be assigned to staff."})
    begin_write(db.session)
    item = _lock_item(item.id)
    target = None
    if assignee is not None:
        assignee = db.session.get(User, assignee.id)
        target = _available(assignee)
        if target is None:
            raise Conflict(f"{assignee.username} is away and has no available backup.")
    before = _snapshot(item)
    item.assignee_id = target.id if target is not None else None
    reason = f"{assignee.username} is away: given to {target.username}" if target is not None and \
        target.id != assignee.id else None
    return _finish(actor, item, "care.assign" if target else "care.unassign", before, now, reason=reason)


def set_status(actor, item, status, *, now):
    """Move an item along new → acknowledged → in progress → waiting on customer → resolved (or reopen)."""
    _require_staff(actor)
    if status not in ("acknowledged", "in_progress", "waiting", "resolved"):
        raise ValidationError({"status": "Choose acknowledged, in_progress, waiting or resolved."})
    begin_write(db.session)
    item = _lock_item(item.id)
    before = _snapshot(item)
    if status == item.status:
        db.session.rollback()
        return item
    if status == "resolved":
        resolve_item(item, now, "staff", actor=actor)
        return _finish(actor, item, "care.resolve", before, now)
    if not item.is_open:
        _reopen(item, now)
    move_status(item, status, now)
    touch_question(item.question_id)
    return _finish(actor, item, "care.status", before, now)


def triage(actor, item, category=None, team=None, priority=None, *, now):
    """Change the category (which routes to its team), the team, or the priority ("auto" clears an override)."""
    _require_staff(actor)
    errors = {}
    if category is not None and category not in CATEGORIES:
        errors["category"] = f"Choose one of: {', '.join(CATEGORIES)}."
    if team is not None and team not in settings.get(options.TEAMS):
        errors["team"] = f"Choose one of: {', '.join(settings.get(options.TEAMS))}."
    if priority is not None and priority not in (*PRIORITIES, "auto"):
        errors["priority"] = f"Choose one of: {', '.join(PRIORITIES)}, or auto."
    if errors:
        raise ValidationError(errors)
    begin_write(db.session)
    item = _lock_item(item.id)
    before = _snapshot(item)
    if category is not None and category != item.category:
        item.category = category
        item.team = options.team_for(category)
        compute_priority(item, now)
    if team is not None:
        item.team = team
    if priority is not None:
        item.priority_override = None if priority == "auto" else priority
    return _finish(actor, item, "care.triage", before, now)


def add_note(actor, item, body, *, now):
    """An internal note, for staff only."""
    _require_staff(actor)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note."})
    if len(body) > NOTE_MAX:
        raise ValidationError({"body": f"A note is at most {NOTE_MAX} characters."})
    begin_write(db.session)
    item = _lock_item(item.id)
    note = CareNote(item_id=item.id, author_id=actor.id, body=body, created_at=now)
    db.session.add(note)
    audit.record(actor, "care.note", "care_item", item.id, now=now)
    db.session.commit()
    return note


def set_away(actor, agent, away, backup=None, *, now):
    """Mark an agent away (their open items move to the backup) or back; agents do it for themselves."""
    if not permissions.is_staff(actor) or (actor.id != agent.id and not permissions.is_moderator(actor)):
        raise PermissionDenied("Agents set their own availability; moderators and admins anyone's.")
    if not permissions.is_staff(agent):
        raise ValidationError({"agent": "Only staff have an availability."})
    if backup is not None and (not permissions.is_staff(backup) or backup.id == agent.id):
        raise ValidationError({"backup": "The backup is another member of staff."})
    begin_write(db.session)
    row = db.session.get(CareAgent, agent.id)
    if row is None:
        row = CareAgent(user_id=agent.id, updated_at=now)
        db.session.add(row)
    before = {"is_away": row.is_away, "backup_id": row.backup_id}
    row.is_away, row.backup_id, row.updated_at = bool(away), backup.id if backup else None, now
    db.session.flush()
    moved = 0
    if away:
        target = _available(db.session.get(User, agent.id))
        for item in db.session.scalars(select(CareItem).where(CareItem.assignee_id == agent.id,
                                                              CareItem.status != "resolved").with_for_update()):
            item.assignee_id = target.id if target is not None else None
            item.updated_at = now
            audit.record(actor, "care.assign" if target else "care.unassign", "care_item", item.id,
                         reason=f"{agent.username} is away", now=now)
            moved += 1
    audit.record(actor, "care.availability", "user", agent.id, before=before,
                 after={"is_away": row.is_away, "backup_id": row.backup_id}, now=now)
    db.session.commit()
    return moved


# Public side: "I have this problem too" and the asker's follow-up --------------------------


def browser_hash(token):
    """What is stored of a visitor's random cookie token: its SHA-256, nothing else."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_browser_token():
    """A random token for a visitor's cookie."""
    return secrets.token_urlsafe(24)


def press_same_problem(user, question, token=None, *, now):
    """Count "I have this problem too" once per member and once per browser; returns (count, counted_now)."""
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not token:
        raise ValidationError({"token": "Cookies are needed to count you once."})
    begin_write(db.session)
    question = db.session.get(Question, question.id)
    if question is None or question.is_deleted:
        raise NotFound("That question does not exist.")
    if question.is_resolved or question.is_closed:
        raise Conflict("This question is resolved or closed.")
    digest = browser_hash(token) if token else None
    mine = None
    if signed_in:
        mine = db.session.scalar(select(SameProblem).where(SameProblem.question_id == question.id,
                                                           SameProblem.user_id == user.id))
    by_browser = db.session.scalar(select(SameProblem).where(SameProblem.question_id == question.id,
                                                             SameProblem.browser_hash == digest)) if digest else None
    counted = False
    if mine is None and by_browser is None:
        db.session.add(SameProblem(question_id=question.id, user_id=user.id if signed_in else None,
                                   browser_hash=digest, created_at=now))
        counted = True
    elif signed_in and mine is None and by_browser.user_id is None:
        by_browser.user_id = user.id  # the same person pressed before signing in: still one
    if counted:
        touch_question(question.id)
    db.session.commit()
    return same_problem_count(question.id), counted


def record_feedback(user, question, solved, *, now):
    """The asker answers "Did this solve your problem?": yes is satisfaction, no reopens the item."""
    begin_write(db.session)
    item = item_for_question(question.id, lock=True)
    if item is None or item.followup_asked_at is None or item.is_open:
        raise Conflict("There is no resolution to give feedback on.")
    if user is None or not user.is_authenticated or item.question.author_id != user.id:
        raise PermissionDenied("Only the person who asked can say whether it is solved.")
    item.satisfied, item.satisfied_at = bool(solved), now
    audit.record(user, "care.feedback", "care_item", item.id, after={"satisfied": bool(solved)}, now=now)
    if not solved:
        enqueue(item.question, [QueueEvent("not_solved", f"feedback-{item.reopened_count + 1}",
                                       "The asker said the resolution did not solve the problem")], now, actor=user)
    touch_question(item.question_id)
    db.session.commit()
    return item


def note_breaches(item, now, targets=None):
    """Mark each clock's first breach once and tell listeners (webhooks)."""
    first, resolution = sla.clocks(item, now, targets)
    for clock, column in ((first, "first_response_breached_at"), (resolution, "resolution_breached_at")):
        if clock.breached and getattr(item, column) is None:
            setattr(item, column, min(now, clock.stopped_at or now))
            signals.care_item_breached.send(None, item=item, clock=clock.name, now=now)
