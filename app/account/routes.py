"""Account settings pages under /account, and password reset by email."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, logout_user
from wtforms import SelectChoice

from app import i18n
from app.account import bp, services
from app.account.forms import (
    ConfirmForm,
    DeleteAccountForm,
    EmailChangeForm,
    LanguageForm,
    NotificationSettingsForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    TokenForm,
)
from app.auth import scopes as api_scopes
from app.auth import services as accounts
from app.clock import request_now
from app.exceptions import DomainError, NotFound, ValidationError
from app.forms import ActionForm
from app.notifications import services as notification_services
from app.notifications import tag_follows
from app.notifications.models import EMAIL_MODES
from app.ratelimits import email_request_limit, email_target_limit, sign_in_limit
from app.web import page_number, show_errors


def _status(form):
    return 422 if form.errors else 200


@bp.get("/account")
@login_required
def settings():
    """The account overview: each setting and where to change it."""
    return render_template("account/settings.html", action_form=ActionForm(),
                           email_mode=notification_services.email_mode(current_user.id),
                           email_modes=EMAIL_MODES,
                           token_count=len(services.live_tokens(current_user)),
                           languages=i18n.LOCALES, community_time_zone=i18n.community_time_zone())


# Email -----------------------------------------------------------------------------------


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@sign_in_limit  # it checks the password
@email_request_limit
def change_email():
    """Ask for a new address; it changes when the link sent there is opened."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            new_email = services.request_email_change(current_user, form.password.data, form.email.data,
                                                      now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            flash(_("We sent a link to %(new_email)s. Open it to confirm the change; until then your address "
                    "stays %(email)s.", new_email=new_email, email=current_user.email), "success")
            return redirect(url_for("account.settings"))
    return render_template("account/email.html", form=form), _status(form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """Open the link from the new address: a button confirms (mail scanners only follow links)."""
    form = ConfirmForm()
    try:
        user, new_email = services.pending_email_change(token, now=request_now())
        if form.validate_on_submit():
            services.confirm_email_change(token, now=request_now())
            flash(_("Your email address is now %(email)s.", email=new_email), "success")
            return redirect(url_for("account.settings") if current_user.is_authenticated
                            else url_for("auth.sign_in"))
    except DomainError as error:
        return render_template("account/confirm_email.html", error=error.message, form=form), error.status
    return render_template("account/confirm_email.html", form=form, user=user, new_email=new_email)


@bp.route("/account/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token):
    """Open the link sent at sign-up: a button verifies (mail scanners only follow links)."""
    form = ConfirmForm()
    try:
        user = accounts.user_to_verify(token, now=request_now())
        if form.validate_on_submit():
            accounts.verify_email(token, now=request_now())
            flash(_("Thank you: your email address is verified."), "success")
            return redirect(url_for("account.settings") if current_user.is_authenticated
                            else url_for("auth.sign_in"))
    except DomainError as error:
        return render_template("account/verify_email.html", error=error.message, form=form), error.status
    return render_template("account/verify_email.html", form=form, user=user)


@bp.post("/account/email/verification")
@login_required
@email_request_limit
def resend_verification():
    """Send the verification link again to the member's current address."""
    if ActionForm().validate_on_submit():
        try:
            accounts.send_verification_email(current_user, now=request_now())
        except DomainError as error:
            flash(error.message, "info")
        else:
            flash(_("We sent a new verification link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("account.settings"))


# Language and time zone -----------------------------------------------------------------


def _language_form():
    """The language and time zone choices: blank follows the browser, or the community's zone."""
    form = LanguageForm()
    form.locale.choices = [SelectChoice("", _("The language of your browser"))] + [
        SelectChoice(code, name, render_kw={"lang": code}) for code, name in i18n.LOCALES.items()]
    form.time_zone.choices = [SelectChoice("", _("The community's time zone (%(zone)s)",
                                                 zone=i18n.community_time_zone()))] + [
        SelectChoice(zone, zone.replace("_", " ")) for zone in i18n.time_zones()]
    return form


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def language():
    """Choose the language of the pages and the time zone of their dates."""
    form = _language_form()
    if form.validate_on_submit():
        try:
            services.set_language_and_time_zone(current_user, form.locale.data, form.time_zone.data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            refresh_locale()  # the confirmation is already in the language just chosen
            flash(_("Your language and time zone are saved."), "success")
            return redirect(url_for("account.language"))
    elif not form.is_submitted():
        form.locale.data, form.time_zone.data = current_user.locale or "", current_user.time_zone or ""
    return render_template("account/language.html", form=form, now=request_now()), _status(form)


# Notification choices --------------------------------------------------------------------


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Choose how notification email arrives: right away, a daily digest, or never."""
    form = NotificationSettingsForm()
    if form.validate_on_submit():
        try:
            notification_services.set_email_mode(current_user, form.email_mode.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            flash(_("Your notification choices are saved."), "success")
            return redirect(url_for("account.notifications"))
    elif not form.is_submitted():
        form.email_mode.data = notification_services.email_mode(current_user.id)
    return render_template("account/notifications.html", form=form), _status(form)


@bp.get("/account/following")
@login_required
def following():
    """The tags and questions the member follows, each with an Unfollow button."""
    return render_template("account/following.html", action_form=ActionForm(),
                           tags=tag_follows.followed_tags(current_user),
                           pagination=notification_services.followed_questions(current_user, page_number()))


# API tokens ------------------------------------------------------------------------------


def _token_form(**kwargs):
    """The create form, offering the scopes the member's role allows."""
    form = TokenForm(**kwargs)
    form.scopes.choices = [SelectChoice(name, f"{name}: {api_scopes.label(name)}")
                           for name in api_scopes.allowed(current_user)]
    return form


def _tokens_page(form, new_token=None, status=200):
    now = request_now()
    tokens = services.live_tokens(current_user)
    return render_template("account/tokens.html", form=form, new_token=new_token, action_form=ActionForm(),
                           tokens=tokens, states={token.id: services.token_state(token, now=now) for token in tokens},
                           revoked=services.revoked_tokens(current_user)), status


@bp.get("/account/tokens")
@login_required
def tokens():
    """The member's API tokens with their scopes and expiry, and a form to create one."""
    return _tokens_page(_token_form())


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create a token and show it this once (never again, never in a cookie)."""
    form = _token_form()
    if form.validate_on_submit():
        try:
            token = services.create_token(current_user, form.name.data, form.scopes.data, form.days.data,
                                          now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        except DomainError as error:
            flash(error.message, "error")
            return _tokens_page(form, status=error.status)
        else:
            return _tokens_page(_token_form(formdata=None), new_token=token, status=201)
    return _tokens_page(form, status=_status(form))


@bp.post("/account/tokens/end-all")
@login_required
def end_sessions_and_tokens():
    """Sign out everywhere and revoke every token: for a lost device or a leaked token."""
    if ActionForm().validate_on_submit():
        revoked = services.end_sessions_and_tokens(current_user, now=request_now())
        logout_user()
        flash(ngettext("Every device is signed out and %(num)d token is revoked. Sign in again to continue.",
                       "Every device is signed out and %(num)d tokens are revoked. Sign in again to continue.",
                       revoked), "info")
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("account.tokens"))


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke a token: programs using it get 401 from now on."""
    if ActionForm().validate_on_submit():
        try:
            services.revoke_token(current_user, token_id, now=request_now())
        except NotFound:
            raise NotFound(_("That token does not exist.")) from None
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("account.tokens"))
        flash(_("The token is revoked."), "success")
    return redirect(url_for("account.tokens"))


# Deleting the account --------------------------------------------------------------------


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@sign_in_limit  # it checks the password
def delete():
    """Delete the account: posts stay, shown as from a deleted member."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data, form.confirm.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        except DomainError as error:
            flash(error.message, "error")
            return render_template("account/delete.html", form=form), error.status
        else:
            logout_user()
            flash(_("Your account is deleted. Your posts stay, without your name. Thank you for your help."), "info")
            return redirect(url_for("questions.index"))
    return render_template("account/delete.html", form=form), _status(form)


# Password reset --------------------------------------------------------------------------


@bp.route("/password-reset", methods=["GET", "POST"])
@email_request_limit
@email_target_limit
def request_password_reset():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, now=request_now())
        flash(_("If an account uses that address, we sent it a link to choose a new password. "
                "The link works once, within an hour."), "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("account/password_reset_request.html", form=form), _status(form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@sign_in_limit
def reset_password(token):
    """Choose a new password from the emailed link (once, within the hour)."""
    form = PasswordResetForm()
    try:
        services.user_for_reset(token, now=request_now())
    except ValidationError as error:
        return render_template("account/password_reset.html", form=None, error=error.message), 400
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, now=request_now())
        except ValidationError as error:
            if "token" in error.errors:
                return render_template("account/password_reset.html", form=None,
                                       error=error.errors["token"]), 400
            show_errors(form, error)
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password is changed and every device was signed out. Sign in with the new one."),
                  "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("account/password_reset.html", form=form), _status(form)
