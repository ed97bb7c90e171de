"""Signed links sent by email (password reset, email change, unsubscribe): no table, no sign-in.

Each token carries its issue time, checked against an explicit `now`, and what makes it
single use: a reset token is bound to the current password hash, an email-change token to
the current address, so the token stops working once it has done its job.
"""
import hashlib
from datetime import UTC

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from app.exceptions import ValidationError


def _serializer(purpose):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"peerdesk.{purpose}")


def fingerprint(value):
    """A short digest of a secret-ish value, so a token can be bound to it without revealing it."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def epoch(moment):
    """Whole seconds since 1970 for a naive UTC datetime."""
    return int(moment.replace(tzinfo=UTC).timestamp())


def make(purpose, data, now):
    """A URL-safe token for `purpose` carrying `data` (a dict) and its issue time."""
    return _serializer(purpose).dumps({**data, "iat": epoch(now)})


def read(purpose, token, now, max_age_seconds=None, message=None):
    """The data of a genuine token, or ValidationError (forged, mangled or expired); `message` says it is not valid."""
    message = message or _("This link is not valid.")
    if not isinstance(token, str) or len(token) > 2000:
        raise ValidationError({"token": message})
    try:
        data = _serializer(purpose).loads(token)
    except BadSignature:
        raise ValidationError({"token": message}) from None
    if not isinstance(data, dict) or not isinstance(data.get("iat"), int):
        raise ValidationError({"token": message})
    if max_age_seconds is not None and not 0 <= epoch(now) - data["iat"] <= max_age_seconds:
        raise ValidationError({"token": _("This link has expired. Ask for a new one.")})
    return data
