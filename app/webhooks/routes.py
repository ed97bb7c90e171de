"""Admin pages: register webhooks, see their deliveries and send one again, send a test event, delete them."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, widgets

from app import permissions
from app.clock import request_now
from app.exceptions import Conflict, ValidationError
from app.forms import ActionForm
from app.web import show_errors
from app.webhooks import bp, services, transport
from app.webhooks.models import EVENTS


class WebhookForm(FlaskForm):
    """A new webhook: where to, for which events."""

    url = StringField(_l("Payload URL"), render_kw={"maxlength": services.URL_MAX, "placeholder": "https://",
                                                "inputmode": "url", "autocomplete": "off"})
    description = StringField(_l("Description (optional)"), render_kw={"maxlength": services.DESCRIPTION_MAX})
    events = SelectMultipleField(_l("Events"), choices=[SelectChoice(name, label) for name, label in EVENTS.items()],
                                 validate_choice=False, option_widget=widgets.CheckboxInput(),
                                 widget=widgets.ListWidget(prefix_label=False))


@bp.before_request
@login_required
def admins_only():
    """Every page here is for admins: visitors sign in first, everyone else gets a 403."""
    if not permissions.is_admin(current_user):
        abort(403)


@bp.route("/admin/webhooks", methods=["GET", "POST"])
def index():
    """The list of webhooks with their latest delivery, and the form to add one."""
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            hook = services.create(current_user, form.url.data, form.events.data, form.description.data,
                                   now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            flash(_("The webhook is registered. Use its secret to verify signatures."), "success")
            return redirect(url_for("webhooks.show", hook_id=hook.id))
    return render_template("webhooks/index.html", form=form, hooks=services.listing(), events=EVENTS,
                           state=services.delivery_state), 422 if form.errors else 200


@bp.get("/admin/webhooks/<id:hook_id>")
def show(hook_id):
    """One webhook: its secret, events and recent deliveries with status and attempts."""
    hook = services.get_or_404(hook_id)
    return render_template("webhooks/show.html", hook=hook, standard_secret=transport.standard_secret(hook.secret),
                           deliveries=services.deliveries(hook), events=EVENTS,
                           action_form=ActionForm(), state=services.delivery_state)


@bp.post("/admin/webhooks/<id:hook_id>/test")
def send_test(hook_id):
    """Queue a ping delivery; it goes out with the next outbox run."""
    hook = services.get_or_404(hook_id)
    if ActionForm().validate_on_submit():
        services.send_test(current_user, hook, now=request_now())
        flash(_("A test event is queued; its status shows below once it is sent."), "success")
    return redirect(url_for("webhooks.show", hook_id=hook.id))


@bp.post("/admin/webhooks/<id:hook_id>/deliveries/<id:message_id>/redeliver")
def redeliver(hook_id, message_id):
    """Queue a delivery again (same id, same signed body); its outcome shows in the list."""
    hook = services.get_or_404(hook_id)
    if ActionForm().validate_on_submit():
        try:
            message = services.redeliver(current_user, hook, message_id, now=request_now())
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("Delivery %(id)s is queued again; its status shows below once it is sent.",
                    id=message.payload["delivery_id"]), "success")
    return redirect(url_for("webhooks.show", hook_id=hook.id))


@bp.post("/admin/webhooks/<id:hook_id>/delete")
def delete(hook_id):
    """Delete a webhook: nothing more is sent to it."""
    hook = services.get_or_404(hook_id)
    if ActionForm().validate_on_submit():
        services.delete(current_user, hook, now=request_now())
        flash(_("The webhook is deleted."), "success")
    return redirect(url_for("webhooks.index"))
