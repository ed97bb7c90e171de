"""Peerdesk: a brand's peer-support community. The application factory, the one place features are wired."""
from importlib import import_module
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import REPO_ROOT, load_config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

# Every feature exposes init_app(app): its blueprints, signal receivers, request hooks, template
# helpers, commands. They are wired in this order, which is also the order of their request hooks:
# before_request hooks run in this order, after_request hooks in the reverse one. So the security
# headers (first) are added last, after HTTP caching has set its headers on the final body, and
# the search catch-up is scheduled before either runs. docs/architecture.md draws the layers.
FEATURES = (
    "app.operations",      # first: the request id before any hook, the log line after all; health, metrics
    "app.errors",          # HTML error pages for browsers, the JSON error shape for the API
    "app.security",        # security headers and cookie hardening on every response
    "app.http_caching",    # validators on public pages, no-store on private ones, compression
    "app.stale_pages",     # keeps each public page before compression: served stale while the database is down
    "app.brand",           # the community's name, logo, colours and contact: brand() for pages and emails
    "app.auth",            # sign-in, sessions
    "app.questions",       # threads: questions, answers, comments, votes, acceptance
    "app.moderation",      # flags, the review queue, suspensions (its guard refuses a suspended member's writes)
    "app.search",          # the search page and the index's catch-up after a response
    "app.helpfulness",     # "Did this answer help you?"
    "app.users",           # member pages
    "app.uploads",         # images for posts: upload, re-encoding, serving, removal
    "app.seo",             # sitemaps, robots.txt, feeds, JSON-LD
    "app.notifications",   # notifications, follows, notification email
    "app.care",            # the care queue
    "app.account",         # account settings, password reset
    "app.messages",        # private messages between members, blocking, reports to moderators
    "app.webhooks",        # signed deliveries of community events
    "app.api",             # JSON API v1
    "app.importer",        # `flask import`
    "app.cli",             # `flask users`, `flask reputation`, `flask seed-demo`
    "app.background",      # the in-process care sweep and outbox delivery, one switch each
)


def create_app(config=None):
    """Build the app; `config` (a dict) replaces the environment-derived settings, as tests do."""
    app = Flask(
        __name__,
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config if config is not None else load_config(app.instance_path))
    if app.config.get("TRUST_PROXY_HEADERS"):
        hops = app.config["TRUST_PROXY_HEADERS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    register_template_helpers(app)
    for name in FEATURES:
        import_module(name).init_app(app)
    return app


def register_extensions(app):
    """Bind the unbound extensions to this app, and the URL converter every feature's routes use."""
    # Importing `database` installs the SQLite and session hooks; audit, outbox and settings tables
    # belong to the metadata that migrations compare with.
    from app import audit, database, i18n, outbox, settings  # noqa: F401
    from app.web import IdConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)  # the locale and time zone of each request, the catalogs in app/translations
    app.url_map.converters["id"] = IdConverter


def register_template_helpers(app):
    """The shared helpers every template may use: permissions, public URLs, formatting filters."""
    from app import clock, formatting, page_cache, permissions, urls

    app.jinja_env.globals.update(permissions.template_helpers(clock.request_now))
    app.jinja_env.globals["account_nav"] = page_cache.account_nav
    app.jinja_env.globals.update(urls.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(formatting.FILTERS)
