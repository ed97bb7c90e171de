"""Search logs, deflected drafts and the staff insights page."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import AskDraft, SearchLog
from app.search import index_sync, insights

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

TOKEN = "ab" * 16


def test_searches_and_suggestions_are_logged_without_personal_data(client, make, sign_in):
    make.question(title="Beam soundbar has no sound over HDMI")
    index_sync.catch_up(now=utcnow())
    sign_in(make.user("searcher"))
    client.get("/search?q=soundbar+hdmi")
    client.get("/search?q=teleporter")
    client.get("/api/v1/suggest?q=soundbar")
    rows = db.session.scalars(select(SearchLog).order_by(SearchLog.id)).all()
    assert [(r.kind, r.query, r.result_count) for r in rows] == [
        ("search", "soundbar hdmi", 1), ("search", "teleporter", 0), ("suggest", "soundbar", 1)]
    assert set(SearchLog.__table__.columns.keys()) == {"id", "kind", "query", "result_count", "created_at"}


def test_an_opened_suggestion_then_an_abandoned_draft_counts_as_deflected(client, make):
    question = make.question()
    for _ in range(2):
        response = client.post("/api/v1/suggest/opened", json={"draft": TOKEN, "question_id": question.id})
        assert response.status_code == 204
    draft = db.session.get(AskDraft, TOKEN)
    assert draft.opened_count == 2 and draft.question_id == question.id
    since = utcnow() - timedelta(days=1)
    assert insights.deflected_count(since, now=utcnow()) == 0  # not abandoned yet: the asker may still post
    assert insights.deflected_count(since, now=utcnow() + insights.ABANDONED_AFTER + timedelta(minutes=1)) == 1


def test_a_draft_that_is_posted_is_not_deflected(client, make, sign_in):
    question = make.question()
    client.post("/api/v1/suggest/opened", json={"draft": TOKEN, "question_id": question.id})
    sign_in(make.user("poster"))
    response = client.post("/questions/ask", data={"title": "My own question after all, thanks",
                                                   "body": "The suggestion did not quite cover my case.",
                                                   "tags": "x200", "draft": TOKEN})
    assert response.status_code == 302
    assert db.session.get(AskDraft, TOKEN).posted_at is not None
    later = utcnow() + insights.ABANDONED_AFTER + timedelta(minutes=1)
    assert insights.deflected_count(utcnow() - timedelta(days=1), now=later) == 0


@pytest.mark.parametrize("payload", [{}, {"draft": "not-hex", "question_id": 1}, {"draft": TOKEN},
                                     {"draft": TOKEN, "question_id": "1"}, {"draft": ["x"], "question_id": 1}])
def test_bad_opened_reports_are_refused(client, payload):
    assert client.post("/api/v1/suggest/opened", json=payload).status_code == 422


def test_an_opened_report_for_a_missing_question_is_404(client):
    assert client.post("/api/v1/suggest/opened", json={"draft": TOKEN, "question_id": 99999}).status_code == 404


def test_insights_page_is_for_staff(client, make, sign_in):
    assert client.get("/staff/search").status_code == 404
    sign_in(make.user("member"))
    assert client.get("/staff/search").status_code == 403


def test_insights_page_shows_searches_without_results(client, make, sign_in):
    sign_in(make.user("agent", role="agent"))
    client.get("/search?q=warp+drive")
    page = client.get("/staff/search").get_data(as_text=True)
    assert "Searches that found nothing" in page and "warp drive" in page and "Deflected questions" in page
