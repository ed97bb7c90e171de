"""The audit log: every staff action, who took it, on what, why, and the state before and after.

Rows are only ever inserted: no route, service or command updates or deletes them.
`record()` joins the caller's transaction, so an action and its entry commit together.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, User


class AuditEntry(db.Model):
    """One staff action: actor, action, target, reason, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_created_at", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for the system itself (an automatic hide, a sweep).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)  # e.g. "post.hide", "user.suspend"
    target_type: Mapped[str] = mapped_column(String(30))  # "question", "answer", "comment", "user", "setting"…
    target_id: Mapped[str] = mapped_column(String(100))  # a row id, or a setting's name
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()

    actor: Mapped[User | None] = relationship()


def record(actor, action, target_type, target_id, reason=None, before=None, after=None, *, now):
    """Add an entry to the current transaction; the caller commits it with the action itself."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason,
        before=before,
        after=after,
        created_at=now,
    )
    db.session.add(entry)
    return entry


def entries(actor_id=None, action=None, target_type=None, target_id=None, page=1, per_page=50):
    """A page of entries, newest first, filtered by any of actor, action prefix, target: (rows, more)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    rows = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page
