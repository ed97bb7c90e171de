"""Email: plain-text messages built from templates, queued in the outbox, sent by SMTP (a connection per outbox round).

Settings come from the environment (or the app config, as tests do): SMTP_HOST, SMTP_PORT,
SMTP_USE_TLS (TLS from the first byte, usually port 465), SMTP_STARTTLS (upgrade a plain
connection, usually port 587), SMTP_CA_FILE (a private CA to trust), SMTP_USERNAME,
SMTP_PASSWORD, MAIL_FROM (a bare address gets the community's name, app/brand.py) and SITE_URL
(the address links in emails point to). Without SMTP_HOST nothing is sent: each message is
written to the log and its outbox row is closed with a status that says so.
"""
import email.policy
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app, render_template
from sqlalchemy import select

from app import brand, i18n, outbox
from app.extensions import db
from app.models import User
from app.urls import site_url

DEFAULT_MAIL_ADDRESS = "no-reply@localhost"
SMTP_TIMEOUT_SECONDS = 30
NOT_SENT_STATUS = "not sent: SMTP_HOST is not configured; the message was written to the log"
# Addresses under the reserved .invalid domain (deleted accounts) never receive mail.
UNDELIVERABLE_SUFFIX = ".invalid"
# CRLF line ends; headers are folded only past RFC 5322's hard limit, because the standard
# library folds a long Subject as "Subject:" + newline + text, which readers show with a leading space.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)
# Runs of whitespace, but not the no-break spaces that French puts before ":", "?" and inside « ».
_WHITESPACE = re.compile(r"[^\S\u00a0\u202f\u2007]+")


def _setting(name, default=None):
    """A mail setting: the app config when it has one (tests), else the environment."""
    if name in current_app.config:
        return current_app.config[name]
    return os.environ.get(name, default)


def _flag(name):
    value = _setting(name, False)
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def collapse_whitespace(text):
    """One line: each run of spaces and line breaks becomes one space; no-break spaces (French typography) stay."""
    return _WHITESPACE.sub(" ", str(text)).strip()


def _one_line(text, limit=200):
    """A header-safe single line: no newlines (header injection), bounded length."""
    line = collapse_whitespace(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def enqueue_email(to, subject, template, *, now, user_id=None, unsubscribe_url=None, topic="email",
                  recipient=None, **context):
    """Render `templates/email/<template>.txt` and queue it in the caller's transaction.

    The subject (a string, or a lazy_gettext one) and the body are in the recipient's language
    (`recipient`, else the `user` of the context), not the language of the request that caused them.
    With `user_id` the message goes to that member's address at sending time (it may have
    changed) and is dropped if the account is gone; `unsubscribe_url` adds the RFC 8058
    one-click headers and a footer link. Nothing is queued for a placeholder address (.invalid).
    """
    if parseaddr(to)[1].lower().endswith(UNDELIVERABLE_SUFFIX):
        return None  # a placeholder address (an imported or deleted member): nothing would ever arrive
    with i18n.in_language_of(recipient if recipient is not None else context.get("user")):
        subject = str(subject)
        text = render_template(f"email/{template}.txt", unsubscribe_url=unsubscribe_url, site_url=site_url(),
                               **context)
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    payload = {"to": to, "subject": _one_line(subject), "text": text, "headers": headers, "user_id": user_id}
    return outbox.enqueue("email", payload, topic=topic[:100], now=now)


def default_sender():
    """The From header: MAIL_FROM, named after the community when it names no one (a bare address or none)."""
    name, address = parseaddr(str(_setting("MAIL_FROM") or DEFAULT_MAIL_ADDRESS))
    return formataddr((name or _one_line(brand.current().name, 100), address or DEFAULT_MAIL_ADDRESS))


def build_message(payload, mail_from=None):
    """The EmailMessage for an outbox payload."""
    message = EmailMessage(policy=MAIL_POLICY)
    sender = mail_from or default_sender()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = _one_line(payload["subject"])
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: autoresponders must not answer
    for name, value in (payload.get("headers") or {}).items():
        message[name] = _one_line(value, 2000)
    # Quoted-printable keeps the body readable as sent (links stay links), whatever the language.
    message.set_content(payload["text"], cte="quoted-printable")
    return message


def _addressed(payload):
    """The payload with its recipient's current address, or None when the account is gone."""
    if payload.get("user_id") is None:
        return payload
    member = db.session.execute(select(User.username, User.email).where(User.id == payload["user_id"])).first()
    if member is None or member.email.endswith(UNDELIVERABLE_SUFFIX):
        return None
    return {**payload, "to": formataddr((member.username, member.email))}


def _dropped(error):
    """Whether an SMTP error means the connection is gone (the server closed it, or said 421 and will)."""
    return isinstance(error, smtplib.SMTPServerDisconnected) or (
        isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421)


class SMTPSession:
    """The "email" transport for one outbox round: one SMTP connection for all its messages.

    It connects at the first message that needs the server and closes at the end of the round.
    A reused connection the server has dropped meanwhile (an idle timeout, a restart) is opened
    again once, for the message in hand; a refusal of one message (550 for its recipient) fails
    that message only, and the connection goes on to the next.
    """

    def __init__(self):
        self._smtp = None
        self._where = None
        self._sender = None  # the From header, read once a round: the brand's name costs queries

    def __enter__(self):
        return self.send

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """End the conversation politely if the server still listens, and forget the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connect(self, host):
        use_tls, starttls = _flag("SMTP_USE_TLS"), _flag("SMTP_STARTTLS")
        port = int(_setting("SMTP_PORT") or (465 if use_tls else 587 if starttls else 25))
        # SMTP_CA_FILE trusts a private CA (an internal relay); the system's CAs are trusted otherwise.
        context = ssl.create_default_context(cafile=_setting("SMTP_CA_FILE") or None)
        if use_tls:
            smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            if starttls and not use_tls:
                smtp.starttls(context=context)
            username = _setting("SMTP_USERNAME")
            if username:
                smtp.login(username, _setting("SMTP_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp, self._where = smtp, f"{host}:{port}"

    def _send_message(self, host, message):
        if self._smtp is None:
            self._connect(host)
        try:
            return self._smtp.send_message(message)
        except smtplib.SMTPException as error:
            if not _dropped(error):
                raise  # the server answered and refused: the connection is still good for the next message
            self.close()
            raise
        except OSError:
            self.close()  # a timeout or reset mid-conversation leaves the connection unusable
            raise

    def send(self, payload):
        """Send one outbox payload; returns a short status, raises to have it retried."""
        payload = _addressed(payload)
        if payload is None:
            return "skipped: the account no longer exists"
        if self._sender is None:
            self._sender = default_sender()
        message = build_message(payload, self._sender)
        host = _setting("SMTP_HOST")
        if not host:
            current_app.logger.warning("Email not sent (SMTP_HOST is not set)\nTo: %s\nSubject: %s\n\n%s",
                                       message["To"], message["Subject"], payload["text"])
            return NOT_SENT_STATUS
        reused = self._smtp is not None
        try:
            refused = self._send_message(host, message)
        except (smtplib.SMTPException, OSError) as error:
            if not (reused and _dropped(error)):
                raise
            # Once, on a new connection: the server dropped the old one before taking this message.
            refused = self._send_message(host, message)
        if refused:
            raise outbox.DeliveryError(f"refused by the server: {refused}")
        return f"sent to {self._where}"


def send_email(payload):
    """Send one outbox payload on a connection of its own (the outbox's rounds use an SMTPSession)."""
    with SMTPSession() as send:
        return send(payload)


def init_app(app):
    """Make the outbox send "email" messages with SMTP, one connection per round."""
    outbox.register_transport("email", send_email, session=SMTPSession)
