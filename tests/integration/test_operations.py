"""What load balancers and operators read: /healthz, /readyz, /metrics, the request id and the JSON request log."""
import json
import logging
import re
import shutil
import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app import config, create_app
from app.extensions import db
from app.models import SearchChange
from app.operations import readiness, request_log
from app.search import index_sync
from tests import builders, servers
from tests.migrating import migrated_to

HEX_ID = re.compile(r"[0-9a-f]{32}")


class Lines(logging.Handler):
    """Keeps what the request logger's own formatter writes, one parsed JSON object per line."""

    def __init__(self, formatter):
        super().__init__()
        self.formatter = formatter
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines(app):
    app.config["REQUEST_LOG"] = True
    handler = Lines(request_log.logger.handlers[0].formatter)
    request_log.logger.addHandler(handler)
    yield handler.lines
    request_log.logger.removeHandler(handler)


@pytest.fixture
def unreachable(tmp_path):
    """An app whose database cannot be opened (a folder that does not exist)."""
    missing = "sqlite:////nonexistent-folder/peerdesk.db"
    return create_app(config.testing_config(str(tmp_path), missing, str(tmp_path / "index")))


def test_healthz_answers_without_the_database_and_is_never_cached(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_every_response_carries_a_request_id_of_its_own(client):
    first, second = client.get("/healthz"), client.get("/")
    assert HEX_ID.fullmatch(first.headers["X-Request-Id"]) and HEX_ID.fullmatch(second.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_a_proxys_request_id_is_kept_only_when_the_app_trusts_its_proxy(app, client):
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c21"}).headers["X-Request-Id"] != "lb-7f3a9c21"
    app.config["TRUST_PROXY_HEADERS"] = 1
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c21"}).headers["X-Request-Id"] == "lb-7f3a9c21"
    # Nothing that could forge a log line or bloat it is taken as it is.
    for forged in ("short", "x" * 129, "abc def ghi", 'lb-1"}{"status":200'):
        kept = client.get("/healthz", headers={"X-Request-Id": forged}).headers["X-Request-Id"]
        assert HEX_ID.fullmatch(kept), forged


def test_each_request_writes_one_json_line_with_its_id_status_and_duration(client, make, sign_in, log_lines):
    response = client.get("/questions?tab=newest")
    assert len(log_lines) == 1
    line = log_lines[0]
    assert line["message"] == "request" and line["level"] == "INFO" and line["time"]
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["path"], line["endpoint"], line["status"]) == ("GET", "/questions", "questions.index",
                                                                                 200)
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 60_000
    assert line["member"] is None and line["bytes"] == len(response.data)

    member = make.user("logged")
    sign_in(member)
    client.get("/no-such-page")
    assert log_lines[-1]["status"] == 404 and log_lines[-1]["member"] == member.id
    assert "?" not in "".join(str(line["path"]) for line in log_lines)  # queries (search words) stay out of logs


def test_metrics_time_requests_by_endpoint_and_read_the_queues(app, client, make):
    client.get("/")
    make.question(title="Why does my X200 case blink red?")  # logged for search, not applied yet
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'peerdesk_request_duration_seconds_count\{endpoint="questions.index",method="GET",'
                     r'status="200"\} [1-9]', text)
    assert "peerdesk_index_available 1.0" in text
    assert "peerdesk_index_pending_changes 1.0" in text
    assert "peerdesk_care_open_items 0.0" in text and "peerdesk_outbox_backlog" in text
    # The scrape does not time itself.
    assert 'endpoint="operations.metrics"' not in client.get("/metrics").get_data(as_text=True)
    index_sync.catch_up(now=builders.utcnow())
    assert "peerdesk_index_pending_changes 0.0" in client.get("/metrics").get_data(as_text=True)


def test_metrics_report_a_missing_index_instead_of_failing(app, client):
    index_sync.app_index().cursor()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "peerdesk_index_available 0.0" in response.get_data(as_text=True)


def test_metrics_ask_for_the_token_when_one_is_set(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret-1"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"}).status_code == 200


def test_readyz_is_ready_on_a_current_schema_with_the_index_caught_up(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path) as app:
        response = app.test_client().get("/readyz")
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"status": "ready", "checks": {
            "database": {"ok": True, "detail": "reachable"},
            "migrations": {"ok": True, "detail": "current"},
            "search_index": {"ok": True, "detail": "caught up"}}}
        assert response.headers["Cache-Control"] == "no-store"


def test_readyz_fails_while_the_index_lags_past_its_bound_and_recovers(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path) as app:
        builders.question(now=builders.utcnow())
        # The change log stamps its own time: measure from it, however long the question took to write.
        asked = db.session.scalar(select(func.min(SearchChange.created_at)))
        # Within the bound the host still serves (a change takes a moment to apply)...
        ok, detail = readiness.checks(asked + timedelta(seconds=10), 30)["search_index"]
        assert ok and detail == "1 changes behind"
        # ...past it, the load balancer is told to stop sending it traffic, and why.
        ok, detail = readiness.checks(asked + timedelta(seconds=45), 30)["search_index"]
        assert not ok and detail.startswith("1 changes behind, the oldest logged 45 s ago")
        app.config["READY_INDEX_LAG_SECONDS"] = 0
        response = app.test_client().get("/readyz")
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.get_json()["checks"]["search_index"]["ok"] is False
        assert response.get_json()["checks"]["database"]["ok"] is True
        index_sync.catch_up(now=builders.utcnow())
        assert app.test_client().get("/readyz").status_code == 200


def test_readyz_names_a_schema_behind_the_code(fresh_database_url, tmp_path):
    head, = readiness.migration_heads()
    previous = readiness.ScriptDirectory(str(readiness.REPO_ROOT / "migrations")).get_revision(head).down_revision
    with migrated_to(fresh_database_url, tmp_path, previous) as app:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        detail = response.get_json()["checks"]["migrations"]["detail"]
        assert f"the database is at {previous}, the code expects {head}" in detail and "flask db upgrade" in detail


def test_readyz_keeps_an_old_host_ready_while_a_newer_release_migrated_the_database(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path) as app:
        db.session.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe0001'"))
        db.session.commit()
        response = app.test_client().get("/readyz")
        assert response.status_code == 200, response.get_json()
        detail = response.get_json()["checks"]["migrations"]["detail"]
        assert detail == "ahead: the database is at f00dcafe0001, a newer release's schema"


def test_readyz_fails_on_a_missing_index_folder(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path) as app:
        index_sync.app_index().cursor()
        shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["search_index"]["ok"] is False


def test_readyz_reports_an_unreachable_database_and_healthz_stays_up(unreachable):
    client = unreachable.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["status"] == "not ready"
    checks = response.get_json()["checks"]
    assert not checks["database"]["ok"] and "unable to open database file" in checks["database"]["detail"]
    assert not checks["migrations"]["ok"]
    assert client.get("/healthz").status_code == 200


def test_a_scrape_of_any_gunicorn_worker_counts_the_requests_of_all(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path / "seed"):
        pass
    (tmp_path / "prometheus").mkdir()
    env = servers.host_environment(tmp_path, fresh_database_url, PROMETHEUS_MULTIPROC_DIR=tmp_path / "prometheus")
    with servers.serving(env, tmp_path / "gunicorn.log", workers=2) as host:
        assert [host.get("/tags")[0] for _ in range(20)] == [200] * 20
        counts = set()
        for _ in range(6):  # new connections: both workers answer some of these scrapes
            body = host.get("/metrics")[1]
            counts.add(re.search(r'peerdesk_request_duration_seconds_count\{endpoint="questions.tags",method="GET",'
                                 r'status="200"\} ([0-9.]+)', body).group(1))
        assert counts == {"20.0"}, host.log()
        assert len(set(re.findall(r'\bpid="(\d+)"', body))) <= 1  # summed, not listed per worker


def test_a_database_server_that_accepts_but_never_answers_gives_a_503_within_the_connect_timeout(
        tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "1")
    with socket.socket() as silent:  # the kernel completes the handshake; nothing ever reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/peerdesk"
        frozen = create_app(config.testing_config(str(tmp_path), url, str(tmp_path / "index")))
        answers = []
        request = threading.Thread(target=lambda: answers.append(frozen.test_client().get("/questions")))
        request.start()
        request.join(timeout=60)  # without a connect timeout libpq would wait for ever
        assert answers and answers[0].status_code == 503 and answers[0].headers["Retry-After"] == "5"


def test_an_unreachable_database_gives_a_fast_503_with_retry_after_not_a_500(unreachable):
    client = unreachable.test_client()
    page = client.get("/questions")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert page.headers["Cache-Control"] == "no-store"
    assert "The community is briefly unavailable" in page.get_data(as_text=True)
    api = client.get("/api/v1/questions")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    french = client.get("/questions", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr"' in french and "De retour dans un instant" in french
