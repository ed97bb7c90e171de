"""Account forms. Rules live in app.auth.services; these carry CSRF and the fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo


class RegisterForm(FlaskForm):
    """Create an account."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Choose a username."))],
                           render_kw={"autocomplete": "username", "maxlength": 30})
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address."))],
                       render_kw={"autocomplete": "email", "maxlength": 254})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(_l("Repeat the password.")),
                                        EqualTo("password", _l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class SignInForm(FlaskForm):
    """Sign in with username or email."""

    login = StringField(_l("Username or email"), validators=[DataRequired(_l("Enter your username or email."))],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    """Change the password; signs out every other device."""

    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(_l("Repeat the new password.")),
                                        EqualTo("password", _l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class SignOutForm(FlaskForm):
    """Sign out (POST, so no other site can sign a member out)."""
