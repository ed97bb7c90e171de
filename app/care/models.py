"""Care queue tables: items, the reasons they qualified, internal notes, agents' availability,
"I have this problem too" and reminders to askers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, Question, User

STATUSES = ("new", "acknowledged", "in_progress", "waiting", "resolved")
STATUS_LABELS = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "waiting": "Waiting on customer",
    "resolved": "Resolved",
}
CATEGORIES = ("question", "complaint", "compliment", "other")
PRIORITIES = ("urgent", "high", "normal", "low")
REASONS = {
    "unanswered": "No answer yet",
    "unresolved": "Answers, none accepted",
    "flagged": "Flagged for staff attention",
    "complaint": "Reads as a complaint",
    "same_problem": "Several people have this problem",
    "not_solved": "Asker says it is not solved",
    "manual": "Sent by staff",
}


class CareItem(db.Model):
    """A thread the community has not resolved, in the care queue once (one item per question).

    A resolved item that qualifies again is reopened rather than duplicated, so its history
    and clocks stay in one place.
    """

    __tablename__ = "care_items"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"category IN {CATEGORIES!r}", name="category_known"),
        Index("ix_care_items_status", "status"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    category: Mapped[str] = mapped_column(String(20), default="question")
    team: Mapped[str] = mapped_column(String(60))
    # Computed by the sweep from waiting time, category, sentiment and same-problem count.
    priority_score: Mapped[int] = mapped_column(default=0)
    priority_override: Mapped[str | None] = mapped_column(String(10))
    sentiment: Mapped[int] = mapped_column(default=0)
    matched_words: Mapped[list] = mapped_column(JSON, default=list)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    # Start of the current episode: the resolution clock restarts here when an item reopens.
    opened_at: Mapped[datetime] = mapped_column()
    first_response_at: Mapped[datetime | None]
    first_response_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waiting_since: Mapped[datetime | None]  # set while waiting on the customer: the clocks pause
    paused_seconds: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(20))  # "staff" or "community"
    first_response_breached_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    followup_asked_at: Mapped[datetime | None]  # "Did this solve your problem?" shown to the asker
    satisfied: Mapped[bool | None]
    satisfied_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column()

    question: Mapped[Question] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    first_response_by: Mapped[User | None] = relationship(foreign_keys=[first_response_by_id])
    reasons: Mapped[list[CareReason]] = relationship(back_populates="item", order_by="CareReason.id",
                                                     cascade="all, delete-orphan")

    @property
    def is_open(self):
        """Still waiting on staff (anything but resolved)."""
        return self.status != "resolved"

    @property
    def reason_kinds(self):
        """The distinct kinds of reason, in the order they first applied."""
        return list(dict.fromkeys(reason.kind for reason in self.reasons))


class CareReason(db.Model):
    """One reason an item is in the queue; `ref` tells repeated events (flags, notes) apart."""

    __tablename__ = "care_reasons"
    __table_args__ = (UniqueConstraint("item_id", "kind", "ref", name="uq_care_reasons_item_kind_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("care_items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()

    item: Mapped[CareItem] = relationship(back_populates="reasons")
    actor: Mapped[User | None] = relationship()

    @property
    def label(self):
        """What the reason means, for staff."""
        return REASONS.get(self.kind, self.kind)


class CareNote(db.Model):
    """An internal note on an item: staff only, never on the public thread."""

    __tablename__ = "care_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("care_items.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()

    author: Mapped[User] = relationship()


class CareAgent(db.Model):
    """An agent's availability: away agents get no new items, and their open ones go to the backup."""

    __tablename__ = "care_agents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    is_away: Mapped[bool] = mapped_column(default=False)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    backup: Mapped[User | None] = relationship(foreign_keys=[backup_id])


class SameProblem(db.Model):
    """One "I have this problem too": a member, or a browser known only by a hash of a random cookie."""

    __tablename__ = "care_same_problem"
    __table_args__ = (
        UniqueConstraint("question_id", "user_id", name="uq_care_same_problem_user"),
        UniqueConstraint("question_id", "browser_hash", name="uq_care_same_problem_browser"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()


class CareReminder(db.Model):
    """A reminder to an asker who got answers but accepted none (at most a few per question)."""

    __tablename__ = "care_reminders"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column()
