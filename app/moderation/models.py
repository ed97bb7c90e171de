"""Tables of moderation: flags, the review queue's items, and suspensions."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, User

# A "message" is a private message (app/messages): reported, never hidden or deleted from here, and in no thread.
POST_TYPES = ("question", "answer", "comment", "message")

FLAG_REASONS = {
    "spam": _l("Spam"),
    "rude": _l("Rude or abusive"),
    "off-topic": _l("Off-topic"),
    "staff": _l("Needs staff attention"),
    "other": _l("Something else"),
}
# Flags for these reasons add up toward hiding a post at once (the spam/abuse threshold).
HIDING_REASONS = frozenset({"spam", "rude"})
FLAG_STATUSES = ("open", "agreed", "disagreed", "ignored")

REVIEW_KINDS = ("flagged", "held")
REVIEW_STATUSES = ("pending", "agreed", "disagreed", "ignored", "approved", "rejected")

# How moderators read a flag's status and a decision (ReviewItem.resolution); the codes stay in the data and the API.
FLAG_STATUS_LABELS = {
    "open": _l("waiting for a moderator"),
    "agreed": _l("moderators agreed"),
    "disagreed": _l("moderators disagreed"),
    "ignored": _l("closed without action"),
}
RESOLUTION_LABELS = {
    "agree-hide": _l("Flags agreed, post hidden"),
    "agree-delete": _l("Flags agreed, post deleted"),
    "disagree": _l("Flags dismissed"),
    "ignore": _l("Flags ignored"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
}
# Members' roles as people read them (app.models.ROLES holds the codes).
ROLE_LABELS = {
    "member": _l("member"),
    "agent": _l("agent"),
    "moderator": _l("moderator"),
    "admin": _l("admin"),
}


class ReviewItem(db.Model):
    """One post waiting for a moderator: flagged by members or held on posting; its flags attach to it.

    Status machine (as Discourse's reviewables): pending -> agreed | disagreed | ignored for
    flags, pending -> approved | rejected for held posts. A post flagged again after a decision
    gets a new item, so every decision keeps its history.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(f"post_type IN {POST_TYPES!r}", name="post_type_known"),
        CheckConstraint(f"kind IN {REVIEW_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {REVIEW_STATUSES!r}", name="status_known"),
        # At most one pending item per post: new flags join it.
        Index("uq_review_items_pending_post", "post_type", "post_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_review_items_status_created_at", "status", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_type: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[int]
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)  # the thread, if any
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the post's author
    kind: Mapped[str] = mapped_column(String(10))  # "flagged" or "held"
    hold_reason: Mapped[str | None] = mapped_column(String(300))  # why a held post waits
    status: Mapped[str] = mapped_column(String(10), default="pending")
    flag_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column()  # waiting since
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(20))  # the action: agree-hide, disagree, approve...
    resolution_note: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    flags: Mapped[list[Flag]] = relationship(back_populates="review_item", order_by="Flag.id")

    @property
    def is_pending(self):
        """Still waiting for a decision."""
        return self.status == "pending"


class Flag(db.Model):
    """One member's flag on a question, answer or comment."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(f"post_type IN {POST_TYPES!r}", name="post_type_known"),
        CheckConstraint(f"reason IN {tuple(FLAG_REASONS)!r}", name="reason_known"),
        CheckConstraint(f"status IN {FLAG_STATUSES!r}", name="status_known"),
        # One open flag per member per post, even when two requests race.
        Index("uq_flags_open_per_member", "flagger_id", "post_type", "post_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_flags_post", "post_type", "post_id"),
        Index("ix_flags_flagger_created_at", "flagger_id", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_type: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[int]
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    post_author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    flagger_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(String(500))
    # How much this flag counts toward hiding, in hundredths (100 = one full flag); see services.flag_weight.
    weight: Mapped[int] = mapped_column(default=100)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Staff flags go to the care queue and never get a review item.
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    flagger: Mapped[User] = relationship(foreign_keys=[flagger_id])
    post_author: Mapped[User] = relationship(foreign_keys=[post_author_id])
    review_item: Mapped[ReviewItem | None] = relationship(back_populates="flags")

    @property
    def reason_label(self):
        """The reason as people read it."""
        label = FLAG_REASONS.get(self.reason)
        return str(label) if label is not None else self.reason


class Suspension(db.Model):
    """A suspension, kept after it ends: repeat offences get longer ones."""

    __tablename__ = "suspensions"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    moderator: Mapped[User] = relationship(foreign_keys=[moderator_id])
