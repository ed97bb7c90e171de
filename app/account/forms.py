"""Account settings forms. Rules live in app.account.services; these carry CSRF and the fields."""
from flask_babel import lazy_gettext as _l
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

    email = EmailField("New email address", validators=[DataRequired("Enter the new address.")],
                       render_kw={"autocomplete": "email", "maxlength": 254})
    password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")],
                             render_kw={"autocomplete": "current-password"})


class NotificationSettingsForm(FlaskForm):
    """How notification email arrives."""

    email_mode = RadioField("Email me about notifications",
                            choices=[SelectChoice(mode, label) for mode, label in EMAIL_MODES.items()],
                            validators=[DataRequired("Choose how often.")])


class LanguageForm(FlaskForm):
    """The member's language and time zone; the view offers the choices, the service checks them."""

    locale = SelectField(_l("Language"), choices=[], validate_choice=False)
    time_zone = SelectField(_l("Time zone"), choices=[], validate_choice=False)


class TokenForm(FlaskForm):
    """Create an API token: a name, its scopes (the view offers those the member's role allows) and its lifetime."""

    name = StringField("Token name", validators=[DataRequired("Give the token a name.")],
                       render_kw={"maxlength": 100, "placeholder": "e.g. helpdesk sync"})
    scopes = SelectMultipleField("What it may do", choices=[], validate_choice=False,
                                 option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False))
    # Not coerced: the service checks the choice and says what is allowed.
    days = SelectField("Expires", choices=[SelectChoice(str(days), f"in {days} days") for days in TOKEN_DAYS],
                       default=str(DEFAULT_TOKEN_DAYS), validate_choice=False)


class DeleteAccountForm(FlaskForm):
    """Delete the account, with the password and the username typed out."""

    password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")],
                             render_kw={"autocomplete": "current-password"})
    confirm = StringField("Type your username to confirm", validators=[DataRequired("Type your username.")],
                          render_kw={"autocomplete": "off"})


class PasswordResetRequestForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")],
                       render_kw={"autocomplete": "email", "maxlength": 254})


class PasswordResetForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField("New password", validators=[DataRequired("Choose a new password.")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired("Repeat the new password."),
                                        EqualTo("password", "The two passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A button that confirms what a link proposes (CSRF only)."""
