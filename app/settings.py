"""Settings that admins change in the app, with defaults from the environment.

Each feature defines its settings where it uses them:

    UNANSWERED_MINUTES = settings.define("CARE_UNANSWERED_MINUTES", int, 60,
                                         "Minutes a question may wait for a first answer", minimum=1,
                                         label="Minutes before an unanswered question needs care")

and reads the current value with `settings.get("CARE_UNANSWERED_MINUTES")`. A value is, in
order: what an admin saved (a row in `settings`), the app config (tests set it there), the
environment variable of the same name, the default. Every change needs a reason and is audited;
saving the value a setting already has changes nothing. The settings page groups settings by the
feature (package of app/) that defines them.
"""
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, has_request_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app import audit, permissions
from app.database import begin_write
from app.exceptions import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.formatting import slugify
from app.models import User
from app.validation import clean_text

# The heading of each feature's settings, in the order of the settings page; a feature missing here still gets a
# group, headed by its package name, after these.
GROUP_HEADINGS = {
    "brand": _l("Your brand"),
    "care": _l("Care queue"),
    "moderation": _l("Moderation and holds"),
    "search": _l("Search"),
    "notifications": _l("Notifications"),
    "webhooks": _l("Webhooks"),
    # Features whose heading is their package name or given in define(group=...): listed so the catalogs have it.
    "i18n": _l("Languages and time zones"),
    "questions": _l("Questions"),
    "uploads": _l("Uploads"),
}
REASON_MAX = 500


class Setting(db.Model):
    """A value an admin saved, overriding the environment default."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


@dataclass(frozen=True)
class Definition:
    """A known setting: its type (int, float, bool, str or list of str), default and bounds."""

    name: str
    type: type
    default: object
    # As define() got them: lazy strings (translated when read) or plain text; read `description` and `label`.
    description_text: object
    minimum: float | None = None
    maximum: float | None = None
    label_text: object = ""
    group: object = ""
    # Checks a parsed value beyond its type and bounds: raises ValueError with the message to show.
    validate: object = field(default=None, compare=False)

    @property
    def description(self):
        """What the setting does, in the reader's language."""
        return str(self.description_text)

    @property
    def label(self):
        """The setting's human name, in the reader's language."""
        return str(self.label_text)

    def parse(self, raw):
        """A value of the right type from a form field, an environment string or JSON; ValueError if not."""
        value = self._parse_type(raw)
        if self.validate is not None:
            self.validate(value)
        return value

    def _parse_type(self, raw):
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(_("Give true or false."))
            return text in {"1", "true", "yes", "on"}
        if self.type is list:
            # One item a line: items such as forbidden phrases may contain commas.
            items = raw if isinstance(raw, list) else str(raw).splitlines()
            return [str(item).strip() for item in items if str(item).strip()]
        if self.type in (int, float):
            if isinstance(raw, bool):
                raise ValueError(_("Give a number."))
            try:
                value = self.type(raw)
            except (TypeError, ValueError):
                raise ValueError(_("Give a number.") if self.type is int else _("Give a decimal number.")) from None
            if self.minimum is not None and value < self.minimum:
                raise ValueError(_("The smallest allowed value is %(minimum)s.", minimum=format(self.minimum, "g")))
            if self.maximum is not None and value > self.maximum:
                raise ValueError(_("The largest allowed value is %(maximum)s.", maximum=format(self.maximum, "g")))
            return value
        return str(raw).strip()


DEFINITIONS: dict[str, Definition] = {}


def define(name, type_, default, description, minimum=None, maximum=None, *, label=None, group=None, validate=None):
    """Declare a setting (once, at import) with its human label and page group; returns its name for `get`.

    `validate(value)` checks a parsed value further (a calendar, one of a few words) and raises
    ValueError with the message the settings page shows.
    """
    if group is None:
        # The feature that defines a setting is its group: a new setting lands under its feature's heading.
        group = _heading_of(sys._getframe(1).f_globals.get("__name__", ""))
    label = label or name.replace("_", " ").capitalize()
    DEFINITIONS[name] = Definition(name, type_, default, description, minimum, maximum, label, group, validate)
    return name


def _heading_of(module_name):
    """The group heading of settings defined in `module_name`: its feature package's ("app.care.options")."""
    parts = module_name.split(".")
    feature = parts[1] if len(parts) > 1 and parts[0] == "app" else parts[0]
    return GROUP_HEADINGS.get(feature) or feature.replace("_", " ").capitalize() or "Other"


def _saved():
    """Admins' saved values, read once per request (one query)."""
    if has_request_context() and "saved_settings" in g:
        return g.saved_settings
    saved = {row.name: row.value for row in db.session.scalars(select(Setting))}
    if has_request_context():
        g.saved_settings = saved
    return saved


def get(name):
    """The current value of a defined setting."""
    definition = DEFINITIONS[name]
    saved = _saved()
    if name in saved:
        return saved[name]
    return default_of(definition)


def default_of(definition):
    """The value without an admin override: app config, then environment, then the built-in default."""
    return _fallback(definition)[0]


def _fallback(definition):
    """The value without an admin override and where it comes from: "config", "environment" or "default"."""
    if definition.name in current_app.config:
        return current_app.config[definition.name], "config"
    if definition.name in os.environ:
        try:
            return definition.parse(os.environ[definition.name]), "environment"
        except ValueError:
            current_app.logger.warning("Ignoring %s=%r: not a valid value", definition.name,
                                       os.environ[definition.name])
    return definition.default, "default"


@dataclass(frozen=True)
class Current:
    """A setting as the settings page shows it: its value, where that comes from, and the value without override.

    `source` is "changed" (saved here: by `changed_by`, a username, or by the deployment when None, at
    `changed_at`), "config", "environment" or "default".
    """

    definition: Definition
    value: object
    source: str
    fallback: object
    changed_by: str | None = None
    changed_at: datetime | None = None


@dataclass(frozen=True)
class Group:
    """The settings of one feature, under its heading."""

    heading: str
    settings: list[Current] = field(default_factory=list)

    @property
    def anchor(self):
        """The group's id on the page, from its English heading: the same in every language."""
        with force_locale("en"):
            return "group-" + slugify(str(self.heading))


def overview():
    """Every defined setting with its current value and its source, grouped by feature (in definition order)."""
    rows = {row.name: (row, username) for row, username in db.session.execute(
        select(Setting, User.username).outerjoin(User, User.id == Setting.updated_by_id))}
    groups = {}
    for name, definition in DEFINITIONS.items():
        fallback, source = _fallback(definition)
        if name in rows:
            row, username = rows[name]
            current = Current(definition, row.value, "changed", fallback, username, row.updated_at)
        else:
            current = Current(definition, fallback, source, fallback)
        # A heading given as a plain string is looked up in the catalogs here, in the reader's language.
        heading = _(definition.group) if type(definition.group) is str else definition.group
        groups.setdefault(heading, Group(heading)).settings.append(current)
    page_order = {heading: position for position, heading in enumerate(GROUP_HEADINGS.values())}
    return sorted(groups.values(), key=lambda group: (page_order.get(group.heading, len(page_order)), group.heading))


def summary(value):
    """A short human reading of a value for messages and buttons: "yes", "none", "60", "refund, scam"."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value)
        if not value:
            return _("none")
        return text if len(text) <= 60 else ngettext("%(num)d entry", "%(num)d entries", len(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return f"“{text}”" if len(text) <= 60 else f"“{text[:57]}…”"


@dataclass(frozen=True)
class Change:
    """What a save did: the value afterwards, and whether anything was stored (False: it already was so)."""

    value: object
    changed: bool


def change(actor, name, raw_value, reason, *, now):
    """Save an admin's value with a reason (audited); `raw_value` None returns the setting to its default.

    A value equal to the current one stores and audits nothing, reason or not.
    """
    if not permissions.is_admin(actor):
        raise PermissionDenied(_("Only admins change settings."))
    definition = DEFINITIONS.get(name)
    if definition is None:
        raise NotFound(_("There is no such setting."))
    errors, value = {}, None
    if raw_value is not None:
        try:
            value = definition.parse(raw_value)
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        # Both problems at once, so the admin fixes the form in one go.
        reason_error = _clean_reason(reason)[1]
        raise ValidationError(errors | ({"reason": reason_error} if reason_error else {}))
    return _save(actor, definition, value, reason, now)


def preset(name, value, reason, *, now):
    """Save a value on the deployment's behalf, not an admin's (demo data): audited with no actor."""
    definition = DEFINITIONS[name]
    return _save(None, definition, definition.parse(value), reason, now)


def _clean_reason(reason):
    """The trimmed reason (None when blank) and the error to show if it cannot be used (None when it can)."""
    if reason is not None and not isinstance(reason, str):
        return None, _("Give the reason as text.")
    text = clean_text(reason).strip() or None
    if text is None:
        return None, _("Say why you change this setting, in a few words: the audit log keeps your reason.")
    if len(text) > REASON_MAX:
        return None, _("Keep the reason under %(num)d characters.", num=REASON_MAX)
    return text, None


def _save(actor, definition, value, reason, now):
    """Store `value` (None: back to the default) with its audit entry and commit, if it changes: then with a reason."""
    name = definition.name
    begin_write(db.session)
    row = db.session.get(Setting, name)
    before = row.value if row is not None else default_of(definition)
    # Resetting removes an override even when its value equals the default: the setting follows the environment
    # again. Saving the value already in effect stores nothing, so no override appears that no one meant.
    unchanged = row is None if value is None else before == value and type(before) is type(value)
    if unchanged:
        db.session.rollback()
        return Change(before, False)
    reason, reason_error = _clean_reason(reason)
    if reason_error:
        db.session.rollback()
        raise ValidationError({"reason": reason_error})
    if value is None:
        db.session.delete(row)
        after = default_of(definition)
    else:
        if row is None:
            row = Setting(name=name, value=value, updated_at=now)
            db.session.add(row)
        row.value, row.updated_at, row.updated_by_id = value, now, actor.id if actor else None
        after = value
    audit.record(actor, "setting.change", "setting", name, reason,
                 before={"value": json.loads(json.dumps(before))}, after={"value": after}, now=now)
    db.session.commit()
    if has_request_context():
        g.pop("saved_settings", None)
    return Change(after, True)
