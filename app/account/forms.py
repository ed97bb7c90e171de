"""Account settings forms. Rules live in app.account.services; these carry CSRF and the fields."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, EqualTo

from app.auth.services import DEFAULT_TOKEN_DAYS, TOKEN_DAYS
from app.notifications.models import EMAIL_MODES


class EmailChangeForm(FlaskForm):
    """Ask to change the address; a link to the new one confirms it."""

    email = EmailField(_l("New email address"), validators=[DataRequired(_l("Enter the new address."))],
                       render_kw={"autocomplete": "email", "maxlength": 254})
    password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))],
                             render_kw={"autocomplete": "current-password"})


class NotificationSettingsForm(FlaskForm):
    """How notification email arrives."""

    email_mode = RadioField(_l("Email me about notifications"),
                            choices=[SelectChoice(mode, label) for mode, label in EMAIL_MODES.items()],
                            validators=[DataRequired(_l("Choose how often."))])


class LanguageForm(FlaskForm):
    """The member's language and time zone; the view offers the choices, the service checks them."""

    locale = SelectField(_l("Language"), choices=[], validate_choice=False)
    time_zone = SelectField(_l("Time zone"), choices=[], validate_choice=False)


class TokenForm(FlaskForm):
    """Create an API token: a name, its scopes (the view offers those the member's role allows) and its lifetime."""

    name = StringField(_l("Token name"), validators=[DataRequired(_l("Give the token a name."))],
                       render_kw={"maxlength": 100, "placeholder": _l("e.g. helpdesk sync")})
    scopes = SelectMultipleField(_l("What it may do"), choices=[], validate_choice=False,
                                 option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False))
    # Not coerced: the service checks the choice and says what is allowed.
    days = SelectField(_l("Expires"),
                       choices=[SelectChoice(str(days), lazy_ngettext("in %(num)d day", "in %(num)d days", days))
                                for days in TOKEN_DAYS],
                       default=str(DEFAULT_TOKEN_DAYS), validate_choice=False)


class DeleteAccountForm(FlaskForm):
    """Delete the account, with the password and the username typed out."""

    password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))],
                             render_kw={"autocomplete": "current-password"})
    confirm = StringField(_l("Type your username to confirm"), validators=[DataRequired(_l("Type your username."))],
                          render_kw={"autocomplete": "off"})


class PasswordResetRequestForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "email", "maxlength": 254})


class PasswordResetForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(_l("Repeat the new password.")),
                                        EqualTo("password", _l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A button that confirms what a link proposes (CSRF only)."""
