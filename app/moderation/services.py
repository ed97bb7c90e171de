"""Moderation services: flags, decisions on the review queue, hiding, deleting, locking, merging, suspensions.

Every action by staff is written to the audit log in the same transaction, moves the
thread's version (page cache) and search change log through `mark_changed`, and sends
`signals.post_moderated` so the people concerned can be told.
"""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case, func, select, true, update
from sqlalchemy.exc import IntegrityError

from app import audit, badges, permissions, settings, signals
from app.database import begin_write
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import CLOSE_REASONS, ROLES, STAFF_ROLES, Answer, Comment, Question, Revision, User
from app.moderation import holds
from app.moderation.models import FLAG_REASONS, HIDING_REASONS, RESOLUTION_LABELS, Flag, ReviewItem, Suspension
from app.thread_writes import lock_row, mark_changed, set_accepted
from app.validation import clean_text
from app.visibility import is_public, is_shown_to

FLAG_HIDE_THRESHOLD = settings.define(
    "FLAG_HIDE_THRESHOLD", int, 3,
    _l("Spam or abuse flags that hide a post at once, pending review (one moderator's flag always does)"),
    minimum=1, maximum=100, label=_l("Flags that hide a post"))
FLAG_DAILY_LIMIT = settings.define(
    "FLAG_DAILY_LIMIT", int, 20, _l("Flags one member may raise in 24 hours"), minimum=1, maximum=1000,
    label=_l("Flags per member per day"))
FLAG_MIN_REPUTATION = settings.define(
    "FLAG_MIN_REPUTATION", int, 15,
    _l("Reputation that lets a member with a verified email flag posts (or see “Days before a member may flag”)"),
    minimum=1, maximum=100000, label=_l("Reputation needed to flag"))
FLAG_MIN_ACCOUNT_DAYS = settings.define(
    "FLAG_MIN_ACCOUNT_DAYS", int, 7,
    _l("Days after joining when a member with a verified email may flag posts, whatever their reputation"),
    minimum=0, maximum=3650, label=_l("Days before a member may flag"))

MODELS = {"question": Question, "answer": Answer, "comment": Comment}
# Suggested suspension lengths in days: the first offence, the second, the third, then any later one.
SUSPENSION_STEPS = (1, 3, 7, 30)
MAX_SUSPENSION_DAYS = 3650
FLAG_TEXT_MAX = 500
NOTE_MAX = 500
FULL_WEIGHT = 100

# What each queue decision does: the review status it leaves, the flags' status, and the post's fate.
DECISIONS = {
    "agree-hide": ("agreed", "agreed", "hide"),
    "agree-delete": ("agreed", "agreed", "delete"),
    "disagree": ("disagreed", "disagreed", "restore"),
    "ignore": ("ignored", "ignored", None),
    "approve": ("approved", "disagreed", "restore"),
    "reject": ("rejected", "agreed", "delete"),
}
HELD_DECISIONS = ("approve", "reject")
FLAG_DECISIONS = ("agree-hide", "agree-delete", "disagree", "ignore")


def post_type_of(post):
    """"question", "answer" or "comment"."""
    return {Question: "question", Answer: "answer", Comment: "comment"}[type(post)]


def thread_id_of(post):
    """The id of the question whose page shows this post."""
    return post.id if isinstance(post, Question) else post.question_id


def get_post(post_type, post_id):
    """The question, answer or comment with this id (deleted and hidden ones too); NotFound otherwise."""
    model = MODELS.get(post_type)
    post = db.session.get(model, post_id) if model is not None else None
    if post is None:
        raise NotFound({"question": _("That question does not exist."), "answer": _("That answer does not exist."),
                        "comment": _("That comment does not exist.")}.get(post_type, _("That post does not exist.")))
    return post


def _clean_note(value, field="reason", required=False, maximum=NOTE_MAX):
    """A moderator's or flagger's short free text: trimmed, bounded, required when asked."""
    note = clean_text(value).strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: _("Give the text as a string.")})
    if required and not note:
        raise ValidationError({field: _("Say why, in a few words.")})
    if len(note) > maximum:
        raise ValidationError({field: ngettext("Keep it under %(num)d character.", "Keep it under %(num)d characters.",
                                               maximum)})
    return note or None


def _require_moderator(actor, now):
    if not permissions.can_moderate(actor, now=now):
        holds.refuse_if_suspended(actor, now=now)
        raise PermissionDenied(_("Only moderators and admins do this."))


def _post_state(post):
    """What the audit log records of a post before and after an action."""
    state = {"hidden": post.hidden_reason, "deleted": post.deleted_at is not None}
    if isinstance(post, Question):
        state["locked"] = post.locked_at is not None
    return state


def _notify(actor, post, action, reason, now, flagged_as=()):
    """Tell other features (notifications) what happened to the post, and the reasons of the flags that led to it."""
    signals.post_moderated.send(actor, post=post, action=action, reason=reason, flagged_as=tuple(flagged_as), now=now)


# Flag accuracy -------------------------------------------------------------------------------


def flag_records(user_ids):
    """{user_id: (agreed, disagreed)} for these flaggers, in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Flag.flagger_id, func.sum(case((Flag.status == "agreed", 1), else_=0)),
               func.sum(case((Flag.status == "disagreed", 1), else_=0)))
        .where(Flag.flagger_id.in_(list(user_ids))).group_by(Flag.flagger_id)
    ).all()
    records = {user_id: (0, 0) for user_id in user_ids}
    records.update({user_id: (int(agreed or 0), int(disagreed or 0)) for user_id, agreed, disagreed in rows})
    return records


def flag_weight(agreed, disagreed):
    """How much a member's next flag counts toward hiding a post, in hundredths of a flag.

    A flag counts fully (100) until three of the member's flags have been decided, and for as
    long as moderators agreed with at least half of them. Below half it counts in proportion,
    twice the agreed share, but never less than a quarter: 40% agreed -> 80, 25% -> 50,
    none -> 25. So a member whose flags are usually disagreed with cannot hide a post alone,
    while their flag still reaches the queue as any other does.
    """
    decided = agreed + disagreed
    if decided < 3 or agreed * 2 >= decided:
        return FULL_WEIGHT
    return max(FULL_WEIGHT // 4, round(2 * FULL_WEIGHT * agreed / decided))


# Flags ----------------------------------------------------------------------------------------


def flag_trust_rule():
    """What a member must have earned to flag, from the settings."""
    return permissions.TrustRule(settings.get(FLAG_MIN_REPUTATION), settings.get(FLAG_MIN_ACCOUNT_DAYS))


def _trusted_flaggers(rule, now):
    """A condition on User: staff, or members who have earned trust at `now` (as `permissions.has_earned_trust`)."""
    # Shown reputation is 1 + points, never below 1: a threshold of 1 is always met.
    reputation_met = (User.reputation_points + 1 >= rule.min_reputation) if rule.min_reputation > 1 else true()
    earned = reputation_met | (User.created_at <= now - timedelta(days=rule.min_account_days))
    return User.role.in_(sorted(STAFF_ROLES)) | (User.email_verified_at.is_not(None) & earned)


def _never_hidden_by_flags(post):
    """Staff posts and accepted answers: their flags wait for a moderator's decision, however many there are.

    An answer or comment is staff's when it was written as official; a question, when its author is staff.
    """
    if getattr(post, "official", False) or (isinstance(post, Question)
                                            and db.session.get(User, post.author_id).is_staff):
        return True
    return isinstance(post, Answer) and db.session.get(Question, post.question_id).accepted_answer_id == post.id


def _pending_item(post_type, post_id):
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == post_type,
                                                      ReviewItem.post_id == post_id,
                                                      ReviewItem.status == "pending"))


def _check_visible_to(user, post):
    """NotFound unless the user can see the post (and its thread) at all."""
    question = post if isinstance(post, Question) else db.session.get(Question, post.question_id)
    for item in {post, question}:
        if not is_shown_to(item, user):
            raise NotFound(_("That post is not available."))


def flag_post(user, post, reason, text=None, *, now):
    """Flag a post (trusted members only); enough spam or abuse flags (or one moderator's) hide it at once.

    Returns the flag. Staff posts and accepted answers are never hidden by flags: they wait in the queue.

    "staff" flags ("needs staff attention") go to the care queue through `signals.post_flagged`
    and never to the moderators' queue.
    """
    if reason not in FLAG_REASONS:
        raise ValidationError({"reason": _("Choose a reason: %(reasons)s.", reasons=", ".join(FLAG_REASONS))})
    text = _clean_note(text, "text", required=reason == "other", maximum=FLAG_TEXT_MAX)
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to flag a post."))
    holds.refuse_if_suspended(user, now=now)
    rule = flag_trust_rule()
    if not permissions.has_earned_trust(user, rule, now=now):
        raise PermissionDenied(permissions.trust_message(rule, user))
    post_type = post_type_of(post)
    begin_write(db.session)
    post = lock_row(type(post), post.id)
    _check_visible_to(user, post)
    if post.author_id == user.id:
        raise PermissionDenied(_("You cannot flag your own post. Edit or delete it instead."))
    _refuse_repeated_or_too_many_flags(user, post_type, post.id,
                                       _("You have already flagged this post. A moderator will look at it."), now=now)
    moderator = permissions.is_moderator(user)
    weight = FULL_WEIGHT if moderator else flag_weight(*flag_records([user.id])[user.id])
    flag = Flag(post_type=post_type, post_id=post.id, question_id=thread_id_of(post), post_author_id=post.author_id,
                flagger_id=user.id, reason=reason, text=text, weight=weight, created_at=now)
    if reason != "staff":
        item = _pending_item(post_type, post.id)
        if item is None:
            item = ReviewItem(post_type=post_type, post_id=post.id, question_id=thread_id_of(post),
                              author_id=post.author_id, kind="flagged", created_at=now)
            db.session.add(item)
        item.flag_count = (item.flag_count or 0) + 1
        flag.review_item = item
    db.session.add(flag)
    try:
        db.session.flush()
    except IntegrityError:  # a second request of the same member won the race
        db.session.rollback()
        raise Conflict(_("You have already flagged this post. A moderator will look at it.")) from None
    if reason in HIDING_REASONS and not post.is_hidden:
        _hide_if_flagged_enough(post, post_type, moderator and user, now)
    signals.post_flagged.send(user, flag=flag, post=post, now=now)
    db.session.commit()
    return flag


def _refuse_repeated_or_too_many_flags(user, post_type, post_id, already_done, *, now):
    """Refuse a second open flag of one member on one post (`already_done` says so), or one past the daily limit."""
    already = db.session.scalar(select(Flag.id).where(Flag.flagger_id == user.id, Flag.post_type == post_type,
                                                      Flag.post_id == post_id, Flag.status == "open"))
    if already is not None:
        raise Conflict(already_done)
    limit = settings.get(FLAG_DAILY_LIMIT)
    today = db.session.scalar(select(func.count()).select_from(Flag)
                              .where(Flag.flagger_id == user.id, Flag.created_at > now - timedelta(days=1)))
    if today >= limit:
        raise holds.PostingLimitReached(ngettext(
            "You can raise %(num)d flag a day. Thank you for helping: try again tomorrow, or tell a moderator "
            "directly.",
            "You can raise %(num)d flags a day. Thank you for helping: try again tomorrow, or tell a moderator "
            "directly.", limit))


# Reasons a private message can be reported for: "staff" flags go to the care queue, which never reads messages.
REPORT_REASONS = {reason: label for reason, label in FLAG_REASONS.items() if reason not in ("staff", "off-topic")}


def report_private_post(user, post_type, post_id, author_id, reason, text=None, *, now):
    """Put a reported private post (a message) in the review queue, inside the caller's write transaction.

    The same flag and review item as `flag_post`, without a thread: the caller has checked the reporter may see it.
    """
    if reason not in REPORT_REASONS:
        raise ValidationError({"reason": _("Choose a reason: %(reasons)s.", reasons=", ".join(REPORT_REASONS))})
    text = _clean_note(text, "text", required=reason == "other", maximum=FLAG_TEXT_MAX)
    holds.refuse_if_suspended(user, now=now)
    if author_id == user.id:
        raise PermissionDenied(_("You cannot report your own message."))
    _refuse_repeated_or_too_many_flags(user, post_type, post_id,
                                       _("You have already reported this message. A moderator will look at it."),
                                       now=now)
    item = _pending_item(post_type, post_id)
    if item is None:
        item = ReviewItem(post_type=post_type, post_id=post_id, question_id=None, author_id=author_id,
                          kind="flagged", created_at=now)
        db.session.add(item)
    item.flag_count = (item.flag_count or 0) + 1
    flag = Flag(post_type=post_type, post_id=post_id, question_id=None, post_author_id=author_id, flagger_id=user.id,
                reason=reason, text=text, review_item=item, created_at=now)
    db.session.add(flag)
    db.session.flush()
    return flag


def has_pending_report(post_type, post_ids):
    """Whether any of these private posts waits in the review queue (what lets a moderator read them)."""
    if not post_ids:
        return False
    return db.session.scalar(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.post_type == post_type, ReviewItem.post_id.in_(list(post_ids)),
        ReviewItem.status == "pending")) > 0


def _hide_if_flagged_enough(post, post_type, moderator, now):
    """Hide the post pending review once the open spam/abuse flags of trusted members weigh as much as the threshold.

    A staff post or an accepted answer is never hidden by flags, a moderator's included: its review item
    waits in the queue, and only a moderator's decision (or Hide) hides it.
    """
    if _never_hidden_by_flags(post):
        return
    threshold = settings.get(FLAG_HIDE_THRESHOLD)
    counting = (Flag.post_type == post_type, Flag.post_id == post.id, Flag.status == "open",
                Flag.reason.in_(HIDING_REASONS))
    # Trust is asked again at `now`: a flag raised before the rule existed, or by a member since demoted, is
    # still reviewed but no longer hides anything.
    weight = db.session.scalar(select(func.coalesce(func.sum(Flag.weight), 0)).join(User, User.id == Flag.flagger_id)
                               .where(*counting, _trusted_flaggers(flag_trust_rule(), now)))
    if not moderator and weight < threshold * FULL_WEIGHT:
        return
    before = _post_state(post)
    _set_hidden(post, "flags", now=now)
    why = (f"flagged by moderator {moderator.username}" if moderator
           else f"spam or abuse flags reached the threshold of {threshold}")
    audit.record(moderator or None, "post.hide", post_type, post.id, why, before=before, after=_post_state(post),
                 now=now)
    # The author hears of the flags' reasons, not the audit's wording (which names the moderator who flagged).
    flagged_as = db.session.scalars(select(Flag.reason).where(*counting)).all()
    _notify(moderator or None, post, "hide", None, now, flagged_as=flagged_as)


# Visibility ------------------------------------------------------------------------------------


def _set_hidden(post, code, *, now):
    """Hide a post (counts follow) and move its thread's version and search entry."""
    if post.hidden_at is None:
        holds.move_counts(post, -1)
        post.hidden_at = now
    post.hidden_reason = code
    mark_changed(thread_id_of(post), searchable=not isinstance(post, Comment))


def _set_visible(post):
    """Show a hidden post again (counts follow)."""
    if post.hidden_at is not None:
        post.hidden_at = post.hidden_reason = None
        holds.move_counts(post, +1)
    mark_changed(thread_id_of(post), searchable=not isinstance(post, Comment))


def _set_deleted(post, actor, *, now):
    """Soft-delete a post: kept in the database, restorable by moderators."""
    if post.deleted_at is not None:
        return
    if post.hidden_at is None:
        holds.move_counts(post, -1)
    if isinstance(post, Answer):
        question = db.session.get(Question, post.question_id)
        if question.accepted_answer_id == post.id:
            set_accepted(question, None, now=now)
    post.deleted_at = now
    if not isinstance(post, Comment):
        post.deleted_by_id = actor.id
    mark_changed(thread_id_of(post), searchable=not isinstance(post, Comment))


def _set_restored(post):
    """Undo a soft delete."""
    if post.deleted_at is None:
        return
    post.deleted_at = None
    if not isinstance(post, Comment):
        post.deleted_by_id = None
    if post.hidden_at is None:
        holds.move_counts(post, +1)
    mark_changed(thread_id_of(post), searchable=not isinstance(post, Comment))


def _announce_approved(post, now):
    """A held post becomes public: tell the features that react to new posts, as if it were just posted."""
    author = db.session.get(User, post.author_id)
    if isinstance(post, Question):
        signals.question_asked.send(author, question=post, now=now)
    elif isinstance(post, Answer):
        badges.after_answer_published(post, now=now)
        signals.answer_posted.send(author, answer=post, question=db.session.get(Question, post.question_id), now=now)
    else:
        answer = db.session.get(Answer, post.answer_id) if post.answer_id else None
        signals.comment_posted.send(author, comment=post, question=db.session.get(Question, post.question_id),
                                    answer=answer, now=now)


# The review queue ------------------------------------------------------------------------------


def decide(moderator, item, action, note=None, *, now):
    """A moderator's decision on a queue item; takes effect at once and is audited. Returns the item."""
    _require_moderator(moderator, now)
    allowed = HELD_DECISIONS if item.kind == "held" else FLAG_DECISIONS
    if action not in allowed:
        raise ValidationError({"action": _("Choose one of: %(choices)s.", choices=", ".join(allowed))})
    note = _clean_note(note)
    begin_write(db.session)
    item = db.session.execute(select(ReviewItem).where(ReviewItem.id == item.id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    if item is None:
        raise NotFound(_("That review item does not exist."))
    if not item.is_pending:
        raise Conflict(_("This item was already decided (%(decision)s).",
                         decision=RESOLUTION_LABELS.get(item.resolution, item.resolution)))
    if item.post_type not in MODELS:  # a reported private message: the decision settles the report only
        _resolve_report(moderator, item, action, note, now)
    else:
        post = lock_row(MODELS[item.post_type], item.post_id)
        _apply_decision(moderator, item, post, action, note, now)
    db.session.commit()
    return item


def _apply_decision(moderator, item, post, action, note, now):
    """Resolve a pending item and its open flags, and do to the post what the decision says."""
    status, flag_status, fate = DECISIONS[action]
    before = _post_state(post)
    was_held = post.hidden_reason in ("held", "phrase")
    if fate == "hide":
        _set_hidden(post, "moderator" if post.hidden_reason is None else post.hidden_reason, now=now)
    elif fate == "delete":
        _set_deleted(post, moderator, now=now)
    elif fate == "restore" and post.hidden_at is not None:
        _set_visible(post)
        if was_held:
            _announce_approved(post, now)
    item.status, item.resolution, item.resolution_note = status, action, note
    item.resolved_at, item.resolved_by_id = now, moderator.id
    db.session.execute(update(Flag).where(Flag.review_item_id == item.id, Flag.status == "open")
                       .values(status=flag_status, resolved_at=now, resolved_by_id=moderator.id))
    audit.record(moderator, f"review.{action}", item.post_type, item.post_id, note,
                 before={**before, "review": "pending", "flags": item.flag_count},
                 after={**_post_state(post), "review": status}, now=now)
    _notify(moderator, post, action, note, now, flagged_as=[flag.reason for flag in item.flags])


def _resolve_report(moderator, item, action, note, now):
    """Resolve a report of a private message and its flags; nothing is done to the message itself."""
    status, flag_status, _ = DECISIONS[action]
    item.status, item.resolution, item.resolution_note = status, action, note
    item.resolved_at, item.resolved_by_id = now, moderator.id
    db.session.execute(update(Flag).where(Flag.review_item_id == item.id, Flag.status == "open")
                       .values(status=flag_status, resolved_at=now, resolved_by_id=moderator.id))
    audit.record(moderator, f"review.{action}", item.post_type, item.post_id, note,
                 before={"review": "pending", "flags": item.flag_count}, after={"review": status}, now=now)


def _decide_pending(moderator, post, action, note, now):
    """When a direct action settles a post that waits in the queue, resolve its item the same way."""
    item = _pending_item(post_type_of(post), post.id)
    if item is None:
        return False
    if item.kind == "held":
        action = {"agree-hide": None, "agree-delete": "reject", "disagree": "approve"}.get(action, action)
        if action is None:
            return False
    _apply_decision(moderator, item, post, action, note, now)
    return True


# Direct actions on posts -----------------------------------------------------------------------


def _moderate_post(moderator, post, note, now):
    """Common start of a direct action: permission, reason, write lock and a fresh row."""
    _require_moderator(moderator, now)
    note = _clean_note(note)
    begin_write(db.session)
    return lock_row(type(post), post.id), note, now


def hide_post(moderator, post, note=None, *, now):
    """Hide a post from everyone but its author and moderators (a pending flag item counts as agreed)."""
    post, note, now = _moderate_post(moderator, post, note, now)
    if post.is_hidden:
        raise Conflict(_("This post is already hidden."))
    if not _decide_pending(moderator, post, "agree-hide", note, now):
        before = _post_state(post)
        _set_hidden(post, "moderator", now=now)
        audit.record(moderator, "post.hide", post_type_of(post), post.id, note, before=before,
                     after=_post_state(post), now=now)
        _notify(moderator, post, "hide", note, now)
    db.session.commit()
    return post


def unhide_post(moderator, post, note=None, *, now):
    """Show a hidden or held post again (its pending flags are dismissed, a held post is approved)."""
    post, note, now = _moderate_post(moderator, post, note, now)
    if not post.is_hidden:
        raise Conflict(_("This post is not hidden."))
    if not _decide_pending(moderator, post, "disagree", note, now):
        before, was_held = _post_state(post), post.hidden_reason in ("held", "phrase")
        _set_visible(post)
        if was_held:
            _announce_approved(post, now)
        audit.record(moderator, "post.unhide", post_type_of(post), post.id, note, before=before,
                     after=_post_state(post), now=now)
        _notify(moderator, post, "unhide", note, now)
    db.session.commit()
    return post


def delete_post(moderator, post, note=None, *, now):
    """Soft-delete any post (nothing is lost: restore brings it back)."""
    post, note, now = _moderate_post(moderator, post, note, now)
    if post.deleted_at is not None:
        raise Conflict(_("This post is already deleted."))
    if not _decide_pending(moderator, post, "agree-delete", note, now):
        before = _post_state(post)
        _set_deleted(post, moderator, now=now)
        audit.record(moderator, "post.delete", post_type_of(post), post.id, note, before=before,
                     after=_post_state(post), now=now)
        _notify(moderator, post, "delete", note, now)
    db.session.commit()
    return post


def restore_post(moderator, post, note=None, *, now):
    """Bring back a soft-deleted post."""
    post, note, now = _moderate_post(moderator, post, note, now)
    if post.deleted_at is None:
        raise Conflict(_("This post is not deleted."))
    before = _post_state(post)
    _set_restored(post)
    audit.record(moderator, "post.restore", post_type_of(post), post.id, note, before=before,
                 after=_post_state(post), now=now)
    _notify(moderator, post, "restore", note, now)
    db.session.commit()
    return post


def lock_thread(moderator, question, note=None, *, now):
    """Lock a thread: it stays readable but takes no new answers or comments."""
    question, note, now = _moderate_post(moderator, question, note, now)
    if question.is_locked:
        raise Conflict(_("This thread is already locked."))
    question.locked_at, question.locked_by_id = now, moderator.id
    mark_changed(question.id, searchable=False)
    audit.record(moderator, "thread.lock", "question", question.id, note, before={"locked": False},
                 after={"locked": True}, now=now)
    _notify(moderator, question, "lock", note, now)
    db.session.commit()
    return question


def unlock_thread(moderator, question, note=None, *, now):
    """Unlock a thread."""
    question, note, now = _moderate_post(moderator, question, note, now)
    if not question.is_locked:
        raise Conflict(_("This thread is not locked."))
    question.locked_at = question.locked_by_id = None
    mark_changed(question.id, searchable=False)
    audit.record(moderator, "thread.unlock", "question", question.id, note, before={"locked": True},
                 after={"locked": False}, now=now)
    _notify(moderator, question, "unlock", note, now)
    db.session.commit()
    return question


def merge_answers(moderator, duplicate, note=None, *, now):
    """Move a closed duplicate's answers (and their comments) to its original; returns the original."""
    duplicate, note, now = _moderate_post(moderator, duplicate, note, now)
    if duplicate.duplicate_of_id is None:
        raise Conflict(_("Close this question as a duplicate of another first: its answers move to the original."))
    original = lock_row(Question, duplicate.duplicate_of_id)
    if original.is_deleted:
        raise Conflict(_("The original question has been deleted."))
    answers = db.session.scalars(select(Answer).where(Answer.question_id == duplicate.id)).all()
    if not answers:
        raise Conflict(_("This question has no answers to merge."))
    if duplicate.accepted_answer_id is not None:
        set_accepted(duplicate, None, now=now)  # acceptance belongs to the asker of each question
    ids = [answer.id for answer in answers]
    visible = sum(1 for a in answers if is_public(a))
    db.session.execute(update(Answer).where(Answer.id.in_(ids)).values(question_id=original.id))
    for model in (Comment, Flag, ReviewItem):
        column = model.answer_id if model is Comment else model.post_id
        query = update(model).where(column.in_(ids))
        if model is not Comment:
            query = query.where(model.post_type == "answer")
        db.session.execute(query.values(question_id=original.id))
    db.session.execute(update(Question).where(Question.id == duplicate.id)
                       .values(answer_count=Question.answer_count - visible))
    db.session.execute(update(Question).where(Question.id == original.id)
                       .values(answer_count=Question.answer_count + visible, last_activity_at=now))
    mark_changed(duplicate.id)
    mark_changed(original.id)
    audit.record(moderator, "thread.merge", "question", duplicate.id, note,
                 before={"question_id": duplicate.id, "answers": ids},
                 after={"question_id": original.id, "answers": ids}, now=now)
    _notify(moderator, duplicate, "merge", note, now)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Question, original.id)


def record_moderator_edit(editor, post, now):
    """Audit and announce an edit a moderator made to someone else's post (called inside the edit's transaction)."""
    if post.author_id == editor.id or not permissions.is_moderator(editor):
        return
    owner = Revision.question_id == post.id if isinstance(post, Question) else Revision.answer_id == post.id
    revision = db.session.scalar(select(Revision).where(owner).order_by(Revision.number.desc()).limit(1))
    reason = revision.reason if revision else None
    audit.record(editor, "post.edit", post_type_of(post), post.id, reason,
                 after={"revision": revision.number if revision else None}, now=now)
    _notify(editor, post, "edit", reason, now)


def _edited(editor, *, now, question=None, answer=None, **extra):
    record_moderator_edit(editor, answer or question, now)


def _closed(moderator, *, question, now, **extra):
    duplicate = question.duplicate_of_id
    why = CLOSE_REASONS.get(question.close_reason, question.close_reason)
    audit.record(moderator, "question.close", "question", question.id,
                 f"{why}: #{duplicate}" if duplicate else why, before={"closed": False},
                 after={"closed": True, "reason": question.close_reason, "duplicate_of": duplicate}, now=now)


def _reopened(moderator, *, question, now, **extra):
    audit.record(moderator, "question.reopen", "question", question.id, None, before={"closed": True},
                 after={"closed": False}, now=now)


def connect_receivers():
    """Audit edits by moderators and closing or reopening, which the question services perform."""
    signals.question_edited.connect(_edited)
    signals.answer_edited.connect(_edited)
    signals.question_closed.connect(_closed)
    signals.question_reopened.connect(_reopened)


# Suspensions -----------------------------------------------------------------------------------


def suggested_days(member):
    """How long the next suspension should be: 1 day, then 3, then a week, then a month."""
    count = db.session.scalar(select(func.count()).select_from(Suspension).where(Suspension.user_id == member.id))
    return SUSPENSION_STEPS[min(count, len(SUSPENSION_STEPS) - 1)]


def suspend(moderator, member, until, reason, *, now):
    """Suspend a member until a moment, with a reason they will see; they can read but not write."""
    _require_moderator(moderator, now)
    reason = _clean_note(reason, required=True)
    if not permissions.can_suspend(moderator, member, now=now):
        raise PermissionDenied(_("You cannot suspend this member (yourself, an admin, or a moderator unless you are "
                                 "an admin)."))
    if until is None or until <= now:
        raise ValidationError({"until": _("Choose an end in the future.")})
    if until > now + timedelta(days=MAX_SUSPENSION_DAYS):
        raise ValidationError({"until": ngettext("A suspension lasts at most %(num)d day.",
                                                 "A suspension lasts at most %(num)d days.", MAX_SUSPENSION_DAYS)})
    begin_write(db.session)
    member = lock_row(User, member.id)
    before = {"suspended_until": member.suspended_until.isoformat() if member.is_suspended(now) else None}
    member.suspended_until, member.suspension_reason = until, reason
    db.session.add(Suspension(user_id=member.id, moderator_id=moderator.id, reason=reason, starts_at=now,
                              ends_at=until))
    audit.record(moderator, "user.suspend", "user", member.id, reason, before=before,
                 after={"suspended_until": until.isoformat()}, now=now)
    db.session.commit()
    return member


def lift_suspension(moderator, member, reason=None, *, now):
    """End a running suspension early."""
    _require_moderator(moderator, now)
    reason = _clean_note(reason)
    if not permissions.can_suspend(moderator, member, now=now):
        raise PermissionDenied(_("You cannot change this member's suspension."))
    begin_write(db.session)
    member = lock_row(User, member.id)
    if not member.is_suspended(now):
        raise Conflict(_("This member is not suspended."))
    before = {"suspended_until": member.suspended_until.isoformat()}
    member.suspended_until = member.suspension_reason = None
    running = db.session.scalars(select(Suspension).where(Suspension.user_id == member.id,
                                                          Suspension.lifted_at.is_(None),
                                                          Suspension.ends_at > now)).all()
    for suspension in running:
        suspension.lifted_at, suspension.lifted_by_id, suspension.lift_reason = now, moderator.id, reason
    audit.record(moderator, "user.unsuspend", "user", member.id, reason, before=before,
                 after={"suspended_until": None}, now=now)
    db.session.commit()
    return member


# Roles -----------------------------------------------------------------------------------------


def change_role(admin, member, role, reason, *, now):
    """An admin changes a member's role, with a reason, audited; admins cannot change their own."""
    if not permissions.is_admin(admin):
        raise PermissionDenied(_("Only admins change roles."))
    holds.refuse_if_suspended(admin, now=now)
    if role not in ROLES:
        raise ValidationError({"role": _("Choose one of: %(choices)s.", choices=", ".join(ROLES))})
    reason = _clean_note(reason, required=True)
    if member.id == admin.id:
        raise PermissionDenied(_("Ask another admin to change your own role."))
    begin_write(db.session)
    member = lock_row(User, member.id)
    if member.role == role:
        db.session.rollback()
        return member
    before = member.role
    member.role = role
    audit.record(admin, "user.role", "user", member.id, reason, before={"role": before}, after={"role": role}, now=now)
    db.session.commit()
    return member
