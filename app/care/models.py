"""Care queue tables: items, the reasons they qualified, internal notes, agents' availability,
"I have this problem too", reminders to askers and their ratings of each resolution."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, Question, User

STATUSES = ("new", "acknowledged", "in_progress", "waiting", "resolved", "withdrawn")
STATUS_LABELS = {
    "new": _l("New"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "waiting": _l("Waiting on customer"),
    "resolved": _l("Resolved"),
    "withdrawn": _l("Withdrawn (question hidden or deleted)"),
}
# Statuses of an item that left the queue: resolved, or withdrawn because its question is no longer public.
CLOSED_STATUSES = ("resolved", "withdrawn")
CATEGORIES = ("question", "complaint", "compliment", "other")
PRIORITIES = ("urgent", "high", "normal", "low")
# How pages name the categories and priorities (the keys stay the machine codes of the API and the filters).
CATEGORY_LABELS = {"question": _l("question"), "complaint": _l("complaint"), "compliment": _l("compliment"),
                   "other": _l("other")}
PRIORITY_LABELS = {"urgent": _l("urgent"), "high": _l("high"), "normal": _l("normal"), "low": _l("low")}
REASONS = {
    "unanswered": _l("No answer yet"),
    "unresolved": _l("Answers, none accepted"),
    "flagged": _l("Flagged for staff attention"),
    "complaint": _l("Reads as a complaint"),
    "same_problem": _l("Several people have this problem"),
    "not_solved": _l("Asker says it is not solved"),
    "manual": _l("Sent by staff"),
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
        Index("ix_care_items_updated", "updated_at", "id"),  # the API's feed of changes
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
    # Why triage chose the category and team, for staff ("tag billing → customer care").
    triage_reason: Mapped[str | None] = mapped_column(String(300))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    # Start of the current episode: the resolution clock restarts here when an item reopens.
    opened_at: Mapped[datetime] = mapped_column()
    first_response_at: Mapped[datetime | None]
    first_response_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the item left the queue (resolved, by anyone) before any staff response: the first-response
    # clock stopped there for good.
    first_response_closed_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]  # set while waiting on the customer: the clocks pause
    # Pauses of the current episode's resolution clock, and of the first-response clock while it ran: seconds
    # of the team's business hours (every second for a 24/7 team).
    paused_seconds: Mapped[int] = mapped_column(default=0)
    first_response_paused_seconds: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(20))  # "staff" or "community"
    first_response_breached_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    # When the assignee (or the team) was told a clock is about to breach: once per clock and episode.
    first_response_warned_at: Mapped[datetime | None]
    resolution_warned_at: Mapped[datetime | None]
    # Set while the question is hidden or deleted: the item is out of the queue and its clocks stopped.
    withdrawn_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    followup_asked_at: Mapped[datetime | None]  # "Did this solve your problem?" shown to the asker
    # The asker's answer about the current resolution (None until given): a summary for staff pages and the API.
    # Every answer, with its score and comment, is a CareRating; the report counts those.
    satisfied: Mapped[bool | None]
    satisfied_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column()

    question: Mapped[Question] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    first_response_by: Mapped[User | None] = relationship(foreign_keys=[first_response_by_id])
    reasons: Mapped[list[CareReason]] = relationship(back_populates="item", order_by="CareReason.id",
                                                     cascade="all, delete-orphan")
    ratings: Mapped[list[CareRating]] = relationship(back_populates="item", order_by="CareRating.episode",
                                                     cascade="all, delete-orphan")

    @hybrid_property
    def is_open(self):
        """Still waiting on staff (neither resolved nor withdrawn); in SQL, the same as a condition."""
        return self.status not in CLOSED_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return cls.status.not_in(CLOSED_STATUSES)

    @property
    def reason_kinds(self):
        """The distinct kinds of reason, in the order they first applied."""
        return list(dict.fromkeys(reason.kind for reason in self.reasons))

    @property
    def episode(self):
        """Which resolution the item is on: 1 until it first reopens, then one more each time."""
        return self.reopened_count + 1


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
    # The teams the agent works in: new complaints routed to a team are announced to its agents.
    teams: Mapped[list | None] = mapped_column(JSON, default=list)
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


class CareExemption(db.Model):
    """A question the care queue leaves alone: imported history, which never enters it or sends anything.

    `flask care include --since` (or the import's `--care-since`) opts a recent window in by
    removing the rows of the questions asked since then.
    """

    __tablename__ = "care_exemptions"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column()


# "How satisfied are you with the help you got?": the 1-5 scale, each point with its words.
SCORE_LABELS = {1: _l("Very dissatisfied"), 2: _l("Dissatisfied"), 3: _l("Neither"), 4: _l("Satisfied"),
                5: _l("Very satisfied")}
SATISFIED_SCORES = (4, 5)
RATING_COMMENT_MAX = 1000


class CareRating(db.Model):
    """The asker's answer to "Did this solve your problem?" about one resolution of an item, kept for good.

    One per resolution (`episode`, as CareItem.episode when given): a "no" reopens the item, and the
    next resolution asks again, so a "no" then a "yes" are two ratings, one satisfied.
    """

    __tablename__ = "care_ratings"
    __table_args__ = (
        UniqueConstraint("item_id", "episode", name="uq_care_ratings_item_episode"),
        CheckConstraint("episode >= 1", name="episode_positive"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_in_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("care_items.id", ondelete="CASCADE"))
    episode: Mapped[int]
    solved: Mapped[bool]
    score: Mapped[int | None]  # optional: 1 (very dissatisfied) to 5 (very satisfied)
    comment: Mapped[str | None] = mapped_column(Text)  # optional plain text, at most RATING_COMMENT_MAX
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()

    item: Mapped[CareItem] = relationship(back_populates="ratings")
    rater: Mapped[User] = relationship()

    @property
    def satisfied(self):
        """A score of 4 or 5; without a score, a "yes, it is solved"."""
        return self.score in SATISFIED_SCORES if self.score is not None else self.solved

    @property
    def score_label(self):
        """The score in words, or None without one."""
        return SCORE_LABELS.get(self.score)


class CareReminder(db.Model):
    """A reminder to an asker who got answers but accepted none (at most a few per question)."""

    __tablename__ = "care_reminders"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)  # the sweep finds a day's reminders by it
