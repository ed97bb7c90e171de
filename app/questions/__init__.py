"""Questions, answers, comments, votes and acceptance: the threads of the community."""
from flask import Blueprint

bp = Blueprint("questions", __name__)

from app.questions import routes  # noqa: E402,F401  (routes attach themselves to bp)
