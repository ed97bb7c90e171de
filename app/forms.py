"""Forms that every feature's pages share."""
from flask_wtf import FlaskForm
from wtforms import HiddenField


class ActionForm(FlaskForm):
    """A button that changes something (accept, delete, claim): CSRF only."""

    next = HiddenField()
