"""JSON API v1: reads for everyone, writes with a bearer token, one error shape, nothing settable that must not be."""
import pytest
from sqlalchemy import select

from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.models import ApiToken, Question
from app.questions import services

GOOD = {"title": "Does the X200 support multipoint pairing?",
        "body": "I want to connect my phone and laptop at once.", "tags": ["x200", "bluetooth"]}


@pytest.fixture
def member(make):
    """A member and an Authorization header carrying a fresh token."""
    user = make.user("apiuser")
    return user, {"Authorization": f"Bearer {accounts.create_api_token(user, now=utcnow())}"}


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) >= {"code", "message"} and error["message"]
    if code:
        assert error["code"] == code


def test_list_questions_has_items_and_paging(client, make):
    for _ in range(3):
        make.question(tags=["x200"])
    body = client.get("/api/v1/questions?tab=newest").json
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 3)
    item = body["items"][0]
    assert set(item) >= {"id", "title", "url", "score", "answer_count", "accepted_answer_id", "status", "tags",
                         "author", "created_at", "last_activity_at"}
    assert item["tags"] == ["x200"] and item["status"] == "open" and item["created_at"].endswith("Z")
    assert client.get("/api/v1/questions?tag=x200").json["total"] == 3
    assert client.get("/api/v1/questions?tag=nothing-here").json["total"] == 0


@pytest.mark.parametrize("query", ["tab=bogus", "page=0", "page=abc", "page=-1"])
def test_list_rejects_bad_parameters(client, query):
    assert_error(client.get(f"/api/v1/questions?{query}"), 422, "invalid")


def test_create_question_returns_201_and_location(client, member):
    user, headers = member
    response = client.post("/api/v1/questions", json=GOOD, headers=headers)
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/questions/{response.json['id']}")
    assert response.json["author"]["username"] == "apiuser" and response.json["answers"] == []
    assert response.json["tags"] == ["bluetooth", "x200"]


def test_client_cannot_set_author_score_accepted_or_timestamps(client, member, make):
    user, headers = member
    other = make.user("victim")
    payload = {**GOOD, "author_id": other.id, "author": {"id": other.id}, "score": 999, "accepted_answer_id": 1,
               "created_at": "2001-01-01T00:00:00Z", "view_count": 10**6, "role": "admin", "id": 4242}
    response = client.post("/api/v1/questions", json=payload, headers=headers)
    assert response.status_code == 201
    question = db.session.get(Question, response.json["id"])
    assert question.author_id == user.id and question.score == 0 and question.accepted_answer_id is None
    assert question.view_count == 0 and question.created_at.year >= 2026 and question.id != 4242
    assert user.role == "member"


def test_writes_need_a_valid_token(client, make):
    question = make.question()
    for path, payload in (("/api/v1/questions", GOOD), (f"/api/v1/questions/{question.id}/answers", {"body": "x" * 30}),
                          (f"/api/v1/questions/{question.id}/vote", {"value": 1})):
        for headers in ({}, {"Authorization": "Bearer pd_wrong"}, {"Authorization": "Basic abc"},
                        {"Authorization": "Bearer"}):
            response = client.post(path, json=payload, headers=headers)
            assert_error(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_cookie_does_not_authorise_api_writes(client, make, sign_in):
    sign_in(make.user())
    assert_error(client.post("/api/v1/questions", json=GOOD), 401)


def test_revoked_tokens_stop_working(client, member):
    user, headers = member
    accounts.revoke_api_token(user, db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id)),
                              now=utcnow())
    assert_error(client.post("/api/v1/questions", json=GOOD, headers=headers), 401)


@pytest.mark.parametrize("payload, status", [
    ("not json", 400), ([1, 2], 400), ("null", 400),
    ({}, 422), ({"title": 5, "body": [], "tags": "x"}, 422), ({**GOOD, "tags": [1]}, 422),
    ({**GOOD, "title": "<script>alert(1)</script>"}, 201), ({**GOOD, "body": "b" * 30001}, 422),
])
def test_bad_question_payloads_get_clear_4xx(client, member, payload, status):
    _, headers = member
    if isinstance(payload, str):
        response = client.post("/api/v1/questions", data=payload,
                               headers={**headers, "Content-Type": "application/json"})
    else:
        response = client.post("/api/v1/questions", json=payload, headers=headers)
    if status == 201:
        assert response.status_code == 201
        assert response.json["title"] == "<script>alert(1)</script>"  # JSON carries text; pages escape it
    else:
        assert_error(response, status)


def test_validation_errors_name_the_fields(client, member):
    _, headers = member
    response = client.post("/api/v1/questions", json={"title": "short"}, headers=headers)
    assert set(response.json["error"]["fields"]) == {"title", "body", "tags"}


def test_a_huge_body_is_413_not_500(client, member):
    _, headers = member
    response = client.post("/api/v1/questions", json={**GOOD, "body": "x" * 600_000}, headers=headers)
    assert_error(response, 413)


def test_get_question_with_answers_accepted_first(client, make):
    asker = make.user()
    question = make.question(asker)
    first, second = make.answer(question), make.answer(question)
    services.accept_answer(asker, second, now=utcnow())
    body = client.get(f"/api/v1/questions/{question.id}").json
    assert body["body_html"].startswith("<p>") and body["accepted_answer_id"] == second.id
    assert [a["id"] for a in body["answers"]] == [second.id, first.id]
    assert body["answers"][0]["accepted"] is True and set(body["answers"][0]) >= {
        "id", "body_html", "score", "accepted", "author", "created_at"}


def test_unknown_ids_are_404_json(client, member):
    _, headers = member
    assert_error(client.get("/api/v1/questions/987654"), 404)
    assert_error(client.post("/api/v1/questions/987654/answers", json={"body": "x" * 30}, headers=headers), 404)
    assert_error(client.post("/api/v1/answers/987654/vote", json={"value": 1}, headers=headers), 404)
    assert_error(client.post("/api/v1/answers/987654/accept", headers=headers), 404)
    assert_error(client.get("/api/v1/nothing-here"), 404)


def test_answer_vote_and_accept_flow(client, make, member):
    user, headers = member
    question = make.question(user)
    helper = make.user("helper")
    helper_headers = {"Authorization": f"Bearer {accounts.create_api_token(helper, now=utcnow())}"}
    response = client.post(f"/api/v1/questions/{question.id}/answers",
                           json={"body": "Turn it off and on again, then re-pair."}, headers=helper_headers)
    assert response.status_code == 201 and response.json["author"]["username"] == "helper"
    answer_id = response.json["id"]
    assert client.post(f"/api/v1/answers/{answer_id}/vote", json={"value": 1}, headers=headers).json == {"score": 1}
    assert client.post(f"/api/v1/answers/{answer_id}/vote", json={"value": 1}, headers=headers).json == {"score": 0}
    assert client.post(f"/api/v1/questions/{question.id}/vote", json={"value": -1},
                       headers=helper_headers).json == {"score": -1}
    assert_error(client.post(f"/api/v1/questions/{question.id}/vote", json={"value": 1}, headers=headers), 403)
    assert_error(client.post(f"/api/v1/answers/{answer_id}/accept", headers=helper_headers), 403)
    response = client.post(f"/api/v1/answers/{answer_id}/accept", headers=headers)
    assert response.json == {"accepted_answer_id": answer_id}
    assert client.get(f"/api/v1/questions/{question.id}").json["status"] == "resolved"


@pytest.mark.parametrize("value", ["1", True, 2, None, 1.5, [1]])
def test_vote_values_are_checked(client, make, member, value):
    _, headers = member
    question = make.question()
    assert_error(client.post(f"/api/v1/questions/{question.id}/vote", json={"value": value}, headers=headers), 422)
