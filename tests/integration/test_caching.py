"""Cache headers, conditional GETs, versioned static files and compression, without ever sharing a private page."""
import gzip
import re
from datetime import timedelta

import brotli
import pytest
from sqlalchemy import update

from app import config, create_app
from app.extensions import db
from app.formatting import slugify
from app.http_caching import never_store
from app.models import Question
from app.questions import services
from tests.conftest import IsolatedClient

PUBLIC = "public, max-age=0, stale-if-error=86400"
MARKER = re.compile(rb"<!--/?volatile-->")


def url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


@pytest.fixture
def other_worker(app, database_url, tmp_path):
    """A second app on the same database, standing for another worker or host: its own page cache and view buffer."""
    settings = config.testing_config(str(tmp_path / "other-instance"), database_url, str(tmp_path / "other-index"))
    other = create_app(settings)
    other.test_client_class = IsolatedClient
    yield other.test_client()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_visitor_pages_are_public_with_an_etag_and_answer_304_when_unchanged(client, make):
    question = make.question()
    for path in ("/", url(question), "/tags", "/tags/earbuds", "/users", "/api/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == PUBLIC, path
        etag = response.headers["ETag"]
        assert etag.startswith('W/"'), path
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == etag


def test_two_workers_give_one_etag_to_a_question_page_whose_views_and_ages_differ(client, other_worker, make, clock):
    question = make.question()
    services.add_comment(make.user(), question, "Which firmware version is it?", now=clock.now)
    first = client.get(url(question))
    client.get(url(question)), client.get(url(question))  # counted, though this worker's page cache shows 0
    clock.advance(timedelta(hours=3))
    second = other_worker.get(url(question))
    assert "Viewed 0 times" in first.get_data(as_text=True)
    assert "Viewed 3 times" in second.get_data(as_text=True) and "3 hours ago" in second.get_data(as_text=True)
    assert first.headers["ETag"] == second.headers["ETag"]
    for worker, etag in ((other_worker, first.headers["ETag"]), (client, second.headers["ETag"])):
        for method in (worker.get, worker.head):
            again = method(url(question), headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
            assert again.headers["Cache-Control"] == PUBLIC


def test_the_apis_question_resources_keep_their_etag_when_only_the_view_count_moved(client, other_worker, make):
    question = make.question()
    for path in (f"/api/v1/questions/{question.id}", "/api/v1/questions"):
        first = client.get(path)
        db.session.execute(update(Question).where(Question.id == question.id)
                           .values(view_count=Question.view_count + 7))
        db.session.commit()
        second = other_worker.get(path)
        assert first.get_json() != second.get_json(), path  # the count moved...
        assert first.headers["ETag"] == second.headers["ETag"], path  # ...the content did not
        assert client.get(path, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304
    db.session.execute(update(Question).where(Question.id == question.id).values(score=Question.score + 1))
    db.session.commit()
    assert other_worker.get(f"/api/v1/questions/{question.id}").headers["ETag"] != first.headers["ETag"]


def test_head_answers_with_the_same_validator_as_get(client, make):
    question = make.question()
    got, head = client.get(url(question)), client.head(url(question))
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == got.headers["ETag"]


@pytest.mark.parametrize("change", ["edit", "answer", "vote", "comment"])
def test_a_real_change_to_the_thread_gives_another_etag_on_every_worker(client, other_worker, make, clock, change):
    question = make.question()
    before = client.get(url(question)).headers["ETag"]
    assert other_worker.get(url(question)).headers["ETag"] == before
    if change == "edit":
        body = "The right earbud stopped pairing after the firmware update."
        services.edit_question(question.author, question, question.title, body, ["earbuds"], now=clock.now)
    elif change == "answer":
        make.answer(question, body="Reset the case with the pin hole at the back.")
    elif change == "vote":
        services.cast_vote(make.user(), question, 1, now=clock.now)
    else:
        make.comment(question, text="Same here since version 2.1.")
    for worker in (client, other_worker):
        response = worker.get(url(question), headers={"If-None-Match": before})
        assert response.status_code == 200, change
        assert response.headers["ETag"] not in (before, None), change
        head = worker.head(url(question), headers={"If-None-Match": before})
        assert head.status_code == 200 and head.headers["ETag"] == response.headers["ETag"], change
    assert client.get(url(question)).headers["ETag"] == other_worker.get(url(question)).headers["ETag"]


def test_lists_a_feed_and_the_sitemap_keep_their_etag_when_only_views_and_ages_moved(client, other_worker, make, clock):
    question = make.question()
    paths = ("/", "/tags/earbuds", "/users", "/feeds/questions.atom", "/sitemap.xml", "/sitemap-questions-1.xml")
    first = {path: client.get(path) for path in paths}
    for _ in range(2):
        other_worker.get(url(question))
    clock.advance(timedelta(days=2))
    for path in paths:
        later = other_worker.get(path)
        assert later.status_code == 200 and first[path].status_code == 200, path
        assert later.headers["ETag"] == first[path].headers["ETag"], path
        again = client.get(path, headers={"If-None-Match": later.headers["ETag"]})
        assert again.status_code == 304, path
    home_then, home_now = first["/"].get_data(as_text=True), other_worker.get("/").get_data(as_text=True)
    assert "0 views" in home_then and "2 views" in home_now and "2 days ago" in home_now  # the bodies did differ
    make.answer(question)
    assert client.get("/", headers={"If-None-Match": first["/"].headers["ETag"]}).status_code == 200


def test_the_volatile_markers_never_reach_the_client(app, client, make, clock):
    @app.get("/test-unstored-marked-page")
    def unstored_marked_page():
        never_store()
        return "<p><!--volatile-->5 minutes ago<!--/volatile--></p>"

    question = make.question()
    comment = make.comment(question, text="Did you try another cable?")
    clock.advance(timedelta(minutes=5))
    services.edit_comment(comment.author, comment, "Did you try another USB-C cable?", now=clock.now)
    reader = make.user("reader")
    for path in ("/", url(question), "/tags/earbuds", f"/questions/{question.id}/revisions", f"/users/{reader.id}"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert not MARKER.search(response.data), path
        assert response.content_length == len(response.data), path
    page = client.get(url(question)).get_data(as_text=True)
    assert 'title="Edited just now">' in page  # the marked age inside an attribute, unmarked
    unstored = client.get("/test-unstored-marked-page")
    assert unstored.data == b"<p>5 minutes ago</p>" and unstored.headers["Cache-Control"] == "no-store"


def test_a_change_to_the_thread_changes_the_etag(client, make):
    question = make.question()
    etag = client.get(url(question)).headers["ETag"]
    make.answer(question, body="A new answer that changes what the page shows.")
    response = client.get(url(question), headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert "A new answer that changes" in response.get_data(as_text=True)


def test_feeds_and_sitemaps_carry_last_modified_and_answer_if_modified_since(client, make):
    make.question()
    response = client.get("/feeds/questions.atom")
    assert response.headers["Cache-Control"] == "public, max-age=300, stale-if-error=86400"
    last_modified = response.headers["Last-Modified"]
    assert client.get("/feeds/questions.atom", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get("/sitemap.xml").headers["Cache-Control"] == "public, max-age=3600, stale-if-error=86400"


def test_stale_if_error_is_a_setting_from_the_config_or_the_environment(tmp_path, database_url, monkeypatch):
    def public_cache_control(**settings):
        built = create_app({**config.testing_config(str(tmp_path / "instance"), database_url, str(tmp_path / "index")),
                            **settings})
        try:
            return built.test_client().get("/api/docs").headers["Cache-Control"]
        finally:
            with built.app_context():
                db.engine.dispose()

    monkeypatch.setenv("STALE_IF_ERROR_SECONDS", "600")
    assert public_cache_control() == "public, max-age=0, stale-if-error=600"
    assert public_cache_control(STALE_IF_ERROR_SECONDS=0) == "public, max-age=0"
    monkeypatch.setenv("STALE_IF_ERROR_SECONDS", "an hour")
    with pytest.raises(ValueError, match="STALE_IF_ERROR_SECONDS must be a whole number of seconds"):
        public_cache_control()


def test_signed_in_pages_are_private_and_never_stored(client, make, sign_in):
    question = make.question()
    sign_in(make.user("reader"))
    for path in ("/", url(question), "/tags"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers, path
        assert "stale-if-error" not in response.headers["Cache-Control"], path
        assert client.get(path, headers={"If-None-Match": "*"}).status_code == 200


def test_a_response_that_sets_a_cookie_is_never_public(app, client, make):
    question = make.question()
    answer = make.answer(question)
    response = client.post(f"/answers/{answer.id}/helpful", data={"helpful": "yes"})
    assert "pd_visitor=" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the form's token goes into the session
    sign_in_page = client.get("/sign-in")
    assert "Set-Cookie" in sign_in_page.headers  # the CSRF token lives in the session
    assert sign_in_page.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in sign_in_page.headers


def test_writes_errors_and_api_calls_with_a_token_are_not_stored(client, make):
    question = make.question()
    assert client.get("/questions/999999/x").headers["Cache-Control"] == "no-store"
    assert client.post("/api/v1/questions", json={}).headers["Cache-Control"] == "no-store"
    response = client.get(f"/api/v1/questions/{question.id}", headers={"Authorization": "Bearer anything"})
    assert response.headers["Cache-Control"] == "no-store"
    public = client.get(f"/api/v1/questions/{question.id}")
    assert public.headers["Cache-Control"] == PUBLIC and public.headers["ETag"]


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    assert '/static/css/site.css?v=' in page and '/static/js/site.js?v=' in page
    start = page.index("/static/css/site.css?v=")
    versioned = page[start:page.index('"', start)]
    response = client.get(versioned)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/css/site.css")
    assert plain.headers["Cache-Control"] == "public, max-age=3600"
    etag = plain.headers["ETag"]
    assert client.get("/static/css/site.css", headers={"If-None-Match": etag}).status_code == 304


def test_compressed_responses_share_the_weak_validator_and_answer_304_in_every_coding(client, other_worker, make):
    question = make.question(body="A body long enough to be worth compressing. " * 40)
    make.answer(question)
    plain = client.get(url(question))
    etag = plain.headers["ETag"]
    assert "Content-Encoding" not in plain.headers
    for coding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = other_worker.get(url(question), headers={"Accept-Encoding": coding})
        assert response.headers["Content-Encoding"] == coding
        assert "Accept-Encoding" in response.headers["Vary"]
        body = decompress(response.data)
        assert b"<h1" in body and not MARKER.search(body)
        assert len(response.data) < len(body) / 2
        # Flask-Compress suffixes only strong tags: one weak tag says "the same content" in every coding.
        assert response.headers["ETag"] == etag
        for worker in (client, other_worker):
            for method in (worker.get, worker.head):
                again = method(url(question), headers={"Accept-Encoding": coding, "If-None-Match": etag})
                assert again.status_code == 304 and again.data == b"", coding
                assert again.headers["ETag"] == etag and "Content-Encoding" not in again.headers
    make.answer(question, body="Another answer, so the thread changed.")
    changed = client.get(url(question), headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["Content-Encoding"] == "br"
    assert b"Another answer" in brotli.decompress(changed.data)


def test_visitor_pages_stay_free_of_cookies_and_csrf_tokens(client, make):
    question = make.question()
    make.answer(question)
    response = client.get(url(question))
    assert "Set-Cookie" not in response.headers
    assert "csrf" not in response.get_data(as_text=True).lower()
