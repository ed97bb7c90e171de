"""Private messages: sending, reading, unread counts, privacy, blocking, reports, suspensions, limits, escaping."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.exceptions import NotFound, PermissionDenied
from app.extensions import db
from app.messages import services
from app.moderation import services as moderation
from app.moderation.models import Flag, ReviewItem
from app.notifications.models import Notification
from tests import corpora


def _message_notifications(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.kind == "message")).all()


def test_send_read_and_unread_counts(make, clock, client, sign_in):
    alice, bob = make.user("alice"), make.user("bob")
    first = services.send_message(alice, bob.id, "Hi Bob, did the *firmware* fix it?", now=clock.now)
    services.send_message(alice, bob.id, "Second thought: try a reset.", now=clock.now)
    assert services.unread_count(bob) == 2 and services.unread_count(alice) == 0
    # One unread notification per conversation, however many messages arrive.
    [notification] = _message_notifications(bob)
    assert notification.conversation_id == first.conversation_id and notification.actor_id == alice.id

    sign_in(bob)
    page = client.get("/").get_data(as_text=True)
    assert "data-unread-messages>2<" in page
    inbox = client.get("/messages").get_data(as_text=True)
    assert "alice" in inbox and "2 unread" in inbox
    conversation = client.get(f"/messages/{first.conversation_id}")
    assert conversation.status_code == 200
    assert "<em>firmware</em>" in conversation.get_data(as_text=True)
    assert services.unread_count(bob) == 0
    assert all(n.read_at is not None for n in _message_notifications(bob))

    response = client.post(f"/messages/{first.conversation_id}", data={"body": "Yes, it works now."})
    assert response.status_code == 302
    assert services.unread_count(alice) == 1
    assert [n.kind for n in _message_notifications(alice)] == ["message"]
    client.post("/sign-out")
    sign_in(alice)
    assert "sent you a message" in client.get("/notifications").get_data(as_text=True)


def test_the_profile_offers_a_message_button_and_the_form_starts_a_conversation(make, clock, client, sign_in):
    alice, bob = make.user("alice"), make.user("bob")
    sign_in(alice)
    profile = client.get(f"/users/{bob.id}", follow_redirects=True).get_data(as_text=True)
    assert "Send a message" in profile
    response = client.post(f"/users/{bob.id}/message", data={"body": "Hello"})
    assert response.status_code == 302
    conversation = services.conversation_between(alice.id, bob.id)
    assert client.get(f"/users/{bob.id}/message").headers["Location"].endswith(f"/messages/{conversation.id}")
    # Once bob blocks alice, her button becomes the one sentence a block shows.
    services.block(bob, alice.id, now=clock.now)
    profile = client.get(f"/users/{bob.id}", follow_redirects=True).get_data(as_text=True)
    assert "You cannot message this member." in profile and "Send a message" not in profile


def test_another_members_conversation_is_not_found(make, clock, client, sign_in):
    alice, bob, eve = make.user("alice"), make.user("bob"), make.user("eve")
    message = services.send_message(alice, bob.id, "Just between us", now=clock.now)
    sign_in(eve)
    assert client.get(f"/messages/{message.conversation_id}").status_code == 404
    assert client.post(f"/messages/{message.conversation_id}", data={"body": "me too"}).status_code == 404
    assert client.post(f"/messages/report/{message.id}", data={"reason": "spam"}).status_code == 404
    assert client.get("/messages/999999").status_code == 404
    assert "Just between us" not in client.get("/messages").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(make, clock, client):
    alice, bob = make.user("alice"), make.user("bob")
    message = services.send_message(alice, bob.id, "Hi", now=clock.now)
    assert client.get(f"/messages/{message.conversation_id}").status_code in (302, 401)


@pytest.mark.parametrize("blocker_is_sender", [True, False])
def test_blocking_stops_messages_both_ways(make, clock, client, sign_in, blocker_is_sender):
    alice, bob = make.user("alice"), make.user("bob")
    message = services.send_message(alice, bob.id, "Hi", now=clock.now)
    blocker, blocked = (alice, bob) if blocker_is_sender else (bob, alice)
    services.block(blocker, blocked.id, now=clock.now)
    for sender, recipient in ((alice, bob), (bob, alice)):
        with pytest.raises(PermissionDenied):
            services.send_message(sender, recipient.id, "Still there?", now=clock.now)

    sign_in(blocked)
    page = client.get(f"/messages/{message.conversation_id}").get_data(as_text=True)
    assert "You cannot message this member." in page and "This conversation is read-only" in page
    assert "blocked" not in page.lower()  # the block itself stays invisible to the blocked member
    assert services.messaging_state(blocked, blocker, now=clock.now) == "cannot"
    assert services.messaging_state(blocker, blocked, now=clock.now) == "blocked"  # only the blocker is told
    refused = client.post(f"/messages/{message.conversation_id}", data={"body": "Please?"})
    assert refused.status_code == 403
    assert "You cannot message this member." in refused.get_data(as_text=True)

    services.unblock(blocker, blocked.id)
    services.send_message(blocked, blocker.id, "Thanks", now=clock.now)


def test_the_blocked_member_cannot_lift_the_block(make, clock):
    alice, bob = make.user("alice"), make.user("bob")
    services.block(alice, bob.id, now=clock.now)
    services.unblock(bob, alice.id)
    with pytest.raises(PermissionDenied):
        services.send_message(bob, alice.id, "Hi", now=clock.now)


def test_a_report_reaches_the_queue_and_opens_that_conversation_only(make, clock, client, sign_in):
    alice, bob, carol = make.user("alice"), make.user("bob"), make.user("carol")
    moderator = make.user("mod", role="moderator")
    rude = services.send_message(alice, bob.id, "You are an idiot", now=clock.now)
    other = services.send_message(alice, carol.id, "Hello Carol", now=clock.now)

    sign_in(bob)
    response = client.post(f"/messages/report/{rude.id}", data={"reason": "rude", "text": ""})
    assert response.status_code == 302
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == "message"))
    assert (item.post_id, item.author_id, item.status, item.question_id) == (rude.id, alice.id, "pending", None)
    assert db.session.scalar(select(Flag.reason).where(Flag.review_item_id == item.id)) == "rude"
    client.post("/sign-out")

    sign_in(moderator)
    assert "a private conversation" in client.get("/moderation").get_data(as_text=True)
    reported = client.get(f"/moderation/reported-messages/{item.id}")
    assert reported.status_code == 200 and "You are an idiot" in reported.get_data(as_text=True)
    # The moderator reads the reported conversation, and no other.
    assert client.get(f"/messages/{other.conversation_id}").status_code == 404
    assert client.get(f"/messages/{rude.conversation_id}").status_code == 404
    conversation_of_other = services.conversation_between(alice.id, carol.id)
    assert not services.may_review(moderator, conversation_of_other, now=clock.now)

    moderation.decide(moderator, item, "agree-hide", "Abusive", now=clock.now)
    assert db.session.get(ReviewItem, item.id).status == "agreed"
    assert client.get(f"/moderation/reported-messages/{item.id}").status_code == 404


def test_members_do_not_read_reported_conversations_through_the_moderators_page(make, clock, client, sign_in):
    alice, bob, eve = make.user("alice"), make.user("bob"), make.user("eve")
    rude = services.send_message(alice, bob.id, "Rude", now=clock.now)
    services.report_message(bob, rude.id, "rude", now=clock.now)
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == "message"))
    sign_in(eve)
    assert client.get(f"/moderation/reported-messages/{item.id}").status_code == 404
    with pytest.raises(NotFound):
        services.report_message(eve, rude.id, "spam", now=clock.now)
    with pytest.raises(PermissionDenied):
        services.report_message(alice, rude.id, "spam", now=clock.now)  # one's own message


def test_suspended_members_cannot_send(make, clock, client, sign_in):
    alice, bob = make.user("alice"), make.user("bob")
    moderator = make.user("mod", role="moderator")
    moderation.suspend(moderator, alice, clock.now + timedelta(days=3), "Spamming members", now=clock.now)
    with pytest.raises(PermissionDenied):
        services.send_message(alice, bob.id, "Buy now", now=clock.now)
    sign_in(alice)
    assert client.post(f"/users/{bob.id}/message", data={"body": "Buy now"}).status_code == 403
    assert services.conversation_between(alice.id, bob.id) is None
    # Once the suspension is over, writing works again.
    services.send_message(alice, bob.id, "Sorry about that", now=clock.now + timedelta(days=4))


def test_only_verified_members_start_conversations_and_anyone_may_reply(make, clock, client, sign_in):
    newcomer, bob = make.user("newcomer", verified=False), make.user("bob")
    with pytest.raises(PermissionDenied, match="Verify your email"):
        services.send_message(newcomer, bob.id, "Hi, want a deal?", now=clock.now)
    sign_in(newcomer)
    assert "Verify your email" in client.get(f"/users/{bob.id}/message").get_data(as_text=True)
    assert client.post(f"/users/{bob.id}/message", data={"body": "Hi"}).status_code == 403
    # Once a verified member wrote to them, a newcomer may answer.
    message = services.send_message(bob, newcomer.id, "Welcome!", now=clock.now)
    assert client.post(f"/messages/{message.conversation_id}", data={"body": "Thanks!"}).status_code == 302


def test_sending_is_rate_limited(app, make):
    alice, bob = make.user("alice"), make.user("bob")
    limited = create_app(dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                              RATELIMIT_MESSAGES="3 per minute"))
    limited.test_client_class = app.test_client_class
    try:
        client = limited.test_client()
        client.post("/sign-in", data={"login": alice.username, "password": make.PASSWORD})
        statuses = [client.post(f"/users/{bob.id}/message", data={"body": f"Message {n}"}).status_code
                    for n in range(5)]
        assert statuses == [302, 302, 302, 429, 429]
        assert "sending messages very fast" in client.post(f"/users/{bob.id}/message",
                                                           data={"body": "again"}).get_data(as_text=True)
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_html_and_scripts_in_a_message_are_shown_as_text(make, clock, client, sign_in):
    alice, bob = make.user("alice"), make.user("bob")
    payloads = [entry["payload"] for entry in corpora.xss_sample(every=40)]
    payloads.append('<script>alert("pm")</script><img src=x onerror=alert(1)>')
    sign_in(bob)
    for payload in payloads:
        try:
            message = services.send_message(alice, bob.id, payload, now=clock.now)
        except Exception as error:  # noqa: BLE001 - an empty or unrenderable payload is refused, never stored
            assert type(error).__name__ == "ValidationError", payload
            continue
        page = client.get(f"/messages/{message.conversation_id}").get_data(as_text=True)
        assert "<script>alert" not in page
        assert "<script" not in message.body_html and not re.search(r"<[^>]*\son\w+\s*=", message.body_html)
    page = client.get(f"/messages/{services.conversation_between(alice.id, bob.id).id}").get_data(as_text=True)
    assert '&lt;script&gt;alert("pm")&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;' in page
