"""Peerdesk: a brand's peer-support community. The application factory lives here."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import REPO_ROOT, load_config
from app.extensions import csrf, db, limiter, login_manager, migrate


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
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app):
    """Bind the unbound extensions to this app."""
    # Importing `database` installs the SQLite and session hooks; audit, outbox and settings tables
    # belong to the metadata that migrations compare with.
    from app import audit, database, outbox, settings  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from app.auth.sessions import configure_login

    configure_login(app)


def register_blueprints(app):
    """Mount each feature's blueprint and connect the receivers of its signals."""
    from app import account, care, notifications
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.moderation.wiring import register as register_moderation
    from app.questions import bp as questions_bp
    from app.search.routes import bp as search_bp
    from app.seo import bp as seo_bp
    from app.users import bp as users_bp
    from app.web import IdConverter
    from app.webhooks import bp as webhooks_bp
    from app.webhooks.receivers import connect_receivers as connect_webhook_receivers

    app.url_map.converters["id"] = IdConverter
    for blueprint in (questions_bp, auth_bp, users_bp, search_bp, seo_bp, webhooks_bp, care.bp, account.bp,
                      notifications.bp):
        app.register_blueprint(blueprint)
    # Bearer tokens, never cookies, authenticate API writes: no CSRF tokens there.
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(care.api_bp, url_prefix="/api/v1/care")
    csrf.exempt(api_bp)
    csrf.exempt(care.api_bp)
    register_moderation(app)  # its blueprints, the suspended-member guard, the queue count
    notifications.register(app)  # receivers, the email transport, the bell, `flask worker`
    connect_webhook_receivers()


def register_errorhandlers(app):
    """HTML error pages for browsers, the JSON error shape for the API."""
    from app.errors import register

    register(app)


def register_request_hooks(app):
    """Security headers and cookie hardening on every response; cache headers and compression."""
    from app.security import register
    from app.seo import caching

    register(app)
    caching.register(app)


def register_template_helpers(app):
    """Permissions and formatting helpers available in every template."""
    from app import clock, formatting, permissions, urls

    app.jinja_env.globals.update(permissions.template_helpers(clock.request_now))
    app.jinja_env.globals.update(urls.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(formatting.FILTERS)


def register_commands(app):
    """Command-line tools: users, reputation, demo data, search, imports, the care sweep."""
    from app import care, cli, importer, search

    cli.register(app)
    search.register(app)
    importer.register(app)
    care.register(app)
