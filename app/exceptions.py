"""Domain errors raised by services; views turn them into form errors, flashes or JSON."""


class DomainError(Exception):
    """Base of every error a service raises on purpose; `message` is safe to show."""

    status = 400
    code = "bad_request"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input breaks a rule; `errors` maps each field to its message."""

    status = 422
    code = "invalid"

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__("; ".join(str(message) for message in self.errors.values()))


class MalformedRequest(DomainError):
    """The request itself is unreadable (not JSON, not an object)."""

    status = 400
    code = "bad_request"


class NotFound(DomainError):
    """The thing does not exist or is not visible to this user."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The user may not do this to that."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request collides with the current state (already done, taken, locked)."""

    status = 409
    code = "conflict"


class EditConflict(Conflict):
    """An edit started from an older revision than the saved one; `current` is the version saved since."""

    code = "edit_conflict"

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


def must_exist(value, message):
    """`value`, or NotFound with `message` when it is None: the one way a query says 404."""
    if value is None:
        raise NotFound(message)
    return value
