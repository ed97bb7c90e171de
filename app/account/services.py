"""Account settings: email change, API tokens, deleting the account, password reset by email."""
from functools import partial

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select, update

from app import email_tokens, i18n, mail
from app.auth import services as accounts
from app.database import begin_write
from app.exceptions import Conflict, ValidationError
from app.extensions import db
from app.models import ApiToken, User
from app.notifications import tag_follows
from app.notifications.models import EmailPreference, Follow, Notification
from app.urls import site_url_for
from app.validation import clean_all, clean_text

RESET_MAX_AGE_SECONDS = 3600
EMAIL_CHANGE_MAX_AGE_SECONDS = 24 * 3600
TOKEN_NAME_MAX = 100
MAX_LIVE_TOKENS = 20
DELETED_PREFIX = "deleted-user-"
DELETED_EMAIL_DOMAIN = "deleted.invalid"  # RFC 2606: can never receive mail


def is_deleted(user):
    """Whether this account was deleted (its posts stay, anonymised)."""
    return user.email.endswith("@" + DELETED_EMAIL_DOMAIN)


def _check_password(user, password, field="password"):
    if not user.check_password(password or ""):
        raise ValidationError({field: _("That is not your current password.")})


# Email change --------------------------------------------------------------------------


def request_email_change(user, password, new_email, *, now):
    """Send a confirmation link to the new address; the address changes only when it is opened."""
    new_email = accounts.clean_email(new_email)
    _check_password(user, password)
    if new_email == user.email:
        raise ValidationError({"email": _("That is already your email address.")})
    begin_write(db.session)
    if db.session.scalar(select(User.id).where(User.email == new_email)):
        db.session.rollback()
        raise ValidationError({"email": _("Another account uses that email address.")})
    binding = {"u": user.id, "old": email_tokens.fingerprint(user.email), "new": new_email}
    token = email_tokens.make("email-change", binding, now)
    mail.enqueue_email(new_email, _l("Confirm your new email address"), "email_change", topic="account:email-change",
                       now=now, user=user, new_email=new_email,
                       url=site_url_for("account.confirm_email", token=token),
                       hours=EMAIL_CHANGE_MAX_AGE_SECONDS // 3600)
    db.session.commit()
    return new_email


def _email_change_request(token, now):
    data = email_tokens.read("email-change", token, now, EMAIL_CHANGE_MAX_AGE_SECONDS,
                             message=_("This confirmation link is not valid."))
    user = db.session.get(User, data["u"]) if type(data.get("u")) is int else None
    if user is None or is_deleted(user) or not isinstance(data.get("new"), str):
        raise ValidationError({"token": _("This confirmation link is not valid.")})
    if data.get("old") != email_tokens.fingerprint(user.email):
        raise ValidationError({"token": _("This link was already used, or your address changed since it was sent.")})
    return user, data["new"]


def pending_email_change(token, *, now):
    """(user, new address) for a valid confirmation link, to show before confirming."""
    return _email_change_request(token, now)


def confirm_email_change(token, *, now):
    """Switch to the confirmed address (once); the old address is told. Returns the user."""
    _email_change_request(token, now)
    begin_write(db.session)
    user, new_email = _email_change_request(token, now)
    if db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id)):
        db.session.rollback()
        raise Conflict(_("Another account started using that address in the meantime."))
    old_email = user.email
    user.email = new_email
    # Opening the link proved the new address is theirs: that verifies it, if sign-up's link never was opened.
    if user.email_verified_at is None:
        user.email_verified_at = now
    mail.enqueue_email(old_email, _l("Your email address was changed"), "email_changed", topic="account:email-changed",
                       now=now, user=user, new_email=new_email,
                       reset_url=site_url_for("account.request_password_reset"))
    db.session.commit()
    return user


# Language and time zone ----------------------------------------------------------------


def set_language_and_time_zone(user, locale, time_zone):
    """Save the member's language and time zone; blank follows the browser's language, or the community's zone.

    Raises ValidationError naming each field whose value is not a shipped language or a known time zone.
    """
    locale = locale.strip() if isinstance(locale, str) else locale
    time_zone = time_zone.strip() if isinstance(time_zone, str) else time_zone
    errors = {}
    if locale and (not isinstance(locale, str) or locale not in i18n.LOCALES):
        errors["locale"] = _("Choose one of the languages in the list: %(languages)s.",
                             languages=", ".join(i18n.LOCALES.values()))
    if time_zone and not i18n.is_time_zone(time_zone):
        errors["time_zone"] = _("“%(zone)s” is not a time zone we know. Choose one from the list, such as "
                                "Europe/Paris or America/New_York.", zone=str(time_zone)[:64])
    if errors:
        raise ValidationError(errors)
    begin_write(db.session)
    user = db.session.get(User, user.id)
    user.locale, user.time_zone = locale or None, time_zone or None
    db.session.commit()
    return user


# API tokens ----------------------------------------------------------------------------


def clean_token_name(name):
    """A token's label: 1-100 characters of text."""
    try:
        name = " ".join(clean_text(name).split())
    except TypeError:
        raise ValidationError({"name": _("Must be text.")}) from None
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the tool that will use it.")})
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError({"name": ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                                                TOKEN_NAME_MAX)})
    return name


def live_tokens(user):
    """The member's tokens not revoked (working, expired or ended), newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def working_tokens(user, *, now):
    """The member's tokens a program can use at `now`."""
    return [token for token in live_tokens(user) if accounts.token_problem(token, now=now) is None]


def token_state(api_token, *, now):
    """One word for the token page: active, expired, or ended (a new password, or a role that no longer allows it)."""
    if api_token.expires_at <= now:
        return "expired"
    return "active" if accounts.token_problem(api_token, now=now) is None else "ended"


def revoked_tokens(user, limit=20):
    """The member's recently revoked tokens, for the record."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_not(None))
                                   .order_by(ApiToken.revoked_at.desc()).limit(limit)))


def _clean_days(value):
    days = int(value) if isinstance(value, str) and value.isdigit() and len(value) < 5 else value
    if days not in accounts.TOKEN_DAYS:
        raise ValidationError({"days": _("Choose when the token expires: in %(choices)s or %(last)d days.",
                                         choices=", ".join(map(str, accounts.TOKEN_DAYS[:-1])),
                                         last=accounts.TOKEN_DAYS[-1])})
    return days


def create_token(user, name, scopes, days, *, now):
    """Issue a named token with these scopes, expiring in `days` (one of TOKEN_DAYS), and return its secret.

    The secret is shown once: only a digest is stored. Every field's error is raised at once.
    """
    cleaned = clean_all({"name": (clean_token_name, name),
                         "scopes": (partial(accounts.clean_token_scopes, user), scopes),
                         "days": (_clean_days, days)})
    if len(working_tokens(user, now=now)) >= MAX_LIVE_TOKENS:
        raise Conflict(_("You have %(num)d tokens already: revoke one you no longer use first.", num=MAX_LIVE_TOKENS))
    return accounts.create_api_token(user, cleaned["name"], now=now, scopes=cleaned["scopes"], days=cleaned["days"])


def revoke_token(user, token_id, *, now):
    """Revoke one of the member's tokens; NotFound for anyone else's."""
    accounts.revoke_api_token(user, token_id, now=now)


def end_sessions_and_tokens(user, *, now):
    """Sign out every device and revoke every token: for a lost laptop or a leaked token. Returns tokens revoked."""
    return accounts.end_sessions_and_tokens(user, now=now)


# Deleting the account ------------------------------------------------------------------


def delete_account(user, password, confirm_username, *, now):
    """Anonymise the account: posts stay under "deleted-user-<id>", everything personal goes.

    The password becomes unusable, tokens are revoked, every session ends, follows (of questions and tags),
    notifications and email choices are removed, and queued email to it is never sent.
    """
    _check_password(user, password)
    if not isinstance(confirm_username, str) or confirm_username.strip() != user.username:
        raise ValidationError({"confirm": _("Type your username, %(username)s, to confirm.", username=user.username)})
    begin_write(db.session)
    user = db.session.get(User, user.id)
    if user.role == "admin" and db.session.scalar(select(func.count()).select_from(User)
                                                  .where(User.role == "admin")) == 1:
        db.session.rollback()
        raise Conflict(_("You are the only admin: make another member an admin before deleting your account."))
    user.username = f"{DELETED_PREFIX}{user.id}"
    user.email = f"{DELETED_PREFIX}{user.id}@{DELETED_EMAIL_DOMAIN}"
    user.password_hash = "!"  # not a hash of anything: no password ever matches  # noqa: S105
    user.role = "member"
    user.session_version += 1
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    for model in (Follow, Notification, EmailPreference):
        db.session.execute(delete(model).where(model.user_id == user.id))
    tag_follows.stop_all_tag_follows(user.id)
    db.session.commit()
    return user


# Password reset ------------------------------------------------------------------------


def _reset_binding(user):
    return email_tokens.fingerprint(user.password_hash)


def request_password_reset(email, *, now):
    """Email a reset link if the address belongs to an account; says nothing either way (no enumeration)."""
    try:
        email = accounts.clean_email(email)
    except ValidationError:
        return
    begin_write(db.session)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or is_deleted(user):
        db.session.rollback()
        return
    token = email_tokens.make("password-reset", {"u": user.id, "h": _reset_binding(user)}, now)
    mail.enqueue_email(user.email, _l("Reset your password"), "password_reset", topic="account:password-reset",
                       now=now, user=user, url=site_url_for("account.reset_password", token=token),
                       minutes=RESET_MAX_AGE_SECONDS // 60)
    db.session.commit()


def user_for_reset(token, *, now):
    """The account a reset link is for, while the link is fresh and unused; ValidationError otherwise."""
    data = email_tokens.read("password-reset", token, now, RESET_MAX_AGE_SECONDS,
                             message=_("This reset link is not valid."))
    user = db.session.get(User, data["u"]) if type(data.get("u")) is int else None
    if user is None or is_deleted(user):
        raise ValidationError({"token": _("This reset link is not valid.")})
    if data.get("h") != _reset_binding(user):
        raise ValidationError({"token": _("This reset link was already used. Ask for a new one if you need it.")})
    return user


def reset_password(token, new_password, *, now):
    """Set a new password from a reset link (once); every session of the account ends. Returns the user."""
    user = user_for_reset(token, now=now)
    accounts.check_password_strength(new_password, user.username, user.email)
    begin_write(db.session)
    user = user_for_reset(token, now=now)
    user.set_password(new_password)
    user.session_version += 1
    db.session.commit()
    return user

