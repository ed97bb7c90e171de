"""Public member pages: the member list and profiles."""
from flask import Blueprint

bp = Blueprint("users", __name__)

from app.users import routes  # noqa: E402,F401  (routes attach themselves to bp)
