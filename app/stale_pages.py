"""The last good copy of each public page this process served, for visitors while the database does not answer.

A database outage (a restart, a failover) must not blank the site for its readers: a visitor who asks
for a page this process served recently gets that copy, marked stale (`Warning: 110`, `X-Stale`, `Age`,
`Cache-Control: no-store`, so no shared cache keeps it), instead of the 503 page; a page never served
gets the 503 page. The store is separate from the page cache (app/page_cache.py), which only ever
serves fresh pages and reads the thread's version from the database first.

Only what any visitor would be shown is kept: a GET answered 200 with HTML, JSON or XML, to a request
without an account, a token or a session, and setting no cookie. Copies are keyed by the visitor's
language (app/i18n.py's `visitor_variant`) and the full path, bounded by count, bytes and age.
"""
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, request, session
from flask_login import current_user

from app.http_caching import never_store
from app.i18n import visitor_variant

# The kinds of body a public page has: pages, the API's JSON, feeds and sitemaps.
KEPT_MIMETYPES = frozenset({"text/html", "application/json", "application/xml", "text/xml",
                            "application/atom+xml", "application/rss+xml"})
# The headers that describe the body itself; validators, cookies and caching are decided again when served.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "Link")
STALE_WARNING = '110 - "Response is Stale"'

DEFAULTS = {
    "STALE_PAGES_ENABLED": True,
    "STALE_PAGES_SIZE": 1000,  # copies per process
    "STALE_PAGES_BYTES": 16 * 1024 * 1024,  # their bodies' total size per process
    "STALE_PAGES_SECONDS": 3600,  # older copies are never served: removed content must not return for long
}


@dataclass(frozen=True)
class StaleCopy:
    """One page's body and the headers that describe it, with the monotonic moment it was served."""

    body: bytes
    headers: tuple
    stored_at: float


class StalePages:
    """Least-recently-served copies, bounded by count, total body bytes and age; thread-safe, one per process."""

    def __init__(self, size, max_bytes, seconds):
        if size < 1 or max_bytes < 1 or seconds <= 0:
            raise ValueError("STALE_PAGES_SIZE, STALE_PAGES_BYTES and STALE_PAGES_SECONDS must be positive")
        self.size, self.max_bytes, self.seconds = size, max_bytes, seconds
        self._copies = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._copies)

    @property
    def total_bytes(self):
        """The kept bodies' total size."""
        return self._bytes

    def put(self, key, body, headers, now):
        """Keep the copy served for `key` at `now` (monotonic seconds), dropping the least recent beyond the bounds."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            self._drop(key)
            self._copies[key] = StaleCopy(body, tuple(headers), now)
            self._bytes += len(body)
            while len(self._copies) > self.size or self._bytes > self.max_bytes:
                self._drop(next(iter(self._copies)))

    def get(self, key, now):
        """The copy kept for `key` if it is younger than the age bound at `now`, else None."""
        with self._lock:
            copy = self._copies.get(key)
            if copy is None:
                return None
            if now - copy.stored_at > self.seconds:
                self._drop(key)
                return None
            return copy

    def _drop(self, key):
        copy = self._copies.pop(key, None)
        if copy is not None:
            self._bytes -= len(copy.body)


def _store(app):
    """This process's store (made on first use, with the app's bounds)."""
    store = app.extensions.get("peerdesk_stale_pages")
    if store is None:
        store = app.extensions.setdefault("peerdesk_stale_pages", StalePages(
            app.config["STALE_PAGES_SIZE"], app.config["STALE_PAGES_BYTES"], app.config["STALE_PAGES_SECONDS"]))
    return store


def _key():
    return visitor_variant(), request.full_path


def _asked_by_a_visitor():
    """Whether the request carries no account: no token, no signed-in session (read without the database)."""
    return "Authorization" not in request.headers and "_user_id" not in session


def _keepable(response):
    """Whether this response is a public page any visitor would be shown (see the module docstring)."""
    if request.method != "GET" or response.status_code != 200 or request.endpoint in (None, "static"):
        return False
    if g.get("never_store") or g.get("served_stale") or response.is_streamed or response.direct_passthrough:
        return False
    if response.mimetype not in KEPT_MIMETYPES or "Set-Cookie" in response.headers:
        return False
    if response.cache_control.private or response.cache_control.no_store:
        return False
    return _asked_by_a_visitor() and not current_user.is_authenticated and not session.modified and not len(session)


def keep_public_page(response):
    """after_request: keep a copy of a public page, before compression and validators are added to it."""
    if current_app.config["STALE_PAGES_ENABLED"] and _keepable(response):
        headers = [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers]
        _store(current_app).put(_key(), response.get_data(), headers, time.monotonic())
    return response


def stale_response():
    """(body, 200, headers) of the last good copy of this visitor's page, or None (serve the 503 page)."""
    if not current_app.config["STALE_PAGES_ENABLED"] or request.method not in ("GET", "HEAD"):
        return None
    if not _asked_by_a_visitor():
        return None
    now = time.monotonic()
    copy = _store(current_app).get(_key(), now)
    if copy is None:
        return None
    g.served_stale = True
    never_store()  # HTTP caching must not make a stale copy public again, nor give it a validator
    headers = [*copy.headers, ("Warning", STALE_WARNING), ("X-Stale", "1"), ("Age", str(int(now - copy.stored_at)))]
    return copy.body, 200, headers


def init_app(app):
    """The bounds' defaults, and the hook that keeps each public page as it leaves."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.after_request(keep_public_page)
