"""Accounts: register, sign in, sign out, change password."""
from flask import Blueprint

bp = Blueprint("auth", __name__)


def init_app(app):
    """Sign-in pages, and Flask-Login's loader, visitor and sign-in page."""
    from app.auth import routes  # noqa: F401  (routes attach themselves to bp)
    from app.auth.sessions import configure_login

    configure_login(app)
    app.register_blueprint(bp)
