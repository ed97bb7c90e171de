"""Cache headers, conditional GETs, versioned static files and compression, without ever sharing a private page."""
import gzip

import brotli

from app.formatting import slugify


def url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


def test_visitor_pages_are_public_with_an_etag_and_answer_304_when_unchanged(client, make):
    question = make.question()
    for path in ("/", url(question), "/tags", "/tags/earbuds", "/users", "/api/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, no-cache", path
        etag = response.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == etag


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
    assert response.headers["Cache-Control"] == "public, max-age=300"
    last_modified = response.headers["Last-Modified"]
    assert client.get("/feeds/questions.atom", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get("/sitemap.xml").headers["Cache-Control"] == "public, max-age=3600"


def test_signed_in_pages_are_private_and_never_stored(client, make, sign_in):
    question = make.question()
    sign_in(make.user("reader"))
    for path in ("/", url(question), "/tags"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers, path
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
    assert public.headers["Cache-Control"] == "public, no-cache" and public.headers["ETag"]


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


def test_responses_are_compressed_and_keep_working_validators(client, make):
    question = make.question(body="A body long enough to be worth compressing. " * 40)
    make.answer(question)
    plain = client.get(url(question))
    for coding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get(url(question), headers={"Accept-Encoding": coding})
        assert response.headers["Content-Encoding"] == coding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decompress(response.data) == plain.data
        assert len(response.data) < len(plain.data) / 2
        etag = response.headers["ETag"]
        assert etag != plain.headers["ETag"]  # each coding has its own validator
        again = client.get(url(question), headers={"Accept-Encoding": coding, "If-None-Match": etag})
        assert again.status_code == 304
    assert "Content-Encoding" not in plain.headers


def test_visitor_pages_stay_free_of_cookies_and_csrf_tokens(client, make):
    question = make.question()
    make.answer(question)
    response = client.get(url(question))
    assert "Set-Cookie" not in response.headers
    assert "csrf" not in response.get_data(as_text=True).lower()
