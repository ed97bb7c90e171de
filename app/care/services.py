"""Care queue services: put threads in the queue, work items, follow up; every write checks who acts."""
import secrets

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from app import audit, i18n, permissions, settings, signals, visitors
from app.care import options, rules, sla
from app.care import triage as care_triage
from app.care.models import (
    CATEGORIES,
    PRIORITIES,
    RATING_COMMENT_MAX,
    SCORE_LABELS,
    CareAgent,
    CareExemption,
    CareItem,
    CareNote,
    CareRating,
    CareReason,
    SameProblem,
)
from app.care.queries import agent_settings, effective_priority, is_away, item_for_question, same_problem_count
from app.database import begin_write, insert_or_skip
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Question, User
from app.validation import clean_text

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


def _require_staff(actor):
    if not permissions.is_staff(actor):
        raise PermissionDenied(_("Only staff work the care queue."))


def touch_question(question_id):
    """The public thread shows care status: move its version so cached pages refresh."""
    db.session.execute(update(Question).where(Question.id == question_id).values(version=Question.version + 1))


def _lock_item(item_id):
    """Re-read an item under a row lock."""
    item = db.session.execute(select(CareItem).where(CareItem.id == item_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    if item is None:
        raise NotFound(_("That care item does not exist."))
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


def enqueue(question, reasons, now, actor=None, limits=None, reading=None, count=None, routing=None,
            prediction=None):
    """Put a question in the queue (or reopen/extend its item) for these rules.Reason; returns (item, created).

    Runs inside the caller's write transaction. One item per question: the insert ignores a
    conflict, then the row is locked, so concurrent sweeps and receivers never duplicate it.
    The sweep passes what it has read already: thresholds, the text's reading, the same-problem
    count, the triage settings (`routing`, options.triage_rules()) and the classifier's
    `prediction` for the question (triage.predict_questions, once per batch). An exempt question
    (imported history) enters only when staff send it by hand; otherwise this returns (None, False)
    and writes nothing.
    """
    if not any(reason.kind == "manual" for reason in reasons) and is_exempt(question.id):
        return None, False
    limits = limits or thresholds()
    text = question_text(question)
    reading = reading or rules.read_text(text, limits)
    # Only a new item is triaged: the insert below leaves an existing one as staff left it.
    proposed = None
    if db.session.scalar(select(CareItem.id).where(CareItem.question_id == question.id)) is None:
        proposed = triage_question(question, reading, routing, prediction)
    result = db.session.execute(insert_or_skip(db.session, CareItem).values(
        question_id=question.id, status="new", category=proposed.category if proposed else "question",
        team=proposed.team if proposed else "", triage_reason=proposed.why[:300] if proposed else None,
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
    reopened = item.status == "resolved" and added and any(r.kind in REOPENING_KINDS for r in added)
    if reopened:
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
    if reopened:
        signals.care_item_reopened.send(actor, item=item, now=now)
    return item, created


def is_exempt(question_id):
    """Whether the care queue leaves this question alone (imported history nobody opted in)."""
    return db.session.get(CareExemption, question_id) is not None


def include_exempt(since, *, now):
    """Opt the exempt questions asked since `since` into the queue (audited, no actor: an operator's command)."""
    begin_write(db.session)
    asked = select(Question.id).where(Question.created_at >= since)
    count = db.session.execute(delete(CareExemption).where(CareExemption.question_id.in_(asked))).rowcount
    audit.record(None, "care.include", "care_exemption", f"since {since.isoformat()}",
                 reason=f"asked since {since.isoformat()}", after={"included": count}, now=now)
    db.session.commit()
    return count


def triage_question(question, reading, routing=None, prediction=None):
    """The proposed category and team of a question (a care.triage.Triage), with the reason staff see."""
    routing = routing or options.triage_rules()
    if prediction is None and care_triage.needs_prediction(question.title, question.body_source, routing, reading):
        prediction = care_triage.predict_questions([question]).get(question.id)
    return care_triage.classify(question.title, question.body_source, [tag.name for tag in question.tags], routing,
                           reading=reading, prediction=prediction)


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
    item.paused_seconds = 0  # the new episode's resolution clock has not paused yet
    item.first_response_warned_at = item.resolution_warned_at = None
    item.reopened_count += 1


def send_to_queue(actor, question, note, *, now):
    """Staff send any thread to the queue by hand, with a note; returns the item."""
    _require_staff(actor)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("A note is at most %(max)s characters.", max=format_decimal(NOTE_MAX))})
    begin_write(db.session)
    question = db.session.get(Question, question.id)
    if question is None or question.is_deleted:
        raise NotFound(_("That question does not exist."))
    item, _created = enqueue(question, [QueueEvent("manual", secrets.token_hex(6), note or None)], now, actor=actor)
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


def add_pause(item, since, now, targets=None):
    """Count a pause from `since` to `now` on the clocks that ran through it, in the team's business hours."""
    calendar = (targets or sla.targets_for(item.category)).calendar_for(item.team)
    item.paused_seconds += int(calendar.elapsed(since, now).total_seconds())
    # The first-response clock pauses only while it runs: a pause after it stopped would move a frozen due time.
    stops = [stop for stop in (item.first_response_at, item.first_response_closed_at) if stop is not None]
    until = min([now, *stops])
    if until > since:
        item.first_response_paused_seconds += int(calendar.elapsed(since, until).total_seconds())


def move_status(item, status, now):
    """Move the status: waiting on the customer pauses the running clocks, and resolving stops them (sla.py).

    An item resolved before any staff response stops its first-response clock here, for good:
    met when that came before the clock was due.
    """
    if item.waiting_since is not None and status != "waiting":
        add_pause(item, item.waiting_since, now)
        item.waiting_since = None
    if status == "waiting" and item.waiting_since is None:
        item.waiting_since = now
    if status == "resolved" and item.first_response_at is None and item.first_response_closed_at is None:
        item.first_response_closed_at = now
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
        notify_asker(question, "care_followup", _l("Did this solve your problem? Tell us on the thread."), now,
                     actor=actor)
    signals.care_item_resolved.send(actor, item=item, now=now)


def notify_asker(question, kind, excerpt, now, actor=None):
    """A notification (and email, as the asker chose) inside the current transaction, in the asker's language."""
    from app.notifications import services as notifications

    asker = db.session.get(User, question.author_id)
    with i18n.in_language_of(asker):
        excerpt = str(excerpt)
    notifications.notify(asker, kind, actor=actor, question=question, excerpt=excerpt, now=now)


def _finish(actor, item, action, before, now, reason=None):
    item.updated_at = now
    audit.record(actor, action, "care_item", item.id, reason=reason, before=before, after=_snapshot(item), now=now)
    announce_changes(actor, item, before, now, handover_from=None)
    db.session.commit()
    return item


def announce_changes(actor, item, before, now, handover_from=None):
    """Tell listeners (staff alerts, webhooks) that the status or the assignee moved since `before`."""
    if before["status"] != item.status:
        signals.care_item_status_changed.send(actor, item=item, before=before["status"], now=now)
    if before["assignee_id"] != item.assignee_id:
        signals.care_item_assigned.send(actor, item=item, before=before["assignee_id"], handover_from=handover_from,
                                        now=now)


def claim(actor, item, *, now):
    """Take an item: the actor becomes its assignee and it is in progress."""
    _require_staff(actor)
    begin_write(db.session)
    item = _lock_item(item.id)
    if not item.is_open:
        raise Conflict(_("This item is resolved; reopen it first."))
    if item.assignee_id is not None and item.assignee_id != actor.id:
        raise Conflict(_("%(name)s already has this item; reassign it instead.", name=item.assignee.username))
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
        raise ValidationError({"assignee": _("Items can only be assigned to staff.")})
    begin_write(db.session)
    item = _lock_item(item.id)
    target = None
    if assignee is not None:
        assignee = db.session.get(User, assignee.id)
        target = _available(assignee)
        if target is None:
            raise Conflict(_("%(name)s is away and has no available backup.", name=assignee.username))
    before = _snapshot(item)
    item.assignee_id = target.id if target is not None else None
    handover = target is not None and target.id != assignee.id
    reason = f"{assignee.username} is away: given to {target.username}" if handover else None
    item.updated_at = now
    audit.record(actor, "care.assign" if target else "care.unassign", "care_item", item.id, reason=reason,
                 before=before, after=_snapshot(item), now=now)
    announce_changes(actor, item, before, now, handover_from=assignee if handover else None)
    db.session.commit()
    return item


def set_status(actor, item, status, *, now):
    """Move an item along new → acknowledged → in progress → waiting on customer → resolved (or reopen)."""
    _require_staff(actor)
    if status not in ("acknowledged", "in_progress", "waiting", "resolved"):
        raise ValidationError({"status": _("Choose acknowledged, in_progress, waiting or resolved.")})
    begin_write(db.session)
    item = _lock_item(item.id)
    before = _snapshot(item)
    if status == item.status:
        db.session.rollback()
        return item
    if item.status == "withdrawn":
        raise Conflict(_("This item was withdrawn: its question is hidden or deleted. Restore the question first."))
    if status == "resolved":
        resolve_item(item, now, "staff", actor=actor)
        return _finish(actor, item, "care.resolve", before, now)
    reopening = not item.is_open
    if reopening:
        _reopen(item, now)
        signals.care_item_reopened.send(actor, item=item, now=now)
    move_status(item, status, now)
    touch_question(item.question_id)
    return _finish(actor, item, "care.status", before, now)


def triage(actor, item, category=None, team=None, priority=None, *, now):
    """Change the category, the team, or the priority ("auto" clears an override).

    A new category routes the item to that category's team unless a team is given too: a team
    given is staff's explicit choice. The web form sends a team only when staff pick one.
    """
    _require_staff(actor)
    errors = {}
    if category is not None and category not in CATEGORIES:
        errors["category"] = _("Choose one of: %(choices)s.", choices=", ".join(CATEGORIES))
    if team is not None and team not in settings.get(options.TEAMS):
        errors["team"] = _("Choose one of: %(choices)s.", choices=", ".join(settings.get(options.TEAMS)))
    if priority is not None and priority not in (*PRIORITIES, "auto"):
        errors["priority"] = _("Choose one of: %(choices)s, or auto.", choices=", ".join(PRIORITIES))
    if errors:
        raise ValidationError(errors)
    begin_write(db.session)
    item = _lock_item(item.id)
    before = _snapshot(item)
    if category is not None and category != item.category:
        item.category = category
        item.team = options.team_for(category)
        item.triage_reason = f"staff: {category} → {item.team}"
        compute_priority(item, now)
    if team is not None and team != item.team:
        item.team = team
        item.triage_reason = f"staff chose {team}"
    if priority is not None:
        item.priority_override = None if priority == "auto" else priority
    return _finish(actor, item, "care.triage", before, now)


def add_note(actor, item, body, *, now):
    """An internal note, for staff only."""
    _require_staff(actor)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the note.")})
    if len(body) > NOTE_MAX:
        raise ValidationError({"body": _("A note is at most %(max)s characters.", max=format_decimal(NOTE_MAX))})
    begin_write(db.session)
    item = _lock_item(item.id)
    note = CareNote(item_id=item.id, author_id=actor.id, body=body, created_at=now)
    db.session.add(note)
    item.updated_at = now  # a CRM following changes sees the note
    audit.record(actor, "care.note", "care_item", item.id, now=now)
    db.session.commit()
    return note


def set_away(actor, agent, away, backup=None, *, now):
    """Mark an agent away (their open items move to the backup) or back; agents do it for themselves."""
    if not permissions.is_staff(actor) or (actor.id != agent.id and not permissions.is_moderator(actor)):
        raise PermissionDenied(_("Agents set their own availability; moderators and admins anyone's."))
    if not permissions.is_staff(agent):
        raise ValidationError({"agent": _("Only staff have an availability.")})
    if backup is not None and (not permissions.is_staff(backup) or backup.id == agent.id):
        raise ValidationError({"backup": _("The backup is another member of staff.")})
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
                                                              CareItem.is_open).with_for_update()):
            before_item = _snapshot(item)
            item.assignee_id = target.id if target is not None else None
            item.updated_at = now
            audit.record(actor, "care.assign" if target else "care.unassign", "care_item", item.id,
                         reason=f"{agent.username} is away", now=now)
            announce_changes(actor, item, before_item, now, handover_from=agent)
            moved += 1
    audit.record(actor, "care.availability", "user", agent.id, before=before,
                 after={"is_away": row.is_away, "backup_id": row.backup_id}, now=now)
    db.session.commit()
    return moved


def set_teams(actor, agent, teams, *, now):
    """The teams an agent works in (new complaints there are announced to them); agents set their own."""
    if not permissions.is_staff(actor) or (actor.id != agent.id and not permissions.is_moderator(actor)):
        raise PermissionDenied(_("Agents choose their own teams; moderators and admins anyone's."))
    if not permissions.is_staff(agent):
        raise ValidationError({"agent": _("Only staff work in care teams.")})
    known = settings.get(options.TEAMS)
    chosen = [team for team in teams if isinstance(team, str)]
    unknown = [team for team in chosen if team not in known]
    if unknown or len(chosen) != len(teams):
        raise ValidationError({"teams": _("Choose among: %(choices)s.", choices=", ".join(known))})
    begin_write(db.session)
    row = db.session.get(CareAgent, agent.id)
    if row is None:
        row = CareAgent(user_id=agent.id, updated_at=now)
        db.session.add(row)
    before = sorted(row.teams or [])
    row.teams, row.updated_at = sorted(set(chosen)), now
    audit.record(actor, "care.teams", "user", agent.id, before={"teams": before}, after={"teams": row.teams},
                 now=now)
    db.session.commit()
    return row


# Leaving the queue with the question -------------------------------------------------------


def withdraw(item, now, actor=None):
    """Take an open item out of the queue because its question is hidden or deleted: the clocks stop."""
    if not item.is_open:
        return False
    before = _snapshot(item)
    move_status(item, "withdrawn", now)
    item.withdrawn_at = item.updated_at = now
    audit.record(actor, "care.withdraw", "care_item", item.id, reason="the question is hidden or deleted",
                 before=before, after=_snapshot(item), now=now)
    announce_changes(actor, item, before, now)
    return True


def reinstate(item, now, actor=None):
    """Put a withdrawn item back when its question is public again; the time away counts as a pause."""
    if item.status != "withdrawn":
        return False
    before = _snapshot(item)
    add_pause(item, item.withdrawn_at or now, now)
    item.status = "in_progress" if item.assignee_id else "new"
    item.withdrawn_at, item.updated_at = None, now
    audit.record(actor, "care.reinstate", "care_item", item.id, reason="the question is public again",
                 before=before, after=_snapshot(item), now=now)
    announce_changes(actor, item, before, now)
    return True


# Public side: "I have this problem too" and the asker's follow-up --------------------------


def _open_for_presses(question_id):
    """The question, if people may still say they have its problem (NotFound, Conflict otherwise)."""
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted:
        raise NotFound(_("That question does not exist."))
    if question.is_resolved or question.is_closed:
        raise Conflict(_("This question is resolved or closed."))
    return question


def press_same_problem(user, question, token=None, *, now):
    """Count "I have this problem too" once per member and once per visitor token; returns (count, counted_now).

    `token` is the browser's stable visitor token (app/visitors.py), None when it brought none: then a
    visitor is not counted (a client that keeps no cookie could press forever), only the question checked.
    """
    signed_in = user is not None and user.is_authenticated
    if permissions.is_asker(user, question):
        raise PermissionDenied(_("You asked this question, so your problem is already counted."))
    if not signed_in and not token:
        _open_for_presses(question.id)
        return same_problem_count(question.id), False
    begin_write(db.session)
    question = _open_for_presses(question.id)
    digest = visitors.digest(token) if token else None
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


def clean_feedback(solved, score=None, comment=None):
    """The follow-up's answers as (solved, score or None, comment or None); ValidationError names each bad field.

    `score` is an int or its digit from the form, 1 to 5, and may be left out (None or ""); the comment is
    plain text (never rendered as Markdown or HTML), at most RATING_COMMENT_MAX characters, blank means none.
    """
    if not isinstance(solved, bool):
        raise ValidationError({"solved": _("Say whether it solved your problem: yes or no.")})
    errors = {}
    if isinstance(score, str):
        score = score.strip()
        score = int(score) if len(score) == 1 and score in "12345" else (None if score == "" else score)
    if score is not None and (type(score) is not int or score not in SCORE_LABELS):
        errors["score"] = _("Choose a score from 1 to 5, or leave it out.")
    try:
        comment = clean_text(comment).strip() or None
    except TypeError:
        errors["comment"] = _("The comment must be text.")
    else:
        if comment is not None and len(comment) > RATING_COMMENT_MAX:
            errors["comment"] = _("A comment is at most %(max)s characters (it is %(length)s).",
                                  max=format_decimal(RATING_COMMENT_MAX), length=format_decimal(len(comment)))
    if errors:
        raise ValidationError(errors)
    return solved, score, comment


def rating_of(item, episode=None):
    """The asker's rating of one resolution of an item (the current one unless told), or None."""
    return db.session.scalar(select(CareRating).where(CareRating.item_id == item.id,
                                                      CareRating.episode == (episode or item.episode)))


def record_feedback(user, question, solved, score=None, comment=None, *, now, episode=None):
    """The asker answers "Did this solve your problem?" about the latest resolution; returns the CareRating.

    Every answer is kept, one per resolution: a second answer about the same one is a Conflict naming
    the first, which stands. `episode` (sent by the form) refuses an answer about an older resolution
    than the item's. Yes and no are the satisfaction figures' raw data; no also reopens the item.
    """
    solved, score, comment = clean_feedback(solved, score, comment)
    begin_write(db.session)
    item = item_for_question(question.id, lock=True)
    if user is None or not user.is_authenticated or question.author_id != user.id:
        raise PermissionDenied(_("Only the person who asked can say whether it is solved."))
    if item is None or item.followup_asked_at is None:
        raise Conflict(_("There is no resolution to give feedback on."))
    if episode is not None and episode != item.episode:
        raise Conflict(_("This question was reopened since that form was shown: reload the page to answer "
                         "about its latest resolution."))
    earlier = rating_of(item)
    if earlier is not None:
        if earlier.score:
            given = (_("solved, %(score)d of 5", score=earlier.score) if earlier.solved
                     else _("not solved, %(score)d of 5", score=earlier.score))
        else:
            given = _("solved") if earlier.solved else _("not solved")
        raise Conflict(_("You already answered about this resolution (%(answer)s): that answer stands. If the "
                         "problem is back, say so in a comment and staff will look again.", answer=given))
    if item.is_open:
        raise Conflict(_("There is no resolution to give feedback on."))
    rating = CareRating(item_id=item.id, episode=item.episode, solved=solved, score=score, comment=comment,
                        rater_id=user.id, created_at=now)
    db.session.add(rating)
    db.session.flush()
    item.satisfied, item.satisfied_at = solved, now
    audit.record(user, "care.feedback", "care_item", item.id, now=now,
                 after={"episode": rating.episode, "solved": solved, "score": score, "commented": bool(comment)})
    if not solved:
        detail = "The asker said the resolution did not solve the problem"
        enqueue(item.question, [QueueEvent("not_solved", f"feedback-{rating.episode}",
                                           f"{detail}: \u201c{comment}\u201d" if comment else detail)],
                now, actor=user)
    touch_question(item.question_id)
    db.session.commit()
    return rating


def note_breaches(item, now, targets=None):
    """Mark each clock's first breach once and tell listeners (webhooks); a clock stopped in time never breaches."""
    first, resolution = sla.clocks(item, now, targets)
    for clock, column in ((first, "first_response_breached_at"), (resolution, "resolution_breached_at")):
        if clock.breached and getattr(item, column) is None:
            setattr(item, column, min(now, clock.stopped_at or now))
            signals.care_item_breached.send(None, item=item, clock=clock.name, now=now)
