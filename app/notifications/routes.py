"""The notifications page, following questions and tags, and one-click unsubscribe."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import permissions
from app.clock import request_now
from app.exceptions import DomainError, NotFound, ValidationError
from app.extensions import csrf, db
from app.forms import ActionForm
from app.models import Question
from app.notifications import bp, services, tag_follows
from app.notifications.models import CARE_STAFF_KINDS
from app.security import safe_next
from app.urls import question_url
from app.web import page_number


@bp.get("/notifications")
@login_required
def index():
    """The member's notifications, newest first; unread ones stand out."""
    pagination = services.page_for(current_user, page_number())
    return render_template("notifications/index.html", pagination=pagination, action_form=ActionForm(),
                           unread=services.unread_count(current_user))


@bp.get("/notifications/<id:notification_id>")
@login_required
def open_notification(notification_id):
    """Mark the notification read and go to the post it is about."""
    try:
        notification = services.open_notification(current_user, notification_id, now=request_now())
    except DomainError:
        raise NotFound(_("That notification does not exist.")) from None
    if notification.conversation_id is not None:
        return redirect(url_for("messages.conversation", conversation_id=notification.conversation_id))
    if notification.kind in CARE_STAFF_KINDS and notification.question_id is not None:
        return redirect(url_for("care.item_of_question", question_id=notification.question_id))
    question = notification.question
    gone = question is not None and (question.is_deleted or getattr(question, "is_hidden", False))
    if question is None or (gone and question.author_id != current_user.id and not permissions.is_moderator(
            current_user)):
        flash(_("That post is no longer there."), "info")
        return redirect(url_for("notifications.index"))
    anchor = (f"comment-{notification.comment_id}" if notification.comment_id
              else f"answer-{notification.answer_id}" if notification.answer_id else None)
    return redirect(question_url(question, _anchor=anchor))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    """Mark every notification read."""
    if ActionForm().validate_on_submit():
        changed = services.mark_read(current_user, now=request_now())
        flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", changed),
              "success")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/<id:notification_id>/read")
@login_required
def mark_read(notification_id):
    """Mark one notification read."""
    if ActionForm().validate_on_submit():
        try:
            services.mark_read(current_user, notification_id, now=request_now())
        except DomainError:
            raise NotFound(_("That notification does not exist.")) from None
    return redirect(url_for("notifications.index"))


def _follow_action(question_id, follow):
    if not ActionForm().validate_on_submit():
        abort(400)
    # A DomainError (no such question, not allowed) reaches the error handler: its status and message.
    if follow:
        question = services.follow(current_user, question_id, now=request_now())
        flash(_("You follow this question: new answers and staff replies will notify you."), "success")
    else:
        services.unfollow(current_user, question_id)
        question = db.session.get(Question, question_id)
        flash(_("You no longer follow this question."), "info")
    back = request.form.get("next")
    if back:
        return redirect(safe_next(back))
    if question is None or question.is_deleted:
        return redirect(url_for("notifications.index"))
    return redirect(question_url(question))


@bp.post("/questions/<id:question_id>/follow")
@login_required
def follow(question_id):
    """Follow a question."""
    return _follow_action(question_id, True)


@bp.post("/questions/<id:question_id>/unfollow")
@login_required
def unfollow(question_id):
    """Stop following a question."""
    return _follow_action(question_id, False)


def _tag_follow_action(name, follow):
    if not ActionForm().validate_on_submit():
        abort(400)
    # An unknown tag is a NotFound from the service, which the error handler shows as a 404 page.
    if follow:
        tag = tag_follows.follow_tag(current_user, name, now=request_now())
        flash(_("You follow %(tag)s: new questions in it will notify you.", tag=tag.name), "success")
    else:
        tag = tag_follows.unfollow_tag(current_user, name)
        flash(_("You no longer follow %(tag)s.", tag=tag.name), "info")
    back = request.form.get("next")
    return redirect(safe_next(back) if back else url_for("questions.tagged", name=tag.name))


@bp.post("/tags/<name>/follow")
@login_required
def follow_tag(name):
    """Follow a tag."""
    return _tag_follow_action(name, True)


@bp.post("/tags/<name>/unfollow")
@login_required
def unfollow_tag(name):
    """Stop following a tag."""
    return _tag_follow_action(name, False)


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients post RFC 8058 one-click requests without a form
def unsubscribe(token):
    """One click, no sign-in: stop notification email. GET shows the button (link scanners only GET)."""
    try:
        if request.method == "GET":
            services.unsubscribe_target(token, now=request_now())
            return render_template("notifications/unsubscribe.html", token=token, done=False)
        user = services.unsubscribe(token, now=request_now())
    except ValidationError as error:
        return render_template("notifications/unsubscribe.html", token=None, done=False,
                               error=error.message), 400
    except DomainError as error:
        return render_template("notifications/unsubscribe.html", token=None, done=False,
                               error=error.message), error.status
    return render_template("notifications/unsubscribe.html", token=None, done=True, user=user)
