"""Notification rows, question follows and each member's email choice."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import brand
from app.extensions import db
from app.models import NEVER_REUSE_IDS, Answer, Comment, Question, User

# What a notification is about; the words the notifications page and emails use ({staff}: the brand's staff).
KINDS = {
    "answer": "answered your question",
    "comment": "commented on your post",
    "accepted": "accepted your answer",
    "staff_accepted": "accepted an answer to your question for you",
    "mention": "mentioned you",
    "staff_reply": "replied as {staff} on a question you follow",
    "followed_answer": "answered a question you follow",
    "moderation": "reviewed your post",
    "duplicate": "closed your question as a duplicate of",
    # Sent by the care queue (app/care): a nudge to accept an answer, and staff closing a care item.
    "care_reminder": "reminds you that your question has answers",
    "care_followup": "marked your question as resolved",
    # Sent to the followers of a question's tags (app/notifications/tag_follows.py); the excerpt names the tag.
    "tag_question": "asked a question in a tag you follow",
    # A private message (app/messages): at most one unread per conversation, and it never quotes the message.
    "message": "sent you a message",
    # A badge (app/badges.py) the member earned; the excerpt names it and what earned it.
    "badge": "awarded you a badge",
    # Staff's own work in the care queue (app/care/alerts.py); they open the care item, not the thread.
    "care_assigned": "assigned you a care item",
    "care_handover": "handed you a care item",
    "care_due_soon": "warns that a care item is about to breach its target",
    "care_breached": "reports that a care item breached its target",
    "care_complaint": "queued a new complaint for your team",
    "care_reopened": "reopened a care item",
}
# The care queue's notices to staff: they lead to the care item.
CARE_STAFF_KINDS = frozenset({"care_assigned", "care_handover", "care_due_soon", "care_breached", "care_complaint",
                              "care_reopened"})
# Kinds whose excerpt is a message written for the recipient; every other kind quotes the post it is about.
MESSAGE_KINDS = frozenset({"moderation", "staff_accepted", "duplicate", "care_reminder", "care_followup",
                           "tag_question", "badge"}) | CARE_STAFF_KINDS
# Kinds for the bell only, never emailed: a badge is news of the member's own doing, not a reason to write.
IN_APP_ONLY_KINDS = frozenset({"badge"})
# Who a notification is from when no member acted (the system or an anonymous moderator).
NO_ACTOR = {"moderation": "A moderator", "duplicate": "A moderator"}


def system_name():
    """Who a notification is from when no one is named: the community itself (app/brand.py)."""
    return brand.current().name

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
    # A "message" notification's conversation; by table name, as private messages sit above this package.
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                        index=True)
    # A short excerpt (a comment, a moderator's reason) so the list reads without opening the post.
    excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None]
    # Waiting for the member's next daily digest.
    email_pending: Mapped[bool] = mapped_column(default=False)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    question: Mapped[Question | None] = relationship()
    answer: Mapped[Answer | None] = relationship()
    comment: Mapped[Comment | None] = relationship()

    @property
    def actor_name(self):
        """Who it is from, in words: a username, "A moderator" or the community itself."""
        if self.actor is not None:
            return self.actor.username
        return NO_ACTOR.get(self.kind) or system_name()

    @property
    def verb(self):
        """What happened, in words: 'answered your question'."""
        return KINDS.get(self.kind, "notified you").format(staff=brand.current().staff_label)

    @property
    def removed_post(self):
        """'an answer that was removed' once the answer or comment it quotes is hidden or deleted; else None."""
        if self.kind in MESSAGE_KINDS:  # a message to the recipient quotes nobody's post
            return None
        for post, name in ((self.comment, "a comment"), (self.answer, "an answer")):
            if post is not None and (post.is_hidden or post.is_deleted):
                return f"{name} that was removed"
        return None

    @property
    def shown_excerpt(self):
        """The excerpt to show: none once the post it quotes was removed (spam must not live on in the bell)."""
        return None if self.removed_post else self.excerpt

    def question_removed_for(self, user_id):
        """Whether the thread was deleted or hidden since, for a member who did not ask it."""
        question = self.question
        return (question is not None and (question.is_deleted or question.is_hidden)
                and question.author_id != user_id)


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
