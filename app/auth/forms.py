"""Account forms. Rules live in app.auth.services; these carry CSRF and the fields."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo


class RegisterForm(FlaskForm):
    """Create an account."""

    username = StringField("Username", validators=[DataRequired("Choose a username.")],
                           render_kw={"autocomplete": "username", "maxlength": 30})
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")],
                       render_kw={"autocomplete": "email", "maxlength": 254})
    password = PasswordField("Password", validators=[DataRequired("Choose a password.")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat password",
                            validators=[DataRequired("Repeat the password."),
                                        EqualTo("password", "The two passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class SignInForm(FlaskForm):
    """Sign in with username or email."""

    login = StringField("Username or email", validators=[DataRequired("Enter your username or email.")],
                        render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    """Change the password; signs out every other device."""

    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password", validators=[DataRequired("Choose a new password.")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired("Repeat the new password."),
                                        EqualTo("password", "The two passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class SignOutForm(FlaskForm):
    """Sign out (POST, so no other site can sign a member out)."""
