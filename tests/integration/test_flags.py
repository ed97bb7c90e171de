"""Flags: reasons, one open flag per member, the daily limit, the hiding threshold, weighting, and the API."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import signals
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Answer, Question, Tag
from app.moderation import services
from app.moderation.holds import PostingLimitReached
from app.moderation.models import Flag, ReviewItem
from app.search import index_sync
from app.search import whoosh_index as search_index

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def bearer(user):
    """An Authorization header with a fresh API token of the user."""
    return {"Authorization": f"Bearer {accounts.create_api_token(user, now=utcnow())}"}


@pytest.fixture(autouse=True)
def verified_members_may_flag(app):
    """These tests are about flags, not trust (tests/integration/test_trust.py): a verified member may flag at once."""
    app.config["FLAG_MIN_ACCOUNT_DAYS"] = 0


@pytest.fixture
def thread(make):
    """A question by one member with an answer by a spammer."""
    question = make.question(make.user("asker"), title="Pulse watch will not charge on the dock",
                             body="The dock light stays off. I tried another cable.", tags=["pulse"])
    spam = make.answer(question, make.user("spammer"), body="Cheap zorblax gadgets at example dot com, best prices!")
    return question, spam


@pytest.fixture
def signals_seen():
    """Every post_flagged and post_moderated signal sent during the test."""
    seen = []

    def flagged(sender, **kwargs):
        seen.append(("flagged", sender, kwargs))

    def moderated(sender, **kwargs):
        seen.append(("moderated", sender, kwargs))

    signals.post_flagged.connect(flagged)
    signals.post_moderated.connect(moderated)
    yield seen
    signals.post_flagged.disconnect(flagged)
    signals.post_moderated.disconnect(moderated)


def test_the_threshold_hides_at_exactly_the_count_and_not_before(app, make, thread, client):
    question, spam = thread
    app.config["FLAG_HIDE_THRESHOLD"] = 3
    for number in (1, 2):
        flag = services.flag_post(make.user(), spam, "spam", now=utcnow())
        assert flag.status == "open" and not db.session.get(Answer, spam.id).is_hidden, number
    assert db.session.get(Question, question.id).answer_count == 1
    services.flag_post(make.user(), spam, "rude", now=utcnow())
    hidden = db.session.get(Answer, spam.id)
    assert hidden.is_hidden and hidden.hidden_reason == "flags"
    assert db.session.get(Question, question.id).answer_count == 0
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Cheap zorblax" not in page
    api = client.get(f"/api/v1/questions/{question.id}").json
    assert api["answers"] == [] and api["answer_count"] == 0


def test_the_threshold_is_a_setting(app, make, thread):
    _, spam = thread
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    services.flag_post(make.user(), spam, "spam", now=utcnow())
    assert db.session.get(Answer, spam.id).is_hidden


def test_off_topic_and_other_flags_queue_the_post_but_never_hide_it(app, make, thread):
    _, spam = thread
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    services.flag_post(make.user(), spam, "off-topic", now=utcnow())
    services.flag_post(make.user(), spam, "other", "Copied from another site word for word", now=utcnow())
    assert not db.session.get(Answer, spam.id).is_hidden
    item = db.session.scalar(select(ReviewItem))
    assert item.kind == "flagged" and item.flag_count == 2 and item.status == "pending"


def test_a_moderators_flag_hides_at_once(make, thread, signals_seen):
    _, spam = thread
    moderator = make.user("mod", role="moderator")
    services.flag_post(moderator, spam, "spam", now=utcnow())
    assert db.session.get(Answer, spam.id).is_hidden
    actions = [(kind, kwargs.get("action")) for kind, _, kwargs in signals_seen]
    assert ("moderated", "hide") in actions and ("flagged", None) in actions


def test_a_member_cannot_flag_twice_or_their_own_post(make, thread):
    question, spam = thread
    member = make.user()
    services.flag_post(member, spam, "spam", now=utcnow())
    with pytest.raises(Conflict):
        services.flag_post(member, spam, "rude", now=utcnow())
    with pytest.raises(PermissionDenied):
        services.flag_post(spam.author, spam, "spam", now=utcnow())
    assert db.session.scalar(select(Flag.id).where(Flag.flagger_id == spam.author_id)) is None


def test_one_open_flag_per_member_is_enforced_by_the_database(make, thread):
    _, spam = thread
    member = make.user()
    services.flag_post(member, spam, "spam", now=utcnow())
    db.session.add(Flag(post_type="answer", post_id=spam.id, question_id=spam.question_id,
                        post_author_id=spam.author_id, flagger_id=member.id, reason="rude", created_at=utcnow()))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_after_a_decision_a_member_may_flag_again(make, thread):
    _, spam = thread
    member, moderator = make.user(), make.user(role="moderator")
    services.flag_post(member, spam, "off-topic", now=utcnow())
    services.decide(moderator, db.session.scalar(select(ReviewItem)), "ignore", now=utcnow())
    again = services.flag_post(member, spam, "spam", now=utcnow())
    assert again.review_item.id != db.session.scalar(select(ReviewItem.id).order_by(ReviewItem.id))


def test_the_daily_limit(app, make):
    app.config["FLAG_DAILY_LIMIT"] = 2
    now = utcnow()
    flagger = make.user(now=now - timedelta(days=2))  # a member already when the first flag is raised
    posts = [make.question() for _ in range(3)]
    services.flag_post(flagger, posts[0], "off-topic", now=now - timedelta(hours=30))
    services.flag_post(flagger, posts[1], "off-topic", now=now - timedelta(hours=2))
    services.flag_post(flagger, posts[2], "off-topic", now=now)
    with pytest.raises(PostingLimitReached, match="2 flags a day"):
        services.flag_post(flagger, make.question(), "spam", now=now)


@pytest.mark.parametrize("reason, text, field", [
    ("nonsense", None, "reason"), (None, None, "reason"), ("other", "", "text"), ("other", "   ", "text"),
    ("spam", "x" * 501, "text"), ("other", ["a list"], "text"),
])
def test_bad_flags_are_refused_with_a_field_message(make, thread, reason, text, field):
    _, spam = thread
    with pytest.raises(ValidationError) as error:
        services.flag_post(make.user(), spam, reason, text, now=utcnow())
    assert field in error.value.errors


def test_staff_flags_go_to_the_care_queue_not_the_moderators_queue(make, thread, signals_seen):
    _, spam = thread
    flag = services.flag_post(make.user(), spam, "staff", "My warranty claim was never answered", now=utcnow())
    assert flag.review_item_id is None and db.session.scalar(select(ReviewItem)) is None
    [(kind, sender, kwargs)] = [entry for entry in signals_seen if entry[0] == "flagged"]
    assert kwargs["flag"].reason == "staff" and kwargs["post"].id == spam.id


def test_every_flag_sends_post_flagged_inside_the_transaction(make, thread, signals_seen):
    """The signal comes before the commit: a receiver's row commits with the flag."""
    question, spam = thread
    seen_ids = []

    def receiver(sender, flag, post, now):
        seen_ids.append(db.session.get(Flag, flag.id) is not None and flag.id)

    signals.post_flagged.connect(receiver)
    try:
        services.flag_post(make.user(), question, "off-topic", now=utcnow())
        services.flag_post(make.user(), spam, "spam", now=utcnow())
    finally:
        signals.post_flagged.disconnect(receiver)
    assert len([entry for entry in signals_seen if entry[0] == "flagged"]) == 2
    assert all(seen_ids)


def test_flags_from_members_usually_disagreed_with_count_less(app, make, thread):
    question, spam = thread
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    moderator, crier = make.user(role="moderator"), make.user("crier")
    for _ in range(4):  # four flags on good posts, all dismissed
        post = make.question()
        services.flag_post(crier, post, "spam", now=utcnow())
        services.decide(moderator, db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id,
                                                                              ReviewItem.post_type == "question")),
                        "disagree", now=utcnow())
    assert services.flag_records([crier.id])[crier.id] == (0, 4)
    flag = services.flag_post(crier, spam, "spam", now=utcnow())
    assert flag.weight == 25
    services.flag_post(make.user(), spam, "spam", now=utcnow())  # 1.25 flags' worth: below 2
    assert not db.session.get(Answer, spam.id).is_hidden
    services.flag_post(make.user(), spam, "spam", now=utcnow())
    assert db.session.get(Answer, spam.id).is_hidden


def test_a_hidden_question_leaves_lists_tags_search_and_counts_but_its_author_sees_the_note(
        app, make, client, sign_in):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    author = make.user("author")
    question = make.question(author, title="Zanzibar deals on every Lumen accessory today",
                             body="Visit my shop for zanzibar deals.", tags=["deals"])
    index_sync.catch_up(now=utcnow())
    assert client.get("/api/v1/search?q=zanzibar").json["total"] == 1
    services.flag_post(make.user(), question, "spam", now=utcnow())
    index_sync.catch_up(now=utcnow())
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "deals")) == 0
    assert client.get("/api/v1/search?q=zanzibar").json["items"] == []
    assert "Zanzibar" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/questions/{question.id}", follow_redirects=True).status_code == 404
    assert client.get(f"/api/v1/questions/{question.id}").status_code == 404
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}
    sign_in(author)
    page = client.get(f"/questions/{question.id}", follow_redirects=True)
    assert page.status_code == 200
    assert "Moderated:" in page.get_data(as_text=True) and "Only you and the moderators" in page.get_data(as_text=True)


def test_hidden_answers_leave_the_indexed_answer_text(app, make, thread):
    question, spam = thread
    index_sync.catch_up(now=utcnow())
    assert search_index.search(index_sync.app_index(), "zorblax").ids == [question.id]
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    services.flag_post(make.user(), spam, "spam", now=utcnow())
    index_sync.catch_up(now=utcnow())
    assert search_index.search(index_sync.app_index(), "zorblax").ids == []
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}


def test_flagging_a_post_you_cannot_see_is_not_found(app, make, thread):
    _, spam = thread
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    services.flag_post(make.user(), spam, "spam", now=utcnow())
    with pytest.raises(NotFound):
        services.flag_post(make.user(), spam, "rude", now=utcnow())


# The web form ------------------------------------------------------------------------------------


def test_flagging_from_the_question_page(make, thread, client, sign_in):
    question, spam = thread
    member = make.user()
    assert client.post(f"/flags/answer/{spam.id}", data={"reason": "spam"}).status_code == 302  # visitor
    assert db.session.scalar(select(Flag)) is None
    sign_in(member)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/flags/answer/{spam.id}"' in page
    response = client.post(f"/flags/answer/{spam.id}", data={"reason": "spam"}, follow_redirects=True)
    assert "Thanks for flagging" in response.get_data(as_text=True)
    response = client.post(f"/flags/answer/{spam.id}", data={"reason": "spam"}, follow_redirects=True)
    assert "already flagged" in response.get_data(as_text=True)
    response = client.post(f"/flags/question/{question.id}", data={"reason": "other"}, follow_redirects=True)
    assert "Say why" in response.get_data(as_text=True)
    assert client.post("/flags/answer/999999", data={"reason": "spam"}).status_code == 404
    assert client.post(f"/flags/nonsense/{spam.id}", data={"reason": "spam"}).status_code == 404
    mine = client.get("/flags/mine").get_data(as_text=True)
    assert "waiting for a moderator" in mine


# The API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["questions", "answers", "comments"])
def test_api_flags_every_kind_of_post(make, thread, client, kind):
    question, spam = thread
    comment = make.comment(question, make.user())
    target = {"questions": question, "answers": spam, "comments": comment}[kind]
    member = make.user()
    response = client.post(f"/api/v1/{kind}/{target.id}/flags", json={"reason": "off-topic"}, headers=bearer(member))
    assert response.status_code == 201, response.json
    assert response.json["reason"] == "off-topic" and response.json["post_id"] == target.id
    assert response.json["post_hidden"] is False
    again = client.post(f"/api/v1/{kind}/{target.id}/flags", json={"reason": "spam"}, headers=bearer(member))
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"


def test_api_flag_errors(make, thread, client):
    _, spam = thread
    headers = bearer(make.user())
    assert client.post(f"/api/v1/answers/{spam.id}/flags", json={"reason": "spam"}).status_code == 401
    bad = client.post(f"/api/v1/answers/{spam.id}/flags", json={"reason": "nope"}, headers=headers)
    assert bad.status_code == 422 and "reason" in bad.json["error"]["fields"]
    assert client.post(f"/api/v1/answers/{spam.id}/flags", data="x", headers=headers).status_code == 400
    assert client.post("/api/v1/answers/999999/flags", json={"reason": "spam"}, headers=headers).status_code == 404
    own = client.post(f"/api/v1/answers/{spam.id}/flags", json={"reason": "spam"}, headers=bearer(spam.author))
    assert own.status_code == 403


def test_api_a_moderators_flag_hides_and_says_so(make, thread, client):
    _, spam = thread
    response = client.post(f"/api/v1/answers/{spam.id}/flags", json={"reason": "rude", "text": "insults"},
                           headers=bearer(make.user(role="moderator")))
    assert response.status_code == 201 and response.json["post_hidden"] is True


@pytest.mark.parametrize("role, status", [("member", 403), ("agent", 403), ("moderator", 200), ("admin", 200)])
def test_api_flag_list_for_each_role(make, thread, client, role, status):
    _, spam = thread
    services.flag_post(make.user(), spam, "spam", now=utcnow())
    response = client.get("/api/v1/moderation/flags?status=open", headers=bearer(make.user(role=role)))
    assert response.status_code == status
    if status == 200:
        assert response.json["total"] == 1 and response.json["items"][0]["reason"] == "spam"
        assert client.get("/api/v1/moderation/flags?status=agreed",
                          headers=bearer(make.user(role=role))).json["total"] == 0
        assert client.get("/api/v1/moderation/flags?status=bogus",
                          headers=bearer(make.user(role=role))).status_code == 422
    assert client.get("/api/v1/moderation/flags").status_code == 401


@pytest.mark.parametrize("role", ["member", "agent", "moderator", "admin"])
def test_api_every_signed_in_role_may_flag(make, thread, client, role):
    _, spam = thread
    response = client.post(f"/api/v1/answers/{spam.id}/flags", json={"reason": "off-topic"},
                           headers=bearer(make.user(role=role)))
    assert response.status_code == 201


@pytest.mark.parametrize("role", ["member", "agent", "moderator", "admin"])
def test_web_every_signed_in_role_may_flag(make, thread, client, sign_in, role):
    _, spam = thread
    sign_in(make.user(role=role))
    response = client.post(f"/flags/answer/{spam.id}", data={"reason": "off-topic"})
    assert response.status_code == 302
    assert db.session.scalar(select(Flag).where(Flag.post_id == spam.id)) is not None
