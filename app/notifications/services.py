"""Notifications, follows and email choices: writing them, reading them, marking them read."""
import contextlib
import contextvars

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from app import email_tokens, i18n, mail
from app.database import begin_write
from app.exceptions import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Question, User
from app.notifications.models import (
    DEFAULT_EMAIL_MODE,
    EMAIL_MODES,
    IN_APP_ONLY_KINDS,
    MESSAGE_KINDS,
    NO_ACTOR,
    EmailPreference,
    Follow,
    Notification,
    system_name,
)
from app.urls import question_url, site_url, site_url_for
from app.visibility import not_deleted

EXCERPT_MAX = 280
# A message to the recipient names the post and says why (a moderator's reason is up to 500 characters): kept whole.
MESSAGE_MAX = 1000


def _excerpt(text, maximum=EXCERPT_MAX):
    """A one-paragraph preview of a post or reason for the list and the email."""
    if not text:
        return None
    line = mail.collapse_whitespace(text)
    return line if len(line) <= maximum else line[: maximum - 1] + "…"


def _insert_ignoring_duplicates(model, values, keys):
    """INSERT that leaves an existing row alone, so two racing requests never fail on the key."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))


# Email choices -----------------------------------------------------------------------


def email_mode(user_id):
    """How this member wants notification email: "immediate", "daily" or "none"."""
    mode = db.session.scalar(select(EmailPreference.mode).where(EmailPreference.user_id == user_id))
    return mode or DEFAULT_EMAIL_MODE


def email_modes(user_ids):
    """{user_id: mode} for several members, in one query."""
    if not user_ids:
        return {}
    saved = dict(db.session.execute(select(EmailPreference.user_id, EmailPreference.mode)
                                    .where(EmailPreference.user_id.in_(user_ids))).all())
    return {user_id: saved.get(user_id, DEFAULT_EMAIL_MODE) for user_id in user_ids}


def set_email_mode(user, mode, *, now):
    """Save the member's choice; leaving the digest drops what was waiting for it (it stays on the site)."""
    if mode not in EMAIL_MODES:
        raise ValidationError({"email_mode": _("Choose one of: %(modes)s.", modes=", ".join(EMAIL_MODES))})
    begin_write(db.session)
    _save_mode(user.id, mode, now)
    db.session.commit()
    return mode


def _save_mode(user_id, mode, now):
    _insert_ignoring_duplicates(EmailPreference, {"user_id": user_id, "mode": DEFAULT_EMAIL_MODE, "updated_at": now},
                                ["user_id"])
    if mode == "daily":
        # The first digest covers what happens from now on, at the next digest hour.
        db.session.execute(update(EmailPreference).where(EmailPreference.user_id == user_id,
                                                         EmailPreference.mode != "daily")
                           .values(last_digest_at=now))
    db.session.execute(update(EmailPreference).where(EmailPreference.user_id == user_id)
                       .values(mode=mode, updated_at=now))
    if mode != "daily":
        db.session.execute(update(Notification).where(Notification.user_id == user_id,
                                                      Notification.email_pending.is_(True))
                           .values(email_pending=False))


def unsubscribe_url(user_id, *, now):
    """The one-click link that stops notification email for this member, no sign-in needed."""
    token = email_tokens.make("unsubscribe", {"u": user_id}, now)
    return site_url_for("notifications.unsubscribe", token=token)


def unsubscribe_target(token, *, now):
    """The member an unsubscribe token names; ValidationError or NotFound for a bad link."""
    data = email_tokens.read("unsubscribe", token, now, message=_("This unsubscribe link is not valid."))
    user = db.session.get(User, data["u"]) if type(data.get("u")) is int else None
    if user is None:
        raise NotFound(_("This unsubscribe link is not valid."))
    return user


def unsubscribe(token, *, now):
    """Stop notification email for the member the token names; returns that member."""
    unsubscribe_target(token, now=now)
    begin_write(db.session)
    user = unsubscribe_target(token, now=now)
    _save_mode(user.id, "none", now)
    db.session.commit()
    return user


# Writing notifications (inside the caller's transaction) ---------------------------------


def post_url(question, answer_id=None, comment_id=None):
    """The absolute URL of a post on its question page, for emails."""
    anchor = f"comment-{comment_id}" if comment_id else f"answer-{answer_id}" if answer_id else None
    return question_url(question, external="site", _anchor=anchor)


_email_off = contextvars.ContextVar("notification_email_off", default=False)


@contextlib.contextmanager
def without_email():
    """Notify in the app but queue no email inside the block (loading demo data for fictional members)."""
    token = _email_off.set(True)
    try:
        yield
    finally:
        _email_off.reset(token)


def notify(user, kind, actor=None, question=None, answer_id=None, comment_id=None, excerpt=None, mode=None, *,
           now, conversation_id=None, url=None):
    """Add a notification for `user` to the current transaction, and email it as they chose (`mode`, if known).

    `url` is where the email leads when that is not the post (a staff page).
    """
    notification = Notification(user_id=user.id, kind=kind, actor_id=actor.id if actor else None,
                                question_id=question.id if question else None, answer_id=answer_id,
                                comment_id=comment_id, conversation_id=conversation_id, created_at=now,
                                excerpt=_excerpt(excerpt, MESSAGE_MAX if kind in MESSAGE_KINDS else EXCERPT_MAX))
    mode = "none" if _email_off.get() or kind in IN_APP_ONLY_KINDS else mode or email_mode(user.id)
    if mode == "daily":
        notification.email_pending = True
    db.session.add(notification)
    if mode == "immediate":
        # In the recipient's language, not that of the member whose request caused the notification.
        with i18n.in_language_of(user):
            actor_name = actor.username if actor else str(NO_ACTOR.get(kind) or system_name())
            title = question.title if question else _("Private messages") if conversation_id else _("your post")
            summary = notification.describe(actor_name)
            mail.enqueue_email(
                user.email, _("%(summary)s: %(title)s", summary=summary, title=title), "notification",
                user_id=user.id, unsubscribe_url=unsubscribe_url(user.id, now=now), topic=f"notification:{kind}",
                now=now, user=user, notification=notification, summary=summary, title=title,
                url=url or (post_url(question, answer_id, comment_id) if question
                     else site_url_for("messages.conversation", conversation_id=conversation_id) if conversation_id
                     else site_url()),
                settings_url=site_url_for("account.notifications"),
            )
    return notification


# Follows --------------------------------------------------------------------------------


def start_following(user_id, question_id, *, now):
    """Make the member follow the question inside the caller's transaction (no-op if already)."""
    _insert_ignoring_duplicates(Follow, {"user_id": user_id, "question_id": question_id,
                                         "created_at": now}, ["user_id", "question_id"])


def follower_ids(question_id):
    """The ids of the members following a question."""
    return list(db.session.scalars(select(Follow.user_id).where(Follow.question_id == question_id)))


def is_following(user, question):
    """Whether the signed-in member follows this question."""
    if not (user and user.is_authenticated):
        return False
    return db.session.get(Follow, (user.id, question.id)) is not None


def followed_questions(user, page, per_page=30):
    """The visible questions the member follows, most recently followed first."""
    query = (select(Question).join(Follow, Follow.question_id == Question.id)
             .where(Follow.user_id == user.id, not_deleted(Question)).options(joinedload(Question.duplicate_of))
             .order_by(Follow.created_at.desc(), Question.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def follow(user, question_id, *, now):
    """Follow a visible question: new answers and staff replies there will notify the member."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in to follow questions."))
    begin_write(db.session)
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted:
        raise NotFound(_("That question does not exist."))
    start_following(user.id, question.id, now=now)
    db.session.commit()
    return question


def unfollow(user, question_id):
    """Stop following a question (whether or not it still exists)."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in to manage what you follow."))
    begin_write(db.session)
    db.session.execute(delete(Follow).where(Follow.user_id == user.id, Follow.question_id == question_id))
    db.session.commit()


# Reading and marking read --------------------------------------------------------------

# What the list and the digest show of a notification: who, the thread, and whether the quoted post is still there.
NOTIFIED_POSTS = (selectinload(Notification.actor), selectinload(Notification.question),
                  selectinload(Notification.answer), selectinload(Notification.comment))


def unread_count(user):
    """How many notifications the member has not read (the bell's number)."""
    if not (user and user.is_authenticated):
        return 0
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def page_for(user, page, per_page=30):
    """The member's notifications, newest first, with actors and the posts they are about loaded."""
    query = (select(Notification).where(Notification.user_id == user.id)
             .options(*NOTIFIED_POSTS)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def mark_read(user, notification_id=None, *, now):
    """Mark one notification (or, without an id, all of them) read; returns how many changed."""
    begin_write(db.session)
    condition = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if notification_id is not None:
        notification = db.session.get(Notification, notification_id)
        if notification is None or notification.user_id != user.id:
            raise NotFound(_("That notification does not exist."))
        condition.append(Notification.id == notification_id)
    changed = db.session.execute(update(Notification).where(*condition).values(read_at=now)).rowcount
    db.session.commit()
    return changed


def open_notification(user, notification_id, *, now):
    """Mark a notification read and return it, to send the member to what it is about."""
    mark_read(user, notification_id, now=now)
    return db.session.get(Notification, notification_id)
