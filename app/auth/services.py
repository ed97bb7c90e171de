"""Accounts: registration and email verification, sign-in checks, ending sessions, passwords and API tokens."""
import functools
import re
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit, email_tokens, mail
from app.auth import scopes as api_scopes
from app.database import begin_write
from app.exceptions import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import ROLES, ApiToken, User
from app.urls import site_url_for
from app.validation import clean_all, clean_text

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,28}[A-Za-z0-9]$")
PASSWORD_MIN, PASSWORD_MAX = 10, 200
# The most used passwords that pass the length rule; a real list is long, these are the usual suspects.
COMMON_PASSWORDS = frozenset({
    "1234567890", "0123456789", "1111111111", "0000000000", "qwertyuiop", "password12", "password123",
    "password1234", "1q2w3e4r5t", "qwerty1234", "qwerty12345", "iloveyou12", "abcdefghij", "letmein123",
    "welcome123", "administrator", "passw0rd123", "football12", "baseball12", "1234qwer!!",
    "peerdesk123", "changeme123", "trustno1234", "sunshine12", "princess12", "monkey12345", "dragon1234",
})
TOKEN_PREFIX = "pd_"  # noqa: S105 - a prefix that lets secret scanners spot leaked tokens
VERIFY_EMAIL_MAX_AGE_SECONDS = 48 * 3600
TOKEN_DAYS = (7, 30, 90, 365)  # the choices the token page offers
TOKEN_MAX_DAYS = 365
DEFAULT_TOKEN_DAYS = 30
INVALID_TOKEN_MESSAGE = _l("Send a valid API token: Authorization: Bearer <token>.")  # noqa: S105 - a message
# A scope beyond the member's role, said with the role in the sentence (its article and grammar vary by language).
BEYOND_ROLE = {
    "member": _l("As a member you cannot give a token the %(scopes)s scope."),
    "agent": _l("As an agent you cannot give a token the %(scopes)s scope."),
    "moderator": _l("As a moderator you cannot give a token the %(scopes)s scope."),
    "admin": _l("As an admin you cannot give a token the %(scopes)s scope."),
}


def clean_username(value):
    """3-30 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit."""
    username = clean_text(value).strip() if isinstance(value, str) else ""
    if not USERNAME_PATTERN.match(username) or ".." in username:
        raise ValidationError({"username": _("Use 3-30 letters, digits, dots, hyphens or underscores, "
                                             "starting and ending with a letter or digit.")})
    if username.lower().startswith("deleted-user-"):
        raise ValidationError({"username": _("Names starting with deleted-user- are kept for deleted accounts.")})
    return username


def clean_email(value):
    """A syntactically valid address, lower-cased (no DNS look-up: the machine may be offline)."""
    try:
        return validate_email(clean_text(value).strip(), check_deliverability=False).normalized.lower()
    except (EmailNotValidError, TypeError) as error:
        # The library's own reason stays in English: it comes from email-validator, not from our catalogs.
        raise ValidationError({"email": _("That email address is not valid: %(reason)s", reason=error)}) from None


def check_password_strength(password, username="", email=""):
    """Refuse short, very common or guessable passwords with a message that says why."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise ValidationError({"password": ngettext("Use at least %(num)d character.",
                                                    "Use at least %(num)d characters.", PASSWORD_MIN)})
    if len(password) > PASSWORD_MAX:
        raise ValidationError({"password": ngettext("Use at most %(num)d character.",
                                                    "Use at most %(num)d characters.", PASSWORD_MAX)})
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise ValidationError({"password": _("That password is too easy to guess.")})
    for personal in (username.lower(), email.lower().partition("@")[0]):
        if len(personal) >= 3 and personal in lowered:
            raise ValidationError({"password": _("Your password must not contain your username or email.")})


def register(username, email, password, role="member", *, now, verified=False):
    """Create an account that joined at `now`; raises ValidationError naming each bad or taken field.

    The verification link goes to the address in the same transaction, unless the caller vouches for
    the address (`verified`: the command line, trusted loads).
    """
    cleaned = clean_all({"username": (clean_username, username), "email": (clean_email, email)})
    username, email = cleaned["username"], cleaned["email"]
    check_password_strength(password, username, email)
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    begin_write(db.session)
    errors = {}
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors["username"] = _("That username is taken.")
    if db.session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = _("An account with that email already exists. Sign in instead?")
    if errors:
        db.session.rollback()
        raise ValidationError(errors)
    user = User(username=username, email=email, role=role, created_at=now, email_verified_at=now if verified else None)
    user.set_password(password)
    db.session.add(user)
    if not verified:
        db.session.flush()  # the link names the account's id
        _enqueue_verification(user, now)
    db.session.commit()
    return user


# Email verification ----------------------------------------------------------------------


def _enqueue_verification(user, now):
    """Queue the verification link in the caller's transaction; bound to the address, so a changed one voids it."""
    token = email_tokens.make("verify-email", {"u": user.id, "e": email_tokens.fingerprint(user.email)}, now)
    mail.enqueue_email(user.email, _l("Confirm your email address"), "verify_email", topic="account:verify-email",
                       now=now, user=user, url=site_url_for("account.verify_email", token=token),
                       hours=VERIFY_EMAIL_MAX_AGE_SECONDS // 3600)


def send_verification_email(user, *, now):
    """Send the verification link again; Conflict when the address is verified already."""
    begin_write(db.session)
    user = db.session.get(User, user.id)
    if user.email_verified_at is not None:
        db.session.rollback()
        raise Conflict(_("Your email address is already verified."))
    _enqueue_verification(user, now)
    db.session.commit()
    return user


def user_to_verify(token, *, now):
    """The account a verification link is for, while the link is fresh and the address unchanged."""
    data = email_tokens.read("verify-email", token, now, VERIFY_EMAIL_MAX_AGE_SECONDS,
                             message=_("This verification link is not valid."))
    user = db.session.get(User, data["u"]) if type(data.get("u")) is int else None
    if user is None or data.get("e") != email_tokens.fingerprint(user.email):
        raise ValidationError({"token": _("This verification link is not valid for your current address. "
                                          "Send a new one from your account page.")})
    return user


def verify_email(token, *, now):
    """Mark the address verified at `now` (opening the link again changes nothing). Returns the user."""
    user_to_verify(token, now=now)
    begin_write(db.session)
    user = user_to_verify(token, now=now)
    if user.email_verified_at is None:
        user.email_verified_at = now
    db.session.commit()
    return user


def find_user(login):
    """The user whose username or email this is, or None."""
    if not isinstance(login, str) or not login.strip():
        return None
    login = login.strip()
    column = User.email if "@" in login else func.lower(User.username)
    return db.session.scalar(select(User).where(column == login.lower()))


def authenticate(login, password):
    """The user for these credentials, or None; takes as long for unknown users as for known ones."""
    user = find_user(login)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    return user if user.check_password(password or "") else None


@functools.cache
def _dummy_hash():
    """A real hash to check against when the user is unknown, so timing reveals nothing."""
    return generate_password_hash(secrets.token_hex(16), current_app.config["PASSWORD_HASH_METHOD"])


def end_all_sessions(user):
    """Invalidate every session and remember-me cookie of this user."""
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    db.session.commit()


def change_password(user, current_password, new_password):
    """Set a new password after checking the current one; ends every other session."""
    if not user.check_password(current_password or ""):
        raise ValidationError({"current_password": _("That is not your current password.")})
    check_password_strength(new_password, user.username, user.email)
    begin_write(db.session)
    user.set_password(new_password)
    user.session_version += 1
    db.session.commit()


def set_role(user, role, *, now):
    """Change a user's role from the command line: audited as the operator's (no actor in the app)."""
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    begin_write(db.session)
    before = user.role
    user.role = role
    if before != role:
        audit.record(None, "user.role", "user", user.id, "changed from the command line",
                     before={"role": before}, after={"role": role}, now=now)
    db.session.commit()


# API tokens --------------------------------------------------------------------------------


def password_binding(user):
    """What a token remembers of the password it was issued under: a new password ends the token."""
    return email_tokens.fingerprint(user.password_hash)


def clean_token_scopes(user, names):
    """The chosen scopes as stored (known, allowed to the user's role, in catalogue order); ValidationError if not."""
    if isinstance(names, str):
        names = names.split()
    chosen = [name for name in (names or []) if isinstance(name, str)]
    if not chosen:
        raise ValidationError({"scopes": _("Choose at least one scope: what the token may do.")})
    unknown = sorted({name for name in chosen if name not in api_scopes.SCOPES})
    if unknown:
        raise ValidationError({"scopes": _("There is no scope named %(names)s.", names=", ".join(unknown))})
    beyond = [name for name in api_scopes.SCOPES if name in chosen and not api_scopes.role_allows(user, [name])]
    if beyond:
        sentence = BEYOND_ROLE.get(user.role, BEYOND_ROLE["member"])
        raise ValidationError({"scopes": sentence % {"scopes": ", ".join(beyond)}})
    return " ".join(name for name in api_scopes.SCOPES if name in chosen)


def clean_token_days(days):
    """Days until a token expires: a whole number from 1 to TOKEN_MAX_DAYS."""
    if type(days) is not int or not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationError({"days": ngettext("Choose when the token expires, at most %(num)d day from now.",
                                                "Choose when the token expires, at most %(num)d days from now.",
                                                TOKEN_MAX_DAYS)})
    return days


def create_api_token(user, name="cli", *, now, scopes=None, days=DEFAULT_TOKEN_DAYS):
    """Issue a token for the user at `now`, expiring `days` later, and return its secret; only its digest is kept.

    `scopes` defaults to every scope the user's role allows (the command line's choice).
    """
    days = clean_token_days(days)
    begin_write(db.session)
    user = db.session.get(User, user.id)
    db.session.refresh(user)  # the role and password as they are inside this transaction
    try:
        chosen = clean_token_scopes(user, api_scopes.allowed(user) if scopes is None else scopes)
    except ValidationError:
        db.session.rollback()
        raise
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name[:100], token_digest=ApiToken.digest(token), scopes=chosen,
                            created_at=now, expires_at=now + timedelta(days=days),
                            password_binding=password_binding(user)))
    db.session.commit()
    return token


def token_problem(api_token, *, now):
    """Why a stored, unrevoked token does not work at `now`, or None when it does."""
    user = api_token.user
    if api_token.expires_at <= now:
        return _("This API token expired at %(moment)s UTC: create a new one.",
                 moment=api_token.expires_at.strftime("%Y-%m-%d %H:%M"))
    if api_token.password_binding != password_binding(user):
        return _("This API token stopped working when the account's password changed: create a new one.")
    if not api_scopes.role_allows(user, api_token.scope_names):
        return _("This API token has scopes the account's role no longer allows: create a new one.")
    return None


def api_token_for(secret, *, now):
    """The working token for a bearer secret: (ApiToken, None), or (None, a message saying why not)."""
    if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None, str(INVALID_TOKEN_MESSAGE)
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_digest == ApiToken.digest(secret), ApiToken.revoked_at.is_(None))
    )
    if api_token is None:
        return None, str(INVALID_TOKEN_MESSAGE)
    problem = token_problem(api_token, now=now)
    return (None, problem) if problem else (api_token, None)


def end_sessions_and_tokens(user, *, now):
    """Sign out everywhere and revoke every API token of the user, in one transaction."""
    begin_write(db.session)
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    revoked = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=now)).rowcount
    db.session.commit()
    return revoked


def revoke_api_token(user, token_id, *, now):
    """Revoke one of the user's tokens."""
    begin_write(db.session)
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound(_("No such token."))
    if api_token.revoked_at is not None:
        raise Conflict(_("That token is already revoked."))
    api_token.revoked_at = now
    db.session.commit()
