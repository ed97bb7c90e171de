"""Following tags: on the tag's page, the question page and the API; new public questions in them notify once."""
import pytest
from sqlalchemy import func, select

from app.account import services as account
from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import Question
from app.moderation import services as moderation
from app.moderation.models import ReviewItem
from app.notifications import services as notifications
from app.notifications import tag_follows
from app.notifications.models import Notification
from app.outbox import OutboxMessage
from app.questions import services as threads
from tests.integration.test_query_counts import count_queries

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

LINKS = "See https://a.example/1 and https://b.example/2 and https://c.example/3 for the details."


def _tag_notes(user):
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == "tag_question")
                                   .order_by(Notification.id)))


def _followed(user):
    db.session.rollback()
    return [tag.name for tag in tag_follows.followed_tags(user)]


def _pending_item(question):
    db.session.rollback()
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == "question",
                                                      ReviewItem.post_id == question.id,
                                                      ReviewItem.status == "pending"))


def _token_headers(user):
    return {"Authorization": f"Bearer {accounts.create_api_token(user, now=utcnow())}"}


@pytest.fixture
def member(make):
    return make.user("reader")


@pytest.fixture
def earbuds(make):
    """The tag "earbuds", made by asking a question that carries it."""
    return make.question(make.user("first-asker"), tags=["earbuds"]).tags[0]


def test_follow_on_the_tag_page_and_unfollow_on_the_following_page(client, make, sign_in, member, earbuds):
    sign_in(member)
    page = client.get("/tags/earbuds").get_data(as_text=True)
    assert 'action="/tags/earbuds/follow"' in page and 'aria-pressed="false"' in page
    response = client.post("/tags/earbuds/follow")
    assert response.status_code == 302 and response.location.endswith("/tags/earbuds")
    assert _followed(member) == ["earbuds"]
    page = client.get("/tags/earbuds").get_data(as_text=True)
    assert 'action="/tags/earbuds/unfollow"' in page and 'aria-pressed="true"' in page
    client.post("/tags/earbuds/follow")  # following twice is still following once
    assert _followed(member) == ["earbuds"]

    following = client.get("/account/following").get_data(as_text=True)
    assert "Tags you follow" in following and 'action="/tags/earbuds/unfollow"' in following
    response = client.post("/tags/earbuds/unfollow", data={"next": "/account/following"})
    assert response.status_code == 302 and response.location.endswith("/account/following")
    assert _followed(member) == []
    assert 'action="/tags/earbuds/unfollow"' not in client.get("/account/following").get_data(as_text=True)


def test_visitors_get_no_follow_button_and_cannot_follow(client, earbuds):
    page = client.get("/tags/earbuds").get_data(as_text=True)
    assert "/tags/earbuds/follow" not in page and "csrf" not in page.lower()
    response = client.post("/tags/earbuds/follow")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_the_question_page_offers_its_tags_in_one_query(client, make, sign_in, member):
    question = make.question(make.user(), tags=["earbuds", "battery", "pairing"])
    tag_follows.follow_tag(member, "battery", now=utcnow())
    sign_in(member)
    url = f"/questions/{question.id}/{slugify(question.title)}"
    page = client.get(url).get_data(as_text=True)
    for name in ("earbuds", "pairing"):
        assert f'action="/tags/{name}/follow"' in page
    assert 'action="/tags/battery/unfollow"' in page
    with count_queries() as statements:
        client.get(url)
    assert sum("tag_follows" in statement for statement in statements) == 1


def test_an_unknown_tag_cannot_be_followed(client, sign_in, member):
    sign_in(member)
    assert client.post("/tags/no-such-tag/follow").status_code == 404
    assert client.post("/tags/no-such-tag/unfollow").status_code == 404
    headers = _token_headers(member)
    for method in (client.get, client.put, client.delete):
        response = method("/api/v1/tags/no-such-tag/follow", headers=headers)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert _followed(member) == []


def test_the_form_needs_its_csrf_token(app, client, sign_in, member, earbuds):
    sign_in(member)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/tags/earbuds/follow").status_code == 400
    assert _followed(member) == []
    page = client.get("/tags/earbuds").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/tags/earbuds/follow", data={"csrf_token": token}).status_code == 302
    assert _followed(member) == ["earbuds"]


def test_follow_and_unfollow_through_the_api(client, member, earbuds):
    headers = _token_headers(member)
    assert client.get("/api/v1/tags/earbuds/follow").status_code == 401
    assert client.get("/api/v1/tags/EarBuds/follow", headers=headers).json == {"tag": "earbuds", "following": False}
    response = client.put("/api/v1/tags/earbuds/follow", headers=headers)
    assert response.status_code == 200 and response.json == {"tag": "earbuds", "following": True}
    assert client.get("/api/v1/tags/earbuds/follow", headers=headers).json["following"] is True
    assert _followed(member) == ["earbuds"]
    response = client.delete("/api/v1/tags/earbuds/follow", headers=headers)
    assert response.status_code == 200 and response.json == {"tag": "earbuds", "following": False}
    assert _followed(member) == []
    assert client.delete("/api/v1/tags/earbuds/follow", headers=headers).json["following"] is False


def test_a_new_question_notifies_each_follower_once_and_never_the_asker(make, member):
    asker = make.user("asker")
    make.question(asker, tags=["earbuds", "battery"])  # the tags exist before anyone follows them
    for name in ("earbuds", "battery"):
        tag_follows.follow_tag(member, name, now=utcnow())
        tag_follows.follow_tag(asker, name, now=utcnow())
    question = make.question(asker, title="Earbuds lose charge overnight in the case", tags=["earbuds", "battery"])
    [note] = _tag_notes(member)
    assert (note.question_id, note.actor_id) == (question.id, asker.id)
    # The first followed tag in the question's order (by name) names it.
    assert note.excerpt == f"A new question was asked in battery: {question.title}"
    assert _tag_notes(asker) == []
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "notification:tag_question"))
    assert email.payload["to"] == member.email
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.topic == "notification:tag_question")) == 1


def test_a_follower_on_the_daily_digest_is_not_emailed_at_once(make, member, earbuds):
    notifications.set_email_mode(member, "daily", now=utcnow())
    tag_follows.follow_tag(member, "earbuds", now=utcnow())
    make.question(make.user(), tags=["earbuds"])
    [note] = _tag_notes(member)
    assert note.email_pending
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "notification:tag_question")) is None


def test_a_mentioned_follower_hears_of_the_question_once(make, member, earbuds):
    tag_follows.follow_tag(member, "earbuds", now=utcnow())
    make.question(make.user(), body="Has @reader seen the earbuds stop charging in the case too?", tags=["earbuds"])
    db.session.rollback()
    assert [note.kind for note in db.session.scalars(select(Notification)
                                                     .where(Notification.user_id == member.id))] == ["mention"]


def test_a_held_question_notifies_only_when_approved(app, make, member, earbuds):
    tag_follows.follow_tag(member, "earbuds", now=utcnow())
    app.config["HOLD_FIRST_POSTS"] = 1
    question = make.question(make.user("newcomer"), title="Earbuds will not pair after the update", tags=["earbuds"])
    assert question.is_hidden and _tag_notes(member) == []
    moderation.decide(make.user(role="moderator"), _pending_item(question), "approve", "welcome", now=utcnow())
    [note] = _tag_notes(member)
    assert note.question_id == question.id and note.excerpt.startswith("A new question was asked in earbuds: ")


def test_a_question_held_and_approved_again_after_an_edit_does_not_notify_twice(app, make, member, earbuds):
    tag_follows.follow_tag(member, "earbuds", now=utcnow())
    app.config["HOLD_FIRST_POSTS"] = 1
    newcomer, moderator = make.user("newcomer"), make.user(role="moderator")
    question = make.question(newcomer, tags=["earbuds"])
    moderation.decide(moderator, _pending_item(question), "approve", now=utcnow())
    threads.edit_question(newcomer, question, question.title, LINKS, ["earbuds"], now=utcnow())
    assert db.session.get(Question, question.id).hidden_reason == "held"
    moderation.decide(moderator, _pending_item(question), "approve", now=utcnow())
    assert not db.session.get(Question, question.id).is_hidden and len(_tag_notes(member)) == 1


def test_deleting_the_account_drops_its_tag_follows(make, member, earbuds):
    tag_follows.follow_tag(member, "earbuds", now=utcnow())
    account.delete_account(member, "correct horse battery staple", member.username, now=utcnow())
    assert _followed(member) == []
