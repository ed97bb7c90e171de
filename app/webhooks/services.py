"""Registering webhooks and queueing their deliveries; sending happens later, from the outbox."""
import ipaddress
import json
import secrets
import uuid
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit, outbox, permissions, settings
from app.database import begin_write
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.formatting import iso
from app.outbox import OutboxMessage
from app.webhooks.models import EVENTS, PING, Webhook

ALLOW_PRIVATE = settings.define(
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", bool, False,
    _l("Let webhooks reach private, loopback and link-local addresses (only for receivers inside your own network)"),
    label=_l("Allow webhooks to private addresses"))
TIMEOUT = settings.define("WEBHOOK_TIMEOUT_SECONDS", int, 5,
                          _l("Seconds a webhook receiver has to answer before the delivery counts as failed"),
                          minimum=1, maximum=30, label=_l("Webhook timeout (seconds)"))
URL_MAX = 2000
DESCRIPTION_MAX = 200
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def is_private_address(address):
    """Whether an IP address is one a webhook must not reach by default (loopback, private, link-local...)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def check_url(url):
    """The URL, stripped, if a webhook may use it; ValidationError saying why not otherwise."""
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url:
        raise ValidationError({"url": _("Give the URL that should receive the deliveries.")})
    if len(url) > URL_MAX or any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise ValidationError({"url": _("Give a URL of at most %(maximum)d characters without spaces.",
                                        maximum=URL_MAX)})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError({"url": _("That is not a valid URL.")})
    if parts.scheme not in ("http", "https"):
        raise ValidationError({"url": _("Only http:// and https:// URLs can receive webhooks.")})
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError({"url": _("Put no user name or password in the URL; verify the signature instead.")})
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError({"url": _("The URL needs a host name.")})
    if port == 0:
        raise ValidationError({"url": _("That is not a valid port.")})
    if not settings.get(ALLOW_PRIVATE):
        private = host.lower() in LOCAL_NAMES or host.lower().endswith(".localhost")
        try:
            private = private or is_private_address(host)
        except ValueError:
            pass  # a name: its addresses are checked at every delivery, when it is resolved
        if private:
            raise ValidationError({"url": _("That address is inside a private network; webhooks reach public "
                                            "addresses only (an admin setting allows private ones).")})
    return url


def _check_events(events):
    chosen = [event for event in (events or []) if isinstance(event, str)]
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown or not chosen:
        raise ValidationError({"events": _("Choose at least one of the listed events.")})
    return sorted(set(chosen))


def _require_admin(actor):
    if not permissions.is_admin(actor):
        raise PermissionDenied(_("Only admins manage webhooks."))


def create(actor, url, events, description="", *, now):
    """Register a webhook with a new random secret (audited)."""
    _require_admin(actor)
    errors = {}
    for check, value in ((check_url, url), (_check_events, events)):
        try:
            check(value)
        except ValidationError as error:
            errors.update(error.errors)
    description = " ".join((description or "").split())
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Keep the description to %(maximum)d characters.", maximum=DESCRIPTION_MAX)
    if errors:
        raise ValidationError(errors)
    begin_write(db.session)
    hook = Webhook(url=check_url(url), events=_check_events(events), description=description,
                   secret=secrets.token_hex(32), created_by_id=actor.id, created_at=now)
    db.session.add(hook)
    db.session.flush()
    audit.record(actor, "webhook.create", "webhook", hook.id, after={"url": hook.url, "events": hook.events},
                 now=now)
    db.session.commit()
    return hook


def delete(actor, hook, *, now):
    """Stop a webhook for good (audited); its delivery history stays, pending deliveries are not sent."""
    _require_admin(actor)
    if hook.deleted_at is not None:
        raise NotFound(_("That webhook is already deleted."))
    begin_write(db.session)
    hook.deleted_at, hook.active = now, False
    audit.record(actor, "webhook.delete", "webhook", hook.id, before={"url": hook.url, "events": hook.events},
                 now=now)
    db.session.commit()


def send_test(actor, hook, *, now):
    """Queue a "ping" delivery to one webhook, whatever its events."""
    _require_admin(actor)
    if hook.deleted_at is not None:
        raise NotFound(_("That webhook is deleted."))
    begin_write(db.session)
    message = _enqueue(hook, PING, {"message": "A test delivery from the admin page.",
                                    "webhook_id": hook.id}, now)
    db.session.commit()
    return message


def redeliver(actor, hook, message_id, *, now):
    """Queue one of the hook's deliveries again, the same signed body with the same id (audited).

    A new outbox row rather than a reset of the old one: the old row stays the record of how its
    attempts went (an admin sees both), the new one gets the full round of retries, and a worker
    that is sending the old row at this moment cannot overwrite the new attempt's state. Receivers
    see the same `webhook-id` and body with a fresh timestamp, so they can drop a duplicate.
    Conflict while the delivery (or an earlier redelivery of it) is still being tried.
    """
    _require_admin(actor)
    if hook.deleted_at is not None:
        raise NotFound(_("That webhook is deleted."))
    begin_write(db.session)
    original = db.session.get(OutboxMessage, message_id)
    if original is None or original.kind != "webhook" or original.topic != hook.topic:
        db.session.rollback()
        raise NotFound(_("That webhook has no such delivery."))
    delivery_id = original.payload.get("delivery_id")
    in_flight = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.topic == hook.topic, OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)))
    if any(message.payload.get("delivery_id") == delivery_id for message in in_flight):
        db.session.rollback()
        raise Conflict(_("This delivery is still being tried: wait until it is delivered or has failed."))
    payload = {key: original.payload[key] for key in ("webhook_id", "delivery_id", "event", "body")}
    message = outbox.enqueue("webhook", {**payload, "redelivery_of": original.id}, topic=hook.topic, now=now)
    db.session.flush()
    audit.record(actor, "webhook.redeliver", "webhook", hook.id, f"delivery {delivery_id} sent again",
                 before={"message_id": original.id, "state": delivery_state(original)},
                 after={"message_id": message.id, "delivery_id": delivery_id}, now=now)
    db.session.commit()
    return message


def _enqueue(hook, event, data, now):
    """Add one delivery to the caller's transaction; the body is fixed now so every retry signs the same bytes."""
    delivery_id = str(uuid.uuid4())
    body = json.dumps({"id": delivery_id, "event": event, "created_at": iso(now), "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return outbox.enqueue("webhook", {"webhook_id": hook.id, "delivery_id": delivery_id, "event": event,
                                      "body": body}, topic=hook.topic, now=now)


def enqueue_event(event, data, *, now):
    """Queue a delivery of `event` to every active webhook subscribed to it, in the caller's transaction."""
    hooks = db.session.scalars(select(Webhook).where(Webhook.active.is_(True), Webhook.deleted_at.is_(None))
                               .order_by(Webhook.id)).all()
    return [_enqueue(hook, event, data, now) for hook in hooks if event in (hook.events or [])]


def get_or_404(hook_id):
    """A webhook that is not deleted; NotFound otherwise."""
    hook = db.session.get(Webhook, hook_id)
    if hook is None or hook.deleted_at is not None:
        raise NotFound(_("There is no such webhook."))
    return hook


def listing():
    """Every live webhook with its latest delivery (or None): [(hook, message)]."""
    hooks = db.session.scalars(select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)).all()
    return [(hook, db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == hook.topic)
                                     .order_by(OutboxMessage.id.desc()).limit(1))) for hook in hooks]


def deliveries(hook, limit=50):
    """A webhook's latest deliveries, newest first."""
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == hook.topic)
                              .order_by(OutboxMessage.id.desc()).limit(limit)).all()


def delivery_state(message):
    """One word for a delivery: delivered, failed (gave up), retrying or pending."""
    if message.delivered_at is not None:
        return "delivered"
    if message.failed_at is not None:
        return "failed"
    return "retrying" if message.attempts else "pending"
