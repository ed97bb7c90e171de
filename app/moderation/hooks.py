"""Moderation's request hook (suspended members do not write) and the staff navigation's queue count."""
from flask import request
from flask_login import current_user

from app import permissions
from app.clock import request_now
from app.exceptions import PermissionDenied
from app.moderation.queries import pending_count

# What a suspended member may still send: signing in and out, their own account and notification
# settings, and Markdown previews. Every other write is refused, whichever feature it belongs to.
ALLOWED_WHILE_SUSPENDED = frozenset({"auth", "account", "notifications"})
# Blocking someone is protection, not participation: a suspended member may still do it.
ALLOWED_ENDPOINTS = frozenset({"questions.preview", "messages.block"})
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_writes_of_suspended():
    """Refuse any web write of a suspended member with the reason and end date (services check again)."""
    if request.method in READS or request.blueprint in ALLOWED_WHILE_SUSPENDED:
        return
    if request.endpoint in ALLOWED_ENDPOINTS or not permissions.is_suspended(current_user, now=request_now()):
        return
    raise PermissionDenied(permissions.suspension_message(current_user))


def queue_count():
    """Items waiting in the moderation queue, for moderators' navigation (0 for everyone else)."""
    if not permissions.can_moderate(current_user, now=request_now()):
        return 0
    return pending_count()

