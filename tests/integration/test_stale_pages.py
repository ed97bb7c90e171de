"""While the database does not answer, visitors get the last good copy of a page this process served, marked stale."""
import contextlib
import gzip

import pytest
from sqlalchemy import event

from app.extensions import db
from app.formatting import slugify


@contextlib.contextmanager
def database_down():
    """Every new connection is refused, as by a stopped server; the pool's open connections are closed first."""
    engine = db.engine

    def refuse(*_):
        raise engine.dialect.loaded_dbapi.OperationalError("connection refused (the test stopped the database)")

    db.session.remove()
    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


@pytest.fixture
def thread_path(make):
    question = make.question(title="Why does my X200 case blink red at night?")
    return f"/questions/{question.id}/{slugify(question.title)}"


def test_a_page_served_before_the_outage_is_served_stale_during_it(client, thread_path):
    fresh = client.get(thread_path)
    assert fresh.status_code == 200 and "blink red" in fresh.get_data(as_text=True)
    with database_down():
        stale = client.get(thread_path)
        unseen = client.get("/tags")
        member_page = client.get(thread_path, headers={"Authorization": "Bearer not-a-visitor"})
    assert stale.status_code == 200 and stale.get_data() == fresh.get_data()
    assert stale.headers["Warning"] == '110 - "Response is Stale"' and stale.headers["X-Stale"] == "1"
    assert stale.headers["Cache-Control"] == "no-store" and "ETag" not in stale.headers
    assert int(stale.headers["Age"]) >= 0 and stale.headers["Content-Type"].startswith("text/html")
    assert stale.headers["Content-Security-Policy"]  # the usual hooks still ran on it
    assert unseen.status_code == 503 and unseen.headers["Retry-After"] == "5"
    assert member_page.status_code == 503
    assert client.get(thread_path).headers.get("X-Stale") is None  # back: fresh again


def test_each_language_has_its_own_copy(client, thread_path):
    default = client.get(thread_path)
    with database_down():
        french = client.get(thread_path, headers={"Accept-Language": "fr"})
        again = client.get(thread_path)
    assert french.status_code == 503 and "De retour dans un instant" in french.get_data(as_text=True)
    assert again.status_code == 200 and again.get_data() == default.get_data()


def test_the_copy_is_kept_uncompressed_and_compressed_again_for_each_reader(client, thread_path):
    plain = client.get(thread_path).get_data()
    compressed = client.get("/questions?tab=newest", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    with database_down():
        stale_plain = client.get("/questions?tab=newest")
        stale_gzip = client.get(thread_path, headers={"Accept-Encoding": "gzip"})
        other_query = client.get("/questions?tab=unanswered")
    assert "Content-Encoding" not in stale_plain.headers
    assert stale_plain.get_data() == gzip.decompress(compressed.get_data())
    assert stale_gzip.headers["Content-Encoding"] == "gzip" and gzip.decompress(stale_gzip.get_data()) == plain
    assert other_query.status_code == 503  # the full path is the key


def test_the_apis_public_json_is_served_stale_too(client, thread_path):
    fresh = client.get("/api/v1/questions")
    with database_down():
        stale = client.get("/api/v1/questions")
        unseen = client.get("/api/v1/questions?page=2")
    assert stale.status_code == 200 and stale.get_json() == fresh.get_json() and stale.headers["X-Stale"] == "1"
    assert unseen.status_code == 503 and unseen.get_json()["error"]["code"] == "unavailable"


def test_a_members_page_is_never_kept_and_a_member_gets_the_503_page_not_a_500(app, client, make, sign_in,
                                                                                thread_path):
    sign_in(make.user("reader"))
    assert client.get(thread_path).status_code == 200
    assert not app.extensions.get("peerdesk_stale_pages")  # nothing kept of a member's page
    visitor = app.test_client()
    visitor.get(thread_path)
    with database_down():
        assert visitor.get(thread_path).status_code == 200
        member = client.get(thread_path)
        sign_in_attempt = visitor.post("/sign-in", data={"login": "reader", "password": "x"})
    assert member.status_code == 503 and member.headers["Retry-After"] == "5"
    assert "The community is briefly unavailable" in member.get_data(as_text=True)
    assert sign_in_attempt.status_code == 503  # a write is never answered from a copy


def test_the_store_can_be_switched_off(app, client, thread_path):
    app.config["STALE_PAGES_ENABLED"] = False
    client.get(thread_path)
    with database_down():
        assert client.get(thread_path).status_code == 503
