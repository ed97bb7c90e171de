"""Rate limits on sign-in, sign-up and posting; shared between processes through Redis."""
import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.models import User
from tests import builders, servers

REDIS_URL = os.environ.get("TEST_REDIS_URL")  # tests marked needs_redis are only collected when it is set


@pytest.fixture
def limited_app(app, tmp_path):
    """The test app with rate limits on and small budgets."""
    config = dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                  RATELIMIT_SIGN_IN="3 per minute", RATELIMIT_SIGN_UP="2 per hour", RATELIMIT_POSTING="3 per minute",
                  RATELIMIT_SUGGEST_OPENED="2 per minute")
    limited = create_app(config)
    limited.test_client_class = app.test_client_class
    yield limited
    with limited.app_context():
        db.engine.dispose()


def test_sign_in_attempts_are_limited(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/sign-in", data={"login": "x", "password": "y"}).status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 429, 429]
    assert "Too many sign-in attempts" in client.post("/sign-in", data={"login": "x"}).get_data(as_text=True)
    assert client.get("/sign-in").status_code == 200  # reading the form is never limited


def _sign_up(app, username, *, confirm=builders.PASSWORD, **headers):
    """Submit the register form from a new visitor (same address, no session) and return the response."""
    return app.test_client().post("/register", headers=headers, data={
        "username": username, "email": f"{username}@example.org", "password": builders.PASSWORD, "confirm": confirm})


def test_failed_sign_up_attempts_do_not_count_towards_the_limit(limited_app):
    mistakes = [_sign_up(limited_app, "newcomer", confirm="a typo").status_code for _ in range(5)]
    assert mistakes == [422] * 5
    assert _sign_up(limited_app, "newcomer").status_code == 302
    assert db.session.scalar(select(User).filter_by(username="newcomer")) is not None


def test_accounts_created_are_limited_and_the_refusal_says_when_it_lifts(limited_app, clock):
    assert [_sign_up(limited_app, name).status_code for name in ("first", "second")] == [302, 302]
    clock.advance(timedelta(minutes=18))
    refused = _sign_up(limited_app, "third")
    assert refused.status_code == 429
    assert "You can create another account in 42 minutes." in refused.get_data(as_text=True)
    assert 41 * 60 <= int(refused.headers["Retry-After"]) <= 42 * 60 + 1
    as_json = _sign_up(limited_app, "third", Accept="application/json")
    assert as_json.status_code == 429
    assert "in 42 minutes" in as_json.json["error"]["message"]
    assert db.session.scalar(select(User).filter_by(username="third")) is None
    clock.advance(timedelta(minutes=43))
    assert _sign_up(limited_app, "third").status_code == 302


def test_posting_shares_one_budget_across_questions_answers_comments_and_the_api(limited_app, make):
    member = make.user("poster")
    question = make.question()
    token = accounts.create_api_token(member, now=utcnow())
    client = limited_app.test_client()
    client.post("/sign-in", data={"login": "poster", "password": builders.PASSWORD})
    statuses = [
        client.post(f"/questions/{question.id}/answers", data={"body": "An answer that is long enough."}).status_code,
        client.post(f"/questions/{question.id}/comments", data={"body": "A comment"}).status_code,
        client.post("/questions/ask", data={"title": "A question title long enough", "body": "b" * 30,
                                            "tags": "x"}).status_code,
        client.post(f"/questions/{question.id}/comments", data={"body": "One too many"}).status_code,
    ]
    assert statuses == [302, 302, 302, 429]
    api = limited_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    api_statuses = [api.post(f"/api/v1/questions/{question.id}/answers", json={"body": "x" * 30},
                             headers=headers).status_code for _ in range(4)]
    assert api_statuses == [201, 201, 201, 429]
    assert api.post(f"/api/v1/questions/{question.id}/answers", json={"body": "x" * 30},
                    headers=headers).json["error"]["code"] == "too_many_requests"


def test_opened_suggestion_reports_are_limited(limited_app, make):
    question = make.question()
    member = make.user("asker")
    client = limited_app.test_client()
    client.post("/sign-in", data={"login": member.username, "password": builders.PASSWORD})
    # Refusals count too: trying tokens one after another is what the limit is for.
    guessed = [client.post("/api/v1/suggest/opened", json={"draft": "ab" * 16, "question_id": question.id})
               for _ in range(3)]
    assert [response.status_code for response in guessed] == [403, 403, 429]
    assert guessed[-1].json["error"]["code"] == "too_many_requests"
    page = client.get("/questions/ask").get_data(as_text=True)
    token = re.search(r'<input[^>]*name="draft"[^>]*value="([0-9a-f]*)"', page).group(1)
    assert client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": question.id}).status_code == 429


@pytest.mark.needs_redis
def test_two_gunicorn_workers_share_the_limit_through_redis(tmp_path, redis_url):
    """With per-process memory each gunicorn worker would allow its own budget (20 of 60 through, not 5)."""
    env = servers.host_environment(tmp_path, f"sqlite:///{tmp_path / 'limits.db'}", RATELIMIT_ENABLED="true",
                                   RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    servers.flask_command(env, "db", "upgrade")
    with servers.serving(env, tmp_path / "gunicorn.log") as host:
        statuses = []
        for _ in range(14):
            # A new connection (and often another worker) each time, with a valid form token.
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            page = opener.open(f"{host.base}/sign-in", timeout=60).read().decode()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            data = urllib.parse.urlencode({"login": "nobody", "password": "wrong", "csrf_token": token}).encode()
            try:
                statuses.append(opener.open(f"{host.base}/sign-in", data=data, timeout=60).status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        assert statuses.count(422) == 10 and statuses[10:] == [429] * 4, statuses
