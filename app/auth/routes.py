"""Register, sign in, sign out and change password."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, services
from app.auth.forms import ChangePasswordForm, RegisterForm, SignInForm, SignOutForm
from app.clock import request_now
from app.exceptions import ValidationError
from app.ratelimits import count_sign_up, sign_in_limit, sign_up_limit
from app.security import safe_next
from app.urls import member_url
from app.web import show_errors


@bp.route("/register", methods=["GET", "POST"])
@sign_up_limit
def register():
    """Create an account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("questions.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(form.username.data, form.email.data, form.password.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            count_sign_up()
            login_user(user)
            flash(_("Welcome to the community, %(username)s! We sent a link to %(email)s: open it to verify "
                    "your address, so you can flag posts and share links.", username=user.username, email=user.email),
                  "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_limit
def sign_in():
    """Sign in, then go back where the member came from (on this site only)."""
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data))
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data))
        form.password.errors = [_("That username or email and password do not match an account.")]
    return render_template("auth/sign_in.html", form=form), 422 if form.errors else 200


@bp.post("/sign-out")
def sign_out():
    """Sign out everywhere: every session and remember-me cookie of this member ends."""
    if current_user.is_authenticated and SignOutForm().validate_on_submit():
        services.end_all_sessions(current_user)
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("questions.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@sign_in_limit
def change_password():
    """Change the password; other devices are signed out, this one stays signed in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(member_url(current_user))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200
