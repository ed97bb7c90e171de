"""Hostile input: naughty strings, wrong types, huge bodies and forged requests never cause a server error."""
import json

import pytest

from app.auth import services as accounts
from app.clock import utcnow
from tests import corpora


@pytest.fixture
def naughty_strings(testdata):
    """The whole Big List of Naughty Strings (other tests take the class-stratified corpora.naughty_sample)."""
    strings = json.loads((testdata / "blns.json").read_text())
    assert len(strings) > 500
    return strings


CHUNKS = 8


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_naughty_strings_through_every_form_and_api_field(app, make, naughty_strings, sign_in, client, chunk):
    """Every string into every field: a page or a 4xx, never a 500, and the site keeps working.

    The one path the whole list runs through (once per database engine). In chunks, each on a
    thread of its own, so pages stay small and the chunks run in parallel.
    """
    member = make.user("tester")
    question = make.question(tags=["x200"])
    answer = make.answer(question)
    token = {"Authorization": f"Bearer {accounts.create_api_token(member, now=utcnow())}"}
    visitor = app.test_client()
    sign_in(member)
    for text in naughty_strings[chunk::CHUNKS]:
        padded = (text + " padding to pass the length rules")[:150]
        responses = [
            client.post("/questions/ask", data={"title": padded, "body": padded + text, "tags": text}),
            client.post("/questions/ask", data={"title": text, "body": text, "tags": "x200"}),
            client.post(f"/questions/{question.id}/answers", data={"body": text + " padding to pass the rules"}),
            client.post(f"/questions/{question.id}/comments", data={"body": text, "answer_id": answer.id}),
            client.post("/preview", data={"body": text}),
            client.get("/", query_string={"tab": text, "page": text}),
            visitor.post("/register", data={"username": text, "email": text, "password": text, "confirm": text}),
            visitor.post("/sign-in", data={"login": text, "password": text, "next": text}),
            visitor.get("/api/v1/questions", query_string={"tab": text, "tag": text, "page": text}),
            visitor.post("/api/v1/questions", json={"title": padded, "body": padded + text, "tags": [text]},
                         headers=token),
            visitor.post(f"/api/v1/questions/{question.id}/answers", json={"body": text}, headers=token),
            visitor.post(f"/api/v1/answers/{answer.id}/vote", json={"value": text}, headers=token),
        ]
        for response in responses:
            assert response.status_code < 500, (text, response.request.path, response.status_code)
    assert client.get(f"/questions/{question.id}", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("path", ["/questions/{q}", "/users/{u}", "/tags/{t}"])
def test_naughty_strings_in_urls_are_404_not_500(client, make, path):
    """The naughty-string sample of tests/corpora.py: one in 8 of each of its 14 classes, at least 2 of each."""
    for text in corpora.naughty_sample():
        url = path.format(q=text, u=text, t=text).replace("?", "%3F").replace("#", "%23")
        assert client.get(url).status_code in (200, 301, 302, 308, 404), text


def test_posts_saved_with_naughty_text_come_back_intact(client, make, naughty_strings):
    """Unicode, RTL and emoji survive the round trip (minus control characters)."""
    author = make.user()
    samples = [s for s in naughty_strings if any(ord(c) > 0x2000 for c in s)][:20]
    assert samples
    question = make.question(author, title="Unicode and emoji survive 🙂 ‮ test", body="\n\n".join(samples))
    page = client.get(f"/api/v1/questions/{question.id}").json
    assert "🙂" in page["title"]
    assert "\x00" not in page["body_html"]


@pytest.mark.parametrize("body", [b"\x00\x01\x02", b"{" * 10000, b'{"title": "' + b"\xff" * 50 + b'"}',
                                  b'{"title": NaN}', b"[]" * 1000])
def test_garbage_json_is_a_clear_400(client, make, body):
    member = make.user()
    token = {"Authorization": f"Bearer {accounts.create_api_token(member, now=utcnow())}",
             "Content-Type": "application/json"}
    response = client.post("/api/v1/questions", data=body, headers=token)
    assert response.status_code in (400, 422)
    assert response.json["error"]["message"]


def test_a_huge_form_post_is_413(client, make, sign_in):
    sign_in(make.user())
    response = client.post("/questions/ask", data={"title": "x" * 20, "body": "y" * 700_000, "tags": "x"})
    assert response.status_code == 413


def test_other_users_ids_cannot_be_edited_or_deleted(client, make, sign_in):
    owner = make.user("owner")
    question = make.question(owner)
    answer = make.answer(question)
    comment = make.comment(question)
    sign_in(make.user("intruder"))
    assert client.post(f"/questions/{question.id}/edit", data={"title": "x" * 20, "body": "y" * 30,
                                                               "tags": "x"}).status_code == 403
    assert client.post(f"/answers/{answer.id}/edit", data={"body": "y" * 30}).status_code == 403
    assert client.post(f"/questions/{question.id}/delete").status_code == 403
    assert client.post(f"/answers/{answer.id}/delete").status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    assert client.post(f"/answers/{answer.id}/accept").status_code == 403
    assert client.get(f"/questions/{question.id}", follow_redirects=True).status_code == 200


def test_forms_refuse_posts_without_a_csrf_token(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    member = make.user("csrf")
    client = app.test_client()
    response = client.post("/sign-in", data={"login": "csrf", "password": "correct horse battery staple"})
    assert response.status_code == 400 and "form expired" in response.get_data(as_text=True)
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/sign-in", data={"login": "csrf", "password": "correct horse battery staple",
                                             "csrf_token": token})
    assert response.status_code == 302
    question = make.question(member)
    assert client.post(f"/questions/{question.id}/answers", data={"body": "x" * 40}).status_code == 400


@pytest.mark.parametrize("path", ["/", "/questions/999", "/api/v1/questions", "/api/v1/questions/999", "/sign-in"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_carry_no_inline_script(client, make):
    question = make.question()
    for path in ("/", f"/questions/{question.id}", "/sign-in", "/register"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script>" not in page and " onclick=" not in page and "javascript:" not in page
