"""JSON API v1: the same rules as the web pages, for a brand's integrations."""
from flask import Blueprint

bp = Blueprint("api", __name__)


def init_app(app):
    """JSON API v1 under /api/v1; bearer tokens, never cookies, authenticate its writes: no CSRF tokens there."""
    from app.api import openapi, routes  # noqa: F401  (routes attach themselves to bp)
    from app.extensions import csrf

    app.register_blueprint(bp, url_prefix="/api/v1")
    csrf.exempt(bp)
