"""Database models: members, questions, answers, comments, votes, tags, revisions, tokens."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    exists,
    false,
    func,
)
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import utcnow
from app.extensions import db

ROLES = ("member", "agent", "moderator", "admin")
STAFF_ROLES = frozenset({"agent", "moderator", "admin"})

# SQLite reuses the ids of deleted rows without AUTOINCREMENT; a reused id could make a
# stale search document point at an unrelated post.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class User(UserMixin, db.Model):
    """A member of the community, or brand staff when the role says so."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    # Raw sum of reputation events; the shown reputation floors it (see `reputation`).
    reputation_points: Mapped[int] = mapped_column(default=0)
    # Part of the Flask-Login id: bumping it ends every session and remember cookie.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column()
    # A suspended member still reads (and stays signed in) but every write is refused until then.
    suspended_until: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    # Set when the member opened the link sent to their address: until then they neither flag nor post links.
    email_verified_at: Mapped[datetime | None]
    # The member's language (a shipped locale: "fr") and time zone ("Europe/Paris"); None follows the
    # browser's Accept-Language and the community's zone (app/i18n.py).
    locale: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))

    def set_password(self, password):
        """Hash and store a new password (scrypt unless PASSWORD_HASH_METHOD says otherwise)."""
        self.password_hash = generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password):
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        """Flask-Login id: user id and session version, so old sessions stop matching."""
        return f"{self.id}:{self.session_version}"

    @property
    def reputation(self):
        """Reputation as members see it: starts at 1 and never goes below 1."""
        return max(1, 1 + self.reputation_points)

    @property
    def is_staff(self):
        """Brand staff: agents, moderators and admins."""
        return self.role in STAFF_ROLES

    def is_suspended(self, now):
        """Whether a suspension is running at `now`."""
        return self.suspended_until is not None and self.suspended_until > now

    def __repr__(self):
        return f"<User {self.username}>"


# Usernames are unique whatever their case, so "Alice" cannot impersonate "alice".
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated scope names (app.auth.scopes), chosen when the token is created.
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    # A digest of the member's password hash at issue: a new password (changed or reset) ends the token. Not the
    # session version: every sign-out moves that one, and signing out of a browser must not stop an integration.
    password_binding: Mapped[str] = mapped_column(String(24))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token):
        """The stored form of a token: tokens are random, so a plain hash suffices."""
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def scope_names(self):
        """The token's scopes as a tuple, in the order they were stored."""
        return tuple((self.scopes or "").split())


question_tags = db.Table(
    "question_tags",
    db.Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_id", ForeignKey("tags.id"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A topic label; question_count counts visible questions carrying it."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(35), unique=True)
    question_count: Mapped[int] = mapped_column(default=0)


class Question(db.Model):
    """A question: the thread that answers and comments belong to."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_created_at", "created_at"),
        Index("ix_questions_last_activity_at", "last_activity_at"),
        Index("ix_questions_score", "score"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(default=0)
    answer_count: Mapped[int] = mapped_column(default=0)
    view_count: Mapped[int] = mapped_column(default=0)
    # Moves on every change a question page shows (posts, votes, comments): the page cache's key.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", use_alter=True, name="fk_questions_accepted_answer_id_answers")
    )
    created_at: Mapped[datetime] = mapped_column()
    edited_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column()
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str | None] = mapped_column(String(20))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    # Hidden by flags or a moderator, or held for review: seen only by its author and moderators.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(20))  # see HIDDEN_REASONS
    locked_at: Mapped[datetime | None]
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    tags: Mapped[list[Tag]] = relationship(secondary=question_tags, order_by=Tag.name)
    duplicate_of: Mapped[Question | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])

    @property
    def is_resolved(self):
        """A question is resolved once it has an accepted answer that everyone can see (not hidden)."""
        return self.accepted_answer_id is not None and not self.accepted_answer_hidden

    @property
    def status(self):
        """One word for lists and the API: closed, resolved or open."""
        if self.is_closed:
            return "closed"
        return "resolved" if self.is_resolved else "open"

    @property
    def is_deleted(self):
        """Soft-deleted: kept in the database, shown to nobody but staff."""
        return self.deleted_at is not None

    @property
    def is_closed(self):
        """Closed: readable, but takes no new answers."""
        return self.closed_at is not None

    @property
    def is_hidden(self):
        """Hidden or held for review: only its author and moderators see it."""
        return self.hidden_at is not None

    @property
    def is_locked(self):
        """Locked by a moderator: readable, but takes no new answers or comments."""
        return self.locked_at is not None


# Why a post is hidden: flags reached the threshold, a moderator hid it, it waits for review
# (a new member's post or too many links), or it contains a forbidden phrase.
HIDDEN_REASONS = {
    "flags": _l("hidden after members flagged it, until a moderator reviews it"),
    "moderator": _l("hidden by a moderator"),
    "held": _l("waiting for a moderator to approve it"),
    "phrase": _l("waiting for a moderator: it contains a phrase this community holds for review"),
}

CLOSE_REASONS = {
    "duplicate": _l("a duplicate of another question"),
    "off-topic": _l("off-topic for this community"),
    "resolved-elsewhere": _l("resolved elsewhere"),
}


class Answer(db.Model):
    """An answer to a question."""

    __tablename__ = "answers"
    # By creation time: the care sweep's reminders look up a day of answers.
    __table_args__ = (Index("ix_answers_created_at", "created_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column()
    # Official: written by brand staff. A fact of the post, stamped from the author's role when it is written and
    # never recomputed, so promoting or demoting someone later changes no past post; imported posts never are.
    official: Mapped[bool] = mapped_column(default=False, server_default=false())
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(20))

    question: Mapped[Question] = relationship(foreign_keys=[question_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def is_hidden(self):
        """Hidden or held for review: only its author and moderators see it."""
        return self.hidden_at is not None

    @property
    def is_accepted(self):
        """Whether this is its question's accepted answer."""
        return self.question.accepted_answer_id == self.id

    @property
    def is_deleted(self):
        """Soft-deleted: kept in the database, shown to nobody but staff."""
        return self.deleted_at is not None


# Loaded with the question (one subquery, no extra query in lists): a hidden accepted answer leaves the question
# unresolved for everyone, so no badge claims "Resolved" over an answer nobody can read.
_accepted = aliased(Answer)  # its own name: a query of answers joined to their questions must not correlate it
Question.accepted_answer_hidden = column_property(
    exists().where(_accepted.id == Question.accepted_answer_id, _accepted.hidden_at.is_not(None)))


class Comment(db.Model):
    """A short comment (inline Markdown) on a question or, when answer_id is set, on an answer."""

    __tablename__ = "comments"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always the thread, so one query loads every comment on a question page.
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    official: Mapped[bool] = mapped_column(default=False, server_default=false())  # as Answer.official
    edited_at: Mapped[datetime | None]  # the last edit; the text before each edit is a CommentRevision
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(20))

    author: Mapped[User] = relationship()

    @property
    def is_hidden(self):
        """Hidden or held for review: only its author and moderators see it."""
        return self.hidden_at is not None

    @property
    def is_deleted(self):
        """Soft-deleted: kept in the database, shown to nobody but moderators."""
        return self.deleted_at is not None


class QuestionVote(db.Model):
    """One member's vote on a question; the primary key makes a second vote impossible."""

    __tablename__ = "question_votes"
    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="value_is_up_or_down"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True, index=True)
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column()


class AnswerVote(db.Model):
    """One member's vote on an answer; the primary key makes a second vote impossible."""

    __tablename__ = "answer_votes"
    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="value_is_up_or_down"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), primary_key=True, index=True)
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column()


class SearchChange(db.Model):
    """A committed change to a question's searchable content, written in the same transaction.

    The search index applies these in id order and keeps its place, so it can always catch
    up after a crash, and never indexes what was rolled back (docs/architecture.md, "How a write flows").
    """

    __tablename__ = "search_changes"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the log is history and may name a question whose row changed since.
    question_id: Mapped[int] = mapped_column(index=True)
    # When the log row was written: bookkeeping of the log itself (a catch-up compares it with its own
    # clock to tell an uncommitted id from a rolled-back one), not a moment of the community's.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchLog(db.Model):
    """One search or suggestion query: what was looked for and how much was found, nothing about who."""

    __tablename__ = "search_logs"
    __table_args__ = (Index("ix_search_logs_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "search" or "suggest"
    query: Mapped[str] = mapped_column(String(300))
    result_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column()


class AskDraft(db.Model):
    """A draft on the ask form during which a suggestion was opened, keyed by a random browser token.

    If the draft is never posted, an existing answer served the asker: a deflected question.
    """

    __tablename__ = "ask_drafts"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[int]  # the last suggestion opened
    opened_count: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime] = mapped_column(index=True)
    posted_at: Mapped[datetime | None]


class Revision(db.Model):
    """A full snapshot of a question or answer after each save, newest last."""

    __tablename__ = "revisions"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) <> (answer_id IS NULL)", name="one_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"), index=True)
    number: Mapped[int]
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    title: Mapped[str | None] = mapped_column(String(150))
    tags: Mapped[str | None] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(300))

    editor: Mapped[User] = relationship()


class CommentRevision(db.Model):
    """A comment's text as it was before one edit, with who edited it and when."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column()
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    editor: Mapped[User] = relationship()
