"""The outbox: messages (emails, webhook deliveries) written in the transaction that caused them, sent later.

A request never waits on SMTP or a remote server, and a message is never lost or sent for a
change that was rolled back: `enqueue()` only adds a row to the caller's transaction. A
worker (`deliver_due()`, run by `flask worker` or in-process) claims due rows one at a time,
sends them through the transport registered for their kind, and records the outcome,
retrying failures with growing back-off until MAX_ATTEMPTS.
"""
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

_TRANSPORTS = {}
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


def register_transport(kind, send):
    """`send(payload)` delivers one message of this kind, returns a short status, raises on failure."""
    _TRANSPORTS[kind] = send


def enqueue(kind, payload, topic=None, *, now):
    """Add a message to the caller's transaction; it goes out after the caller commits."""
    message = OutboxMessage(kind=kind, payload=payload, topic=topic, next_attempt_at=now,
                            created_at=now)
    db.session.add(message)
    db.session.info["outbox_enqueued"] = True
    return message





def _claim(message_id, due_at, now):
    """Take a due message for this worker: (kind, payload, attempts), or None when another worker took it first.

    The conditional UPDATE is the claim: of two workers, one changes the row and the other
    matches nothing. The claim commits before sending, so no transaction stays open while
    a remote server takes its time.
    """
    begin_write(db.session)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.next_attempt_at == due_at,
               OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None))
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutboxMessage.attempts + 1,
                last_attempt_at=now)
    ).rowcount
    row = None
    if claimed == 1:
        row = db.session.execute(select(OutboxMessage.kind, OutboxMessage.payload, OutboxMessage.attempts)
                                 .where(OutboxMessage.id == message_id)).one()
    db.session.commit()
    return row


def _record(message_id, values):
    """Write one message's outcome in a transaction of its own."""
    begin_write(db.session)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    db.session.commit()


def deliver_due(now, limit=100):
    """Send the messages that are due, one claim and one outcome commit each: (delivered, failed)."""
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None),
               OutboxMessage.next_attempt_at <= now, OutboxMessage.kind.in_(list(_TRANSPORTS)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ).all()
    db.session.rollback()
    delivered = failed = 0
    for message_id, due_at in due:
        claimed = _claim(message_id, due_at, now)
        if claimed is None:
            continue
        kind, payload, attempts = claimed
        try:
            status = _TRANSPORTS[kind](payload)
        except Exception as error:  # noqa: BLE001 - any failure of a remote side is recorded and retried
            db.session.rollback()  # whatever the transport read or half-wrote
            failed += 1
            values = {"last_status": f"{type(error).__name__}: {error}"[:1000]}
            if attempts >= MAX_ATTEMPTS:
                values["failed_at"] = now
            else:
                values["next_attempt_at"] = now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
        else:
            db.session.rollback()
            delivered += 1
            values = {"delivered_at": now, "last_status": str(status or "delivered")[:1000]}
        _record(message_id, values)
    return delivered, failed
