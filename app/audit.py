"""The audit log: every staff action, who took it, on what, why, and the state before and after.

Rows are only ever inserted: no route, service or command updates or deletes them.
`record()` joins the caller's transaction, so an action and its entry commit together.
"""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, User

# What the audit page shows beside each stored action code (the codes themselves never change with the language).
ACTION_LABELS = {
    "care.assign": _l("Care item assigned"),
    "care.availability": _l("Agent availability changed"),
    "care.claim": _l("Care item claimed"),
    "care.create": _l("Care item created"),
    "care.feedback": _l("Satisfaction feedback received"),
    "care.include": _l("Care queue exemption ended"),
    "care.note": _l("Care note added"),
    "care.reason": _l("Care reason added"),
    "care.reinstate": _l("Care item reinstated"),
    "care.resolve": _l("Care item resolved"),
    "care.respond": _l("Care item answered"),
    "care.status": _l("Care item status changed"),
    "care.teams": _l("Agent teams changed"),
    "care.triage": _l("Care item triaged"),
    "care.unassign": _l("Care item unassigned"),
    "care.withdraw": _l("Care item withdrawn"),
    "post.delete": _l("Post deleted"),
    "post.edit": _l("Post edited"),
    "post.hide": _l("Post hidden"),
    "post.restore": _l("Post restored"),
    "post.unhide": _l("Post shown again"),
    "question.accept": _l("Answer accepted"),
    "question.close": _l("Question closed"),
    "question.reopen": _l("Question reopened"),
    "review.agree-hide": _l("Flags upheld: post hidden"),
    "review.agree-delete": _l("Flags upheld: post deleted"),
    "review.disagree": _l("Flags dismissed"),
    "review.ignore": _l("Flags ignored"),
    "review.approve": _l("Held post approved"),
    "review.reject": _l("Held post rejected"),
    "setting.change": _l("Setting changed"),
    "thread.lock": _l("Thread locked"),
    "thread.merge": _l("Threads merged"),
    "thread.unlock": _l("Thread unlocked"),
    "upload.remove": _l("Image removed"),
    "user.imported_address": _l("Imported member’s address claimed"),
    "user.role": _l("Role changed"),
    "user.suspend": _l("Member suspended"),
    "user.unsuspend": _l("Suspension lifted"),
    "webhook.create": _l("Webhook registered"),
    "webhook.delete": _l("Webhook deleted"),
    "webhook.redeliver": _l("Delivery sent again"),
}


def action_label(action):
    """What readers see for a stored action code, in their language ("" for a code without a label)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else ""


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

    @property
    def action_label(self):
        """The action as readers read it, in their language ("" for a code without a label)."""
        return action_label(self.action)


def record(actor, action, target_type, target_id, reason=None, before=None, after=None, *, now):
    """Add an entry to the current transaction; the caller commits it with the action itself."""
    if reason is not None and not isinstance(reason, str):
        # A catalog text (a close reason) is stored as plain English text, whoever's language the page was in.
        with force_locale("en"):
            reason = str(reason)
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
