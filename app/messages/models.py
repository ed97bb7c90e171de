"""Tables of private messages: conversations, their members' read state, messages and blocks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, User


class Conversation(db.Model):
    """The one conversation between two members; the lower user id is always first, so a pair has one row."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("first_user_id < second_user_id", name="ordered_pair"),
        UniqueConstraint("first_user_id", "second_user_id", name="uq_conversations_pair"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    second_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    last_message_at: Mapped[datetime] = mapped_column(index=True)

    first_user: Mapped[User] = relationship(foreign_keys=[first_user_id])
    second_user: Mapped[User] = relationship(foreign_keys=[second_user_id])

    @property
    def participant_ids(self):
        """The two members' ids."""
        return (self.first_user_id, self.second_user_id)

    def other(self, user):
        """The participant who is not `user`."""
        return self.second_user if user.id == self.first_user_id else self.first_user


class ConversationMember(db.Model):
    """A participant's read state: the last message they have read (ids, not times: several share a `now`)."""

    __tablename__ = "conversation_members"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)


class Message(db.Model):
    """One message in a conversation; the body is Markdown rendered once, like a comment."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()

    author: Mapped[User] = relationship()


class Block(db.Model):
    """A member blocks another: neither can message the other while it stands."""

    __tablename__ = "member_blocks"
    __table_args__ = (CheckConstraint("blocker_id <> blocked_id", name="not_self"),)

    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column()
