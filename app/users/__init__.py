"""Public member pages: the member list and profiles."""
from flask import Blueprint

bp = Blueprint("users", __name__)


def init_app(app):
    """The member list and profiles."""
    from app.users import routes  # noqa: F401  (routes attach themselves to bp)

    app.register_blueprint(bp)
