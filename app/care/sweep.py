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
A sweep whose `now` is a little behind the last one's (another host's clock, less than
SKEW_TOLERANCE) stays incremental and never moves the saved state back; only one far in the past
(a deliberate replay) looks at everything again.
"""
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.orm import selectinload

from app import settings, signals
from app.care import lexicon, options, rules, sla, triage
from app.care.models import (
    CATEGORIES,
    CLOSED_STATUSES,
    CareExemption,
    CareItem,
    CareReason,
    CareReminder,
    SameProblem,
)
from app.care.services import (
    compute_priority,
    enqueue,
    note_breaches,
    notify_asker,
    question_text,
    reinstate,
    thresholds,
    withdraw,
)
from app.database import begin_write, insert_or_skip
from app.extensions import db
from app.models import Answer, Question
from app.settings import Setting
from app.visibility import not_deleted, public

_ADVISORY_KEY = 5_110_002  # any fixed number: "the care sweep"
_RECENT = timedelta(days=7)  # how far back a full sweep's text rules look at threads nobody queued yet
BATCH_SIZE = 50  # about a quarter of a second of SQLite's write lock on a busy machine
STATE_NAME = "care.sweep.state"  # not a defined setting: admins never see or change it
# A write stamps its rows with its host's clock before it commits: look this far before the last
# sweep began so a write that committed while the sweep was reading, or was stamped by a host whose
# clock is a little behind the sweeper's, is not missed.
_OVERLAP = timedelta(minutes=2)
# A sweep whose `now` is behind the last one's by less than this is a host's clock running behind
# (the in-app sweeper's lease moved to another host, or cron on another host), not a replay.
SKEW_TOLERANCE = timedelta(minutes=10)
_CATCH_UP_EVERY = timedelta(hours=1)


@dataclass
class SweepResult:
    """What one sweep did."""

    created: int = 0
    extended: int = 0
    breaches: list = field(default_factory=list)
    warnings: int = 0
    withdrawn: int = 0
    reinstated: int = 0
    reminders: int = 0
    full: bool = False
    examined: int = 0
    transactions: int = 0

    def __str__(self):
        return (f"{self.created} item(s) queued, {self.extended} given new reasons, {len(self.breaches)} breach(es), "
                f"{self.warnings} warning(s), {self.withdrawn} withdrawn, {self.reinstated} back, "
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
    value = {"at": state.at.isoformat(), "seen": state.seen.isoformat(), "caught_up": state.caught_up.isoformat(),
             "fingerprint": state.fingerprint}
    begin_write(db.session)
    db.session.execute(insert_or_skip(db.session, Setting).values(name=STATE_NAME, value=value, updated_at=now)
                       .on_conflict_do_update(index_elements=["name"], set_={"value": value, "updated_at": now}))
    db.session.commit()


# Which questions to look at ------------------------------------------------------------------


def _eligible():
    """Visible, open, unresolved questions, not exempt (imported history), without a resolved or withdrawn item.

    The time rules never re-queue a resolved item; a withdrawn one comes back when its question does.
    """
    closed_item = exists().where(CareItem.question_id == Question.id, CareItem.status.in_(CLOSED_STATUSES))
    return and_(public(Question), Question.closed_at.is_(None),
                Question.accepted_answer_id.is_(None), ~closed_item, ~_exempt())


def _exempt():
    return exists().where(CareExemption.question_id == Question.id)


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
    if item is not None and item[0] in CLOSED_STATUSES:
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
    # The new items' classifier readings, in one pass before the write lock (the encoder is the slow part).
    new = set(qualifying) - set(items)
    predictions = triage.predict_questions([q for q in questions if q.id in new])
    db.session.rollback()  # end the read before queueing for the write lock
    if not qualifying:
        return
    routing = options.triage_rules()
    _take_lock()
    # Re-check under the lock: another sweep, an answer or an acceptance may have come first.
    questions, counts, items = _batch_facts(qualifying, lock=True)
    for question in questions:
        reasons = _reasons(question, counts.get(question.id, 0), items.get(question.id), now, limits, readings)
        if not reasons:
            continue
        item, created = enqueue(question, reasons, now, limits=limits, reading=readings.get(question_text(question)),
                                count=counts.get(question.id, 0), routing=routing,
                                prediction=predictions.get(question.id))
        if created:
            result.created += 1
        else:
            result.extended += 1
    db.session.commit()
    result.transactions += 1


# Clocks and priorities of open items -------------------------------------------------------


def _due_item_ids(now, targets, state):
    """Open items whose clock may have breached unmarked, or whose priority may have moved since the last sweep.

    The breach test is a superset that the clocks then decide: a clock is never due before its start
    plus its target, since pauses and business hours only delay it. Clocks counted from asking start
    at the question, earlier than the item.
    """
    asked = any(target.counted_from == "asked" for target in targets.values())

    def started_by(moment, *starts):
        return or_(*(start <= moment for start in starts))

    first_starts = (CareItem.created_at, Question.created_at) if asked else (CareItem.created_at,)
    resolution_starts = (CareItem.opened_at, Question.created_at) if asked else (CareItem.opened_at,)
    breach = or_(*(and_(CareItem.category == category, or_(
        and_(CareItem.first_response_breached_at.is_(None), CareItem.first_response_at.is_(None),
             CareItem.first_response_closed_at.is_(None),
             started_by(now - targets[category].first_response, *first_starts)),
        and_(CareItem.resolution_breached_at.is_(None),
             started_by(now - targets[category].resolution, *resolution_starts))))
        for category in CATEGORIES))
    query = select(CareItem.id).where(CareItem.is_open)
    if asked:
        query = query.join(Question, Question.id == CareItem.question_id)
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
    query = select(CareItem).where(CareItem.id.in_(ids), CareItem.is_open)
    if any(target.counted_from == "asked" for target in targets.values()):
        query = query.options(selectinload(CareItem.question))  # those clocks start at the question
    items = db.session.scalars(query.with_for_update().execution_options(populate_existing=True)).all()
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
    saved = _load_state()
    state = saved
    if state is not None and (state.fingerprint != fingerprint or now < state.at - SKEW_TOLERANCE):
        state = None  # new thresholds, lexicon or reminder days, or a replay of the past: look at everything again
    elif state is not None:
        # A clock behind the last sweeper's still finds the writes its own host stamped since its
        # `now - _OVERLAP`; the thresholds it could see crossed were crossed by the last `now` already.
        state = replace(state, seen=min(state.seen, now - _OVERLAP))
    catch_up = state is None or now - state.caught_up >= _CATCH_UP_EVERY
    result = SweepResult(full=state is None)
    for ids in _chunks(_candidate_ids(now, limits, state, catch_up), batch_size):
        _sweep_batch(ids, now, limits, result)
    targets = sla.targets_by_category()
    for ids in _chunks(_due_item_ids(now, targets, state), batch_size):
        _refresh_items(ids, now, targets, result)
    db.session.rollback()
    _follow_visibility(now, result)
    _warn_due_soon(now, targets, result)
    result.reminders = _remind(now, batch_size, result)
    # Changes are stamped with their own request's time: those since now - _OVERLAP count as unseen.
    done = _State(at=now, seen=now - _OVERLAP, caught_up=now if catch_up else state.caught_up, fingerprint=fingerprint)
    _save_state(done if state is None else _later_of(saved, done), now)
    return result


def _later_of(saved, done):
    """The saved state moved forward by an incremental sweep, never backwards (a clock behind the last sweeper's)."""
    return _State(at=max(saved.at, done.at), seen=max(saved.seen, done.seen),
                  caught_up=max(saved.caught_up, done.caught_up), fingerprint=done.fingerprint)


def _follow_visibility(now, result):
    """Withdraw the open items of questions hidden or deleted since, and bring back those public again."""
    gone = list(db.session.scalars(select(CareItem.id).join(Question, Question.id == CareItem.question_id)
                                   .where(CareItem.is_open, ~public(Question))))
    back = list(db.session.scalars(select(CareItem.id).join(Question, Question.id == CareItem.question_id)
                                   .where(CareItem.status == "withdrawn", public(Question))))
    db.session.rollback()
    if not gone and not back:
        return
    _take_lock()
    for item in db.session.scalars(select(CareItem).where(CareItem.id.in_(gone + back)).with_for_update()
                                   .execution_options(populate_existing=True)):
        public_now = item.question.deleted_at is None and item.question.hidden_at is None
        if not public_now and withdraw(item, now):
            result.withdrawn += 1
        elif public_now and reinstate(item, now):
            result.reinstated += 1
    db.session.commit()
    result.transactions += 1


def _warn_due_soon(now, targets, result):
    """Warn the assignee (or the team) once per clock and episode when a running clock is due within the warning."""
    warn = timedelta(minutes=settings.get(options.WARN_MINUTES))
    shortest = {name: min(getattr(target, name) for target in targets.values())
                for name in ("first_response", "resolution")}
    # A clock can be due no sooner than its start plus the shortest target (calendars and pauses only
    # delay it): the items past that are the few to ask the clocks themselves about. Clocks counted
    # from asking start at the question, earlier than the item.
    asked = any(target.counted_from == "asked" for target in targets.values())

    def started_by(moment, start):
        return or_(start <= moment, Question.created_at <= moment) if asked else start <= moment

    unwarned = or_(and_(CareItem.first_response_at.is_(None), CareItem.first_response_warned_at.is_(None),
                        CareItem.first_response_breached_at.is_(None), CareItem.first_response_closed_at.is_(None),
                        started_by(now + warn - shortest["first_response"], CareItem.created_at)),
                   and_(CareItem.resolution_warned_at.is_(None), CareItem.resolution_breached_at.is_(None),
                        started_by(now + warn - shortest["resolution"], CareItem.opened_at)))
    query = select(CareItem.id).where(CareItem.is_open, CareItem.waiting_since.is_(None), unwarned)
    if asked:
        query = query.join(Question, Question.id == CareItem.question_id)
    ids = list(db.session.scalars(query))
    db.session.rollback()
    for batch in _chunks(ids, BATCH_SIZE):
        due = []
        for item in db.session.scalars(select(CareItem).where(CareItem.id.in_(batch))):
            for clock in sla.clocks(item, now, targets[item.category]):
                column = f"{clock.name}_warned_at"
                if clock.running and not clock.breached and clock.due_at - warn <= now \
                        and getattr(item, column) is None:
                    due.append((item.id, clock.name))
        db.session.rollback()
        if not due:
            continue
        _take_lock()
        for item_id, clock_name in due:
            item = db.session.get(CareItem, item_id, with_for_update=True, populate_existing=True)
            column = f"{clock_name}_warned_at"
            if item is None or not item.is_open or getattr(item, column) is not None:
                continue  # another sweep warned first
            setattr(item, column, now)
            signals.care_item_due_soon.send(None, item=item, clock=clock_name, now=now)
            result.warnings += 1
        db.session.commit()
        result.transactions += 1


# A member gets at most one reminder a day, whatever number of their questions fell due.
_REMINDERS_PER_MEMBER_EVERY = timedelta(days=1)


def _remind(now, batch_size, result):
    """Remind askers who got answers but accepted none: N days after the first answer, then N days after the last
    reminder, at most M times, and at most one a day per member.

    A reminder is sent only in the interval after it fell due: one that lapsed (a sweep that did
    not run, a member reminded of another question that day, a settings change that makes many
    due at once) is not sent late, so a change never sets off a burst.
    """
    every = timedelta(days=settings.get(options.REMINDER_DAYS))
    most = settings.get(options.REMINDER_MAX)
    if most <= 0:
        return 0
    window = (now - 2 * every, now - every)  # when the last event (first answer, last reminder) must fall
    unresolved = (public(Question), Question.closed_at.is_(None), Question.accepted_answer_id.is_(None),
                  Question.answer_count > 0, ~_exempt())
    answered = select(Answer.question_id).where(Answer.created_at > window[0], Answer.created_at <= window[1],
                                                not_deleted(Answer))
    reminded = select(CareReminder.question_id).where(CareReminder.created_at > window[0],
                                                      CareReminder.created_at <= window[1])
    ids = list(db.session.scalars(select(Question.id).where(
        *unresolved, or_(Question.id.in_(answered), Question.id.in_(reminded))).order_by(Question.id)))
    db.session.rollback()
    count = 0
    for batch in _chunks(ids, batch_size):
        _take_lock()
        # Re-read under the lock: a reminder another sweep sent is not sent twice.
        recent = set(db.session.scalars(
            select(Question.author_id).join(CareReminder, CareReminder.question_id == Question.id)
            .where(CareReminder.created_at > now - _REMINDERS_PER_MEMBER_EVERY)))
        # The batch's own first answers and reminders: grouped over every row, they read all of them each batch.
        first_answer = (select(Answer.question_id, func.min(Answer.created_at).label("at"))
                        .where(Answer.question_id.in_(batch), not_deleted(Answer)).group_by(Answer.question_id)
                        .subquery())
        sent = (select(CareReminder.question_id, func.count().label("n"),
                       func.max(CareReminder.created_at).label("last"))
                .where(CareReminder.question_id.in_(batch)).group_by(CareReminder.question_id).subquery())
        rows = db.session.execute(
            select(Question, first_answer.c.at, func.coalesce(sent.c.n, 0), sent.c.last)
            .join(first_answer, first_answer.c.question_id == Question.id)
            .outerjoin(sent, sent.c.question_id == Question.id)
            .where(Question.id.in_(batch), *unresolved).order_by(Question.id)).all()
        for question, answered_at, already, last in rows:
            due_at = (answered_at if already == 0 else last) + every
            if already >= most or not now - every < due_at <= now or question.author_id in recent:
                continue
            db.session.add(CareReminder(question_id=question.id, number=already + 1, created_at=now))
            notify_asker(question, "care_reminder",
                         _l("You got answers here: if one solved your problem, accept it so others find it too."),
                         now)
            recent.add(question.author_id)
            count += 1
        db.session.commit()
        result.transactions += 1
    return count
