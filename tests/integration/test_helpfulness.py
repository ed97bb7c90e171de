"""Anonymous "Did this answer help you?": once per browser that keeps its token, no personal data, counts for staff."""
import json
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from app import create_app, visitors
from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.helpfulness import services as helpful
from app.helpfulness.models import AnswerFeedback
from app.questions import services

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def thread(make):
    question = make.question()
    return question, make.answer(question)


def url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


def vote(client, answer, value, **headers):
    return client.post(f"/answers/{answer.id}/helpful", data={"helpful": value}, headers=headers)


def visitor(app):
    """A browser that already holds a visitor token of ours, as after its first press."""
    client = app.test_client()
    client.set_cookie(visitors.COOKIE_NAME, visitors.cookie_value(secrets.token_urlsafe(24), app.config["SECRET_KEY"]))
    return client


def test_visitors_see_the_question_on_every_answer_members_do_not(client, make, sign_in, thread):
    question, answer = thread
    page = client.get(url(question)).get_data(as_text=True)
    assert "Did this answer help you?" in page and f'action="/answers/{answer.id}/helpful"' in page
    assert "csrf" not in page.lower()
    sign_in(make.user())
    assert "Did this answer help you?" not in client.get(url(question)).get_data(as_text=True)


def test_one_browser_counts_once_and_may_change_its_mind(app, thread):
    question, answer = thread
    browser = app.test_client()
    first = vote(browser, answer, "yes")  # no token yet: one is issued, nothing is counted, the page says so
    assert first.status_code == 200 and "Not counted yet" in first.get_data(as_text=True)
    assert 'name="helpful" value="yes"' in first.get_data(as_text=True)  # the same press, once more
    assert helpful.counts([answer.id]) == {}
    cookie = re.search(r"pd_visitor=([A-Za-z0-9_-]{32})\.[0-9a-f]{32};", first.headers["Set-Cookie"]).group(1)
    assert "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Lax" in first.headers["Set-Cookie"]
    second = vote(browser, answer, "yes")
    assert second.status_code == 303 and second.headers["Location"].endswith(f"{url(question)}#answer-{answer.id}")
    assert "Set-Cookie" not in second.headers  # the same token is kept
    assert helpful.counts([answer.id]) == {answer.id: (1, 0)}
    vote(browser, answer, "no")
    assert helpful.counts([answer.id]) == {answer.id: (0, 1)}
    other = app.test_client()
    assert vote(other, answer, "yes", Accept="application/json").json["retry"] is True
    assert vote(other, answer, "yes", Accept="application/json").json["counted"] is True
    assert helpful.counts([answer.id]) == {answer.id: (1, 1)}
    rows = db.session.scalars(select(AnswerFeedback)).all()
    assert len(rows) == 2 and cookie not in {row.browser_digest for row in rows}
    assert visitors.digest(cookie) in {row.browser_digest for row in rows}


def test_nothing_personal_is_stored(app, thread):
    _, answer = thread
    vote(visitor(app), answer, "yes", **{"X-Forwarded-For": "203.0.113.9", "User-Agent": "Secret/1.0"})
    columns = {column.key for column in inspect(AnswerFeedback).mapper.column_attrs}
    assert columns == {"id", "answer_id", "browser_digest", "helpful", "created_at", "updated_at"}
    rows = db.session.scalars(select(AnswerFeedback)).all()
    assert len(rows) == 1
    stored = json.dumps([[str(getattr(row, c)) for c in sorted(columns)] for row in rows])
    assert "203.0.113.9" not in stored and "Secret" not in stored and "127.0.0.1" not in stored


def test_the_script_gets_json_and_presses_once_more_when_told(client, thread):
    _, answer = thread
    first = vote(client, answer, "no", Accept="application/json")
    assert first.status_code == 200 and first.json == {"helpful": False, "counted": False, "retry": True,
                                                       "message": visitors.NOT_COUNTED_YET}
    again = vote(client, answer, "no", Accept="application/json")
    assert again.json["counted"] is True and again.json["retry"] is False and again.json["message"].startswith("Thanks")
    assert vote(client, answer, "no", Accept="application/json").json["counted"] is False  # already counted


@pytest.mark.parametrize("value", ["", "maybe", "YES", "1", "<script>"])
def test_only_yes_or_no(client, thread, value):
    _, answer = thread
    response = vote(client, answer, value)
    assert response.status_code == 422
    assert db.session.scalar(select(AnswerFeedback)) is None


@pytest.mark.parametrize("forged", ["not-a-token'; DROP TABLE answers; --", "a" * 32, "a" * 32 + "." + "0" * 32])
def test_a_forged_cookie_counts_nothing_and_gets_a_signed_token(client, thread, forged):
    _, answer = thread
    client.set_cookie("pd_visitor", forged)
    response = vote(client, answer, "yes")
    assert response.status_code == 200 and db.session.scalar(select(AnswerFeedback)) is None
    assert re.search(r"pd_visitor=[A-Za-z0-9_-]{32}\.[0-9a-f]{32};", response.headers["Set-Cookie"])


def test_missing_deleted_or_hidden_answers_are_404(client, make, thread):
    question, answer = thread
    assert vote(client, type("A", (), {"id": 999999})(), "yes").status_code == 404
    author = make.user()
    gone = make.answer(question, author, body="An answer its author will delete in a moment.")
    services.delete_answer(author, gone, now=utcnow())
    assert vote(client, gone, "yes").status_code == 404
    answer.hidden_at = utcnow()
    db.session.commit()
    assert vote(client, answer, "yes").status_code == 404


def test_other_sites_cannot_post_feedback(client, thread):
    _, answer = thread
    assert vote(client, answer, "yes", Origin="https://evil.example").status_code == 403
    assert vote(client, answer, "yes", **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert vote(client, answer, "yes", Origin="http://localhost", **{"Sec-Fetch-Site": "same-origin"}
                ).status_code == 200  # accepted: a first press, which issues the visitor token


def test_counts_show_to_staff_only(client, app, make, sign_in, thread):
    question, answer = thread
    for value in ("yes", "yes", "no"):
        vote(visitor(app), answer, value)
    assert "Visitors said this answer helped" not in client.get(url(question)).get_data(as_text=True)
    for role, shown in (("member", False), ("agent", True), ("moderator", True), ("admin", True)):
        viewer = app.test_client()
        viewer.post("/sign-in", data={"login": make.user(role=role).username, "password": make.PASSWORD})
        page = viewer.get(url(question)).get_data(as_text=True)
        assert ("Visitors said this answer helped: 2 yes, 1 no" in page) == shown, role


def test_the_insights_page_says_what_it_counts_and_adds_no_marks_to_deflection(client, app, make, sign_in, thread):
    _, answer = thread
    for value in ("yes", "yes", "no"):
        vote(visitor(app), answer, value)
    vote(app.test_client(), answer, "yes")  # no token: not counted
    since = utcnow() - timedelta(days=1)
    assert helpful.summary(since) == (2, 1, 1)
    assert helpful.summary(utcnow() + timedelta(days=1)) == (0, 0, 0)
    assert helpful.summary(since, until=since + timedelta(hours=1)) == (0, 0, 0)
    sign_in(make.user(role="agent"))
    page = client.get("/staff/search").get_data(as_text=True)
    assert re.search(r"Answers marked helpful</dt><dd>2<", page)
    assert re.search(r"Answers marked not helpful</dt><dd>1<", page)
    assert "Visitors helped" not in page and "Deflected in all" not in page
    assert "one per browser and answer" in page and "keep our visitor cookie" in page
    assert "at most 5 a day per question or answer, and 30 an hour in all, from one address" in page


def test_many_clicks_from_one_address_are_rate_limited(app, thread):
    _, answer = thread
    limited = create_app(dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))
    limited.test_client_class = app.test_client_class
    browser = limited.test_client()
    statuses = [vote(browser, answer, "yes").status_code for _ in range(32)]
    assert statuses == [200] + [303] * 29 + [429, 429]  # every press costs against the press budget
    with limited.app_context():
        db.engine.dispose()
