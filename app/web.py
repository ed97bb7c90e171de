"""Small helpers shared by the web views of every feature."""
from flask import flash, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app import permissions
from app.exceptions import NotFound, PermissionDenied
from app.validation import MAX_ID, positive_int


def show_errors(form, error):
    """Put a ValidationError's messages on the form's fields; flash what has no field."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and isinstance(getattr(field, "errors", None), (list, tuple)):
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def refuse_unless_staff(user):
    """Staff pages: NotFound for visitors (nothing to see here), PermissionDenied for members."""
    if permissions.is_staff(user):
        return
    if not user.is_authenticated:
        raise NotFound(_("There is no such page."))
    raise PermissionDenied(_("This page is for staff."))


def page_number():
    """?page= as a positive int; anything else means page 1."""
    return positive_int(request.args.get("page", "1"), maximum=100000) or 1


class IdConverter(IntegerConverter):
    """`<id:name>` in URLs: a positive id that fits the database, so huge numbers are a 404, not an overflow."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)
