"""The inbox, a conversation page with its reply form, sending from a profile, blocking and reporting."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.clock import request_now
from app.exceptions import ValidationError
from app.forms import ActionForm
from app.messages import bp, services
from app.moderation.services import REPORT_REASONS
from app.ratelimits import messaging_limit
from app.users.queries import get_user_or_404
from app.web import show_errors


class MessageForm(FlaskForm):
    """A message: Markdown, like a post."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=services.MESSAGE_MAX)])


class ReportForm(FlaskForm):
    """Why a message is reported, for the moderators."""

    reason = SelectField(_l("Reason"), choices=[SelectChoice(key, label) for key, label in REPORT_REASONS.items()])
    text = StringField(_l("Details (needed for “Something else”)"), validators=[Length(max=500)])


@bp.get("/messages")
@login_required
def inbox():
    """The member's conversations, newest activity first, with their unread counts."""
    return render_template("messages/inbox.html", conversations=services.inbox(current_user))


def _render_conversation(conversation, form, status=200, reviewing=False, reported=None):
    other = conversation.other(current_user) if not reviewing else None
    state = services.messaging_state(current_user, other, now=request_now()) if other is not None else "cannot"
    return render_template("messages/conversation.html", conversation=conversation, other=other, form=form,
                           messages=services.messages_of(conversation), state=state, reviewing=reviewing,
                           reported=reported, action_form=ActionForm(), report_form=ReportForm(),
                           cannot_message=services.CANNOT_MESSAGE), status


@bp.get("/messages/<id:conversation_id>")
@login_required
def conversation(conversation_id):
    """One conversation, marked read; its reply form unless a block made it read-only."""
    conversation = services.get_conversation(current_user, conversation_id)
    services.mark_read(current_user, conversation, now=request_now())
    return _render_conversation(conversation, MessageForm())


@bp.post("/messages/<id:conversation_id>")
@login_required
@messaging_limit
def reply(conversation_id):
    """Reply in a conversation."""
    conversation = services.get_conversation(current_user, conversation_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.reply(current_user, conversation.id, form.body.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect(url_for("messages.conversation", conversation_id=conversation.id, _anchor="latest"))
    return _render_conversation(conversation, form, 422)


@bp.route("/users/<id:user_id>/message", methods=["GET", "POST"])
@login_required
@messaging_limit
def new(user_id):
    """Send a member a message: their conversation if there is one, else a new one."""
    recipient = get_user_or_404(user_id)
    existing = services.conversation_between(current_user.id, recipient.id)
    form = MessageForm()
    if existing is not None and not form.is_submitted():
        return redirect(url_for("messages.conversation", conversation_id=existing.id))
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message = services.send_message(current_user, recipient.id, form.body.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect(url_for("messages.conversation", conversation_id=message.conversation_id,
                                    _anchor="latest"))
    state = services.messaging_state(current_user, recipient, now=request_now())
    page = render_template("messages/new.html", recipient=recipient, form=form, state=state,
                           cannot_message=services.CANNOT_MESSAGE, unverified=services.UNVERIFIED)
    return page, 422 if form.errors else 200


@bp.post("/users/<id:user_id>/block")
@login_required
def block(user_id):
    """Block a member."""
    if ActionForm().validate_on_submit():
        other = services.block(current_user, user_id, now=request_now())
        flash(_("You blocked %(name)s. Neither of you can message the other.", name=other.username), "success")
    return redirect(url_for("messages.inbox"))


@bp.post("/users/<id:user_id>/unblock")
@login_required
def unblock(user_id):
    """Lift a block."""
    if ActionForm().validate_on_submit():
        services.unblock(current_user, user_id)
        flash(_("The block is lifted."), "success")
    return redirect(url_for("messages.inbox"))


@bp.post("/messages/report/<id:message_id>")
@login_required
def report(message_id):
    """Report a message to the moderators."""
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400)
    message = services.report_message(current_user, message_id, form.reason.data, form.text.data or None,
                                      now=request_now())
    flash(_("Thank you. A moderator will read this conversation."), "success")
    return redirect(url_for("messages.conversation", conversation_id=message.conversation_id))


@bp.get("/moderation/reported-messages/<id:item_id>")
@login_required
def reported(item_id):
    """A moderator reads the conversation of a reported message, while the report waits."""
    conversation, message = services.reported_conversation(current_user, item_id, now=request_now())
    return _render_conversation(conversation, None, reviewing=True, reported=message)
