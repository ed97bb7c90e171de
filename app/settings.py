"""Settings that admins change in the app, with defaults from the environment.

Each feature defines its settings where it uses them:

    UNANSWERED_MINUTES = settings.define("CARE_UNANSWERED_MINUTES", int, 60,
                                         "Minutes a question may wait for a first answer", minimum=1)

and reads the current value with `settings.get("CARE_UNANSWERED_MINUTES")`. A value is, in
order: what an admin saved (a row in `settings`), the app config (tests set it there), the
environment variable of the same name, the default. Every change is audited.
"""
import json
import os
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, has_request_context
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app import audit, permissions
from app.database import begin_write
from app.exceptions import NotFound, PermissionDenied, ValidationError
from app.extensions import db


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
    description: str
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, raw):
        """A value of the right type from a form field, an environment string or JSON; ValueError if not."""
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError("Give true or false.")
            return text in {"1", "true", "yes", "on"}
        if self.type is list:
            # One item a line: items such as forbidden phrases may contain commas.
            items = raw if isinstance(raw, list) else str(raw).splitlines()
            return [str(item).strip() for item in items if str(item).strip()]
        if self.type in (int, float):
            if isinstance(raw, bool):
                raise ValueError("Give a number.")
            try:
                value = self.type(raw)
            except (TypeError, ValueError):
                raise ValueError(f"Give a{'' if self.type is int else ' decimal'} number.") from None
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"The smallest allowed value is {self.minimum:g}.")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"The largest allowed value is {self.maximum:g}.")
            return value
        return str(raw).strip()


DEFINITIONS: dict[str, Definition] = {}


def define(name, type_, default, description, minimum=None, maximum=None):
    """Declare a setting (once, at import); returns its name for use with `get`."""
    DEFINITIONS[name] = Definition(name, type_, default, description, minimum, maximum)
    return name


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
    if definition.name in current_app.config:
        return current_app.config[definition.name]
    if definition.name in os.environ:
        try:
            return definition.parse(os.environ[definition.name])
        except ValueError:
            current_app.logger.warning("Ignoring %s=%r: not a valid value", definition.name,
                                       os.environ[definition.name])
    return definition.default


def overview():
    """Every defined setting with its current value and whether an admin overrode it, by name."""
    saved = _saved()
    return [(definition, saved.get(name, default_of(definition)), name in saved)
            for name, definition in sorted(DEFINITIONS.items())]


def change(actor, name, raw_value, reason=None, *, now):
    """Save an admin's value (audited); `raw_value` None returns the setting to its default."""
    if not permissions.is_admin(actor):
        raise PermissionDenied("Only admins change settings.")
    definition = DEFINITIONS.get(name)
    if definition is None:
        raise NotFound("There is no such setting.")
    value = None
    if raw_value is not None:
        try:
            value = definition.parse(raw_value)
        except ValueError as error:
            raise ValidationError({name: str(error)}) from None
    return _save(actor, definition, value, reason, now)


def preset(name, value, reason, *, now):
    """Save a value on the deployment's behalf, not an admin's (demo data): audited with no actor."""
    definition = DEFINITIONS[name]
    return _save(None, definition, definition.parse(value), reason, now)


def _save(actor, definition, value, reason, now):
    """Store `value` (None: back to the default) with its audit entry, and commit."""
    name = definition.name
    begin_write(db.session)
    row = db.session.get(Setting, name)
    before = row.value if row is not None else default_of(definition)
    if value is None:
        if row is not None:
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
    return after
