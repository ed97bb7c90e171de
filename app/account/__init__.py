"""Account settings (email, notifications, API tokens, deletion) and password reset by email."""
from flask import Blueprint

bp = Blueprint("account", __name__)

from app.account import routes  # noqa: E402,F401  (routes attach themselves to bp)
