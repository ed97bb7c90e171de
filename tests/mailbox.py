"""A real SMTP server for tests (aiosmtpd in a thread) that keeps what it receives."""
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class _Handler:
    def __init__(self, mailbox):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.mailbox.received(envelope.rcpt_tos, message)
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The messages an in-process SMTP server received; `credentials` turns on AUTH LOGIN/PLAIN."""

    def __init__(self, credentials=None):
        self.messages = []
        self.recipients = []
        self.logins = []
        self._changed = threading.Condition()
        self.port = _free_port()
        options = {}
        if credentials:
            options = {"authenticator": self._authenticator(credentials), "auth_require_tls": False}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)

    def _authenticator(self, credentials):
        def check(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == credentials
            if ok:
                self.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)
        return check

    def received(self, recipients, message):
        with self._changed:
            self.recipients.append(recipients)
            self.messages.append(message)
            self._changed.notify_all()

    def wait_for(self, count, timeout=10):
        """Wait until `count` messages arrived (for deliveries from another thread); returns them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
                self._changed.wait(remaining)
            return list(self.messages)

    def to(self, address):
        """The messages whose To header contains `address`."""
        return [m for m in self.messages if address in str(m["To"])]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def body(message):
    """The plain-text body of a received message."""
    return message.get_body(preferencelist=("plain",)).get_content()
