"""API token scopes: what each one lets a program do, and which roles may hold it."""
from flask_babel import lazy_gettext as _l

from app import permissions


def _any_member(user):
    return True


# name: (what it allows, in the words the token page shows; who may hold it)
SCOPES = {
    "read": (_l("Read your own account's API state, such as the tags you follow"), _any_member),
    "write": (_l("Ask, answer, vote, accept answers, flag posts, follow tags and upload images as you "
                 "(includes read)"), _any_member),
    "care:read": (_l("Read the care queue: items and their internal notes"), permissions.is_staff),
    "care:write": (_l("Work the care queue: send threads to it, triage, assign, change status, add notes, comment "
                      "and acknowledge (includes care:read)"), permissions.is_staff),
    "moderate": (_l("Read the moderation flags"), permissions.is_moderator),
}
# A scope that writes also reads what it writes: a PATCH answers with the changed item.
IMPLIES = {"write": ("read",), "care:write": ("care:read",)}


def allowed(user):
    """The scopes the user's current role may hold, in catalogue order."""
    return [name for name, (_label, may_hold) in SCOPES.items() if may_hold(user)]


def role_allows(user, names):
    """Whether the user's current role may hold every one of these scopes."""
    permitted = set(allowed(user))
    return all(name in permitted for name in names)


def grants(names, scope):
    """Whether a token holding `names` may act with `scope` (directly or through a scope that implies it)."""
    if scope not in SCOPES:
        raise ValueError(f"Unknown API scope {scope!r}.")  # a programming error, never a client's
    return scope in names or any(scope in IMPLIES.get(name, ()) for name in names)


def label(name):
    """What a scope allows, for the token page, in the current language."""
    return str(SCOPES[name][0])
