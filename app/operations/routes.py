"""/healthz (the process answers), /readyz (it can serve: database, schema, index) and /metrics (Prometheus)."""
import hmac

from flask import Blueprint, abort, current_app, jsonify, request

from app.clock import request_now
from app.http_caching import never_store
from app.operations import metrics, readiness

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process serves requests. Reads nothing, so a database outage never restarts the app."""
    never_store()
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when every check passes, else 503 naming each failure (a load balancer stops sending)."""
    never_store()
    results = readiness.checks(request_now(), current_app.config["READY_INDEX_LAG_SECONDS"])
    ready = all(ok for ok, _ in results.values())
    body = {"status": "ready" if ready else "not ready",
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()}}
    response = jsonify(body)
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return response


@bp.get("/metrics")
def metrics_page():
    """The Prometheus exposition; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    never_store()
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(401)
    return current_app.response_class(metrics.exposition(request_now()), content_type=metrics.CONTENT_TYPE)
