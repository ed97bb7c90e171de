"""Anonymous "Did this answer help you?": one yes or no per browser and answer, no account, no personal data.

A browser is recognised by its visitor token (app/visitors.py); only the token's SHA-256 digest
is stored, never an address, a user id or the token itself. A press counts only from a browser
that kept the token, and one address adds only so many answers (app/ratelimits.py). Staff see
the counts as answers marked helpful, with what they count; they are not deflected questions.
"""
from flask import Blueprint

bp = Blueprint("helpfulness", __name__)


def init_app(app):
    """The yes/no endpoint; the staff's per-answer counts and the count budgets in words, in every template."""
    from app import ratelimits
    from app.helpfulness import routes

    app.register_blueprint(bp)
    app.jinja_env.globals.update(answer_helpfulness=routes.answer_helpfulness,
                                 counted_limits_in_words=ratelimits.counted_limits_in_words)
