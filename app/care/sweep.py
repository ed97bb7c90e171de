"""The sweep: apply the entry rules, mark breaches, refresh priorities and remind askers, at an explicit `now`.

Safe from cron every minute and from the app's own timer at once. It works in batches of
BATCH_SIZE: the rules read and analyse a batch outside any write transaction, then a short
write transaction (SQLite's write lock; a transaction-scoped advisory lock on PostgreSQL)
re-reads what qualified and writes it, so writers never wait on a sweep for long. Every step
is idempotent and one item per question is a unique constraint besides.

It is incremental: the time of the last sweep is kept (a row in `settings`), and a sweep looks
only at questions that crossed a time threshold since then, changed since then (asked, answered,
edited, commented: `last_activity_at`) or got "I have this problem too" presses since then; once
an hour (and after the thresholds or lexicon change) it also catches questions that qualify but
have no item, whatever moved them (reopened, unhidden, restored, an answer removed, imported).
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, text

from app import settings
from app.care import lexicon, options, rules, sla
from app.care.models import CATEGORIES, CareItem, CareReason, CareReminder, SameProblem
from app.care.services import compute_priority, enqueue, note_breaches, notify_asker, question_text, thresholds
from app.database import begin_write
from app.extensions import db
from app.models import Answer, Question
from app.settings import Setting
from app.visibility import not_deleted, public

_ADVISORY_KEY = 5_110_002  # any fixed number: "the care sweep"
_RECENT = timedelta(days=7)  # how far back a full sweep's text rules look at threads nobody queued yet
BATCH_SIZE = 50  # about a quarter of a second of SQLite's write lock on a busy machine
STATE_NAME = "care.sweep.state"  # not a defined setting: admins never see or change it
# A write stamps its rows with the clock before it commits: look this far before the last sweep
# began so a write that committed while the sweep was reading is not missed.
_OVERLAP = timedelta(minutes=2)
_CATCH_UP_EVERY = timedelta(hours=1)


@dataclass
class SweepResult:
    """What one sweep did."""

    created: int = 0
    extended: int = 0
    breaches: list = field(default_factory=list)
    reminders: int = 0
    full: bool = False
    examined: int = 0
    transactions: int = 0

    def __str__(self):
        return (f"{self.created} item(s) queued, {self.extended} given new reasons, {len(self.breaches)} breach(es), "
                f"{self.reminders} reminder(s); {self.examined} question(s) examined"
                f"{' (full sweep)' if self.full else ''}")


def _take_lock():
    begin_write(db.session)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})


def _chunks(ids, size):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


# Where the last sweep got to -----------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    at: datetime  # the last sweep's `now`: time thresholds crossed after it are new
    seen: datetime  # the clock when it began reading, less the overlap: changes after it are new
    caught_up: datetime  # the `now` of the last look for qualifying questions without an item
    fingerprint: str  # the thresholds, lexicon and reminder settings it applied


def _fingerprint(limits):
    """What the windows of an incremental sweep depend on: the entry rules' and the reminders' settings."""
    applied = dict(limits.__dict__, reminder_days=settings.get(options.REMINDER_DAYS),
                   reminder_max=settings.get(options.REMINDER_MAX))
    return hashlib.sha256(json.dumps(applied, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _load_state():
    value = db.session.scalar(select(Setting.value).where(Setting.name == STATE_NAME))
    try:
        return _State(*(datetime.fromisoformat(value[key]) for key in ("at", "seen", "caught_up")),
                      value["fingerprint"])
    except (TypeError, KeyError, ValueError):
        return None


def _save_state(state, now):
    from app.care.services import dialect_insert

    value = {"at": state.at.isoformat(), "seen": state.seen.isoformat(), "caught_up": state.caught_up.isoformat(),
             "fingerprint": state.fingerprint}
    begin_write(db.session)
    db.session.execute(dialect_insert()(Setting).values(name=STATE_NAME, value=value, updated_at=now)
                       .on_conflict_do_update(index_elements=["name"], set_={"value": value, "updated_at": now}))
    db.session.commit()


# Which questions to look at ------------------------------------------------------------------


def _eligible():
    """Visible, open, unresolved questions without a resolved item (the time rules never re-queue those)."""
    resolved_item = exists().where(CareItem.question_id == Question.id, CareItem.status == "resolved")
    return and_(public(Question), Question.closed_at.is_(None),
                Question.accepted_answer_id.is_(None), ~resolved_item)


def _due(now, limits, after=None):
    """Past a time threshold at `now` (and, with `after`, not yet at `after`)."""
    unanswered, unresolved = timedelta(minutes=limits.unanswered_minutes), timedelta(hours=limits.unresolved_hours)
    windows = [and_(Question.answer_count == 0, Question.created_at <= now - unanswered),
               and_(Question.answer_count > 0, Question.created_at <= now - unresolved)]
    if after is not None:
        windows[0] = and_(windows[0], Question.created_at > after - unanswered)
        windows[1] = and_(windows[1], Question.created_at > after - unresolved)
    return or_(*windows)


def _ids(*conditions):
    return set(db.session.scalars(select(Question.id).where(_eligible(), *conditions)))


def _candidate_ids(now, limits, state, catch_up):
    """Ids of the questions some rule could newly qualify, in order (every likely one when `state` is None)."""
    if state is None:
        same_problem = select(SameProblem.question_id).group_by(SameProblem.question_id).having(
            func.count() >= limits.same_problem_threshold)
        return sorted(_ids(or_(_due(now, limits), Question.id.in_(same_problem),
                               and_(Question.created_at >= now - _RECENT, Question.created_at <= now))))
    pressed = select(SameProblem.question_id).where(SameProblem.created_at > state.seen)
    # Separate queries, each served by an index, rather than one OR the database would scan for.
    ids = (_ids(Question.created_at > state.seen) | _ids(Question.last_activity_at > state.seen)
           | _ids(_due(now, limits, after=state.at)) | _ids(Question.id.in_(pressed)))
    if catch_up:
        ids |= _ids(_due(now, limits), ~exists().where(CareItem.question_id == Question.id))
    return sorted(ids)


# Queueing a batch --------------------------------------------------------------------------


def _batch_facts(ids, lock=False):
    """The questions, same-problem counts and items' (status, reason kinds) of a batch: three queries.

    With `lock`, the questions' rows are locked (PostgreSQL) so an acceptance cannot slip in
    between the check and the queueing.
    """
    query = select(Question).where(Question.id.in_(ids), _eligible()).execution_options(populate_existing=True)
    questions = db.session.scalars(query.with_for_update(of=Question) if lock else query).all()
    counts = dict(db.session.execute(select(SameProblem.question_id, func.count()).where(
        SameProblem.question_id.in_(ids)).group_by(SameProblem.question_id)).all())
    items = {}
    for question_id, status, kind in db.session.execute(
            select(CareItem.question_id, CareItem.status, CareReason.kind)
            .outerjoin(CareReason, CareReason.item_id == CareItem.id).where(CareItem.question_id.in_(ids))):
        entry = items.setdefault(question_id, (status, set()))
        if kind is not None:
            entry[1].add(kind)
    return questions, counts, items


def _reasons(question, count, item, now, limits, readings):
    """The new reasons for a question (empty when none), reading its text only if that could add one."""
    if item is not None and item[0] == "resolved":
        return []
    known = item[1] if item is not None else set()
    body = question_text(question)
    if "complaint" in known:
        reading = lexicon.Reading()  # a complaint already: its text cannot add a reason
    else:
        if body not in readings:
            readings[body] = rules.read_text(body, limits)
        reading = readings[body]
    facts = rules.ThreadFacts(asked_at=question.created_at, answer_count=question.answer_count,
                              is_resolved=question.is_resolved, text=body, same_problem_count=count,
                              is_closed=question.is_closed, is_deleted=question.is_deleted)
    reasons = rules.entry_reasons(facts, now, limits, reading=reading)
    return [reason for reason in reasons if reason.kind not in known]


def _sweep_batch(ids, now, limits, result):
    """Rules over one batch read without the write lock, then the qualifying ones written in one short transaction."""
    readings = {}
    questions, counts, items = _batch_facts(ids)
    result.examined += len(questions)
    qualifying = [q.id for q in questions if _reasons(q, counts.get(q.id, 0), items.get(q.id), now, limits, readings)]
    db.session.rollback()  # end the read before queueing for the write lock
    if not qualifying:
        return
    routing = {category: options.team_for(category) for category in CATEGORIES}
    _take_lock()
    # Re-check under the lock: another sweep, an answer or an acceptance may have come first.
    questions, counts, items = _batch_facts(qualifying, lock=True)
    for question in questions:
        reasons = _reasons(question, counts.get(question.id, 0), items.get(question.id), now, limits, readings)
        if not reasons:
            continue
        item, created = enqueue(question, reasons, now, limits=limits, reading=readings.get(question_text(question)),
                                count=counts.get(question.id, 0), routing=routing)
        if created:
            result.created += 1
        else:
            result.extended += 1
    db.session.commit()
    result.transactions += 1


# Clocks and priorities of open items -------------------------------------------------------


def _due_item_ids(now, targets, state):
    """Open items whose clock may have breached unmarked, or whose priority may have moved since the last sweep."""
    breach = or_(*(and_(CareItem.category == category, or_(
        and_(CareItem.first_response_breached_at.is_(None), CareItem.first_response_at.is_(None),
             CareItem.created_at <= now - targets[category].first_response),
        and_(CareItem.resolution_breached_at.is_(None), CareItem.opened_at <= now - targets[category].resolution)))
        for category in CATEGORIES))
    query = select(CareItem.id).where(CareItem.status != "resolved")
    if state is None:
        return list(db.session.scalars(query.order_by(CareItem.id)))
    step = rules.WAIT_STEP
    # Waiting adds a point at each step after opening: items that crossed one since the last sweep.
    crossed = or_(*(and_(CareItem.opened_at > state.at - step * k, CareItem.opened_at <= now - step * k)
                    for k in range(1, rules.WAIT_STEPS + 1)))
    # A pause shifts the steps; items that have paused are few, so they are simply refreshed.
    paused = and_(CareItem.paused_seconds > 0, CareItem.waiting_since.is_(None))
    pressed = CareItem.question_id.in_(select(SameProblem.question_id).where(SameProblem.created_at > state.seen))
    return list(db.session.scalars(query.where(or_(breach, and_(CareItem.waiting_since.is_(None), crossed),
                                                   paused, pressed)).order_by(CareItem.id)))


def _refresh_items(ids, now, targets, result):
    """Mark breaches and refresh priorities of a batch of items in one short transaction."""
    _take_lock()
    items = db.session.scalars(select(CareItem).where(CareItem.id.in_(ids), CareItem.status != "resolved")
                               .with_for_update().execution_options(populate_existing=True)).all()
    counts = dict(db.session.execute(select(SameProblem.question_id, func.count()).where(
        SameProblem.question_id.in_([item.question_id for item in items])).group_by(SameProblem.question_id)).all())
    for item in items:
        marked = (item.first_response_breached_at, item.resolution_breached_at)
        note_breaches(item, now, targets[item.category])
        if item.first_response_breached_at != marked[0]:
            result.breaches.append((item.id, "first_response"))
        if item.resolution_breached_at != marked[1]:
            result.breaches.append((item.id, "resolution"))
        compute_priority(item, now, counts.get(item.question_id, 0))
    db.session.commit()
    result.transactions += 1


def run(now, batch_size=BATCH_SIZE):
    """One sweep at `now`, committed batch by batch; returns a SweepResult."""
    db.session.rollback()
    limits = thresholds()
    fingerprint = _fingerprint(limits)
    state = _load_state()
    if state is not None and (state.fingerprint != fingerprint or now < state.at):
        state = None  # new thresholds, lexicon or reminder days, or a replay of the past: look at everything again
    catch_up = state is None or now - state.caught_up >= _CATCH_UP_EVERY or now < state.caught_up
    result = SweepResult(full=state is None)
    for ids in _chunks(_candidate_ids(now, limits, state, catch_up), batch_size):
        _sweep_batch(ids, now, limits, result)
    targets = {category: sla.targets_for(category) for category in CATEGORIES}
    for ids in _chunks(_due_item_ids(now, targets, state), batch_size):
        _refresh_items(ids, now, targets, result)
    db.session.rollback()
    result.reminders = _remind(now, state, batch_size, result)
    # Changes are stamped with their own request's time: those since now - _OVERLAP count as unseen.
    _save_state(_State(at=now, seen=now - _OVERLAP, caught_up=now if catch_up else state.caught_up,
                       fingerprint=fingerprint), now)
    return result


def _remind(now, state, batch_size, result):
    """Remind askers who got answers but accepted none: after N days, then N days later, at most M times."""
    every = timedelta(days=settings.get(options.REMINDER_DAYS))
    most = settings.get(options.REMINDER_MAX)
    if most <= 0:
        return 0
    first_answer = (select(Answer.question_id, func.min(Answer.created_at).label("at"))
                    .where(not_deleted(Answer)).group_by(Answer.question_id).subquery())
    sent = (select(CareReminder.question_id, func.count().label("n")).group_by(CareReminder.question_id).subquery())
    unresolved = (public(Question), Question.closed_at.is_(None),
                  Question.accepted_answer_id.is_(None), Question.answer_count > 0)
    query = (select(Question.id).join(first_answer, first_answer.c.question_id == Question.id)
             .outerjoin(sent, sent.c.question_id == Question.id)
             .where(*unresolved, first_answer.c.at <= now - every, func.coalesce(sent.c.n, 0) < most))
    if state is not None:  # only reminders that fell due since the last sweep
        query = query.where(or_(*(and_(first_answer.c.at > state.at - every * number,
                                       first_answer.c.at <= now - every * number)
                                  for number in range(1, most + 1))))
    ids = list(db.session.scalars(query.order_by(Question.id)))
    db.session.rollback()
    count = 0
    for batch in _chunks(ids, batch_size):
        _take_lock()
        # Re-read under the lock: a reminder another sweep sent is not sent twice.
        rows = db.session.execute(
            select(Question, first_answer.c.at, func.coalesce(sent.c.n, 0))
            .join(first_answer, first_answer.c.question_id == Question.id)
            .outerjoin(sent, sent.c.question_id == Question.id)
            .where(Question.id.in_(batch), *unresolved)).all()
        for question, answered_at, already in rows:
            number = already + 1
            if number <= most and now >= answered_at + every * number:
                db.session.add(CareReminder(question_id=question.id, number=number, created_at=now))
                notify_asker(question, "care_reminder",
                             "You got answers here: if one solved your problem, accept it so others find it too.",
                             now)
                count += 1
        db.session.commit()
        result.transactions += 1
    return count
