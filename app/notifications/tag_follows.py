"""Following tags: members who follow a tag hear of each new question in it that everyone may see."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Integer, cast, delete, null, select, union_all
from sqlalchemy.orm import Mapped, mapped_column

from app import i18n
from app.database import begin_write
from app.exceptions import NotFound, PermissionDenied
from app.extensions import db
from app.models import Tag, User, question_tags
from app.notifications import services
from app.notifications.models import Follow, Notification
from app.visibility import is_public

KIND = "tag_question"


class TagFollow(db.Model):
    """A member follows a tag: new questions carrying it reach them."""

    __tablename__ = "tag_follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column()


def tag_named(name):
    """The tag called `name` (any case), or NotFound: nobody can follow a tag that does not exist."""
    tag = db.session.scalar(select(Tag).where(Tag.name == str(name).lower()))
    if tag is None:
        raise NotFound(_("There is no such tag."))
    return tag


def _require_member(user, message):
    if not (user and user.is_authenticated):
        raise PermissionDenied(message)


def follow_tag(user, name, *, now):
    """Follow an existing tag: new questions in it will notify the member. Returns the tag."""
    _require_member(user, _("Sign in to follow tags."))
    begin_write(db.session)
    tag = tag_named(name)
    services._insert_ignoring_duplicates(TagFollow, {"user_id": user.id, "tag_id": tag.id, "created_at": now},
                                         ["user_id", "tag_id"])
    db.session.commit()
    return tag


def unfollow_tag(user, name):
    """Stop following an existing tag (a no-op if the member did not follow it). Returns the tag."""
    _require_member(user, _("Sign in to manage what you follow."))
    begin_write(db.session)
    tag = tag_named(name)
    db.session.execute(delete(TagFollow).where(TagFollow.user_id == user.id, TagFollow.tag_id == tag.id))
    db.session.commit()
    return tag


def is_following_tag(user, tag):
    """Whether the signed-in member follows this tag."""
    if not (user and user.is_authenticated):
        return False
    return db.session.get(TagFollow, (user.id, tag.id)) is not None


def followed_tag_ids(user, tags):
    """The ids of those of `tags` the signed-in member follows, in one query (for a question's tag list)."""
    if not (user and user.is_authenticated) or not tags:
        return set()
    return set(db.session.scalars(select(TagFollow.tag_id).where(TagFollow.user_id == user.id,
                                                                 TagFollow.tag_id.in_([tag.id for tag in tags]))))


def member_follow_facts(member, question_id, *, now):
    """Whether `member` follows this question, and which of its tags they follow (at any `now`): the page's key."""
    followed = db.session.execute(union_all(
        select(cast(null(), Integer).label("tag_id"))
        .where(Follow.user_id == member.id, Follow.question_id == question_id),
        select(TagFollow.tag_id).join(question_tags, question_tags.c.tag_id == TagFollow.tag_id)
        .where(TagFollow.user_id == member.id, question_tags.c.question_id == question_id),
    )).scalars().all()
    return None in followed, frozenset(tag_id for tag_id in followed if tag_id is not None)


def followed_tags(user):
    """The tags the member follows, by name (a member follows a handful, so no pages)."""
    return list(db.session.scalars(select(Tag).join(TagFollow, TagFollow.tag_id == Tag.id)
                                   .where(TagFollow.user_id == user.id).order_by(Tag.name)))


def stop_all_tag_follows(user_id):
    """Drop every tag the member follows, inside the caller's transaction (a deleted account)."""
    db.session.execute(delete(TagFollow).where(TagFollow.user_id == user_id))


def question_notice(tag_name, question):
    """What a tag follower reads about a new question."""
    return _("A new question was asked in %(tag)s: %(title)s", tag=tag_name, title=question.title)


def notify_followers(asker, question, already_notified, *, now):
    """Tell the followers of the question's tags about it, inside the caller's transaction.

    Each member hears once, named by the first of the question's tags they follow; never the asker, nor
    those in `already_notified` (told for a more specific reason), nor anyone told of this question before:
    a question held again after an edit is announced again when approved.
    """
    if not is_public(question) or not question.tags:
        return
    told_before = select(Notification.user_id).where(Notification.question_id == question.id,
                                                     Notification.kind == KIND)
    rows = db.session.execute(
        select(User, Tag.name).join(TagFollow, TagFollow.user_id == User.id).join(Tag, Tag.id == TagFollow.tag_id)
        .where(TagFollow.tag_id.in_([tag.id for tag in question.tags]),
               User.id.not_in({asker.id, *already_notified}), User.id.not_in(told_before))
        .order_by(User.id, Tag.name)).all()
    first_tag = {}
    for user, tag_name in rows:
        first_tag.setdefault(user.id, (user, tag_name))
    modes = services.email_modes(list(first_tag))
    for user, tag_name in first_tag.values():
        with i18n.in_language_of(user):  # the notice is stored in its reader's language
            notice = question_notice(tag_name, question)
        services.notify(user, KIND, actor=asker, question=question, excerpt=notice, mode=modes[user.id], now=now)
