"""Figures that cannot be gamed: the public buttons count a browser only when it kept its visitor token, and
one address adds only so many counts, across processes when the limits live in Redis."""
import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from app import config as app_config
from app import create_app, visitors
from app.care.models import SameProblem
from app.extensions import db
from app.helpfulness import services as helpful
from app.helpfulness.models import AnswerFeedback
from tests import builders, servers

REDIS_URL = os.environ.get("TEST_REDIS_URL")  # tests marked needs_redis are only collected when it is set
JSON = {"Accept": "application/json"}


def same_problem(client, question, **environ):
    return client.post(f"/questions/{question.id}/same-problem", headers=JSON, environ_base=environ)


def helpful_vote(client, answer, value="yes", **environ):
    return client.post(f"/answers/{answer.id}/helpful", data={"helpful": value}, headers=JSON,
                       environ_base=environ)


def presses(question):
    return db.session.scalar(select(func.count()).select_from(SameProblem).where(SameProblem.question_id ==
                                                                                question.id))


@pytest.fixture
def thread(make):
    question = make.question()
    return question, make.answer(question)


@pytest.fixture
def limited_app(app):
    """The test app with limits on, in this process's memory, and small count budgets."""
    limited = create_app(dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                              RATELIMIT_VISITOR_PRESSES="1000 per minute", RATELIMIT_COUNTED_PER_POST="3 per day",
                              RATELIMIT_COUNTED_ACROSS_POSTS="5 per hour"))
    limited.test_client_class = app.test_client_class
    yield limited
    with limited.app_context():
        db.engine.dispose()


def test_46_presses_without_a_cookie_count_nothing_and_say_so(app, thread):
    question, answer = thread
    for _ in range(46):
        client = app.test_client(use_cookies=False)  # a curl loop: every press arrives without a cookie
        pressed, voted = same_problem(client, question), helpful_vote(client, answer)
        assert pressed.json == {"count": 0, "counted": False, "retry": True, "message": visitors.NOT_COUNTED_YET}
        assert voted.json["counted"] is False and voted.json["retry"] is True
        assert "pd_visitor=" in pressed.headers["Set-Cookie"]
    assert presses(question) == 0 and helpful.counts([answer.id]) == {}


def test_made_up_tokens_count_nothing(app, thread):
    question, answer = thread
    for forged in ("a" * 32, "b" * 32 + "." + "0" * 32, "c" * 32 + ".", "../../etc"):
        for press, target in ((same_problem, question), (helpful_vote, answer)):
            client = app.test_client(use_cookies=False)
            assert press(client, target, HTTP_COOKIE=f"pd_visitor={forged}").json["counted"] is False
    assert presses(question) == 0 and helpful.counts([answer.id]) == {}


def test_a_cookie_jar_counts_once(app, thread):
    question, answer = thread
    client = app.test_client()
    pressed = [same_problem(client, question).json["counted"] for _ in range(46)]
    voted = [helpful_vote(client, answer).json["counted"] for _ in range(46)]
    assert pressed == [False, True] + [False] * 44  # the first press only brought the token back
    assert voted == [True] + [False] * 45  # the same token: the other button counts it at once
    assert presses(question) == 1 and helpful.counts([answer.id]) == {answer.id: (1, 0)}
    # One token for both buttons: the same digest in both tables, and never the token itself.
    token = client.get_cookie("pd_visitor").value.partition(".")[0]
    assert db.session.scalar(select(SameProblem.browser_hash)) == visitors.digest(token)
    assert db.session.scalar(select(AnswerFeedback.browser_digest)) == visitors.digest(token)


def test_a_plain_form_hears_that_it_was_not_counted_and_how_to_be(app, thread):
    question, _ = thread
    client = app.test_client()
    page = client.post(f"/questions/{question.id}/same-problem")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Not counted yet" in text and "Press the button again" in text
    assert f'action="/questions/{question.id}/same-problem"' in text
    assert client.post(f"/questions/{question.id}/same-problem").status_code == 302
    assert presses(question) == 1


def test_a_member_counts_by_account_without_a_cookie(app, make, thread):
    question, _ = thread
    member = make.user()
    client = app.test_client()
    client.post("/sign-in", data={"login": member.username, "password": make.PASSWORD})
    assert same_problem(client, question).json["counted"] is True
    client.delete_cookie("pd_visitor")
    assert same_problem(client, question).json == {"count": 1, "counted": False, "retry": False,
                                                   "message": "You are already counted for this problem."}


def test_old_cookies_keep_their_browser_but_count_only_once_signed(app, thread):
    question, answer = thread
    old_token = "0123456789abcdef0123456789abcdef"  # a pd_browser token of before
    db.session.add(AnswerFeedback(answer_id=answer.id, browser_digest=visitors.digest(old_token), helpful=True,
                                  created_at=question.created_at, updated_at=question.created_at))
    db.session.commit()
    client = app.test_client()
    client.set_cookie("pd_browser", old_token)
    first = helpful_vote(client, answer, "no")
    assert first.json["counted"] is False and first.json["retry"] is True
    assert client.get_cookie("pd_visitor").value.partition(".")[0] == old_token  # the same browser, now signed
    assert client.get_cookie("pd_browser") is None
    assert helpful_vote(client, answer, "no").json["counted"] is False  # a change of mind, not a new count
    assert helpful.counts([answer.id]) == {answer.id: (0, 1)}
    other = app.test_client()
    other.set_cookie("peerdesk_same_problem", "Q" * 32, path="/questions")
    assert same_problem(other, question).json["counted"] is False
    assert other.get_cookie("pd_visitor").value.startswith("Q" * 32 + ".")
    assert same_problem(other, question).json["counted"] is True
    assert db.session.scalar(select(SameProblem.browser_hash)) == visitors.digest("Q" * 32)


def test_fresh_cookies_per_press_from_one_address_stop_at_the_limits(limited_app, make):
    first, second = make.question(), make.question()
    answer = make.answer(second)

    def fresh_browser_press(post, *args, **environ):
        """What a loop that fetches a fresh cookie for every press does: press, then press with the cookie."""
        client = limited_app.test_client()
        post(client, *args, **environ)
        return post(client, *args, **environ)

    outcomes = [fresh_browser_press(same_problem, first) for _ in range(6)]
    assert [r.status_code for r in outcomes] == [200] * 3 + [429] * 3  # 3 per day on one question
    assert [r.json["counted"] for r in outcomes[:3]] == [True] * 3
    assert outcomes[-1].json["error"]["code"] == "too_many_requests"
    assert "as many counts as we take from one place" in outcomes[-1].json["error"]["message"]
    assert presses(first) == 3
    # Across questions and answers, 5 an hour: two more, on anything, and that address is done.
    assert fresh_browser_press(same_problem, second).json["counted"] is True
    assert fresh_browser_press(helpful_vote, answer).json["counted"] is True
    assert fresh_browser_press(helpful_vote, answer).status_code == 429
    assert fresh_browser_press(same_problem, second).status_code == 429
    assert presses(second) == 1 and helpful.counts([answer.id]) == {answer.id: (1, 0)}
    # Another address still counts.
    assert fresh_browser_press(same_problem, second, REMOTE_ADDR="203.0.113.7").json["counted"] is True


def test_presses_that_add_no_count_cost_nothing_against_the_count_budgets(limited_app, make):
    question = make.question()
    answer = make.answer(question)
    browser = limited_app.test_client()
    for value in ("yes", "no") * 10:  # one browser changing its mind twenty times: one count
        assert helpful_vote(browser, answer, value).status_code == 200
    for _ in range(10):
        assert same_problem(browser, question).status_code == 200
    others = [limited_app.test_client() for _ in range(2)]
    for client in others:
        helpful_vote(client, answer)
    assert [helpful_vote(client, answer).json["counted"] for client in others] == [True, True]
    assert helpful.counts([answer.id]) == {answer.id: (2, 1)}


def test_the_dashboard_says_what_it_counts(client, app, make, sign_in, thread):
    _, answer = thread
    for _ in range(2):
        browser = app.test_client()
        helpful_vote(browser, answer)
        helpful_vote(browser, answer)
    helpful_vote(app.test_client(), answer)  # no token: not counted
    sign_in(make.user(role="agent"))
    page = client.get("/staff/care/report").get_data(as_text=True)
    assert re.search(r'<h2>Answers marked helpful</h2><p class="big" data-figure="marked_helpful">2</p>', page)
    assert "one per browser and answer, only from browsers that keep our visitor cookie" in page
    assert "at most 5 a day per question or answer, and 30 an hour in all, from one address" in page
    assert "Visitors helped" not in page
    assert "Answered by a search suggestion" not in page and "Drafts left after opening a suggestion" in page


def _fresh_cookie_press(base, question_id):
    """Press with a new cookie jar, then again with the cookie it got: (status, counted) of the second press."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    result = None
    for _ in range(2):
        request = urllib.request.Request(f"{base}/questions/{question_id}/same-problem", data=b"", headers=JSON)
        try:
            with opener.open(request, timeout=60) as response:
                result = (response.status, json.loads(response.read())["counted"])
        except urllib.error.HTTPError as error:
            result = (error.code, False)
            error.close()
    return result


@pytest.mark.needs_redis
def test_the_count_limit_holds_across_two_processes_sharing_redis(tmp_path, redis_url):
    """Two servers, presses alternating between them: with per-process memory each would allow its own 5."""
    database = f"sqlite:///{tmp_path / 'counts.db'}"
    seed = create_app(app_config.testing_config(str(tmp_path / "instance"), database, str(tmp_path / "index")))
    with seed.app_context():
        db.create_all()  # the schema as the suite makes it (the migrations have their own tests)
        question_id = builders.question().id
        db.session.remove()
        db.engine.dispose()
    hosts, prefix = [], f"test-{uuid.uuid4().hex}"  # one prefix: both hosts count in the same Redis keys
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            env = servers.host_environment(tmp_path / name, database, RATELIMIT_ENABLED="true",
                                           RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
            hosts.append(servers.Host(env, tmp_path / f"gunicorn-{name}.log", workers=1))
        outcomes = [_fresh_cookie_press(hosts[i % 2].base, question_id) for i in range(10)]
        assert outcomes == [(200, True)] * 5 + [(429, False)] * 5, outcomes  # the default: 5 a day per question
    finally:
        for host in hosts:
            host.stop()
    with seed.app_context():
        assert db.session.scalar(select(func.count()).select_from(SameProblem)) == 5
        db.session.remove()
        db.engine.dispose()
