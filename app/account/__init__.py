"""Account settings (email, notifications, API tokens, deletion) and password reset by email."""
from flask import Blueprint

bp = Blueprint("account", __name__)


def init_app(app):
    """The account pages."""
    from app.account import routes  # noqa: F401  (routes attach themselves to bp)

    app.register_blueprint(bp)
