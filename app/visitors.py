"""The visitor token: one signed random cookie by which the public buttons count a browser once, stored hashed.

"I have this problem too" and "Did this answer help you?" count a browser, not a person, and
keep nothing personal: the cookie holds a random id and our signature of it, the tables hold
the id's SHA-256. A press counts only when the browser sends back a token this site issued,
so a client that keeps no cookie (a curl loop) or makes its tokens up is never counted; the
request that issues a token counts nothing, and the page's script presses once more.
"""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app, make_response, render_template, request
from flask_babel import lazy_gettext as _l

COOKIE_NAME = "pd_visitor"
# Before one token served both buttons: each had its own unsigned cookie. Their ids are kept (same digest).
LEGACY_COOKIES = (("pd_browser", "/"), ("peerdesk_same_problem", "/questions"))
MAX_AGE = 2 * 365 * 86400
_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")  # token_urlsafe(24); the legacy hex ids fit too
_SIGNATURE_LENGTH = 32
# What a press that brought no token of ours hears: it counted nothing (the page's script presses once more).
# Lazy, in the reader's language when used: jsonify and templates turn it into a plain string.
NOT_COUNTED_YET = _l("Press again to be counted: this browser has just been given a visitor cookie.")


def digest(token):
    """What is stored of a visitor token: the SHA-256 of its random id (random, so it cannot be reversed)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _signature(token_id, secret):
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    mac = hmac.new(key, b"peerdesk-visitor:" + token_id.encode("ascii"), hashlib.sha256)
    return mac.hexdigest()[:_SIGNATURE_LENGTH]


def cookie_value(token_id, secret):
    """The cookie that carries `token_id`: the id and our signature of it."""
    return f"{token_id}.{_signature(token_id, secret)}"


@dataclass(frozen=True)
class Visitor:
    """A browser as the public buttons see it: a random id, and whether it came back signed by us."""

    token: str
    stable: bool  # the browser kept a token we issued: its presses count


def recognise(cookies, secret):
    """The visitor behind these cookies: stable when our signed cookie came back, else a token to issue.

    A legacy or wrongly signed cookie keeps its id (so the browser's earlier presses still count
    as its own) but is not stable yet: anyone can make one up, so it counts nothing until we sign it.
    """
    token_id, _, signature = (cookies.get(COOKIE_NAME) or "").partition(".")
    if _ID.match(token_id):
        if hmac.compare_digest(signature.encode(), _signature(token_id, secret).encode()):
            return Visitor(token_id, stable=True)
        return Visitor(token_id, stable=False)
    for name, _path in LEGACY_COOKIES:
        legacy = cookies.get(name) or ""
        if _ID.match(legacy):
            return Visitor(legacy, stable=False)
    return Visitor(secrets.token_urlsafe(24), stable=False)


def current():
    """The visitor of this request (a web-edge helper: services take the token, never the request)."""
    return recognise(request.cookies, current_app.config["SECRET_KEY"])


def keep(response, visitor):
    """Give an unstable visitor our signed cookie (and drop the legacy ones); a stable one already has it."""
    if visitor.stable:
        return response
    value = cookie_value(visitor.token, current_app.config["SECRET_KEY"])
    response.set_cookie(COOKIE_NAME, value, max_age=MAX_AGE, httponly=True, samesite="Lax", secure=request.is_secure)
    for name, path in LEGACY_COOKIES:
        if name in request.cookies:
            response.delete_cookie(name, path=path, httponly=True, samesite="Lax")
    return response


def press_again_page(action, fields, button):
    """The page a plain form (no script) gets when its press counted nothing yet: the same press, once more."""
    return make_response(render_template("visitors/press_again.html", action=action, fields=fields, button=button))
