"""Triage through the real services, the item page's form and the API: routing, overrides and re-routing."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import settings
from app.auth import services as accounts
from app.care import queries, services, sweep
from app.care.models import CareItem
from app.clock import utcnow
from app.extensions import db
from app.search import embeddings
from tests.unit.test_triage import CHARGED, CRASHES, WIFI

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)
needs_model = pytest.mark.skipif(embeddings.encoder() is None, reason="the sentence encoder is not installed")


def _item(question):
    db.session.rollback()
    return db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def _queued_by_the_sweep(make, title, body, tags):
    question = make.question(title=title, body=body, tags=tags)
    sweep.run(question.created_at + timedelta(minutes=60))
    return question, _item(question)


@needs_model
def test_the_wifi_report_is_a_technical_question_at_a_question_s_priority(make):
    question, item = _queued_by_the_sweep(make, *WIFI, ["wifi"])
    assert (item.category, item.team) == ("question", "technical support"), item.triage_reason
    assert "compliment" not in item.triage_reason
    # A question's priority, not a compliment's: normal once it has waited three hours, like any question.
    services.compute_priority(item, item.opened_at + timedelta(hours=3))
    assert queries.effective_priority(item) == "normal"


@needs_model
@pytest.mark.parametrize("thread, tags, category, team, why", [
    (CHARGED, ["x200"], "complaint", "customer care", "topic billing → customer care"),
    (CHARGED, ["billing", "orders"], "complaint", "customer care", "tag billing → customer care"),
    (("Charged twice for my order", "Two charges, one order."), ["x200"], "complaint", "customer care", "billing"),
    (CRASHES, ["x200"], "question", "technical support", "topic technical → technical support"),
    (("The app crashes", "Since this morning, every time."), ["x200"], "question", "technical support", "technical"),
])
def test_the_issue_s_threads_route_by_tags_and_topic(make, thread, tags, category, team, why):
    _, item = _queued_by_the_sweep(make, *thread, tags)
    assert (item.category, item.team) == (category, team) and why in item.triage_reason, item.triage_reason


def test_an_admin_s_override_wins_over_tags_and_the_classifier(make):
    admin = make.user(role="admin")
    settings.change(admin, "CARE_TRIAGE_OVERRIDES", "mesh system=marketing\nunplug=category:other", "routing test",
                    now=utcnow())
    _, item = _queued_by_the_sweep(make, *WIFI, ["billing"])
    assert (item.category, item.team) == ("other", "marketing")
    assert item.triage_reason == "override: 'unplug' → other; override: 'mesh system' → marketing"


def test_the_tag_table_is_an_admin_setting(make):
    settings.change(make.user(role="admin"), "CARE_TAG_ROUTING", "wifi=marketing", "routing test", now=utcnow())
    _, item = _queued_by_the_sweep(make, *WIFI, ["setup", "wifi"])
    assert item.team == "marketing" and item.triage_reason.endswith("tag wifi → marketing")


def test_a_sweep_loads_the_model_once_and_classifies_its_batch_in_one_pass(make, monkeypatch):
    from app.care import triage

    calls = []
    real = triage.predict
    monkeypatch.setattr(triage, "predict", lambda texts, **kw: calls.append(len(texts)) or real(texts, **kw))
    questions = [make.question(title=f"Case {n}: the X200 will not pair", body="It never shows up in the list.")
                 for n in range(3)]
    sweep.run(max(q.created_at for q in questions) + timedelta(minutes=60))
    assert calls == [3] and all(_item(q).triage_reason for q in questions)


def test_the_item_page_shows_why_and_the_form_re_routes_on_a_new_category(client, make, sign_in):
    agent = make.user(role="agent")
    question = make.question(title="The X200 case will not close", body="The lid springs open.")
    services.send_to_queue(agent, question, "", now=utcnow())
    item = _item(question)
    sign_in(agent)
    page = client.get(f"/staff/care/items/{item.id}").get_data(as_text=True)
    assert "data-triage-reason" in page and item.triage_reason in page
    assert f'<option value="" selected>automatic (now {item.team})</option>' in page
    # What the browser sends: the team select left on "automatic".
    client.post(f"/staff/care/items/{item.id}/triage", data={"category": "complaint", "team": "", "priority": "auto"})
    item = _item(question)
    assert (item.category, item.team, item.triage_reason) == ("complaint", "customer care",
                                                              "staff: complaint → customer care")
    client.post(f"/staff/care/items/{item.id}/triage", data={"category": "complaint", "team": "marketing"})
    assert (_item(question).team, _item(question).triage_reason) == ("marketing", "staff chose marketing")
    client.post(f"/staff/care/items/{item.id}/triage", data={"category": "question", "team": ""})
    assert (_item(question).category, _item(question).team) == ("question", "technical support")
    client.post(f"/staff/care/items/{item.id}/triage", data={"category": "question", "team": "", "priority": "high"})
    assert _item(question).team == "technical support" and _item(question).priority_override == "high"


def test_the_api_re_routes_on_a_new_category_and_keeps_a_team_given_with_it(client, make):
    agent = make.user(role="agent")
    headers = {"Authorization": f"Bearer {accounts.create_api_token(agent, now=utcnow())}"}
    question = make.question(title="The X200 case will not close", body="The lid springs open.")
    services.send_to_queue(agent, question, "", now=utcnow())
    item = _item(question)
    changed = client.patch(f"/api/v1/care/items/{item.id}", headers=headers, json={"category": "complaint"})
    assert changed.status_code == 200 and changed.json["team"] == "customer care"
    both = client.patch(f"/api/v1/care/items/{item.id}", headers=headers,
                        json={"category": "compliment", "team": "technical support"})
    assert both.json["category"] == "compliment" and both.json["team"] == "technical support"


@pytest.mark.parametrize("name, lines", [("CARE_TRIAGE_OVERRIDES", "refund=the moon"),
                                         ("CARE_TRIAGE_OVERRIDES", "refund=category:rant"),
                                         ("CARE_TAG_ROUTING", "wifi=category:question"), ("CARE_TAG_ROUTING", "wifi")])
def test_routing_lines_that_name_no_team_are_refused_with_a_message(make, name, lines):
    from app.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        settings.change(make.user(role="admin"), name, lines, "routing test", now=utcnow())
    assert "write" in str(refused.value.errors)
