"""Questions, answers, comments, votes and acceptance: the threads of the community."""
from flask import Blueprint

bp = Blueprint("questions", __name__)


def init_app(app):
    """The thread pages, and the labels of close reasons for every template."""
    from app.models import CLOSE_REASONS
    from app.questions import routes  # noqa: F401  (routes attach themselves to bp)

    app.register_blueprint(bp)
    app.jinja_env.globals.update(close_reasons=CLOSE_REASONS)
