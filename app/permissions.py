"""Who may do what: the one place views, templates, the API and services ask.

Every rule about acting takes `now`: a suspension (and, later, trust earned over time) depends
on it, and the caller's clock, not this module's, decides what time it is. Who may see hidden
or deleted posts depends only on who they are, so those two rules take no time.
"""
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import ngettext


@dataclass(frozen=True)
class TrustRule:
    """What a member must have earned to be trusted: a verified email and this reputation or account age."""

    min_reputation: int
    min_account_days: int


def _signed_in(user):
    return user is not None and user.is_authenticated


def is_asker(user, question):
    """Whether `user` asked `question`: the asker's problem counts already, they never press "I have it too"."""
    return _signed_in(user) and user.id == question.author_id


def is_suspended(user, *, now):
    """A signed-in member whose suspension is running at `now`: they read, but every write is refused."""
    until = getattr(user, "suspended_until", None) if _signed_in(user) else None
    return until is not None and until > now


def _is_locked(question):
    return getattr(question, "locked_at", None) is not None


def reader_time(moment):
    """A stored moment as the reader reads it: their language and time zone (English, UTC, outside a request)."""
    from app.formatting import FILTERS, date_time
    return FILTERS["datetime"](moment) if has_request_context() else date_time(moment)


def suspension_message(user):
    """Why a suspended member's write is refused, with the end date and the moderator's reason."""
    return _("You are suspended until %(time)s: %(reason)s", time=reader_time(user.suspended_until),
             reason=user.suspension_reason)


def _may_write(user, now):
    return _signed_in(user) and not is_suspended(user, now=now)


def is_staff(user):
    """Brand staff: agents, moderators and admins."""
    return _signed_in(user) and user.is_staff


def is_moderator(user):
    """Moderators and admins."""
    return _signed_in(user) and user.role in ("moderator", "admin")


def is_admin(user):
    """Admins: settings, roles and the audit log."""
    return _signed_in(user) and user.role == "admin"


def can_ask(user, *, now):
    """Any signed-in member may ask, unless suspended."""
    return _may_write(user, now)


def can_answer(user, question, *, now):
    """Any signed-in member may answer a question that is still there, open and not locked."""
    return _may_write(user, now) and not question.is_deleted and not question.is_closed and not _is_locked(question)


def can_comment(user, question, *, now):
    """Any signed-in member may comment within a visible thread that is not locked."""
    return _may_write(user, now) and not question.is_deleted and not _is_locked(question)


def can_vote(user, post, *, now):
    """Signed-in members vote on other people's visible posts, never their own."""
    return _may_write(user, now) and post.author_id != user.id and not post.is_deleted


def can_edit(user, post, *, now):
    """Authors edit their own posts; moderators edit any."""
    return _may_write(user, now) and (post.author_id == user.id or is_moderator(user)) and not post.is_deleted


def can_accept(user, question, *, now):
    """The asker, or staff, chooses the accepted answer."""
    return _may_write(user, now) and (question.author_id == user.id or is_staff(user)) and not question.is_deleted


def can_delete_question(user, question, *, now):
    """Authors delete their question only while it has no answers; moderators always."""
    if not _may_write(user, now) or question.is_deleted:
        return False
    if is_moderator(user):
        return True
    return question.author_id == user.id and question.answer_count == 0


def can_delete_answer(user, answer, *, now):
    """Authors delete their answer unless it is the accepted one; moderators always."""
    if not _may_write(user, now) or answer.is_deleted:
        return False
    if is_moderator(user):
        return True
    return answer.author_id == user.id and not answer.is_accepted


def can_edit_comment(user, comment, edit_window, *, now):
    """Authors edit their comment for `edit_window()` after posting it; moderators edit any comment at any time."""
    if not _may_write(user, now) or comment.is_deleted:
        return False
    # The window is a function, asked only about an author's own comment: reading it costs a query (a setting).
    return is_moderator(user) or (comment.author_id == user.id and now - comment.created_at <= edit_window())


def can_delete_comment(user, comment, *, now):
    """Authors and moderators delete comments."""
    return _may_write(user, now) and not comment.is_deleted and (comment.author_id == user.id or is_moderator(user))


def can_close(user, question, *, now):
    """Moderators close questions (as duplicates, off-topic, resolved elsewhere) and reopen them."""
    return is_moderator(user) and not is_suspended(user, now=now) and not question.is_deleted


def can_see_deleted(user):
    """Moderators may open deleted posts (to restore them later); nobody else can."""
    return is_moderator(user)


def is_email_verified(user):
    """The member opened the verification link sent to their address."""
    return _signed_in(user) and getattr(user, "email_verified_at", None) is not None


def has_earned_trust(user, rule, *, now):
    """Staff always; members with a verified email and either `rule`'s reputation or its account age at `now`."""
    if is_staff(user):
        return True
    if not is_email_verified(user):
        return False
    return (user.reputation >= rule.min_reputation
            or user.created_at <= now - timedelta(days=rule.min_account_days))


def trust_message(rule, user):
    """Why an untrusted member may not flag posts yet, and what earns it."""
    if not is_email_verified(user):
        return _("Verify your email address to flag posts: open the link we emailed you, or send a new one "
                 "from your account page.")
    return ngettext("You can flag posts once you have %(reputation)d reputation or have been a member for "
                    "%(num)d day.",
                    "You can flag posts once you have %(reputation)d reputation or have been a member for "
                    "%(num)d days.", rule.min_account_days, reputation=rule.min_reputation)


def can_flag(user, post, rule, *, now):
    """Trusted members (see `has_earned_trust`) flag other people's visible posts (not while suspended)."""
    return (_may_write(user, now) and post.author_id != user.id and not post.is_deleted
            and has_earned_trust(user, rule, now=now))


def can_start_conversation(user, *, now):
    """Staff and members with a verified email start private conversations (not while suspended)."""
    return _may_write(user, now) and (is_staff(user) or is_email_verified(user))


def can_message(user, *, now):
    """Signed-in members reply in their private conversations, unless suspended."""
    return _may_write(user, now)


def can_moderate(user, *, now):
    """Moderators and admins work the moderation queue and take actions on posts and members."""
    return is_moderator(user) and not is_suspended(user, now=now)


def can_see_hidden(user, post):
    """A hidden or held post is shown to its author (with the moderated note) and to moderators."""
    return _signed_in(user) and (post.author_id == user.id or is_moderator(user))


def can_suspend(user, member, *, now):
    """Moderators suspend members and agents; only admins suspend moderators; nobody suspends an admin or themselves."""
    if not can_moderate(user, now=now) or member.id == user.id or member.role == "admin":
        return False
    return member.role != "moderator" or is_admin(user)


def template_helpers(now_of_request):
    """The rules as template globals; each asks `now_of_request()` (the edge's clock) when a template calls it."""
    def at_request_time(rule):
        @wraps(rule)
        def helper(*args):
            return rule(*args, now=now_of_request())
        return helper

    timeless = (is_staff, is_moderator, is_admin, suspension_message, can_see_hidden, can_see_deleted,
                is_email_verified, trust_message)
    rules = [function for name, function in globals().items()
             if (name.startswith("can_") or name in ("is_suspended", "has_earned_trust"))
             and function not in timeless]
    return {rule.__name__: at_request_time(rule) for rule in rules} | {rule.__name__: rule for rule in timeless}
