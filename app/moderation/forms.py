"""Web forms of moderation and administration; the rules live in the services. These carry CSRF."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.models import ROLES
from app.moderation.models import FLAG_REASONS, ROLE_LABELS


class FlagForm(FlaskForm):
    """Flag a post: a reason, and a few words (required for "something else")."""

    reason = RadioField(_l("Why?"), choices=[SelectChoice(key, label) for key, label in FLAG_REASONS.items()])
    text = StringField(_l("Details"), render_kw={"maxlength": 500})


class DecisionForm(FlaskForm):
    """A decision on a queue item, with an optional note for the people concerned."""

    action = HiddenField()
    note = StringField(_l("Note"), render_kw={"maxlength": 500})


class NoteForm(FlaskForm):
    """A direct action on a post or thread, with an optional reason."""

    note = StringField(_l("Reason"), render_kw={"maxlength": 500})


class SuspendForm(FlaskForm):
    """Suspend a member until a date, with the reason they will see."""

    until = DateField(_l("Suspended until"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (the member sees it)"), render_kw={"maxlength": 500, "rows": 2})


class RoleForm(FlaskForm):
    """An admin changes a member's role, saying why."""

    role = SelectField(_l("Role"), choices=[SelectChoice(role, ROLE_LABELS.get(role, role)) for role in ROLES])
    reason = StringField(_l("Reason"), render_kw={"maxlength": 500})


class SettingForm(FlaskForm):
    """An admin changes one setting, saying why; "reset" returns it to its default."""

    value = TextAreaField(_l("Value"), render_kw={"rows": 1})
    reason = StringField(_l("Reason"), render_kw={"maxlength": 500})
    reset = HiddenField()
