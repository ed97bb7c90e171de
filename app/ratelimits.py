"""Rate limits for sign-in, sign-up and posting, set from config (RATELIMIT_* settings)."""
from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import limiter
from app.models import ApiToken


def member_or_address():
    """Limit members by account or API token (one person, many addresses), visitors by address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        # The token's digest, not the user: limits are checked before the view looks the token up.
        return "token:" + ApiToken.digest(token.strip())[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _setting(name):
    return lambda: current_app.config[name]


sign_in_limit = limiter.limit(_setting("RATELIMIT_SIGN_IN"), methods=["POST"],
                              error_message="Too many sign-in attempts. Wait a minute and try again.")
sign_up_limit = limiter.limit(_setting("RATELIMIT_SIGN_UP"), methods=["POST"],
                              error_message="Too many accounts created from this address. Try again later.")
# One bucket for questions, answers and comments together, across the web and the API.
posting_limit = limiter.shared_limit(_setting("RATELIMIT_POSTING"), scope="posting", key_func=member_or_address,
                                     methods=["POST"],
                                     error_message="You are posting very fast. Take a breath and try again shortly.")


def _setting_or(name, default):
    return lambda: current_app.config.get(name, default)


def _requested_address():
    """The email address a reset or change is asked for, so one inbox cannot be flooded from many addresses."""
    return "mail:" + ApiToken.digest((request.form.get("email") or "").strip().lower())[:32]


# Emails sent on request (password reset, email change): per client address and per target address.
email_request_limit = limiter.limit(_setting_or("RATELIMIT_EMAIL_REQUESTS", "5 per minute; 20 per hour"),
                                    methods=["POST"], error_message="Too many requests. Try again later.")
email_target_limit = limiter.limit(_setting_or("RATELIMIT_EMAIL_TARGET", "3 per hour"), methods=["POST"],
                                   key_func=_requested_address,
                                   error_message="Too many emails were requested for that address. Try again later.")
