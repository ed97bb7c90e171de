"""Webhooks: admin pages, events queued in the causing transaction, signed deliveries received on a local server."""
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
import time_machine
from sqlalchemy import func, select

from app import outbox
from app.audit import AuditEntry
from app.clock import utcnow
from app.exceptions import PermissionDenied, ValidationError
from app.extensions import db
from app.outbox import OutboxMessage
from app.questions import services as questions
from app.webhooks import services, transport
from app.webhooks.models import Webhook
from tests import corpora
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def verify(secret, request):
    """What a receiver does: recompute the HMAC of the exact body and compare in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Peerdesk-Signature"])


def deliver(now=None):
    """Run the outbox once; (webhook deliveries that succeeded, that failed) in this run (emails may go too)."""
    now = now or utcnow() + timedelta(seconds=1)
    outbox.deliver_due(now=now)
    tried = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook",
                                                           OutboxMessage.last_attempt_at == now)).all()
    delivered = sum(1 for message in tried if message.delivered_at == now)
    return delivered, len(tried) - delivered


def _verify_standard(hook, request):
    """What a Standard Webhooks receiver does, with the specification's reference library and the
    secret as the hook's admin page shows it: checks the signature and a 5-minute timestamp window."""
    webhook = standardwebhooks.Webhook(transport.standard_secret(hook.secret))
    return webhook.verify(request["body"], request["headers"])


def test_deliveries_carry_standard_webhooks_signatures(receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    question = make.question()
    assert deliver() == (1, 0)
    [request] = receiver.requests
    headers = request["headers"]
    assert _verify_standard(hook, request)["data"]["question"]["id"] == question.id
    assert headers["webhook-id"] == headers["X-Peerdesk-Delivery"] == json.loads(request["body"])["id"]
    assert headers["webhook-timestamp"] == headers["X-Peerdesk-Timestamp"]
    assert verify(hook.secret, request)  # the older header, kept for one release


def test_a_replayed_delivery_fails_verification(receiver, admin, make):
    """Captured once, sent again later: the signed timestamp is stale, and a fresh one breaks the signature."""
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question()
    assert deliver() == (1, 0)
    [request] = receiver.requests
    sent_at = datetime.fromtimestamp(int(request["headers"]["webhook-timestamp"]), UTC)
    with time_machine.travel(sent_at + timedelta(minutes=6)):
        with pytest.raises(standardwebhooks.WebhookVerificationError, match="too old"):
            _verify_standard(hook, request)
        forged = {**request, "headers": {**request["headers"],
                                         "webhook-timestamp": str(int(time.time()))}}
        with pytest.raises(standardwebhooks.WebhookVerificationError, match="No matching signature"):
            _verify_standard(hook, forged)
    with time_machine.travel(sent_at + timedelta(minutes=4)):
        assert _verify_standard(hook, request)  # within the window it is still the genuine delivery
    other = {**request, "body": request["body"].replace(b'"question.asked"', b'"answer.accepted"')}
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        _verify_standard(hook, other)


def test_a_question_asked_is_delivered_signed_to_a_subscribed_hook(receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], "CRM", now=utcnow())
    question = make.question(title="Why does my X200 case blink red after charging?")
    assert deliver() == (1, 0)
    [request] = receiver.requests
    assert request["path"] == "/hooks/peerdesk?source=test"
    assert verify(hook.secret, request)
    headers = request["headers"]
    assert headers["X-Peerdesk-Event"] == "question.asked" and headers["Content-Type"] == "application/json"
    assert int(headers["X-Peerdesk-Timestamp"]) > 0
    body = json.loads(request["body"])
    assert body["event"] == "question.asked" and body["id"] == headers["X-Peerdesk-Delivery"]
    assert body["data"]["question"]["id"] == question.id
    assert body["data"]["question"]["title"] == question.title
    assert body["data"]["question"]["url"] == (
        f"http://127.0.0.1:5000/questions/{question.id}/why-does-my-x200-case-blink-red-after-charging")
    assert body["data"]["actor"]["username"] == question.author.username
    tampered = {**request, "body": request["body"].replace(b"X200", b"X300")}
    assert not verify(hook.secret, tampered)


def test_an_accepted_answer_reaches_only_hooks_that_asked_for_it(receiver, admin, make):
    accepted_hook = services.create(admin, receiver.url, ["answer.accepted"], now=utcnow())
    services.create(admin, receiver.url.replace("peerdesk", "questions"), ["question.asked"], now=utcnow())
    asker = make.user()
    question = make.question(asker)
    answer = make.answer(question)
    receiver.requests.clear()
    db.session.execute(outbox.OutboxMessage.__table__.delete())
    db.session.commit()
    questions.accept_answer(asker, answer, now=utcnow())
    assert deliver() == (1, 0)
    [request] = receiver.requests
    assert verify(accepted_hook.secret, request)
    body = json.loads(request["body"])
    assert body["event"] == "answer.accepted"
    assert body["data"]["answer"]["id"] == answer.id and body["data"]["question"]["status"] == "resolved"


def test_a_rolled_back_change_queues_nothing(receiver, admin, make):
    services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    author = make.user()
    with pytest.raises(ValidationError):
        questions.ask_question(author, "short", "too short", [], now=utcnow())
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_failures_are_retried_with_back_off_and_the_same_signed_bytes(receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question()
    receiver.status = 500
    start = utcnow() + timedelta(seconds=1)
    assert deliver(now=start) == (0, 1)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == hook.topic))
    assert message.attempts == 1 and message.last_status.endswith("HTTP 500 Internal Server Error")
    assert message.next_attempt_at == start + timedelta(seconds=outbox.BACKOFF_SECONDS[0])
    assert services.delivery_state(message) == "retrying"
    assert deliver(now=start + timedelta(seconds=30)) == (0, 0)  # not due yet
    receiver.status = 200
    assert deliver(now=start + timedelta(seconds=61)) == (1, 0)
    first, second = receiver.requests
    assert first["body"] == second["body"] and verify(hook.secret, second)
    assert first["headers"]["X-Peerdesk-Delivery"] == second["headers"]["X-Peerdesk-Delivery"]
    db.session.refresh(message)
    assert services.delivery_state(message) == "delivered" and message.last_status == "HTTP 200"


def test_a_redirect_is_a_failure_and_the_outbox_gives_up_after_its_attempts(receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question()
    receiver.status = 302
    now = utcnow() + timedelta(seconds=1)
    for _ in range(outbox.MAX_ATTEMPTS):
        assert deliver(now=now) == (0, 1)
        now += timedelta(days=1)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == hook.topic))
    assert message.failed_at is not None and services.delivery_state(message) == "failed"
    assert "HTTP 302" in message.last_status and len(receiver.requests) == outbox.MAX_ATTEMPTS


def test_an_unreachable_receiver_fails_quickly_and_is_retried(app, admin, make):
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = True
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 1
    server = Receiver()
    url = server.url
    server.close()  # nothing listens there any more
    hook = services.create(admin, url, ["question.asked"], now=utcnow())
    make.question()
    assert deliver() == (0, 1)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == hook.topic))
    assert message.last_status.startswith("DeliveryError: could not connect")


def test_care_and_flag_events_are_delivered(receiver, admin, make):
    from app.care import services as care
    from app.moderation import services as moderation

    hook = services.create(admin, receiver.url, ["care_item.created", "care_item.resolved", "post.flagged"],
                           now=utcnow())
    agent = make.user(role="agent")
    question = make.question()
    item = care.send_to_queue(agent, question, "A customer called about this one.", now=utcnow())
    care.set_status(agent, item, "resolved", now=utcnow())
    answer = make.answer(question)
    moderation.flag_post(make.flagger(), answer, "spam", now=utcnow())
    deliver()
    events = [json.loads(request["body"]) for request in receiver.requests]
    assert all(verify(hook.secret, request) for request in receiver.requests)
    by_event = {body["event"]: body["data"] for body in events}
    created = by_event["care_item.created"]["care_item"]
    # The item as the care API shows it: the question's title and URL, the reasons and the due times.
    assert created["question"]["id"] == question.id and created["question"]["title"] == question.title
    assert created["question"]["url"].startswith("http") and created["reasons"][0]["kind"] == "manual"
    assert created["clocks"]["first_response"]["due_at"] and created["status"] == "new"
    assert by_event["care_item.resolved"]["care_item"]["id"] == item.id
    flagged = by_event["post.flagged"]
    assert flagged["post"]["id"] == answer.id and flagged["flag"]["reason"] == "spam"
    assert "body_source" not in flagged["post"] and "email" not in json.dumps(events)


def test_a_breach_found_by_the_sweep_is_delivered(clock, receiver, admin, make):
    """The sweep runs without a request (cron): the delivery still goes out, signed, naming the clock."""
    from app.care import services as care
    from app.care import sweep

    hook = services.create(admin, receiver.url, ["care_item.breached"], now=clock.now)
    question = make.question()
    item = care.send_to_queue(make.user(role="agent"), question, "", now=clock.now)
    clock.advance(timedelta(minutes=61))
    assert sweep.run(clock.now).breaches == [(item.id, "first_response")]
    assert deliver() == (1, 0)
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert verify(hook.secret, request) and body["event"] == "care_item.breached"
    assert body["data"]["care_item"]["id"] == item.id and body["data"]["clock"] == "first_response"
    assert body["data"]["actor"] is None


def test_a_deleted_hook_gets_nothing_more(receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question()
    services.delete(admin, hook, now=utcnow())
    make.question()
    assert deliver() == (1, 0)  # the pending delivery is closed without sending
    assert receiver.requests == []
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == hook.topic))
    assert message.last_status.startswith("skipped")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "webhook")) == 1


def test_creation_and_deletion_are_audited(receiver, admin):
    hook = services.create(admin, receiver.url, ["post.flagged"], now=utcnow())
    services.delete(admin, hook, now=utcnow())
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "webhook")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.target_id) for e in entries] == [
        ("webhook.create", admin.id, str(hook.id)), ("webhook.delete", admin.id, str(hook.id))]
    assert entries[0].after == {"url": receiver.url, "events": ["post.flagged"]}
    assert "secret" not in json.dumps(entries[0].after)


@pytest.mark.parametrize("role", ["member", "agent", "moderator"])
def test_only_admins_manage_hooks_in_the_service(make, role):
    with pytest.raises(PermissionDenied):
        services.create(make.user(role=role), "https://hooks.example.com/x", ["question.asked"], now=utcnow())


@pytest.mark.parametrize("url, message", [
    ("", "Give the URL"),
    ("ftp://hooks.example.com/x", "Only http:// and https://"),
    ("javascript:alert(1)", "Only http:// and https://"),
    ("file:///etc/passwd", "Only http:// and https://"),
    ("https://user:secret@hooks.example.com/x", "no user name or password"),
    ("https://token@hooks.example.com/x", "no user name or password"),
    ("https:///nohost", "needs a host"),
    ("https://hooks.example.com:99999/x", "not a valid"),
    ("https://hooks.example.com/a b", "without spaces"),
    ("https://" + "a" * 2000 + ".example.com/", "at most"),
    ("http://127.0.0.1:8080/x", "private network"),
    ("http://10.1.2.3/x", "private network"),
    ("http://169.254.169.254/latest/meta-data/", "private network"),
    ("http://[::1]/x", "private network"),
    ("http://[::ffff:127.0.0.1]/x", "private network"),
    ("http://localhost:5000/x", "private network"),
    ("http://api.localhost/x", "private network"),
    ("http://0.0.0.0/x", "private network"),
])
def test_urls_are_checked(admin, url, message):
    with pytest.raises(ValidationError) as error:
        services.create(admin, url, ["question.asked"], now=utcnow())
    assert message in error.value.errors["url"]


def test_events_are_checked(admin):
    for events in ([], ["question.deleted"], None, [1]):
        with pytest.raises(ValidationError) as error:
            services.create(admin, "https://hooks.example.com/x", events, now=utcnow())
        assert "events" in error.value.errors


def test_private_addresses_need_the_setting_and_names_are_checked_when_sending(app, admin, make):
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = True
    hook = services.create(admin, "http://localhost:9/x", ["question.asked"], now=utcnow())
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = False
    make.question()
    assert deliver() == (0, 1)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == hook.topic))
    assert "resolves only to private addresses" in message.last_status


def test_hostile_urls_and_descriptions_never_break_the_page(client, admin, sign_in):
    """The XSS sample of one payload in 75 from each of the corpus's 25 sources, at least one of each."""
    sign_in(admin)
    for line in (entry["payload"] for entry in corpora.xss_sample(every=75)):
        response = client.post("/admin/webhooks", data={"url": line, "description": line,
                                                        "events": ["question.asked"]})
        assert response.status_code in (302, 422), line
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "<script>alert" not in page


# Admin pages -------------------------------------------------------------------------------------


def test_the_admin_pages_list_hooks_deliveries_and_send_a_test_event(client, receiver, admin, sign_in):
    sign_in(admin)
    response = client.post("/admin/webhooks", data={"url": receiver.url, "description": "Zendesk bridge",
                                                    "events": ["question.asked", "post.flagged"]})
    assert response.status_code == 302
    hook = db.session.scalar(select(Webhook))
    assert response.headers["Location"].endswith(f"/admin/webhooks/{hook.id}")
    assert hook.events == ["post.flagged", "question.asked"] and hook.created_by_id == admin.id
    page = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    assert hook.secret in page and "Nothing sent yet" in page
    assert client.post(f"/admin/webhooks/{hook.id}/test").status_code == 302
    assert deliver() == (1, 0)
    [request] = receiver.requests
    assert request["headers"]["X-Peerdesk-Event"] == "ping" and verify(hook.secret, request)
    page = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    assert "delivered" in page and "HTTP 204" in page and request["headers"]["X-Peerdesk-Delivery"] in page
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url.replace("&", "&amp;") in listing and "Zendesk bridge" in listing and "HTTP 204" in listing
    assert client.post(f"/admin/webhooks/{hook.id}/delete").status_code == 302
    assert receiver.url not in client.get("/admin/webhooks").get_data(as_text=True)
    assert client.get(f"/admin/webhooks/{hook.id}").status_code == 404


def test_a_bad_form_is_shown_again_with_its_errors(client, admin, sign_in):
    sign_in(admin)
    response = client.post("/admin/webhooks", data={"url": "ftp://x.example.com", "events": []})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Only http:// and https://" in page and "Choose at least one" in page
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


@pytest.mark.parametrize("role", [None, "member", "agent", "moderator", "admin"])
def test_every_role_on_every_admin_page(client, make, sign_in, role):
    owner = make.user("owner", role="admin")
    hook = services.create(owner, "https://hooks.example.com/x", ["question.asked"], now=utcnow())
    if role:
        sign_in(make.user(role=role))
    pages = [("get", "/admin/webhooks"), ("get", f"/admin/webhooks/{hook.id}"),
             ("post", f"/admin/webhooks/{hook.id}/test"), ("post", "/admin/webhooks"),
             ("post", f"/admin/webhooks/{hook.id}/delete")]
    for method, path in pages:
        response = getattr(client, method)(path, data={"url": "https://a.example.com/h", "events": ["post.flagged"]}
                                           if method == "post" else None)
        if role is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
        elif role != "admin":
            assert response.status_code == 403, (role, path)
        else:
            assert response.status_code in (200, 302), path
    admin_link = 'href="/admin/webhooks"' in client.get("/").get_data(as_text=True)
    assert admin_link == (role == "admin")
