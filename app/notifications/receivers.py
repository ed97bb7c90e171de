"""Signal receivers: what happened in a thread becomes notifications, follows and queued email.

They run inside the service's write transaction (app/signals.py), so a notification exists
exactly when the post that caused it does. Each event notifies a member at most once, for
the most specific reason: "answered your question" beats "mentioned you", which beats
"replied as staff on a question you follow", which beats "answered a question you follow".
A new question also tells the followers of its tags, unless it mentions them.
An edit notifies only the members it newly mentions.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from app import i18n, signals
from app.extensions import db
from app.models import Answer, Comment, Question, Revision, User
from app.moderation import holds
from app.notifications import services, tag_follows, wording
from app.notifications.mentions import find_mentions, mentioned_users


class _Recipients:
    """Who to notify about one event, each member once, never the person who acted."""

    def __init__(self, actor, now):
        self.actor, self.now = actor, now
        self.chosen = {}  # user id -> (user, kind)

    def add(self, user, kind):
        if user is None or user.id == self.actor.id or user.id in self.chosen:
            return
        self.chosen[user.id] = (user, kind)

    def add_ids(self, user_ids, kind):
        missing = [uid for uid in user_ids if uid != self.actor.id and uid not in self.chosen]
        if missing:  # one query however many follow the thread
            for user in db.session.scalars(select(User).where(User.id.in_(missing)).order_by(User.id)):
                self.add(user, kind)

    def send(self, question, answer_id=None, comment_id=None, excerpt=None):
        modes = services.email_modes(list(self.chosen))
        for user, kind in self.chosen.values():
            services.notify(user, kind, actor=self.actor, question=question, answer_id=answer_id,
                            comment_id=comment_id, excerpt=excerpt, mode=modes[user.id], now=self.now)


def _on_question_asked(sender, question, *, now, **extra):
    services.start_following(sender.id, question.id, now=now)
    recipients = _Recipients(sender, now)
    for user in mentioned_users(question.body_source):
        recipients.add(user, "mention")
    recipients.send(question, excerpt=question.title)
    # Last: a member mentioned in the question heard of it already, for the more specific reason.
    tag_follows.notify_followers(sender, question, set(recipients.chosen), now=now)


def _on_answer_posted(sender, answer, question, *, now, **extra):
    services.start_following(sender.id, question.id, now=now)
    recipients = _Recipients(sender, now)
    recipients.add(db.session.get(User, question.author_id), "answer")
    for user in mentioned_users(answer.body_source):
        recipients.add(user, "mention")
    followers = services.follower_ids(question.id)
    recipients.add_ids(followers, "staff_reply" if answer.official else "followed_answer")
    recipients.send(question, answer_id=answer.id, excerpt=answer.body_source)


def _on_comment_posted(sender, comment, question, answer=None, *, now, **extra):
    # Commenters take part in the conversation, so they hear how it goes on.
    services.start_following(sender.id, question.id, now=now)
    recipients = _Recipients(sender, now)
    post_author_id = answer.author_id if answer is not None else question.author_id
    recipients.add(db.session.get(User, post_author_id), "comment")
    for user in mentioned_users(comment.body):
        recipients.add(user, "mention")
    if comment.official:
        recipients.add_ids(services.follower_ids(question.id), "staff_reply")
    recipients.send(question, answer_id=answer.id if answer is not None else None, comment_id=comment.id,
                    excerpt=comment.body)


def _previous_source(owner_column, post_id):
    """The body a post had before the edit being saved (its second-newest revision)."""
    sources = db.session.scalars(select(Revision.body_source).where(owner_column == post_id)
                                 .order_by(Revision.number.desc()).limit(2)).all()
    return sources[1] if len(sources) == 2 else ""


def _notify_new_mentions(sender, question, text, previous, now, answer_id=None):
    """An edit that adds @mentions tells the newly mentioned members (those already mentioned heard before)."""
    before = {name.lower() for name in find_mentions(previous)}
    recipients = _Recipients(sender, now)
    for user in mentioned_users(text):
        if user.username.lower() not in before:
            recipients.add(user, "mention")
    recipients.send(question, answer_id=answer_id, excerpt=text)


def _on_question_edited(sender, question, *, now, **extra):
    _notify_new_mentions(sender, question, question.body_source,
                         _previous_source(Revision.question_id, question.id), now)


def _on_answer_edited(sender, answer, question, *, now, **extra):
    _notify_new_mentions(sender, question, answer.body_source, _previous_source(Revision.answer_id, answer.id),
                         now, answer_id=answer.id)


def _on_answer_accepted(sender, answer, question, *, now, **extra):
    if sender.id != question.author_id:  # staff chose for the asker, who must hear of it
        asker = db.session.get(User, question.author_id)
        with i18n.in_language_of(asker):
            notice = wording.accepted_for_asker(sender, answer, question)
        services.notify(asker, "staff_accepted", actor=sender, question=question, answer_id=answer.id, excerpt=notice,
                        now=now)
        if answer.author_id == question.author_id:
            return  # the asker's own answer: told once, as the asker
    recipients = _Recipients(sender, now)
    recipients.add(db.session.get(User, answer.author_id), "accepted")
    recipients.send(question, answer_id=answer.id, excerpt=answer.body_source)


def _on_question_closed(sender, question, *, now, **extra):
    """Closed as a duplicate: the asker hears where the answers are, from "a moderator" (not who, as for decisions).

    Only the asker: the answers may solve their problem, while followers can read the notice on the thread.
    """
    if question.duplicate_of_id is None or question.author_id == sender.id:
        return
    original = db.session.get(Question, question.duplicate_of_id)
    # The notification is about the original, so its title and link lead to the answers.
    asker = db.session.get(User, question.author_id)
    with i18n.in_language_of(asker):  # the notice is stored in its reader's language
        notice = _("Your question “%(title)s” was closed as a duplicate of “%(original)s” by a moderator: its "
                   "answers may solve your problem.", title=question.title, original=original.title)
    services.notify(asker, "duplicate", question=original, excerpt=notice, now=now)


def _on_post_moderated(sender, post, action, reason=None, *, now, flagged_as=(), **extra):
    """A moderator's decision reaches the author of the post, whatever kind of post it is, signed "a moderator"."""
    if sender is not None and post.author_id == sender.id:  # None: the system acted (automatic hide)
        return
    author = db.session.get(User, post.author_id)
    question = db.session.get(Question, post.id if isinstance(post, Question) else post.question_id)
    with i18n.in_language_of(author):
        notice = wording.moderation_notice(post, question, action, reason, flagged_as, by_moderator=sender is not None)
    services.notify(author, "moderation", question=question,
                    answer_id=post.id if isinstance(post, Answer) else getattr(post, "answer_id", None),
                    comment_id=post.id if isinstance(post, Comment) else None, excerpt=notice, now=now)


def _on_badge_awarded(sender, badge, question_id=None, answer_id=None, *, now, **extra):
    """The member hears of a badge they earned, with a link to the post that earned it."""
    if holds.is_trusted_load():  # loaded content (the demo, an import) earns its badges without fanfare
        return
    question = db.session.get(Question, question_id) if question_id else None
    with i18n.in_language_of(sender):
        notice = wording.badge_earned(badge)
    services.notify(sender, "badge", question=question, answer_id=answer_id, excerpt=notice, now=now)


RECEIVERS = (
    (signals.question_asked, _on_question_asked),
    (signals.answer_posted, _on_answer_posted),
    (signals.question_edited, _on_question_edited),
    (signals.answer_edited, _on_answer_edited),
    (signals.comment_posted, _on_comment_posted),
    (signals.answer_accepted, _on_answer_accepted),
    (signals.question_closed, _on_question_closed),
    (signals.post_moderated, _on_post_moderated),
    (signals.badge_awarded, _on_badge_awarded),
)


def connect_receivers():
    """Connect once per process (blinker keeps one connection per function, so repeats are harmless)."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver)
