"""A real SMTP server for tests (aiosmtpd in a thread) that keeps what it receives."""
import email
import email.policy
import socket
import ssl
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class _Handler:
    def __init__(self, mailbox):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.mailbox.received(envelope.rcpt_tos, message)
        return "250 Message accepted for delivery"


CERTIFICATE = Path(__file__).resolve().parent / "certs" / "smtp-test.pem"


def _server_tls():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERTIFICATE, CERTIFICATE.with_suffix(".key"))
    return context


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The messages an in-process SMTP server received; `credentials` turns on AUTH LOGIN/PLAIN."""

    def __init__(self, credentials=None, tls=None):
        """`tls`: None (plain), "starttls" (required before mail) or "implicit" (TLS from the first byte)."""
        self.messages = []
        self.recipients = []
        self.logins = []
        self._changed = threading.Condition()
        self.port = free_port()
        options = {}
        if credentials:
            # aiosmtpd only knows of TLS it negotiated itself (STARTTLS); implicit TLS is TLS all the same.
            options.update(authenticator=self._authenticator(credentials), auth_require_tls=tls == "starttls")
        if tls == "starttls":
            options.update(tls_context=_server_tls(), require_starttls=True)
        elif tls == "implicit":
            options.update(ssl_context=_server_tls())
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)

    def _authenticator(self, credentials):
        def check(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == credentials
            if ok:
                self.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)
        return check

    def received(self, recipients, message):
        with self._changed:
            self.recipients.append(recipients)
            self.messages.append(message)
            self._changed.notify_all()

    def wait_for(self, count):
        """Wait until `count` messages arrived (for deliveries from another thread); returns them.

        It waits on the arrival itself, however long a loaded machine takes; the suite's per-test
        timeout (pyproject.toml) is the only bound.
        """
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count)
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


SITE_URL = "http://community.test"


class configured:  # noqa: N801 - used as a context manager, like a function
    """Start a Mailbox and point the app's SMTP and site settings at it for the block."""

    def __init__(self, app, credentials=None, tls=None, **settings):
        self.app, self.mailbox = app, Mailbox(credentials, tls)
        self.settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.mailbox.port, "SITE_URL": SITE_URL, **settings}

    def __enter__(self):
        self.mailbox.__enter__()
        self.app.config.update(self.settings)
        return self.mailbox

    def __exit__(self, *exc):
        self.mailbox.__exit__(*exc)


def local_path(url):
    """The path (and query) of an absolute link from an email, for the test client."""
    assert url.startswith(SITE_URL), url
    return url[len(SITE_URL):]
