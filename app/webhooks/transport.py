"""Sending one webhook delivery: signed, with a short timeout, only to addresses the policy allows.

SSRF: a webhook URL is typed by an admin, but the server is the one that connects. Unless
the WEBHOOKS_ALLOW_PRIVATE_ADDRESSES setting is on, every address the host name resolves
to must be public; the connection then goes to the checked address itself (the name is
kept for the Host header and TLS), so a DNS answer cannot change between check and use.
Redirects are not followed: a 3xx is a failed delivery like any other non-2xx answer.

Signatures follow Standard Webhooks (standardwebhooks, the specification's reference library):
`webhook-signature` signs `id.timestamp.body`, so a captured delivery replayed later fails a
receiver's timestamp check. The older `X-Peerdesk-Signature` (the body alone) is still sent for
one release, for receivers that verify it today.
"""
import base64
import hashlib
import hmac
import http.client
import socket
import ssl
from datetime import UTC, datetime
from urllib.parse import urlsplit

import standardwebhooks

from app import settings
from app.extensions import db
from app.outbox import DeliveryError
from app.webhooks.models import Webhook
from app.webhooks.services import ALLOW_PRIVATE, TIMEOUT, is_private_address

USER_AGENT = "Peerdesk-Webhooks/1"


def signature(secret, body):
    """The legacy X-Peerdesk-Signature value: sha256=<hex HMAC-SHA256 of the exact body bytes>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_secret(secret):
    """The hook's secret as Standard Webhooks receivers take it: whsec_<base64 of the key bytes>."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_headers(secret, delivery_id, sent_at, body):
    """webhook-id, webhook-timestamp and webhook-signature for one attempt sent at `sent_at`."""
    signed = standardwebhooks.Webhook(secret.encode()).sign(delivery_id, sent_at, body.decode())
    return {"webhook-id": delivery_id, "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signed}


def _addresses(host, port):
    """The addresses to try, in resolver order, after the private-address policy."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise DeliveryError(f"cannot resolve {host}: {error}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.get(ALLOW_PRIVATE):
        addresses = [address for address in addresses if not is_private_address(address.split("%")[0])]
        if not addresses:
            raise DeliveryError(f"{host} resolves only to private addresses; refused")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address, whatever the name resolves to now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address, verifying the certificate for the URL's host name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def send(payload):
    """Outbox transport for kind "webhook": POST the stored body; a 2xx answer is success."""
    hook = db.session.get(Webhook, payload["webhook_id"])
    if hook is None or hook.deleted_at is not None or not hook.active:
        return "skipped: the webhook was deleted"
    body = payload["body"].encode()
    parts = urlsplit(hook.url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # The network edge: the timestamp says when these bytes left, for the receiver's replay window.
    sent_at = datetime.now(UTC).replace(microsecond=0)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Peerdesk-Event": payload["event"],
        **standard_headers(hook.secret, payload["delivery_id"], sent_at, body),
        # Deprecated, kept for one release: the same id and moment, and the body-only signature.
        "X-Peerdesk-Delivery": payload["delivery_id"],
        "X-Peerdesk-Timestamp": str(int(sent_at.timestamp())),
        "X-Peerdesk-Signature": signature(hook.secret, body),
    }
    timeout = settings.get(TIMEOUT)
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    last_error = None
    for address in _addresses(parts.hostname, port):
        connection = connection_class(parts.hostname, port, address, timeout)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(4096)
        except (OSError, http.client.HTTPException) as error:
            last_error = error
            continue
        finally:
            connection.close()
        if 200 <= response.status < 300:
            return f"HTTP {response.status}"
        raise DeliveryError(f"HTTP {response.status} {response.reason}".strip())
    raise DeliveryError(f"could not connect: {last_error}")
