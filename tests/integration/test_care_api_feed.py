"""The care API a CRM can live on: every item through cursor pages, a feed of changes since a time, notes,
comments and acknowledging through the API, and webhook events for each change."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.auth import services as accounts
from app.care import services
from app.care.models import CareItem
from app.extensions import db
from app.models import Comment, Question
from app.outbox import OutboxMessage
from app.webhooks import services as webhooks

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def agent(make):
    return make.user("agent1", role="agent")


@pytest.fixture
def headers(agent, clock):
    return {"Authorization": f"Bearer {accounts.create_api_token(agent, now=clock.now)}"}


def _bulk_items(author, count, at):
    """Questions and their items inserted straight through the tables: fast enough for thousands."""
    rows = [dict(author_id=author.id, title=f"X200 case {n} will not pair", body_source="It will not pair.",
                 body_html="<p>It will not pair.</p>", created_at=at, last_activity_at=at) for n in range(count)]
    ids = sorted(db.session.scalars(insert(Question).returning(Question.id), rows))
    db.session.execute(insert(CareItem), [dict(
        question_id=question_id, status="new", category="question", team="technical support", created_at=at,
        opened_at=at, updated_at=at + timedelta(seconds=n % 7), priority_score=0, paused_seconds=0,
        reopened_count=0, sentiment=0, matched_words=[]) for n, question_id in enumerate(ids)])
    db.session.commit()
    return ids


def test_every_item_is_in_some_page_of_the_queue(client, make, headers, clock):
    _bulk_items(make.user(), 2050, clock.now - timedelta(minutes=5))
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get("/api/v1/care/items", query_string={"limit": 500, **({"cursor": cursor} if cursor
                                                                                    else {})}, headers=headers)
        assert response.status_code == 200, response.json
        body = response.json
        assert body["total"] == 2050
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5 and len(seen) == len(set(seen)) == 2050  # today silently capped at 2,000


def test_the_feed_of_changes_pages_without_missing_or_repeating(client, make, headers, clock):
    ids = _bulk_items(make.user(), 12, clock.now - timedelta(hours=1))
    since = (clock.now - timedelta(hours=2)).isoformat() + "Z"
    seen, cursor = [], None
    while True:
        query = {"updated_since": since, "limit": 5, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/care/items", query_string=query, headers=headers).json
        seen += [(item["updated_at"], item["id"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == seen and len(seen) == len(set(seen)) == 12
    # A later change brings just that item back, after the last position seen.
    item = db.session.get(CareItem, db.session.scalar(select(CareItem.id).where(CareItem.question_id == ids[3])))
    services.add_note(make.user("agent2", role="agent"), item, "Called the customer.", now=clock.now)
    body = client.get("/api/v1/care/items", query_string={"updated_since": seen[-1][0]}, headers=headers).json
    assert [entry["id"] for entry in body["items"]][-1] == item.id


@pytest.mark.parametrize("query, field", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"order": "random"}, "order"),
    ({"updated_since": "yesterday"}, "updated_since"), ({"updated_since": "<script>"}, "updated_since"),
])
def test_bad_paging_is_a_clear_error(client, headers, query, field):
    response = client.get("/api/v1/care/items", query_string=query, headers=headers)
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_a_cursor_of_one_order_is_refused_in_the_other(client, make, headers, clock):
    _bulk_items(make.user(), 3, clock.now)
    cursor = client.get("/api/v1/care/items", query_string={"limit": 1}, headers=headers).json["next_cursor"]
    response = client.get("/api/v1/care/items", query_string={"order": "updated", "cursor": cursor},
                          headers=headers)
    assert response.status_code == 422


def _queued(make, agent, clock):
    return services.send_to_queue(agent, make.question(), "From the phone line.", now=clock.now)


def test_notes_through_the_api_stay_internal(client, make, agent, headers, clock):
    item = _queued(make, agent, clock)
    response = client.post(f"/api/v1/care/items/{item.id}/notes", json={"body": "Customer is on <b>hold</b>."},
                           headers=headers)
    assert response.status_code == 201 and response.json["author"]["id"] == agent.id
    notes = client.get(f"/api/v1/care/items/{item.id}/notes", headers=headers).json["items"]
    assert [note["body"] for note in notes] == ["Customer is on <b>hold</b>."]
    assert "hold" not in client.get(f"/questions/{item.question_id}").get_data(as_text=True)
    for body in ({}, {"body": ""}, {"body": 7}, {"body": "x" * 5001}):
        assert client.post(f"/api/v1/care/items/{item.id}/notes", json=body, headers=headers).status_code == 422


def test_a_comment_through_the_api_is_the_first_response(client, make, headers, clock):
    item = _queued(make, make.user("lead", role="moderator"), clock)
    response = client.post(f"/api/v1/care/items/{item.id}/comments", json={"body": "Which firmware version?"},
                           headers=headers)
    assert response.status_code == 201
    assert response.json["care_item"]["status"] == "acknowledged"
    assert response.json["care_item"]["clocks"]["first_response"]["stopped_at"] is not None
    assert db.session.get(Comment, response.json["comment"]["id"]).body == "Which firmware version?"


def test_acknowledging_through_the_api_posts_the_message(client, make, headers, clock):
    item = _queued(make, make.user("lead", role="moderator"), clock)
    response = client.post(f"/api/v1/care/items/{item.id}/acknowledge", headers=headers)
    assert response.status_code == 201 and response.json["care_item"]["status"] == "acknowledged"
    assert "looking into it" in db.session.get(Comment, response.json["comment"]["id"]).body
    assert client.post("/api/v1/care/items/999999/acknowledge", headers=headers).status_code == 404


def test_members_cannot_use_the_new_endpoints(client, make, clock):
    item = _queued(make, make.user("lead", role="moderator"), clock)
    member = {"Authorization": f"Bearer {accounts.create_api_token(make.user(), now=clock.now)}"}
    for method, path in (("get", "notes"), ("post", "notes"), ("post", "comments"), ("post", "acknowledge")):
        response = getattr(client, method)(f"/api/v1/care/items/{item.id}/{path}", json={"body": "hi"},
                                           headers=member)
        assert response.status_code == 403, path


def test_webhooks_tell_a_crm_of_every_change(make, agent, clock):
    admin = make.user(role="admin")
    lead = make.user("lead", role="moderator")
    events = ["care_item.status_changed", "care_item.assigned", "care_item.reopened", "care_item.answered",
              "answer.posted"]
    webhooks.create(admin, "https://crm.example/hook", events, now=clock.now)
    item = _queued(make, lead, clock)
    services.assign(lead, item, agent, now=clock.now)
    make.answer(item.question)
    services.set_status(agent, item, "resolved", now=clock.now)
    services.set_status(lead, item, "in_progress", now=clock.now + timedelta(minutes=1))
    db.session.rollback()
    delivered = [json.loads(message.payload["body"]) for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "webhook").order_by(OutboxMessage.id))]
    kinds = [body["event"] for body in delivered]
    assert kinds.count("care_item.assigned") == 1 and kinds.count("care_item.reopened") == 1
    assert {"care_item.answered", "answer.posted", "care_item.status_changed"} <= set(kinds)
    assigned = next(body["data"] for body in delivered if body["event"] == "care_item.assigned")
    assert assigned["assignee"] == {"before": None, "after": agent.id, "handover_from": None}
    assert assigned["care_item"]["question"]["title"] == item.question.title
    assert assigned["care_item"]["reasons"][0]["kind"] == "manual"
    changes = [body["data"]["status"] for body in delivered if body["event"] == "care_item.status_changed"]
    assert {"before": "acknowledged", "after": "resolved"} in changes or \
        {"before": "new", "after": "resolved"} in changes
