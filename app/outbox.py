"""The outbox: messages (emails, webhook deliveries) written in the transaction that caused them, sent later.

A request never waits on SMTP or a remote server, and a message is never lost or sent for a
change that was rolled back: `enqueue()` only adds a row to the caller's transaction. A
worker (`deliver_due()`, run by `flask worker` or in-process) claims due rows a batch at a time
(PostgreSQL: FOR UPDATE SKIP LOCKED, so workers take disjoint batches without waiting on each
other), sends them through the transport registered for their kind (one session per kind and
round: one SMTP connection for all of a round's emails), and records each outcome, retrying
failures with growing back-off until MAX_ATTEMPTS.
"""
import contextlib
from datetime import datetime, timedelta

from sqlalchemy import JSON, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.database import CommitWakeups, begin_write
from app.extensions import db
from app.models import NEVER_REUSE_IDS

# Seconds to wait after the 1st, 2nd, ... failed attempt; the last failure gives up.
BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# A claimed message whose worker died is tried again after this long.
CLAIM_SECONDS = 300
# Messages one claim takes. Small, so that one worker does not hold what idle ones could send,
# and so that a batch sent at the transports' worst timeouts (30 s) still ends within CLAIM_SECONDS.
CLAIM_BATCH = 10
# Messages one round sends at most: its claims all expire CLAIM_SECONDS after the round's `now`, so
# a backlog is better sent in several rounds, each with a fresh `now` (`flask worker` goes on at once after a full one).
ROUND_LIMIT = 100

_TRANSPORTS = {}
_SESSIONS = {}
# In-process workers (app/background.py) are woken by each commit that queued a message.
_wakeups = CommitWakeups("outbox_enqueued")
on_commit_of_new_messages, stop_calling = _wakeups.add, _wakeups.remove


class OutboxMessage(db.Model):
    """One message waiting to go out, or the record of how it went."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "failed_at", "next_attempt_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # "email", "webhook"
    payload: Mapped[dict] = mapped_column(JSON)
    # What the message belongs to, for status pages (a webhook's id, an email's purpose).
    topic: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up after MAX_ATTEMPTS


class DeliveryError(Exception):
    """A transport's way to say the message did not go out; its text becomes last_status."""


def register_transport(kind, send, *, session=None):
    """`send(payload)` delivers one message of this kind, returns a short status, raises on failure.

    `session`, when given, is a callable returning a context manager whose value is a `send` for one
    round: the outbox enters it at the round's first message of this kind and leaves it at the end,
    so a transport can keep a connection open across the round's messages.
    """
    _TRANSPORTS[kind] = send
    if session is None:
        _SESSIONS.pop(kind, None)
    else:
        _SESSIONS[kind] = session


def enqueue(kind, payload, topic=None, *, now):
    """Add a message to the caller's transaction; it goes out after the caller commits."""
    message = OutboxMessage(kind=kind, payload=payload, topic=topic, next_attempt_at=now,
                            created_at=now)
    db.session.add(message)
    db.session.info["outbox_enqueued"] = True
    return message


def _due(now):
    """The conditions of a message a worker may take at `now`."""
    return (OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now, OutboxMessage.kind.in_(list(_TRANSPORTS)))


def _claim_batch(now, size):
    """Take up to `size` due messages for this worker, oldest first: [(id, kind, payload, attempts)].

    One statement claims them all and commits before anything is sent, so no transaction stays
    open while a remote server takes its time. On PostgreSQL, SKIP LOCKED passes over the rows
    another worker's claim holds (they are no longer due once it commits, and the UPDATE checks
    again); on SQLite, BEGIN IMMEDIATE (begin_write) makes the claims of workers take turns.
    """
    begin_write(db.session)
    # A CTE evaluated once (MATERIALIZED): as a plain IN subquery, PostgreSQL may run the locking
    # SELECT again for each row it updates, and each run skips the rows just claimed: no LIMIT then.
    oldest_due = (select(OutboxMessage.id).where(*_due(now))
                  .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(size)
                  .with_for_update(skip_locked=True)
                  .cte("oldest_due").prefix_with("MATERIALIZED", dialect="postgresql"))
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(oldest_due.c.id)), *_due(now))
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutboxMessage.attempts + 1,
                last_attempt_at=now)
        .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.payload, OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)  # RETURNING has no order; ids follow the order of enqueueing


def _record(message_id, values):
    """Write one message's outcome in a transaction of its own."""
    begin_write(db.session)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    db.session.commit()


def _outcome(error, attempts, now):
    """The values that record a failed attempt: retried after its back-off, or given up on."""
    values = {"last_status": f"{type(error).__name__}: {error}"[:1000]}
    if attempts >= MAX_ATTEMPTS:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
    return values


def deliver_due(now, limit=ROUND_LIMIT, batch=CLAIM_BATCH):
    """Send up to `limit` due messages, claimed `batch` at a time, each outcome committed alone: (delivered, failed)."""
    delivered = failed = 0
    with contextlib.ExitStack() as open_sessions:
        senders = {}  # kind -> this round's send, its session entered at the kind's first message

        def sender(kind):
            if kind not in senders:
                session = _SESSIONS.get(kind)
                senders[kind] = open_sessions.enter_context(session()) if session else _TRANSPORTS[kind]
            return senders[kind]

        while delivered + failed < limit:
            claimed = _claim_batch(now, min(batch, limit - delivered - failed))
            if not claimed:
                break
            for message_id, kind, payload, attempts in claimed:
                try:
                    status = sender(kind)(payload)
                except Exception as error:  # noqa: BLE001 - any failure of a remote side is recorded and retried
                    failed += 1
                    values = _outcome(error, attempts, now)
                else:
                    delivered += 1
                    values = {"delivered_at": now, "last_status": str(status or "delivered")[:1000]}
                db.session.rollback()  # whatever the transport read or half-wrote
                _record(message_id, values)
    return delivered, failed
