"""Talking to members: notifications, follows, notification email and its delivery."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)


def init_app(app):
    """The notification pages, receivers, the email transport, template helpers and `flask worker`."""
    from app import mail, page_cache
    from app.notifications import receivers, routes, services, tag_follows, worker  # noqa: F401  (routes attach to bp)

    app.register_blueprint(bp)
    receivers.connect_receivers()
    mail.init_app(app)
    app.jinja_env.globals.update(unread_notifications=services.unread_count, is_following=services.is_following,
                                 is_following_tag=tag_follows.is_following_tag,
                                 followed_tag_ids=tag_follows.followed_tag_ids)
    page_cache.add_member_facts(app, tag_follows.member_follow_facts)  # the follow buttons of a thread page
    worker.init_app(app)
