"""A request id on every request and response, and one JSON log line per request.

The id comes from the load balancer's X-Request-Id when the app trusts its proxy headers
(TRUST_PROXY_HEADERS), so one id follows a request through every hop; otherwise it is made here.
The line goes to stderr (gunicorn's error log, or the journal) on the `peerdesk.requests` logger.
"""
import logging
import re
import sys
import time
import uuid

from flask import g, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

LOGGER_NAME = "peerdesk.requests"
REQUEST_ID_HEADER = "X-Request-Id"
# What a proxy's id may look like: short, printable, no spaces or quotes that could forge a log line.
INCOMING_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{8,128}")

logger = logging.getLogger(LOGGER_NAME)


def request_id():
    """The current request's id (set before any other hook runs)."""
    return g.get("request_id") or ""


def _incoming_id(trusted):
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if trusted and INCOMING_ID.fullmatch(value) else None


def _begin(app):
    g.request_started = time.perf_counter()
    g.request_id = _incoming_id(bool(app.config.get("TRUST_PROXY_HEADERS"))) or uuid.uuid4().hex


def _member_id():
    # Read only if this request already loaded its member: the log line must not cost a query.
    user = g.get("_login_user")
    return user.id if user is not None and current_user.is_authenticated else None


def fields(response):
    """What the log line says about this request and its response."""
    started = g.get("request_started")
    return {
        "request_id": request_id(),
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "bytes": response.calculate_content_length(),
        "member": _member_id(),
        "remote": request.remote_addr,
    }


def _finish(app, response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    if app.config.get("REQUEST_LOG", True) and logger.isEnabledFor(logging.INFO):
        logger.info("request", extra=fields(response))
    return response


def _configure_logger():
    # Once per process: its own handler, so the lines stay JSON whatever the root logger does.
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter("{asctime}{levelname}{message}", style="{",
                                           rename_fields={"asctime": "time", "levelname": "level"}))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def init_app(app):
    """The id before every other hook, the log line after them all (app.operations is wired first)."""
    _configure_logger()
    app.before_request(lambda: _begin(app))
    app.after_request(lambda response: _finish(app, response))
