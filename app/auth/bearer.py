"""Bearer-token authentication for API writes."""
from functools import wraps

from flask import g, request

from app import permissions
from app.auth.services import user_for_token
from app.clock import request_now
from app.errors import json_error


def token_required(view):
    """Require `Authorization: Bearer <token>`; the user is in g.api_user. Cookies never count."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            body, status = json_error(401, "unauthorized", "Send a valid API token: Authorization: Bearer <token>.")
            return body, status, {"WWW-Authenticate": 'Bearer realm="peerdesk"'}
        if request.method not in ("GET", "HEAD", "OPTIONS") and permissions.is_suspended(user, now=request_now()):
            return json_error(403, "forbidden", permissions.suspension_message(user))  # reads stay open
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper
