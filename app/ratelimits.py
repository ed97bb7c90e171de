"""Rate limits for sign-in, sign-up, posting, messages, ask-form reports and public buttons, from RATELIMIT_* config."""
from datetime import UTC

from babel.lists import format_list
from flask import current_app, g, request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

from app.clock import request_now
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
                              error_message=lambda: _("Too many sign-in attempts. Wait a minute and try again."))


def count_sign_up():
    """Mark this request as one that created an account: only those count towards the sign-up limit."""
    g.account_created = True


def _created_an_account(response):
    """Whether this request created an account (the view says so through count_sign_up)."""
    return g.get("account_created", False)


def _sign_up_refused():
    """The refusal, with when the breached limit lifts (the same moment as the Retry-After header).

    The wait as a person says it, "in 42 minutes", "in 3 hours": whole sentences, counted in the reader's language.
    """
    breached = limiter.current_limit  # set before the refusal is raised: the limit this request breached
    if not breached:
        return _("Too many accounts were created from this address. You can create another account later.")
    seconds_left = breached.reset_at - request_now().replace(tzinfo=UTC).timestamp()
    minutes = max(1, round(seconds_left / 60))
    if minutes < 120:
        return ngettext("Too many accounts were created from this address. You can create another account in "
                        "%(num)d minute.",
                        "Too many accounts were created from this address. You can create another account in "
                        "%(num)d minutes.", minutes)
    hours = round(minutes / 60)
    return ngettext("Too many accounts were created from this address. You can create another account in "
                    "%(num)d hour.",
                    "Too many accounts were created from this address. You can create another account in "
                    "%(num)d hours.", hours)


# Only accounts actually created count: form mistakes must not lock a newcomer out.
sign_up_limit = limiter.limit(_setting("RATELIMIT_SIGN_UP"), methods=["POST"], deduct_when=_created_an_account,
                              error_message=_sign_up_refused)
# One bucket for questions, answers and comments together, across the web and the API.
posting_limit = limiter.shared_limit(_setting("RATELIMIT_POSTING"), scope="posting", key_func=member_or_address,
                                     methods=["POST"],
                                     error_message=lambda: _(
                                         "You are posting very fast. Take a breath and try again shortly."))


def _setting_or(name, default):
    return lambda: current_app.config.get(name, default)


# Private messages have their own bucket, per member: a flood of them reaches one person's inbox.
messaging_limit = limiter.shared_limit(_setting("RATELIMIT_MESSAGES"),
                                       scope="messages", key_func=member_or_address, methods=["POST"],
                                       error_message=lambda: _(
                                         "You are sending messages very fast. Wait a little and try again."))


def _requested_address():
    """The email address a reset or change is asked for, so one inbox cannot be flooded from many addresses."""
    return "mail:" + ApiToken.digest((request.form.get("email") or "").strip().lower())[:32]


# Emails sent on request (password reset, email change): per client address and per target address.
email_request_limit = limiter.limit(_setting_or("RATELIMIT_EMAIL_REQUESTS", "5 per minute; 20 per hour"),
                                    methods=["POST"], error_message=lambda: _("Too many requests. Try again later."))
email_target_limit = limiter.limit(_setting_or("RATELIMIT_EMAIL_TARGET", "3 per hour"), methods=["POST"],
                                   key_func=_requested_address,
                                   error_message=lambda: _(
                                         "Too many emails were requested for that address. Try again later."))

# Reports of suggestions opened on the ask form feed the deflection figure: one person must not be able to pad it.
suggestion_opened_limit = limiter.limit(_setting("RATELIMIT_SUGGEST_OPENED"), key_func=member_or_address,
                                        methods=["POST"], error_message=lambda: _("Too many reports. Try again later."))

# Images, across the upload page and the API: each one costs a decode and a re-encode. The daily quota
# (UPLOADS_PER_DAY, counted in the uploads table) holds across restarts and workers whatever the storage.
upload_limit = limiter.shared_limit(_setting_or("RATELIMIT_UPLOADS", "10 per minute; 60 per hour"), scope="uploads",
                                    key_func=member_or_address, methods=["POST"],
                                    error_message=lambda: _("You are uploading images very fast. Try again shortly."))

# The public buttons ("I have this problem too", "Did this answer help you?") feed staff figures and the care
# queue. Every press costs a little against the address's press budget; only presses that add a count cost
# against the count budgets, per question or answer and across them all. A loop that fetches a fresh visitor
# cookie for every press still comes from one address. The budgets hold across processes only when
# RATELIMIT_STORAGE_URI is shared (Redis); memory storage gives each process its own.
COUNTED_PER_POST_DEFAULT = "5 per day"
COUNTED_ACROSS_POSTS_DEFAULT = "30 per hour"


def count_visitor_press():
    """Mark this request as one that added a count: only those cost against the count budgets."""
    g.visitor_counted = True


def _added_a_count(response):
    return g.get("visitor_counted", False)


def _address_and_post():
    """The client address and the question or answer pressed on (the route's only argument)."""
    return f"{get_remote_address()}:{','.join(str(value) for value in (request.view_args or {}).values())}"


def _counts_refused():
    return _("This address has added as many counts as we take from one place for now. "
             "The ones already made are kept; thank you.")


visitor_press_limit = limiter.shared_limit(_setting_or("RATELIMIT_VISITOR_PRESSES", "30 per minute"),
                                           scope="visitor-presses", methods=["POST"],
                                           error_message=lambda: _("Too many presses. Wait a minute and try again."))
counted_per_post_limit = limiter.limit(_setting_or("RATELIMIT_COUNTED_PER_POST", COUNTED_PER_POST_DEFAULT),
                                       key_func=_address_and_post, methods=["POST"], deduct_when=_added_a_count,
                                       error_message=_counts_refused)
counted_across_posts_limit = limiter.shared_limit(
    _setting_or("RATELIMIT_COUNTED_ACROSS_POSTS", COUNTED_ACROSS_POSTS_DEFAULT), scope="visitor-counts",
    methods=["POST"], deduct_when=_added_a_count, error_message=_counts_refused)


def _in_words_per(item):
    """One limit as staff read it: "5 a day", "30 an hour", "10 per 2 minutes"."""
    unit, amount, multiples = item.GRANULARITY.name, item.amount, item.multiples
    if multiples == 1:
        once = {"second": lambda: _("%(amount)d a second", amount=amount),
                "minute": lambda: _("%(amount)d a minute", amount=amount),
                "hour": lambda: _("%(amount)d an hour", amount=amount),
                "day": lambda: _("%(amount)d a day", amount=amount),
                "month": lambda: _("%(amount)d a month", amount=amount),
                "year": lambda: _("%(amount)d a year", amount=amount)}
        return once[unit]()
    several = {"second": lambda: ngettext("%(amount)d per %(num)d second", "%(amount)d per %(num)d seconds",
                                          multiples, amount=amount),
               "minute": lambda: ngettext("%(amount)d per %(num)d minute", "%(amount)d per %(num)d minutes",
                                          multiples, amount=amount),
               "hour": lambda: ngettext("%(amount)d per %(num)d hour", "%(amount)d per %(num)d hours",
                                        multiples, amount=amount),
               "day": lambda: ngettext("%(amount)d per %(num)d day", "%(amount)d per %(num)d days",
                                       multiples, amount=amount),
               "month": lambda: ngettext("%(amount)d per %(num)d month", "%(amount)d per %(num)d months",
                                         multiples, amount=amount),
               "year": lambda: ngettext("%(amount)d per %(num)d year", "%(amount)d per %(num)d years",
                                        multiples, amount=amount)}
    return several[unit]()


def _all_of(items):
    """Limits joined as the reader's language lists things: "5 a minute and 20 an hour"."""
    words = [_in_words_per(item) for item in items]
    return format_list(words, locale=str(get_locale() or "en")) if words else ""


def counted_limits_in_words():
    """The count budgets as staff read them beside the figures: "at most 5 a day per question or answer, and ..."."""
    per_post = parse_many(current_app.config.get("RATELIMIT_COUNTED_PER_POST", COUNTED_PER_POST_DEFAULT))
    across = parse_many(current_app.config.get("RATELIMIT_COUNTED_ACROSS_POSTS", COUNTED_ACROSS_POSTS_DEFAULT))
    return _("at most %(per_post)s per question or answer, and %(across)s in all, from one address",
             per_post=_all_of(per_post), across=_all_of(across))
