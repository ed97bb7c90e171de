"""Small helpers shared by the web views of every feature."""
from flask import flash, request


def show_errors(form, error):
    """Put a ValidationError's messages on the form's fields; flash what has no field."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and isinstance(getattr(field, "errors", None), (list, tuple)):
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def page_number():
    """?page= as a positive int; anything else means page 1."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
