"""Search logs, deflected drafts and the staff insights page."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import AskDraft, SearchLog
from app.search import index_sync, insights
from tests import builders

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


def _draft_token(client):
    """The draft token the ask form gave this client's session (it must be signed in)."""
    page = client.get("/questions/ask").get_data(as_text=True)
    match = re.search(r'<input[^>]*name="draft"[^>]*value="([0-9a-f]*)"', page)
    assert match and match.group(1), "the ask form carries no draft token of this session"
    return match.group(1)


def _ask(client, draft, title="My own question after all, thanks"):
    return client.post("/questions/ask", data={"title": title, "body": "The suggestion did not quite cover my case.",
                                               "tags": "x200", "draft": draft})


def test_an_opened_suggestion_then_an_abandoned_draft_counts_as_deflected(client, make, sign_in, clock):
    question = make.question()
    sign_in(make.user("asker"))
    token = _draft_token(client)
    for _ in range(2):
        response = client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": question.id})
        assert response.status_code == 204
    draft = db.session.get(AskDraft, token)
    assert draft.opened_count == 2 and draft.question_id == question.id
    since = clock.now - timedelta(days=1)
    assert insights.deflected_count(since, now=clock.now) == 0  # not abandoned yet: the asker may still post
    assert insights.deflected_count(since, now=clock.now + insights.ABANDONED_AFTER + timedelta(minutes=1)) == 1


def test_the_ask_form_keeps_the_session_draft_until_a_question_is_posted(client, make, sign_in):
    sign_in(make.user("asker"))
    token = _draft_token(client)
    assert _draft_token(client) == token  # back from a suggestion: the same draft, not a second one
    assert _ask(client, token).status_code == 302
    assert _draft_token(client) != token  # the next question is a new draft


def test_a_draft_token_this_session_was_not_given_is_refused_and_counts_nothing(client, app, make, sign_in, clock):
    question = make.question()
    visitor = app.test_client()
    assert visitor.post("/api/v1/suggest/opened", json={"draft": TOKEN, "question_id": question.id}).status_code == 403
    sign_in(make.user("asker"))
    foreign_tokens = [TOKEN]
    other_browser = app.test_client()
    other_browser.post("/sign-in", data={"login": make.user("other").username, "password": builders.PASSWORD})
    foreign_tokens.append(_draft_token(other_browser))
    for token in foreign_tokens:
        response = client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": question.id})
        assert response.status_code == 403
        assert response.json["error"]["code"] == "forbidden" and "session" in response.json["error"]["message"]
    assert db.session.scalars(select(AskDraft)).all() == []
    assert insights.deflected_count(clock.now - timedelta(days=1), now=clock.now + timedelta(days=1)) == 0


@pytest.mark.parametrize("sent", ["same", "other", "none"])
def test_opening_a_suggestion_then_posting_from_the_same_session_is_not_deflected(client, make, sign_in, clock, sent):
    question = make.question()
    sign_in(make.user("poster"))
    token = _draft_token(client)
    assert client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": question.id}).status_code == 204
    clock.advance(timedelta(minutes=10))
    # Whatever the form sends (a stale tab, a script that did not run), the post is this session's.
    assert _ask(client, {"same": token, "other": "cd" * 16, "none": ""}[sent]).status_code == 302
    assert db.session.get(AskDraft, token).posted_at == clock.now
    for later in (timedelta(hours=1, minutes=1), timedelta(days=3)):
        assert insights.deflected_count(clock.now - timedelta(days=1), now=clock.now + later) == 0


def test_posting_after_a_refused_attempt_still_marks_the_draft_posted(client, make, sign_in, clock):
    question = make.question()
    sign_in(make.user("poster"))
    token = _draft_token(client)
    client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": question.id})
    assert _ask(client, token, title="Short").status_code == 422  # a title too short: the form comes back
    assert _ask(client, "").status_code == 302
    assert insights.deflected_count(clock.now - timedelta(days=1), now=clock.now + timedelta(hours=2)) == 0


def test_a_post_long_after_the_window_does_not_undo_a_settled_deflection(client, make, sign_in, clock):
    question = make.question()
    sign_in(make.user("asker"))
    token = _draft_token(client)
    client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": question.id})
    since = clock.now - timedelta(days=1)
    clock.advance(timedelta(days=2))
    assert insights.deflected_count(since, now=clock.now) == 1
    # Days later the same browser session asks something else: the first draft was still answered by the suggestion.
    assert _draft_token(client) != token
    assert _ask(client, "").status_code == 302
    assert insights.deflected_count(since, now=clock.now) == 1


@pytest.mark.parametrize("payload", [{}, {"draft": "not-hex", "question_id": 1}, {"draft": TOKEN},
                                     {"draft": TOKEN, "question_id": "1"}, {"draft": ["x"], "question_id": 1}])
def test_bad_opened_reports_are_refused(client, payload):
    assert client.post("/api/v1/suggest/opened", json=payload).status_code == 422


def test_an_opened_report_for_a_missing_question_is_404(client, make, sign_in):
    sign_in(make.user("asker"))
    token = _draft_token(client)
    assert client.post("/api/v1/suggest/opened", json={"draft": token, "question_id": 99999}).status_code == 404


def test_insights_page_is_for_staff(client, make, sign_in):
    assert client.get("/staff/search").status_code == 404
    sign_in(make.user("member"))
    assert client.get("/staff/search").status_code == 403


def test_insights_page_shows_searches_without_results(client, make, sign_in):
    sign_in(make.user("agent", role="agent"))
    client.get("/search?q=warp+drive")
    page = client.get("/staff/search").get_data(as_text=True)
    assert "Searches that found nothing" in page and "warp drive" in page and "Deflected questions" in page
