"""Webhooks: an admin sends a delivery again from the hook's page; a local receiver gets the same signed body."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import outbox
from app.audit import AuditEntry
from app.clock import utcnow
from app.exceptions import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.outbox import OutboxMessage
from app.webhooks import services
from tests.integration.test_webhooks import _verify_standard, deliver

pytestmark = pytest.mark.time_sensitive




def _messages(hook):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == hook.topic)
                              .order_by(OutboxMessage.id)).all()


def _fail_for_good(receiver):
    """Let the receiver answer 500 until the outbox gives up; the moment after the last attempt."""
    receiver.status = 500
    now = utcnow() + timedelta(seconds=1)
    for _ in range(outbox.MAX_ATTEMPTS):
        assert deliver(now=now) == (0, 1)
        now += timedelta(days=1)
    return now


def test_a_failed_delivery_goes_out_again_with_the_same_id_and_body(client, sign_in, receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question(title="Why does the X200 dock hum at night?")
    _fail_for_good(receiver)
    [failed] = _messages(hook)
    assert services.delivery_state(failed) == "failed"
    sign_in(admin)
    page = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    assert f"/admin/webhooks/{hook.id}/deliveries/{failed.id}/redeliver" in page and "Deliver again" in page

    response = client.post(f"/admin/webhooks/{hook.id}/deliveries/{failed.id}/redeliver", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "is queued again" in page
    original, again = _messages(hook)
    assert original.id == failed.id and services.delivery_state(original) == "failed"  # its record stays
    assert again.payload["delivery_id"] == original.payload["delivery_id"]
    assert again.payload["body"] == original.payload["body"] and again.payload["redelivery_of"] == original.id
    assert services.delivery_state(again) == "pending" and again.attempts == 0
    assert f"again, of <a href=\"#delivery-{original.id}\">#{original.id}</a>" in page

    receiver.status = 204
    assert deliver() == (1, 0)
    first, last = receiver.requests[0], receiver.requests[-1]
    assert last["body"] == first["body"]
    assert last["headers"]["webhook-id"] == first["headers"]["webhook-id"] == original.payload["delivery_id"]
    assert _verify_standard(hook, last)["data"]["question"]["title"] == "Why does the X200 dock hum at night?"
    page = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    row = re.search(rf'<tr id="delivery-{again.id}" data-delivery-state="(\w+)"', page)
    assert row.group(1) == "delivered" and "HTTP 204" in page
    listing = client.get("/admin/webhooks").get_data(as_text=True)
    assert "delivery-delivered" in listing and "HTTP 204" in listing  # the latest delivery is the redelivery

    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "webhook.redeliver")).all()
    assert entry.actor_id == admin.id and entry.target_id == str(hook.id)
    assert entry.before == {"message_id": original.id, "state": "failed"}
    assert entry.after == {"message_id": again.id, "delivery_id": original.payload["delivery_id"]}


def test_a_delivered_one_goes_again_but_never_twice_at_once(receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question()
    assert deliver() == (1, 0)
    [delivered] = _messages(hook)
    again = services.redeliver(admin, hook, delivered.id, now=utcnow())
    for message_id in (delivered.id, again.id):  # the same delivery is already on its way
        with pytest.raises(Conflict, match="still being tried"):
            services.redeliver(admin, hook, message_id, now=utcnow())
    assert len(_messages(hook)) == 2
    assert deliver() == (1, 0)
    assert json.loads(receiver.requests[0]["body"]) == json.loads(receiver.requests[1]["body"])
    assert services.redeliver(admin, hook, again.id, now=utcnow()).payload["redelivery_of"] == again.id


def test_a_pending_delivery_is_refused_with_a_message_on_the_page(client, sign_in, admin):
    hook = services.create(admin, "https://hooks.example.com/x", ["question.asked"], now=utcnow())
    pending = services.send_test(admin, hook, now=utcnow())
    sign_in(admin)
    page = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    assert "Deliver again" not in page  # only for delivered or failed ones
    response = client.post(f"/admin/webhooks/{hook.id}/deliveries/{pending.id}/redeliver", follow_redirects=True)
    assert "still being tried" in response.get_data(as_text=True)
    assert len(_messages(hook)) == 1


def test_only_deliveries_of_that_hook_can_be_sent_again(client, sign_in, receiver, admin, make):
    hook = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    other = services.create(admin, receiver.url, ["question.asked"], now=utcnow())
    make.question()
    assert deliver() == (2, 0)
    [mine], [theirs] = _messages(hook), _messages(other)
    db.session.add(OutboxMessage(kind="email", payload={"to": "a@example.com"}, topic=hook.topic,
                                 created_at=utcnow(), next_attempt_at=utcnow(), delivered_at=utcnow()))
    db.session.commit()
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "email"))
    for message_id in (theirs.id, email.id, 999999):
        with pytest.raises(NotFound):
            services.redeliver(admin, hook, message_id, now=utcnow())
    sign_in(admin)
    assert client.post(f"/admin/webhooks/{hook.id}/deliveries/{theirs.id}/redeliver").status_code == 404
    services.delete(admin, hook, now=utcnow())
    assert client.post(f"/admin/webhooks/{hook.id}/deliveries/{mine.id}/redeliver").status_code == 404
    with pytest.raises(NotFound):
        services.redeliver(admin, hook, mine.id, now=utcnow())
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


@pytest.mark.parametrize("role", [None, "member", "agent", "moderator"])
def test_only_admins_send_a_delivery_again(client, sign_in, make, admin, role):
    hook = services.create(admin, "https://hooks.example.com/x", ["question.asked"], now=utcnow())
    message = services.send_test(admin, hook, now=utcnow())
    message.delivered_at = utcnow()
    db.session.commit()
    user = make.user(role=role) if role else None
    if user:
        sign_in(user)
        with pytest.raises(PermissionDenied):
            services.redeliver(user, hook, message.id, now=utcnow())
    response = client.post(f"/admin/webhooks/{hook.id}/deliveries/{message.id}/redeliver")
    if role is None:
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert len(_messages(hook)) == 1


def test_the_button_needs_the_forms_csrf_token(app, client, sign_in, admin):
    hook = services.create(admin, "https://hooks.example.com/x", ["question.asked"], now=utcnow())
    message = services.send_test(admin, hook, now=utcnow())
    message.failed_at = utcnow()
    db.session.commit()
    sign_in(admin)
    app.config["WTF_CSRF_ENABLED"] = True
    path = f"/admin/webhooks/{hook.id}/deliveries/{message.id}/redeliver"
    assert client.post(path).status_code == 400 and len(_messages(hook)) == 1
    page = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    form = page[page.index(f'action="{path}"'):]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert len(_messages(hook)) == 2
