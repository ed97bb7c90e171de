"""Web forms for threads. The rules live in app.validation, shared with the API; these carry CSRF."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.models import CLOSE_REASONS
from app.validation import BODY_MAX, COMMENT_MAX, TITLE_MAX


class QuestionForm(FlaskForm):
    """Ask or edit a question."""

    title = StringField(_l("Title"), render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"})
    body = TextAreaField(_l("Details"), render_kw={"maxlength": BODY_MAX, "rows": 12})
    tags = StringField(_l("Tags"), render_kw={"autocomplete": "off"})
    draft = HiddenField()  # this session's draft token (app.search.insights), to learn about deflected drafts
    reason = StringField(_l("Edit summary"), render_kw={"maxlength": 300})


class AnswerForm(FlaskForm):
    """Write or edit an answer."""

    body = TextAreaField(_l("Your answer"), render_kw={"maxlength": BODY_MAX, "rows": 10})
    reason = StringField(_l("Edit summary"), render_kw={"maxlength": 300})


class QuestionEditForm(QuestionForm):
    """Edit a question, from the revision the form was opened at."""

    # Saving checks it, so an edit begun before someone else's save never overwrites that save unseen.
    base_revision = HiddenField()


class AnswerEditForm(AnswerForm):
    """Edit an answer, from the revision the form was opened at."""

    base_revision = HiddenField()  # as on QuestionEditForm


class CommentForm(FlaskForm):
    """A comment on a question or an answer."""

    body = TextAreaField(_l("Comment"), render_kw={"maxlength": COMMENT_MAX, "rows": 2})
    answer_id = HiddenField()


class CommentEditForm(FlaskForm):
    """New text for a comment, from the edit box under it."""

    body = TextAreaField(_l("Comment"), render_kw={"maxlength": COMMENT_MAX, "rows": 2})


class VoteForm(FlaskForm):
    """Up, down or withdraw."""

    value = IntegerField(validators=[Optional()])


class CloseForm(FlaskForm):
    """A moderator closes a question, naming the original when it is a duplicate."""

    reason = SelectField(_l("Reason"), choices=[SelectChoice(key, label) for key, label in CLOSE_REASONS.items()])
    # One of the questions the search ranks most like this one (radio buttons), or any id typed in.
    candidate = IntegerField(_l("Original"), validators=[Optional()])
    duplicate_of = IntegerField(_l("or another question's id"), validators=[Optional()])

