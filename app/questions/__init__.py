"""Questions, answers, comments, votes and acceptance: the threads of the community."""
from flask import Blueprint

bp = Blueprint("questions", __name__)


@bp.app_context_processor
def close_reasons():
    """Labels of the reasons a question can be closed, for every template."""
    from app.models import CLOSE_REASONS

    return {"close_reasons": CLOSE_REASONS}

from app.questions import routes  # noqa: E402,F401  (routes attach themselves to bp)
