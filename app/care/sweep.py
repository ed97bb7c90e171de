"""The sweep: apply the entry rules, mark breaches, refresh priorities and remind askers, at an explicit `now`.

Safe from cron every minute and from the app's own timer at once: the whole sweep holds one
lock (SQLite's write lock; a transaction-scoped advisory lock on PostgreSQL), every step is
idempotent, and one item per question is a unique constraint besides.
"""
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select, text

from app import settings
from app.care import options, rules
from app.care.models import CareItem, CareReminder, SameProblem
from app.care.services import compute_priority, enqueue, note_breaches, notify_asker, question_text, thresholds
from app.database import begin_write
from app.extensions import db
from app.models import Answer, Question, utcnow

_ADVISORY_KEY = 5_110_002  # any fixed number: "the care sweep"
_RECENT = timedelta(days=7)  # how far back the text rules look at threads nobody queued yet


@dataclass
class SweepResult:
    """What one sweep did."""

    created: int = 0
    extended: int = 0
    breaches: list = field(default_factory=list)
    reminders: int = 0

    def __str__(self):
        return (f"{self.created} item(s) queued, {self.extended} given new reasons, {len(self.breaches)} breach(es), "
                f"{self.reminders} reminder(s)")


def _take_lock():
    begin_write(db.session)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})


def _candidates(now, limits):
    """Unresolved, visible, open questions that some rule could qualify now, without a resolved item."""
    unanswered_cut = now - timedelta(minutes=limits.unanswered_minutes)
    unresolved_cut = now - timedelta(hours=limits.unresolved_hours)
    same_problem = select(SameProblem.question_id).group_by(SameProblem.question_id).having(
        func.count() >= limits.same_problem_threshold)
    resolved_item = exists().where(CareItem.question_id == Question.id, CareItem.status == "resolved")
    query = select(Question).where(
        Question.deleted_at.is_(None), Question.closed_at.is_(None), Question.accepted_answer_id.is_(None),
        ~resolved_item,
        or_(and_(Question.answer_count == 0, Question.created_at <= unanswered_cut),
            and_(Question.answer_count > 0, Question.created_at <= unresolved_cut),
            Question.id.in_(same_problem),
            and_(Question.created_at >= now - _RECENT, Question.created_at <= now)),
    ).order_by(Question.id)
    return db.session.scalars(query)


def run(now=None):
    """One sweep at `now`; commits once and returns a SweepResult."""
    _take_lock()
    now = now or utcnow()
    limits = thresholds()
    result = SweepResult()
    for question in list(_candidates(now, limits)):
        count = db.session.scalar(select(func.count()).select_from(SameProblem)
                                  .where(SameProblem.question_id == question.id))
        facts = rules.ThreadFacts(asked_at=question.created_at, answer_count=question.answer_count,
                                  is_resolved=question.is_resolved, text=question_text(question),
                                  same_problem_count=count, is_closed=question.is_closed,
                                  is_deleted=question.is_deleted)
        reasons = rules.entry_reasons(facts, now, limits)
        if not reasons:
            continue
        known = db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))
        if known is not None and {r.kind for r in reasons} <= set(known.reason_kinds):
            continue
        before = len(known.reasons) if known is not None else 0
        item, created = enqueue(question, reasons, now)
        if created:
            result.created += 1
        elif len(item.reasons) > before:
            result.extended += 1
    for item in db.session.scalars(select(CareItem).where(CareItem.status != "resolved").with_for_update()):
        marked = (item.first_response_breached_at, item.resolution_breached_at)
        note_breaches(item, now)
        if item.first_response_breached_at != marked[0]:
            result.breaches.append((item.id, "first_response"))
        if item.resolution_breached_at != marked[1]:
            result.breaches.append((item.id, "resolution"))
        compute_priority(item, now)
    result.reminders = _remind(now)
    db.session.commit()
    return result


def _remind(now):
    """Remind askers who got answers but accepted none: after N days, then N days later, at most M times."""
    every = timedelta(days=settings.get(options.REMINDER_DAYS))
    most = settings.get(options.REMINDER_MAX)
    if most <= 0:
        return 0
    first_answer = (select(Answer.question_id, func.min(Answer.created_at).label("at"))
                    .where(Answer.deleted_at.is_(None)).group_by(Answer.question_id).subquery())
    sent = (select(CareReminder.question_id, func.count().label("n")).group_by(CareReminder.question_id).subquery())
    rows = db.session.execute(
        select(Question.id, first_answer.c.at, func.coalesce(sent.c.n, 0))
        .join(first_answer, first_answer.c.question_id == Question.id)
        .outerjoin(sent, sent.c.question_id == Question.id)
        .where(Question.deleted_at.is_(None), Question.closed_at.is_(None), Question.accepted_answer_id.is_(None),
               Question.answer_count > 0, first_answer.c.at <= now - every, func.coalesce(sent.c.n, 0) < most)
    ).all()
    count = 0
    for question_id, answered_at, already in rows:
        number = already + 1
        if now >= answered_at + every * number:
            db.session.add(CareReminder(question_id=question_id, number=number, created_at=now))
            notify_asker(db.session.get(Question, question_id), "care_reminder",
                         "You got answers here: if one solved your problem, accept it so others find it too.", now)
            count += 1
    return count


# The app's own sweep, for single-machine installs ------------------------------------------

_started = set()
_start_lock = threading.Lock()


def start_in_app(app):
    """Start the background sweeper once per process (lazily, on the first request)."""
    with _start_lock:
        if id(app) in _started:
            return None
        _started.add(id(app))
    stop = threading.Event()
    thread = threading.Thread(target=_loop, args=(app, stop), name="care-sweep", daemon=True)
    thread.start()
    app.extensions["care_sweeper"] = (thread, stop)
    return thread


def _loop(app, stop):
    while not stop.is_set():
        interval = 60
        with app.app_context():
            try:
                interval = settings.get(options.SWEEP_INTERVAL_SECONDS)
                if interval > 0:
                    run()
            except Exception:  # the next round tries again; cron may also be sweeping
                app.logger.exception("Care sweep failed")
                db.session.rollback()
            finally:
                db.session.remove()
        stop.wait(max(interval, 5) if interval > 0 else 60)


def stop_in_app(app):
    """Stop this app's sweeper (tests that turn it on)."""
    entry = app.extensions.pop("care_sweeper", None)
    if entry is not None:
        entry[1].set()
        entry[0].join(timeout=10)
    _started.discard(id(app))
    return entry is not None
