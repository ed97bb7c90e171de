"""Error handling: HTML pages for browsers, one JSON shape for the API, both in the reader's language."""
from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from app import stale_pages
from app.exceptions import DomainError
from app.extensions import db, login_manager


def wants_json():
    """API paths, and scripts that ask for JSON, get JSON errors."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status, code, message, **extra):
    """The API's one error shape: {"error": {"code", "message"}} with a 4xx/5xx status.

    Messages may be lazy strings (translated when read): JSON gets them as plain text in the reader's language.
    """
    if isinstance(extra.get("fields"), dict):
        extra["fields"] = {name: text if isinstance(text, (list, dict)) else str(text)
                           for name, text in extra["fields"].items()}
    return {"error": {"code": code, "message": str(message), **extra}}, status


# Werkzeug's own descriptions are English and technical: an error raised without a message of its own
# gets one of these instead, from the catalogs. The machine-readable `code` never changes with the language.
STANDARD_MESSAGES = {
    400: _l("The request could not be understood. Check what you sent and try again."),
    401: _l("Sign in or send a valid token to continue."),
    403: _l("You do not have permission to do that."),
    404: _l("There is nothing at this address. The link may be old, or what it showed was removed."),
    405: _l("This address does not accept that kind of request."),
    413: _l("What you sent is too large."),
    415: _l("This address does not accept that kind of content."),
    429: _l("Too many requests. Wait a moment and try again."),
}


def _http_code(error):
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def _http_message(error):
    """The error's own message when whoever raised it gave one, else the standard one for its status."""
    if error.description and error.description != type(error).description:
        return error.description
    return str(STANDARD_MESSAGES.get(error.code, error.description or ""))


def handle_http_error(error):
    """404, 405, 413, 429... as a page or as JSON."""
    message = _http_message(error)
    if wants_json():
        return json_error(error.code, _http_code(error), message)
    return render_template("errors/error.html", status=error.code, message=message), error.code


def handle_csrf_error(error):
    """An expired or missing form token: explain instead of a bare 400."""
    message = _("Your form expired or was sent from another site. Reload the page and try again.")
    if wants_json():
        return json_error(400, "csrf_failed", message)
    return render_template("errors/error.html", status=400, message=message), 400


def handle_domain_error(error):
    """A DomainError that reached the top: its own status and message."""
    db.session.rollback()
    if wants_json():
        extra = {"fields": error.errors} if hasattr(error, "errors") else {}
        return json_error(error.status, error.code, error.message, **extra)
    return render_template("errors/error.html", status=error.status, message=error.message), error.status


def handle_server_error(error):
    """Roll the session back so the next request starts clean; never leak details."""
    db.session.rollback()
    message = _("Something went wrong on our side. It has been logged.")
    if wants_json():
        return json_error(500, "server_error", message)
    return render_template("errors/error.html", status=500, message=message), 500


# How long a client should wait before it tries again while the database does not answer.
UNAVAILABLE_RETRY_SECONDS = 5


def _reader_known_without_the_database():
    """Load the signed-in member now; when that needs the database that failed, answer them as a visitor.

    Otherwise the 503 page's language selector and the response hooks ask the database again, and raise
    inside this handler: a bare 500 for every signed-in member during an outage.
    """
    try:
        current_user._get_current_object()
    except SQLAlchemyError:
        g._login_user = login_manager.anonymous_user()  # Flask-Login's slot for this request's user


def handle_database_unavailable(error):
    """The database does not answer (restarting, failing over, unreachable): 503 at once, with Retry-After.

    A visitor asking for a page this process served recently gets its last good copy instead (app/stale_pages.py).

    Answering fast and saying when to come back lets a load balancer and browsers retry instead of
    piling up; the pool's pre-ping replaces dead connections, so the app recovers by itself.
    """
    current_app.logger.error("Database unavailable: %s", str(error).splitlines()[0])
    _reader_known_without_the_database()
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.invalidate()  # the connection is gone: drop it rather than hand it to the next request
    stale = stale_pages.stale_response()  # a visitor's page served recently: its last good copy, marked stale
    if stale is not None:
        return stale
    message = _("The community is briefly unavailable. Please try again in a few seconds.")
    if wants_json():
        body, status = json_error(503, "unavailable", message)
    else:
        body, status = render_template("errors/unavailable.html", message=message), 503
    return body, status, {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS), "Cache-Control": "no-store"}


def init_app(app):
    """Install the handlers on the app."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    for error in (OperationalError, InterfaceError):  # what the driver raises when it cannot reach the database
        app.register_error_handler(error, handle_database_unavailable)
