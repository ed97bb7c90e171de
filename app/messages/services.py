"""Private messages: starting and replying to conversations, reading them, blocking and reporting.

Nobody but the two participants reads a conversation, and a moderator only while one of its
messages waits in the review queue: anyone else gets NotFound, as if it did not exist.
"""
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update

from app import permissions
from app.database import begin_write
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.messages.models import Block, Conversation, ConversationMember, Message
from app.models import User
from app.moderation import holds
from app.moderation.models import ReviewItem
from app.moderation.services import has_pending_report, report_private_post
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.rendering import RenderError, render_markdown
from app.validation import clean_text

MESSAGE_MAX = 5000
# Shown to a member the other one blocked: it says no more than that, so a block stays private.
CANNOT_MESSAGE = _l("You cannot message this member.")
UNVERIFIED = _l("Verify your email address to start a conversation: open the link we emailed you, or send a new one "
                "from your account page.")


def _pair(first_id, second_id):
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)


def blocked_between(user_id, other_id):
    """Whether either member blocked the other."""
    return db.session.scalar(select(func.count()).select_from(Block).where(or_(
        and_(Block.blocker_id == user_id, Block.blocked_id == other_id),
        and_(Block.blocker_id == other_id, Block.blocked_id == user_id)))) > 0


def has_blocked(user, other):
    """Whether `user` blocked `other` (only the blocker is ever told)."""
    return db.session.get(Block, (user.id, other.id)) is not None


def messaging_state(user, other, *, now):
    """What a page offers `user` towards `other`: "self", "unverified", "blocked" (by user), "cannot" or "can"."""
    if not (user and user.is_authenticated) or other is None:
        return "cannot"
    if user.id == other.id:
        return "self"
    if conversation_between(user.id, other.id) is None and not permissions.can_start_conversation(user, now=now):
        return "unverified"
    if has_blocked(user, other):
        return "blocked"
    return "cannot" if blocked_between(user.id, other.id) else "can"


def _clean_body(body):
    text = clean_text(body).strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": _("Write a message.")})
    if len(text) > MESSAGE_MAX:
        raise ValidationError({"body": _("Keep a message under %(limit)s characters.",
                                          limit=format_number(MESSAGE_MAX))})
    try:
        return text, render_markdown(text)
    except RenderError as error:
        raise ValidationError({"body": str(error)}) from None


def _check_may_send(sender, recipient, now, starting=False):
    if not (sender and sender.is_authenticated):
        raise PermissionDenied(_("Sign in to send messages."))
    holds.refuse_if_suspended(sender, now=now)
    if not permissions.can_message(sender, now=now):
        raise PermissionDenied(_("Your account cannot send messages."))
    # Only a verified account opens a new conversation: a throwaway account cannot cold-message members.
    if starting and not permissions.can_start_conversation(sender, now=now):
        raise PermissionDenied(str(UNVERIFIED))
    if recipient.id == sender.id:
        raise ValidationError({"body": _("You cannot send a message to yourself.")})
    if blocked_between(sender.id, recipient.id):
        raise PermissionDenied(str(CANNOT_MESSAGE))


def conversation_between(user_id, other_id):
    """The conversation of these two members, or None."""
    first, second = _pair(user_id, other_id)
    return db.session.scalar(select(Conversation).where(Conversation.first_user_id == first,
                                                        Conversation.second_user_id == second))


def send_message(sender, recipient_id, body, *, now):
    """Send a message to a member, starting their conversation if there is none; returns the message."""
    recipient = db.session.get(User, recipient_id)
    if recipient is None:
        raise NotFound(_("That member does not exist."))
    body, body_html = _clean_body(body)
    _check_may_send(sender, recipient, now, starting=conversation_between(sender.id, recipient.id) is None)
    begin_write(db.session)
    conversation = conversation_between(sender.id, recipient.id)
    if conversation is None:
        first, second = _pair(sender.id, recipient.id)
        conversation = Conversation(first_user_id=first, second_user_id=second, created_at=now, last_message_at=now)
        db.session.add(conversation)
        db.session.flush()
        db.session.add_all([ConversationMember(conversation_id=conversation.id, user_id=user_id,
                                               last_read_message_id=0) for user_id in (first, second)])
    message = _add_message(conversation, sender, recipient, body, body_html, now)
    db.session.commit()
    return message


def reply(sender, conversation_id, body, *, now):
    """Reply in a conversation the sender takes part in; returns the message."""
    body, body_html = _clean_body(body)
    conversation = get_conversation(sender, conversation_id)
    recipient = conversation.other(sender)
    _check_may_send(sender, recipient, now)
    begin_write(db.session)
    conversation = db.session.get(Conversation, conversation_id)
    message = _add_message(conversation, sender, recipient, body, body_html, now)
    db.session.commit()
    return message


def _add_message(conversation, sender, recipient, body, body_html, now):
    message = Message(conversation_id=conversation.id, author_id=sender.id, body=body, body_html=body_html,
                      created_at=now)
    db.session.add(message)
    db.session.flush()
    conversation.last_message_at = now
    # The sender has read their own conversation up to what they just wrote.
    db.session.execute(update(ConversationMember).where(ConversationMember.conversation_id == conversation.id,
                                                        ConversationMember.user_id == sender.id)
                       .values(last_read_message_id=message.id))
    waiting = db.session.scalar(select(Notification.id).where(
        Notification.user_id == recipient.id, Notification.kind == "message",
        Notification.conversation_id == conversation.id, Notification.read_at.is_(None)).limit(1))
    if waiting is None:  # one unread notification per conversation, however many messages follow it
        notifications.notify(recipient, "message", actor=sender, conversation_id=conversation.id, now=now)
    return message


# Reading --------------------------------------------------------------------------------------


def _participant(user, conversation):
    return user is not None and user.is_authenticated and user.id in conversation.participant_ids


def get_conversation(user, conversation_id):
    """A conversation `user` takes part in; NotFound for anyone else's."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not _participant(user, conversation):
        raise NotFound(_("That conversation does not exist."))
    return conversation


def messages_of(conversation):
    """The conversation's messages, oldest first, authors loaded."""
    return db.session.scalars(select(Message).where(Message.conversation_id == conversation.id)
                              .order_by(Message.id)).all()


def mark_read(user, conversation, *, now):
    """Mark the conversation read for `user`, and its message notification with it."""
    last_id = db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conversation.id)) or 0
    begin_write(db.session)
    db.session.execute(update(ConversationMember).where(ConversationMember.conversation_id == conversation.id,
                                                        ConversationMember.user_id == user.id,
                                                        ConversationMember.last_read_message_id < last_id)
                       .values(last_read_message_id=last_id))
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.kind == "message",
                                                  Notification.conversation_id == conversation.id,
                                                  Notification.read_at.is_(None)).values(read_at=now))
    db.session.commit()


def _unread_messages(user_id):
    """Per conversation: messages of the other member after the last one `user_id` read."""
    return (select(Message.conversation_id, func.count().label("unread"))
            .join(ConversationMember, and_(ConversationMember.conversation_id == Message.conversation_id,
                                           ConversationMember.user_id == user_id))
            .where(Message.author_id != user_id, Message.id > ConversationMember.last_read_message_id)
            .group_by(Message.conversation_id))


def unread_count(user):
    """How many messages the member has not read, across conversations (the header's number)."""
    if not (user and user.is_authenticated):
        return 0
    unread = _unread_messages(user.id).subquery()
    # SUM is a Decimal on PostgreSQL: the header counts (and plural rules) want an int.
    return int(db.session.scalar(select(func.coalesce(func.sum(unread.c.unread), 0)).select_from(unread)))


def inbox(user):
    """[(conversation, other member, unread count)], newest activity first."""
    unread = _unread_messages(user.id).subquery()
    rows = db.session.execute(
        select(Conversation, func.coalesce(unread.c.unread, 0))
        .outerjoin(unread, unread.c.conversation_id == Conversation.id)
        .where(or_(Conversation.first_user_id == user.id, Conversation.second_user_id == user.id))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    ).all()
    return [(conversation, conversation.other(user), count) for conversation, count in rows]


# Moderators and reports -----------------------------------------------------------------------


def reported_conversation(moderator, item_id, *, now):
    """The conversation of a reported message, for a moderator while the report waits; NotFound otherwise."""
    item = db.session.get(ReviewItem, item_id)
    if item is None or item.post_type != "message" or not permissions.can_moderate(moderator, now=now):
        raise NotFound(_("That conversation does not exist."))
    message = db.session.get(Message, item.post_id)
    if message is None:
        raise NotFound(_("That conversation does not exist."))
    conversation = db.session.get(Conversation, message.conversation_id)
    if not may_review(moderator, conversation, now=now):
        raise NotFound(_("That conversation does not exist."))
    return conversation, message


def may_review(moderator, conversation, *, now):
    """Whether a moderator may read this conversation: one of its messages waits in the review queue."""
    if not permissions.can_moderate(moderator, now=now):
        return False
    message_ids = db.session.scalars(select(Message.id).where(Message.conversation_id == conversation.id)).all()
    return has_pending_report("message", message_ids)


def report_message(user, message_id, reason, text=None, *, now):
    """Report another member's message to the moderators; returns the message."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound(_("That message does not exist."))
    get_conversation(user, message.conversation_id)
    begin_write(db.session)
    message = db.session.get(Message, message_id)
    try:
        report_private_post(user, "message", message.id, message.author_id, reason, text, now=now)
    except (ValidationError, PermissionDenied, Conflict, holds.PostingLimitReached):
        db.session.rollback()
        raise
    db.session.commit()
    return message


# Blocking -----------------------------------------------------------------------------------


def block(user, other_id, *, now):
    """Block a member: neither can message the other; existing conversations become read-only."""
    other = db.session.get(User, other_id)
    if other is None:
        raise NotFound(_("That member does not exist."))
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in to block members."))
    if other.id == user.id:
        raise ValidationError({"member": _("You cannot block yourself.")})
    begin_write(db.session)
    if db.session.get(Block, (user.id, other.id)) is None:
        db.session.add(Block(blocker_id=user.id, blocked_id=other.id, created_at=now))
    db.session.commit()
    return other


def unblock(user, other_id):
    """Lift a block `user` set (never one the other member set)."""
    begin_write(db.session)
    db.session.execute(delete(Block).where(Block.blocker_id == user.id, Block.blocked_id == other_id))
    db.session.commit()
