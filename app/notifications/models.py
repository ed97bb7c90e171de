"""Notification rows, question follows and each member's email choice."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, Question, User

# What a notification is about; the words the notifications page and emails use.
KINDS = {
    "answer": "answered your question",
    "comment": "commented on your post",
    "accepted": "accepted your answer",
    "mention": "mentioned you",
    "staff_reply": "replied as Lumen staff on a question you follow",
    "followed_answer": "answered a question you follow",
    "moderation": "reviewed your post",
    # Sent by the care queue (app/care): a nudge to accept an answer, and staff closing a care item.
    "care_reminder": "reminds you that your question has answers",
    "care_followup": "marked your question as resolved",
}
# Who a notification is from when no member acted (the system or an anonymous moderator).
NO_ACTOR = {"moderation": "A moderator"}
SYSTEM_NAME = "Lumen Community"

EMAIL_MODES = {
    "immediate": "Right away, one email per notification",
    "daily": "Once a day, in a digest",
    "none": "Never (notifications stay on the site)",
}
DEFAULT_EMAIL_MODE = "immediate"


class Notification(db.Model):
    """Something a member should know about, shown under the bell until read."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_digest", "email_pending", "user_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    # A short excerpt (a comment, a moderator's reason) so the list reads without opening the post.
    excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None]
    # Waiting for the member's next daily digest.
    email_pending: Mapped[bool] = mapped_column(default=False)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    question: Mapped[Question | None] = relationship()

    @property
    def actor_name(self):
        """Who it is from, in words: a username, "A moderator" or the community itself."""
        if self.actor is not None:
            return self.actor.username
        return NO_ACTOR.get(self.kind, SYSTEM_NAME)

    @property
    def verb(self):
        """What happened, in words: 'answered your question'."""
        return KINDS.get(self.kind, "notified you")


class Follow(db.Model):
    """A member follows a question: staff replies and new answers there reach them."""

    __tablename__ = "follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    created_at: Mapped[datetime] = mapped_column()


class EmailPreference(db.Model):
    """A member's choice of notification email; no row means the default."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20), default=DEFAULT_EMAIL_MODE)
    last_digest_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column()
