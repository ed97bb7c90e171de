"""Bearer-token authentication for the API: who the token is (`token_required`), what it may do (`require_scope`)."""
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app import permissions
from app.auth import scopes
from app.auth.services import INVALID_TOKEN_MESSAGE, api_token_for
from app.clock import request_now
from app.errors import json_error
from app.exceptions import PermissionDenied


class MissingScope(PermissionDenied):
    """The token works, but was not given the scope this endpoint needs."""

    code = "insufficient_scope"


def token_required(view):
    """Require `Authorization: Bearer <token>` of a working token: g.api_user and g.api_token. Cookies never count.

    Expired tokens, tokens issued under an earlier password and tokens whose scopes the member's role no
    longer allows are 401; a suspended member's tokens are 403 for as long as the suspension runs.
    """
    @wraps(view)
    def wrapper(*args, **kwargs):
        now = request_now()
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        api_token, problem = (api_token_for(secret.strip(), now=now) if scheme.lower() == "bearer"
                              else (None, str(INVALID_TOKEN_MESSAGE)))
        if api_token is None:
            body, status = json_error(401, "unauthorized", problem)
            return body, status, {"WWW-Authenticate": 'Bearer realm="peerdesk"'}
        if permissions.is_suspended(api_token.user, now=now):
            return json_error(403, "forbidden", permissions.suspension_message(api_token.user))
        g.api_user, g.api_token = api_token.user, api_token
        return view(*args, **kwargs)
    wrapper.token_required = True  # lets a test find every bearer endpoint
    return wrapper


def require_scope(scope):
    """Call inside a view after `token_required`: MissingScope (403) unless the request's token grants `scope`."""
    api_token = g.get("api_token")
    if not scopes.grants(api_token.scope_names if api_token is not None else (), scope):
        raise MissingScope(_("This token lacks the %(scope)s scope.", scope=scope))
