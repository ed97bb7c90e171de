"""Webhooks: admins register URLs that receive signed deliveries of community events through the outbox."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__)


def init_app(app):
    """The admin page, and the receivers that queue deliveries of community events."""
    from app.webhooks import receivers, routes  # noqa: F401  (routes attach themselves to bp)

    app.register_blueprint(bp)
    receivers.connect_receivers()
