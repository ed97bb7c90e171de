"""HTTP caching and compression: validators on public pages, private pages never stored, static files for a year.

- A visitor's page (GET, 200, no account, no cookie being set, no Authorization header) is
  `public, max-age=0, stale-if-error=<seconds>` with a weak ETag (and Last-Modified when a view
  knows it), so a browser, proxy or CDN revalidates and gets a 304 with no body when nothing
  changed. Views that change rarely (feeds, sitemaps) say how long they may be reused with `cache_for()`.
- The ETag is the same on every worker and host for the same content: templates wrap what moves
  while the content stays (relative ages, view counts buffered per worker) in `|volatile`, whose
  markers (`<!--volatile-->...<!--/volatile-->`) the hash leaves out and the client never sees. It is
  weak (`W/"..."`), as the bytes may differ under one tag; RFC 9110 compares If-None-Match weakly.
  A JSON body (the API) names its moving keys with `volatile_keys("view_count")` instead.
- `stale-if-error` (RFC 5861) lets a cache in front keep serving its copy for that long past its
  freshness while the origin answers with an error (the database down). The setting is
  STALE_IF_ERROR_SECONDS (config or environment; default 86400, one day, long enough to ride out a
  night's outage; 0 leaves the directive out). `max-age=0` rather than `no-cache`: RFC 9111 forbids
  a cache to serve a `no-cache` response stale, even on error.
- Everything else, above all a signed-in member's page or a response that sets a cookie,
  is `private, no-store`: a shared cache must never hand one person's page to another.
- A page is in the reader's language, which for a visitor follows Accept-Language (app/i18n.py):
  every public response but a static file says `Vary: Accept-Language`, so a shared cache keeps one
  copy per language and never hands a French visitor the English page (ETags differ by body anyway).
- Static files carry a content hash in their URL (`?v=`), so they can be cached for a year
  (`immutable`) and a new deploy still reaches every browser at once.
- Flask-Compress compresses responses (zstd, brotli, gzip). It runs after our hook, which has
  already answered a matching If-None-Match with a 304 (never compressed). It suffixes only strong
  ETags with the coding and leaves our weak one as it is, so every coding shares one weak validator
  (as nginx does when it compresses): each says "the same content", and `Vary: Accept-Encoding`
  keeps the codings apart in a cache.
"""
import hashlib
import json
import os
from functools import lru_cache

from flask import current_app, g, request, session
from flask_compress import Compress
from flask_login import current_user
from markupsafe import Markup, escape

ONE_YEAR = 365 * 86400
STATIC_UNVERSIONED_SECONDS = 3600
DEFAULT_STALE_IF_ERROR_SECONDS = 86400

VOLATILE_OPEN, VOLATILE_CLOSE = "<!--volatile-->", "<!--/volatile-->"
_OPEN_BYTES, _CLOSE_BYTES = VOLATILE_OPEN.encode(), VOLATILE_CLOSE.encode()
_REGION_HELD = _OPEN_BYTES + _CLOSE_BYTES

compress = Compress()


def cache_for(seconds, last_modified=None):
    """Let a view say how long its public response may be reused, and when its content last changed."""
    g.cache_seconds = seconds
    g.last_modified = last_modified


def never_store():
    """This response must never be stored nor revalidated (health checks, metrics): a stale one misleads."""
    g.never_store = True


def cache_forever():
    """Let a view say its response never changes at this URL (a file named by its content's hash)."""
    g.cache_forever = True


def volatile(value):
    """Template filter: mark a value that moves while the content stays (an age, a view count), left out of the ETag."""
    return Markup(VOLATILE_OPEN) + escape(value) + Markup(VOLATILE_CLOSE)  # noqa: S704 - constant markers; value escaped


def volatile_keys(*names):
    """Let a JSON response say which keys move while the content stays (a view count): its ETag leaves them out."""
    g.volatile_keys = g.get("volatile_keys", frozenset()) | frozenset(names)


def _json_validator(data, keys):
    """A weak validator of a JSON body with `keys` left out wherever they occur."""
    def without(value):
        if isinstance(value, dict):
            return {key: without(item) for key, item in value.items() if key not in keys}
        if isinstance(value, list):
            return [without(item) for item in value]
        return value

    canonical = json.dumps(without(data), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha1(canonical, usedforsecurity=False).hexdigest()


def without_volatile(body):
    """(the body to send, its weak validator): the markers out of the first, the regions they mark out of the second."""
    digest = hashlib.sha1(usedforsecurity=False)  # a validator, not a secret: the fastest hash here (SHA-NI)
    if _OPEN_BYTES not in body:
        digest.update(body)
        return body, digest.hexdigest()
    pieces = body.split(_OPEN_BYTES)
    sent = [pieces[0]]
    digest.update(pieces[0])
    for piece in pieces[1:]:
        region, closed, rest = piece.partition(_CLOSE_BYTES)
        if not closed:  # a marker left open hides nothing: a validator that moves beats one that misses a change
            sent.append(piece)
            digest.update(piece)
            continue
        sent += (region, rest)
        digest.update(_REGION_HELD)  # where a region stood still counts: one moving or appearing is a change
        digest.update(rest)
    return b"".join(sent), digest.hexdigest()


def _is_public(response):
    """Whether this response is the same for every visitor and may sit in a shared cache."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if "Authorization" in request.headers or response.headers.get("Set-Cookie"):
        return False
    if current_user.is_authenticated or session.modified or len(session):
        return False
    return True


def cache_headers(response):
    """Set Cache-Control and validators on every response (see the module docstring)."""
    if request.endpoint == "static":
        # Read the (small) file now: Flask-Compress's streaming path never closes the file it wraps.
        response.direct_passthrough = False
        response.make_sequence()
        versioned = request.args.get("v")
        response.cache_control.public = True
        response.cache_control.no_cache = None
        response.cache_control.max_age = ONE_YEAR if versioned else STATIC_UNVERSIONED_SECONDS
        if versioned:
            response.cache_control.immutable = True
        return response
    # Every body loses its markers, even one never stored (a stale copy kept before this hook ran).
    validator = None
    if not response.is_streamed and not response.direct_passthrough:
        body, validator = without_volatile(response.get_data())
        response.set_data(body)
        if g.get("volatile_keys") and response.is_json:
            validator = _json_validator(response.get_json(silent=True), g.volatile_keys)
    if g.get("never_store"):
        response.headers["Cache-Control"] = "no-store"
        return response
    if g.get("cache_forever") and response.status_code in (200, 304):
        # The same bytes for everyone, whoever asks: shared caches may keep them as long as static files.
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response
    if not _is_public(response):
        if current_user.is_authenticated or "Set-Cookie" in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
    stale_if_error = current_app.config["STALE_IF_ERROR_SECONDS"]
    directives = ["public", f"max-age={g.get('cache_seconds') or 0}"]
    if stale_if_error:
        directives.append(f"stale-if-error={stale_if_error}")
    response.headers["Cache-Control"] = ", ".join(directives)
    response.vary.add("Accept-Language")
    if g.get("last_modified") is not None:
        response.last_modified = g.last_modified
    if validator is not None and response.get_etag()[0] is None:
        response.set_etag(validator, weak=True)
    return response.make_conditional(request)


@lru_cache(maxsize=512)
def _file_version(path, mtime_ns, size):
    """The first hex digits of a static file's SHA-256 (memoized per file version)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def static_version(filename):
    """A short content hash for `url_for('static', filename=...)`; None when the file does not exist."""
    path = os.path.join(current_app.static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _file_version(path, stat.st_mtime_ns, stat.st_size)


def add_static_version(endpoint, values):
    """url_defaults hook: every static URL carries ?v=<content hash> (cache-busting)."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


class NoStoreWhenSettingCookies:
    """WSGI middleware: a response that sets a cookie is never public, whatever the view said.

    The session cookie is written after Flask's last after_request hook, so only here can
    every Set-Cookie be seen.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def guarded_start_response(status, headers, exc_info=None):
            if any(name.lower() == "set-cookie" for name, _ in headers):
                headers = [(name, value) for name, value in headers
                           if name.lower() not in ("cache-control", "etag", "last-modified")]
                headers.append(("Cache-Control", "private, no-store"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, guarded_start_response)


def _whole_seconds(name, value):
    """A setting's value as a whole number of seconds, 0 or more; a clear error otherwise."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise ValueError(f"{name} must be a whole number of seconds, 0 or more (got {value!r})")
    return seconds


def init_app(app):
    """Compression, cache headers, the `volatile` filter and static URLs; our hook runs before Flask-Compress's."""
    app.config["STALE_IF_ERROR_SECONDS"] = _whole_seconds("STALE_IF_ERROR_SECONDS", app.config.get(
        "STALE_IF_ERROR_SECONDS", os.environ.get("STALE_IF_ERROR_SECONDS", DEFAULT_STALE_IF_ERROR_SECONDS)))
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Brotli first when a browser accepts several: on our pages it is 5-10% smaller than zstd at equal cost.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)
    app.after_request(cache_headers)  # registered after Compress, so it runs before it
    app.url_defaults(add_static_version)
    app.jinja_env.filters.update(volatile=volatile)
    app.wsgi_app = NoStoreWhenSettingCookies(app.wsgi_app)
