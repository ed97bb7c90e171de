"""Response hardening and safe redirects."""
from urllib.parse import urlsplit

from flask import url_for

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response):
    """Set the security headers on every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class SecureCookiesOverHttps:
    """WSGI middleware marking every cookie Secure when the request came over HTTPS.

    It sits outside Flask because the session and remember-me cookies are written after
    the last after_request hook has run.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [(name, value + "; Secure" if name.lower() == "set-cookie"
                        and "; secure" not in value.lower() else value) for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def is_safe_redirect(target):
    """Whether `target` is a path on this site (no scheme, no host, no backslash tricks)."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return False
    # Browsers treat "\" like "/" and drop tabs and newlines, so "/\evil.com" leaves the site.
    if any(char in target for char in "\\\t\r\n\x00") or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def safe_next(target, default_endpoint="questions.index"):
    """`target` when it stays on this site, else the default page."""
    return target if is_safe_redirect(target) else url_for(default_endpoint)


def init_app(app):
    """Install the response hook and the cookie middleware."""
    app.after_request(add_security_headers)
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
