"""Anonymous "Did this answer help you?": one yes or no per browser and answer, no account, no personal data.

A browser is recognised by a random token in a cookie; only the token's SHA-256 digest is
stored, never an address, a user id or the token itself. Staff see the counts; the yes
answers count as deflection (a visitor helped by an existing answer, with no staff work).
"""
from flask import Blueprint

bp = Blueprint("helpfulness", __name__)


def init_app(app):
    """The yes/no endpoint, and the staff's per-answer counts in every template."""
    from app.helpfulness import routes

    app.register_blueprint(bp)
    app.jinja_env.globals.update(answer_helpfulness=routes.answer_helpfulness)
