"""Moderation: flags, the review queue, hidden and held posts, locks, suspensions and the admin pages."""


def init_app(app):
    """The moderation pages and API, the auditing receivers, the suspended-member guard, template helpers."""
    from app.extensions import csrf
    from app.models import HIDDEN_REASONS
    from app.moderation import api, hooks, routes, services
    from app.moderation.models import FLAG_REASONS, FLAG_STATUS_LABELS, RESOLUTION_LABELS, ROLE_LABELS

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    csrf.exempt(api.bp)  # bearer tokens, never cookies, authenticate API writes
    services.connect_receivers()
    app.before_request(hooks.refuse_writes_of_suspended)
    app.jinja_env.globals.update(moderation_queue_count=hooks.queue_count, flag_reasons=FLAG_REASONS,
                                 hidden_reasons=HIDDEN_REASONS, review_url=routes.review_url, post_url=routes.post_url,
                                 flag_trust_rule=services.flag_trust_rule, flag_statuses=FLAG_STATUS_LABELS,
                                 resolution_labels=RESOLUTION_LABELS, role_labels=ROLE_LABELS)
