"""Notification rows, question follows and each member's email choice."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import brand
from app.extensions import db
from app.models import NEVER_REUSE_IDS, Answer, Comment, Question, User

# What a notification is about, as the sentence the notifications page and emails show: %(actor)s is who
# (a username, "A moderator" or the community), %(staff)s the brand's staff. Whole sentences, as word order varies.
KINDS = {
    "answer": _l("%(actor)s answered your question"),
    "comment": _l("%(actor)s commented on your post"),
    "accepted": _l("%(actor)s accepted your answer"),
    "staff_accepted": _l("%(actor)s accepted an answer to your question for you"),
    "mention": _l("%(actor)s mentioned you"),
    "staff_reply": _l("%(actor)s replied as %(staff)s on a question you follow"),
    "followed_answer": _l("%(actor)s answered a question you follow"),
    "moderation": _l("%(actor)s reviewed your post"),
    "duplicate": _l("%(actor)s closed your question as a duplicate of"),
    # Sent by the care queue (app/care): a nudge to accept an answer, and staff closing a care item.
    "care_reminder": _l("%(actor)s reminds you that your question has answers"),
    "care_followup": _l("%(actor)s marked your question as resolved"),
    # Sent to the followers of a question's tags (app/notifications/tag_follows.py); the excerpt names the tag.
    "tag_question": _l("%(actor)s asked a question in a tag you follow"),
    # A private message (app/messages): at most one unread per conversation, and it never quotes the message.
    "message": _l("%(actor)s sent you a message"),
    # A badge (app/badges.py) the member earned; the excerpt names it and what earned it.
    "badge": _l("%(actor)s awarded you a badge"),
    # Staff's own work in the care queue (app/care/alerts.py); they open the care item, not the thread.
    "care_assigned": _l("%(actor)s assigned you a care item"),
    "care_handover": _l("%(actor)s handed you a care item"),
    "care_due_soon": _l("%(actor)s warns that a care item is about to breach its target"),
    "care_breached": _l("%(actor)s reports that a care item breached its target"),
    "care_complaint": _l("%(actor)s queued a new complaint for your team"),
    "care_reopened": _l("%(actor)s reopened a care item"),
}
UNKNOWN_KIND = _l("%(actor)s notified you")
# The care queue's notices to staff: they lead to the care item.
CARE_STAFF_KINDS = frozenset({"care_assigned", "care_handover", "care_due_soon", "care_breached", "care_complaint",
                              "care_reopened"})
# Kinds whose excerpt is a message written for the recipient; every other kind quotes the post it is about.
MESSAGE_KINDS = frozenset({"moderation", "staff_accepted", "duplicate", "care_reminder", "care_followup",
                           "tag_question", "badge"}) | CARE_STAFF_KINDS
# Kinds for the bell only, never emailed: a badge is news of the member's own doing, not a reason to write.
IN_APP_ONLY_KINDS = frozenset({"badge"})
# Who a notification is from when no member acted (the system or an anonymous moderator).
NO_ACTOR = {"moderation": _l("A moderator"), "duplicate": _l("A moderator")}


def system_name():
    """Who a notification is from when no one is named: the community itself (app/brand.py)."""
    return brand.current().name

EMAIL_MODES = {
    "immediate": _l("Right away, one email per notification"),
    "daily": _l("Once a day, in a digest"),
    "none": _l("Never (notifications stay on the site)"),
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
        return str(NO_ACTOR.get(self.kind) or system_name())

    def describe(self, actor=None):
        """What happened, as a sentence in the current language: 'bob answered your question'.

        `actor` stands for who did it (default: actor_name); Markup (a name in <strong>) gives Markup back.
        """
        values = {"actor": self.actor_name if actor is None else actor, "staff": brand.current().staff_label}
        sentence = str(KINDS.get(self.kind, UNKNOWN_KIND))
        return escape(sentence) % values if isinstance(values["actor"], Markup) else sentence % values

    @property
    def removed_post(self):
        """'an answer that was removed' once the answer or comment it quotes is hidden or deleted; else None."""
        if self.kind in MESSAGE_KINDS:  # a message to the recipient quotes nobody's post
            return None
        for post, words in ((self.comment, _l("a comment that was removed")),
                            (self.answer, _l("an answer that was removed"))):
            if post is not None and (post.is_hidden or post.is_deleted):
                return str(words)
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
