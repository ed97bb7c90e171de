"""Talking to members: notifications, follows, notification email and its delivery."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import routes  # noqa: E402,F401  (routes attach themselves to bp)


def register(app):
    """Hook the feature into the app: receivers, the email transport, template helpers, `flask worker`."""
    from app import mail
    from app.notifications import receivers, services, worker

    receivers.connect_receivers()
    mail.register(app)
    app.jinja_env.globals.update(unread_notifications=services.unread_count, is_following=services.is_following)
    worker.register(app)
