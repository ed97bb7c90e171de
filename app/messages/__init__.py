"""Private messages between two members: conversations, blocking and reports to the moderators."""
from flask import Blueprint

bp = Blueprint("messages", __name__)


def init_app(app):
    """The inbox and conversation pages, and the header's unread count."""
    from app.clock import request_now
    from app.messages import routes, services  # noqa: F401  (routes attach themselves to bp)

    def messaging_state(user, other):
        """What a page offers the viewer towards a member, at the request's moment."""
        return services.messaging_state(user, other, now=request_now())

    app.register_blueprint(bp)
    app.jinja_env.globals.update(unread_messages=services.unread_count, messaging_state=messaging_state)
