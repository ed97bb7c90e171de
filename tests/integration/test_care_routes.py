"""Care pages and API for every role: visitors, members, agents, moderators and admins."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import visitors
from app.auth import services as accounts
from app.care import queries, services, sweep
from app.care.models import CareItem, CareNote, SameProblem
from app.clock import utcnow
from app.extensions import db
from app.questions import services as threads
from tests import corpora

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

STAFF = ("agent", "moderator", "admin")


@pytest.fixture
def queued(make):
    """A question in the queue (sent by an agent)."""
    question = make.question(title="Pulse watch will not charge", body="The dock light stays off with every cable.")
    services.send_to_queue(make.user(role="agent"), question, "VIP customer", now=utcnow())
    return question, db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def _as(role, make, sign_in):
    if role == "visitor":
        return None
    user = make.user(role=role)
    sign_in(user)
    return user


PAGES = ["/staff/care", "/staff/care/items/{id}", "/staff/care/agents", "/staff/care/report",
         "/staff/care/report.csv?figure=items"]


@pytest.mark.parametrize("role, status", [("visitor", 404), ("member", 403), ("agent", 200), ("moderator", 200),
                                          ("admin", 200)])
@pytest.mark.parametrize("path", PAGES)
def test_staff_pages_by_role(client, make, sign_in, queued, role, status, path):
    _as(role, make, sign_in)
    response = client.get(path.format(id=queued[1].id))
    assert response.status_code == status
    if status == 200 and "csv" not in path:
        assert "Care queue" in response.get_data(as_text=True)


ACTIONS = [
    ("claim", {}), ("assign", {"assignee": "none"}), ("status", {"status": "waiting"}),
    ("triage", {"category": "complaint", "priority": "high"}), ("notes", {"body": "Called them"}),
    ("answer", {"body": "Clean the dock contacts with a dry cloth, then hold the crown for ten seconds."}),
    ("acknowledge", {}), ("comment", {"body": "Could you tell us the serial number?"}),
]


@pytest.mark.parametrize("role", ["visitor", "member", *STAFF])
@pytest.mark.parametrize("action, data", ACTIONS)
def test_item_actions_by_role(client, make, sign_in, queued, role, action, data):
    _as(role, make, sign_in)
    question, item = queued
    response = client.post(f"/staff/care/items/{item.id}/{action}", data=data)
    if role == "visitor":
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    elif role == "member":
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and f"/staff/care/items/{item.id}" in response.headers["Location"]
        page = client.get(f"/staff/care/items/{item.id}").get_data(as_text=True)
        assert "flash-error" not in page, page[page.find("flash-error") - 200:page.find("flash-error") + 300]


def test_the_item_page_shows_the_thread_reasons_clocks_and_notes_and_answers_from_the_queue(client, make, sign_in,
                                                                                          queued):
    question, item = queued
    agent = make.user(role="agent")
    sign_in(agent)
    client.post(f"/staff/care/items/{item.id}/claim")
    client.post(f"/staff/care/items/{item.id}/notes", data={"body": "Internal: <b>check RMA</b>"})
    client.post(f"/staff/care/items/{item.id}/answer",
                data={"body": "Clean the dock contacts with a dry cloth, then hold the crown."})
    page = client.get(f"/staff/care/items/{item.id}").get_data(as_text=True)
    assert question.title in page and "Sent by staff" in page and "VIP customer" in page
    assert "&lt;b&gt;check RMA&lt;/b&gt;" in page and "Official answer" in page and "Met" in page
    public = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Official answer" in public and "Staff investigating" in public
    assert "check RMA" not in public


def test_notes_never_reach_members(client, make, sign_in, queued):
    question, item = queued
    services.add_note(make.user(role="agent"), item, "Refund approved secretly", now=utcnow())
    sign_in(question.author)
    assert "Refund approved secretly" not in client.get(f"/questions/{question.id}",
                                                        follow_redirects=True).get_data(as_text=True)


def test_a_failed_answer_keeps_the_draft_and_says_why(client, make, sign_in, queued):
    sign_in(make.user(role="agent"))
    response = client.post(f"/staff/care/items/{queued[1].id}/answer", data={"body": "ok"}, follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("member", 403), *[(r, 302) for r in STAFF]])
def test_sending_a_thread_by_hand(client, make, sign_in, role, status):
    question = make.question()
    _as(role, make, sign_in)
    response = client.post("/staff/care/send", data={"question_id": question.id, "note": "Press contacted us"})
    assert response.status_code == status
    assert (db.session.scalar(select(CareItem).where(CareItem.question_id == question.id)) is not None) == \
        (status == 302)


def test_sending_needs_a_real_question(client, make, sign_in):
    sign_in(make.user(role="agent"))
    assert client.post("/staff/care/send", data={"question_id": "abc"}).status_code == 404
    assert client.post("/staff/care/send", data={"question_id": "999999"}).status_code == 404


def test_the_queue_filters_and_highlights_breaches(client, make, sign_in, queued):
    question, item = queued
    other = threads.ask_question(make.user(), "Compliment: the Lumen app is great", "Love the new sleep charts.",
                                 ["app"], now=utcnow() - timedelta(hours=4))
    sweep.run(utcnow() - timedelta(hours=2))  # queued two hours ago: the first response is overdue
    sign_in(make.user(role="agent"))
    page = client.get("/staff/care").get_data(as_text=True)
    assert question.title in page and other.title in page and "is-breached" in page and "overdue" in page
    page = client.get("/staff/care?reason=manual").get_data(as_text=True)
    assert question.title in page and other.title not in page
    page = client.get("/staff/care?status=resolved&team=nope&category=bogus&assignee=x").get_data(as_text=True)
    assert "Nothing here" in page


@pytest.mark.parametrize("role", ["visitor", "member", "agent"])
def test_i_have_this_problem_too_once_per_browser_or_member(client, make, sign_in, role):
    question = make.question()
    _as(role, make, sign_in)
    first = client.post(f"/questions/{question.id}/same-problem")
    if role == "visitor":  # no visitor token yet: one is issued, nothing counted, and the page says so
        assert first.status_code == 200 and "Not counted yet" in first.get_data(as_text=True)
        assert db.session.scalar(select(db.func.count()).select_from(SameProblem)) == 0
        first = client.post(f"/questions/{question.id}/same-problem")
    assert first.status_code == 302  # a member counts by account from the first press
    client.post(f"/questions/{question.id}/same-problem")
    assert db.session.scalar(select(db.func.count()).select_from(SameProblem)) == 1
    cookie = client.get_cookie("pd_visitor")
    assert cookie is not None and cookie.http_only
    stored = db.session.scalar(select(SameProblem.browser_hash))
    assert stored == visitors.digest(cookie.value.partition(".")[0])
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "1 person has this problem" in page


def test_same_problem_refuses_cross_site_posts_and_resolved_questions(client, make):
    question = make.question()
    assert client.post(f"/questions/{question.id}/same-problem",
                       headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post(f"/questions/{question.id}/same-problem",
                       headers={"Origin": "https://evil.example"}).status_code == 403
    answer = make.answer(question)
    threads.accept_answer(question.author, answer, now=utcnow())
    assert client.post(f"/questions/{question.id}/same-problem").status_code == 409
    assert client.post("/questions/999999/same-problem").status_code == 404


def test_the_asker_answers_the_follow_up_on_the_thread(client, make, sign_in, queued):
    question, item = queued
    services.set_status(make.user(role="agent"), item, "resolved", now=utcnow())
    stranger = make.user()
    sign_in(stranger)
    assert "Did this solve your problem?" not in client.get(f"/questions/{question.id}",
                                                            follow_redirects=True).get_data(as_text=True)
    assert client.post(f"/questions/{question.id}/care-feedback", data={"solved": "no"}).status_code == 403
    assert db.session.get(CareItem, item.id).status == "resolved"  # refused: not the asker
    client.post("/sign-out")
    sign_in(question.author)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Did this solve your problem?" in page and "Resolved by staff" in page
    assert client.post(f"/questions/{question.id}/care-feedback", data={"solved": "maybe"}).status_code == 400
    client.post(f"/questions/{question.id}/care-feedback", data={"solved": "no"})
    db.session.rollback()
    assert db.session.get(CareItem, item.id).status == "new"


def test_feedback_needs_sign_in(client, queued):
    response = client.post(f"/questions/{queued[0].id}/care-feedback", data={"solved": "yes"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_staff_navigation_shows_the_open_count(client, make, sign_in, queued):
    assert "Care queue" not in client.get("/").get_data(as_text=True)
    sign_in(make.user())
    assert "Care queue" not in client.get("/").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(make.user(role="agent"))
    assert 'data-care-open>1<' in client.get("/").get_data(as_text=True)


def test_agents_set_their_availability(client, make, sign_in, queued):
    agent = make.user(role="agent")
    backup = make.user(role="agent")
    sign_in(agent)
    response = client.post("/staff/care/agents", data={"agent": agent.id, "away": "1", "backup": backup.id})
    assert response.status_code == 302
    assert queries.is_away(agent)
    client.post("/staff/care/agents", data={"agent": backup.id, "away": "1", "backup": "none"})
    assert not queries.is_away(backup)  # agents set only their own
    assert client.post("/staff/care/agents", data={"agent": "x"}).status_code == 302


def test_report_bad_dates_and_figures_are_clear_errors(client, make, sign_in):
    sign_in(make.user(role="admin"))
    page = client.get("/staff/care/report?start=yesterday").get_data(as_text=True)
    assert "start is a date" in page
    assert client.get("/staff/care/report.csv?figure=passwords").status_code == 422
    assert client.get("/staff/care/report?start=2026-11-10&end=2026-11-01").status_code == 200


# API ---------------------------------------------------------------------------------------


def _headers(make, role):
    return {"Authorization": f"Bearer {accounts.create_api_token(make.user(role=role), now=utcnow())}"}


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/care/items", None), ("get", "/api/v1/care/items/{id}", None),
    ("patch", "/api/v1/care/items/{id}", {"status": "in_progress"}),
    ("post", "/api/v1/care/items", {"question_id": 0}),
])
@pytest.mark.parametrize("role, status", [("visitor", 401), ("member", 403)])
def test_api_refuses_visitors_and_members(client, make, queued, method, path, body, role, status):
    headers = {} if role == "visitor" else _headers(make, role)
    response = getattr(client, method)(path.format(id=queued[1].id), json=body, headers=headers)
    # A member's token cannot even hold the care scopes: refused for the scope before the role.
    assert response.status_code == status
    assert response.json["error"]["code"] in ("unauthorized", "forbidden", "insufficient_scope")


@pytest.mark.parametrize("role", STAFF)
def test_api_for_staff(client, make, queued, role):
    question, item = queued
    headers = _headers(make, role)
    listing = client.get("/api/v1/care/items?status=open&team=technical%20support", headers=headers)
    assert listing.status_code == 200 and [i["id"] for i in listing.json["items"]] == [item.id]
    assert listing.json["items"][0]["clocks"]["first_response"]["breached"] is False
    agent = make.user(role="agent")
    changed = client.patch(f"/api/v1/care/items/{item.id}", headers=headers,
                           json={"status": "waiting", "assignee": agent.id, "category": "complaint",
                                 "priority": "urgent"})
    assert changed.status_code == 200, changed.json
    assert changed.json["status"] == "waiting" and changed.json["assignee"]["id"] == agent.id
    assert changed.json["team"] == "customer care" and changed.json["priority"] == "urgent"
    assert changed.json["clocks"]["resolution"]["paused"] is True
    other = make.question()
    created = client.post("/api/v1/care/items", headers=headers, json={"question_id": other.id, "note": "From CRM"})
    assert created.status_code == 201 and created.json["reasons"][0]["detail"] == "From CRM"
    assert client.get(created.headers["Location"], headers=headers).json["question"]["id"] == other.id


@pytest.mark.parametrize("query", ["status=bogus", "category=rant", "assignee=abc", "assignee=99999999999"])
def test_api_list_validates_filters(client, make, query):
    assert client.get(f"/api/v1/care/items?{query}", headers=_headers(make, "agent")).status_code == 422


@pytest.mark.parametrize("body, status", [
    ({"status": "maybe"}, 422), ({"assignee": "bob"}, 422), ({"assignee": 99999}, 422), ({"owner": 1}, 422),
    ({"category": 5}, 422), ({"priority": "extreme"}, 422), ([], 400),
])
def test_api_patch_validates(client, make, queued, body, status):
    response = client.patch(f"/api/v1/care/items/{queued[1].id}", headers=_headers(make, "agent"),
                            data=json.dumps(body), content_type="application/json")
    assert response.status_code == status and "error" in response.json


@pytest.mark.parametrize("body, status", [({"question_id": "1"}, 422), ({"question_id": 999999}, 404),
                                          ({"question_id": 1.5}, 422), ({"question_id": 1, "note": 3}, 422)])
def test_api_create_validates(client, make, body, status):
    make.question()
    assert client.post("/api/v1/care/items", headers=_headers(make, "agent"), json=body).status_code == status


def test_api_unknown_item_is_404(client, make):
    assert client.get("/api/v1/care/items/424242", headers=_headers(make, "agent")).status_code == 404


def test_hostile_notes_are_escaped(client, make, sign_in, queued):
    """A plain script tag and the XSS sample of one payload in 100 from each of the corpus's 25 sources."""
    sign_in(make.user(role="agent"))
    payloads = ["<script>alert(1)</script>", *(entry["payload"] for entry in corpora.xss_sample(every=100))]
    for payload in payloads:
        client.post(f"/staff/care/items/{queued[1].id}/notes", data={"body": payload})
    page = client.get(f"/staff/care/items/{queued[1].id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert db.session.scalar(select(db.func.count()).select_from(CareNote)) >= 1


@pytest.mark.parametrize("chunk", range(2))
def test_naughty_strings_through_every_care_field(app, client, make, sign_in, queued, chunk):
    """Naughty strings into every care form, filter and API field: a page or a 4xx, never a 500.

    The naughty-string sample of tests/corpora.py (one in 8 of each of its 14 classes, at least
    2 of each: control, zero-width and bidi characters, markup, right-to-left, combining marks,
    emoji, wide East Asian, SQL, shell and format strings, numbers, punctuation, words...), half
    of it per chunk; the whole list goes through the question forms and API in test_hostile_input.
    """
    strings = corpora.naughty_sample()[chunk::2]
    question, item = queued
    agent = make.user(role="agent")
    headers = {"Authorization": f"Bearer {accounts.create_api_token(agent, now=utcnow())}"}
    sign_in(agent)
    for text in strings:
        responses = [
            client.post(f"/staff/care/items/{item.id}/notes", data={"body": text}),
            client.post(f"/staff/care/items/{item.id}/triage", data={"category": text, "team": text, "priority": text}),
            client.post(f"/staff/care/items/{item.id}/status", data={"status": text}),
            client.post(f"/staff/care/items/{item.id}/assign", data={"assignee": text}),
            client.post("/staff/care/send", data={"question_id": question.id, "note": text}),
            client.post("/staff/care/agents", data={"agent": text, "away": text, "backup": text}),
            client.get("/staff/care", query_string={"status": text, "team": text, "assignee": text,
                                                    "category": text, "reason": text}),
            client.get("/staff/care/report", query_string={"start": text, "end": text}),
            client.get("/staff/care/report.csv", query_string={"figure": text}),
            client.post(f"/questions/{question.id}/care-feedback", data={"solved": text}),
            client.get("/api/v1/care/items", headers=headers, query_string={"status": text, "assignee": text}),
            client.patch(f"/api/v1/care/items/{item.id}", headers=headers, json={"status": text, "team": text}),
            client.post("/api/v1/care/items", headers=headers, json={"question_id": question.id, "note": text}),
        ]
        for response in responses:
            assert response.status_code < 500, (text, response.request.path, response.status_code)
    assert client.get(f"/staff/care/items/{item.id}").status_code == 200
