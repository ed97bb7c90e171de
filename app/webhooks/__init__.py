"""Webhooks: admins register URLs that receive signed deliveries of community events through the outbox."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from app.webhooks import routes  # noqa: E402,F401  (routes attach themselves to bp)
