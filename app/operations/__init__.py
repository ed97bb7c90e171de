"""What load balancers and operators read: liveness and readiness, Prometheus metrics, a JSON log line per request."""


def init_app(app):
    """The /healthz, /readyz and /metrics routes, the request id and the per-request log line."""
    from app.operations import metrics, request_log, routes

    request_log.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(routes.bp)
