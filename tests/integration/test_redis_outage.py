"""Redis down or hung: the site still serves, and rate limits fall back to each process's memory (README)."""
import socket
import threading

import pytest

from app import config as app_config
from app import create_app
from app.extensions import db
from tests import builders
from tests.servers import free_port


@pytest.fixture
def hung_redis():
    """A port that accepts connections and never answers: a Redis stuck on a full disk or a long fork."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted, stop = [], threading.Event()

    def hold():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def _limited_app(app, tmp_path, storage_uri):
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    config = app_config.testing_config(str(tmp_path / "limited"), database_url, str(tmp_path / "index"))
    config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage_uri, RATELIMIT_SIGN_IN="3 per minute",
                  RATELIMIT_POSTING="2 per minute")
    limited = create_app(config)
    limited.test_client_class = app.test_client_class
    return limited


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_sign_in_and_posting_work_and_stay_limited_while_redis_is_out(app, tmp_path, make, outage, request):
    storage = f"redis://127.0.0.1:{free_port()}" if outage == "down" else request.getfixturevalue("hung_redis")
    limited = _limited_app(app, tmp_path, storage)
    member = make.user("poster")
    question = make.question()
    try:
        member_client = limited.test_client()
        assert member_client.post("/sign-in", data={"login": member.username,
                                                    "password": builders.PASSWORD}).status_code == 302
        posted = [member_client.post(f"/questions/{question.id}/comments", data={"body": f"Comment {n}"}).status_code
                  for n in range(3)]
        assert posted == [302, 302, 429]
        # Counted in this process's memory: the budget of 3 sign-ins a minute per address still holds.
        client = limited.test_client()
        statuses = [client.post("/sign-in", data={"login": "x", "password": "y"}).status_code for _ in range(3)]
        assert statuses == [422, 422, 429]
        assert client.get("/sign-in").status_code == 200
        # Sign-up (its limit counts only accounts created) and password resets answer as usual.
        joined = limited.test_client().post("/register", data={
            "username": "newcomer", "email": "newcomer@example.org", "password": builders.PASSWORD,
            "confirm": builders.PASSWORD})
        assert joined.status_code == 302
        assert limited.test_client().post("/password-reset", data={"email": "newcomer@example.org"}).status_code == 302
    finally:
        with limited.app_context():
            db.engine.dispose()
