"""The outbox at scale: deliverers take disjoint batches (SKIP LOCKED), and one SMTP connection serves a round."""
import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlalchemy import func, select, text

from app import outbox
from app.clock import utcnow
from app.config import REPO_ROOT
from app.extensions import db
from app.outbox import BACKOFF_SECONDS, OutboxMessage
from tests.mailbox import free_port

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

NOW = datetime(2026, 11, 22, 9, 0, 0)
REFUSED = "nobody@example.com"


class CountingServer:
    """A real SMTP server (aiosmtpd) that counts connections and can drop one or refuse a recipient.

    `drop_after`: after accepting that many messages, close the connection, "silently" (right after
    its 250) or "421" (answering the next MAIL with 421, as a server at its idle timeout does).
    """

    def __init__(self, drop_after=None, drop="silently"):
        self.ids, self.connections, self.closed = [], 0, 0
        self.drop_after, self.drop, self.dropped = drop_after, drop, False
        self._changed = threading.Condition()
        self.port = free_port()
        server = self

        class CountingSMTP(SMTP):
            def connection_made(self, transport):
                with server._changed:
                    server.connections += 1
                super().connection_made(transport)

            def connection_lost(self, error):
                with server._changed:
                    server.closed += 1
                    server._changed.notify_all()
                super().connection_lost(error)

        class CountingController(Controller):
            def factory(self):
                return CountingSMTP(self.handler, **self.SMTP_kwargs)

        self.controller = CountingController(self, hostname="127.0.0.1", port=self.port)

    async def handle_MAIL(self, smtp, session, envelope, address, options):  # noqa: N802 - aiosmtpd's hook name
        if self.drop == "421" and self._drop_due():
            asyncio.get_running_loop().call_soon(smtp.transport.close)
            return "421 4.4.2 Idle too long, closing the connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, smtp, session, envelope, address, options):  # noqa: N802 - aiosmtpd's hook name
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._changed:
            self.ids.append(int(message["X-Test-Id"]))
            self._changed.notify_all()
        if self.drop == "silently" and self._drop_due():
            # After the 250 below is written: the message was taken, then the line goes dead.
            asyncio.get_running_loop().call_soon(smtp.transport.close)
        return "250 Message accepted for delivery"

    def _drop_due(self):
        with self._changed:
            if self.drop_after is None or self.dropped or len(self.ids) < self.drop_after:
                return False
            self.dropped = True
            return True

    def wait_for_messages(self, count, timeout):
        """Wait up to `timeout` seconds until `count` messages arrived; whether they did."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.ids) >= count, timeout=timeout)

    def wait_closed(self, count):
        """Wait until `count` connections have closed (the server sees it on its own thread)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.closed >= count, timeout=120)

    def __enter__(self):
        self.controller.start()
        with self._changed:
            self.connections = self.closed = 0  # the controller's own probe that the server is up
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def server(app):
    """A counting SMTP server the app sends to; `server(**options)` starts one."""
    started = []

    def start(**options):
        box = CountingServer(**options).__enter__()
        started.append(box)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port)
        return box

    yield start
    for box in started:
        box.__exit__()


def _queue_emails(count, refused=(), now=NOW):
    """`count` emails, due at `now`, each with its number in an X-Test-Id header; returns their ids."""
    messages = [outbox.enqueue("email", {"to": REFUSED if n in refused else f"member{n}@example.com",
                                         "subject": f"Message {n}", "text": f"Body {n}",
                                         "headers": {"X-Test-Id": str(n)}, "user_id": None},
                               topic="email", now=now) for n in range(count)]
    db.session.commit()
    return [message.id for message in messages]


def _rows():
    db.session.rollback()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_fifty_messages_in_one_round_use_one_connection(server):
    box = server()
    _queue_emails(50)
    assert outbox.deliver_due(NOW) == (50, 0)
    assert sorted(box.ids) == list(range(50))
    assert box.connections == 1
    assert box.wait_closed(1), "the round's connection stayed open after the round"
    assert {(row.delivered_at, row.attempts) for row in _rows()} == {(NOW, 1)}


@pytest.mark.parametrize("drop", ["silently", "421"])
def test_a_dropped_connection_costs_one_reconnect_and_no_message(server, drop):
    box = server(drop_after=20, drop=drop)
    _queue_emails(50)
    assert outbox.deliver_due(NOW) == (50, 0)
    assert box.dropped
    assert sorted(box.ids) == list(range(50))  # none lost, none twice
    assert box.connections == 2
    assert {(row.delivered_at, row.attempts) for row in _rows()} == {(NOW, 1)}


def test_a_refused_recipient_fails_only_its_message(server):
    box = server()
    ids = _queue_emails(10, refused={3})
    assert outbox.deliver_due(NOW) == (9, 1)
    assert sorted(box.ids) == [n for n in range(10) if n != 3]
    assert box.connections == 1  # the refusal left the connection good for the next messages
    rows = {row.id: row for row in _rows()}
    refused = rows.pop(ids[3])
    assert refused.delivered_at is None and refused.failed_at is None
    assert "550" in refused.last_status
    assert refused.next_attempt_at == NOW + timedelta(seconds=BACKOFF_SECONDS[0])
    assert {row.delivered_at for row in rows.values()} == {NOW}


@pytest.mark.postgres_only
def test_locked_rows_are_skipped_not_waited_for(app, monkeypatch):
    monkeypatch.setitem(outbox._TRANSPORTS, "test", lambda payload: "ok")
    messages = [outbox.enqueue("test", {"n": n}, now=NOW) for n in range(6)]
    db.session.commit()
    ids = [message.id for message in messages]
    with db.engine.connect() as other_worker:
        # Another deliverer's claim in flight: its rows are locked until it commits.
        other_worker.execute(select(OutboxMessage.id).where(OutboxMessage.id.in_(ids[:3])).with_for_update())
        # Waiting for those locks would hit this bound and raise; skipping them returns at once.
        db.session.execute(text("SET LOCAL lock_timeout = '30s'"))
        assert [row.id for row in outbox._claim_batch(NOW, 10)] == ids[3:]
        other_worker.rollback()
    assert [row.id for row in outbox._claim_batch(NOW, 10)] == ids[:3]


@pytest.mark.postgres_only
def test_concurrent_deliverers_send_disjoint_sets_over_their_own_connections(app, server):
    box = server()
    count, deliverers = 120, 4
    _queue_emails(count)
    db.session.remove()
    results, errors = [], []
    start = threading.Barrier(deliverers)

    def deliver():
        try:
            with app.app_context():  # the one app, built before the threads start; a session per thread
                start.wait()
                results.append(outbox.deliver_due(NOW, limit=1000))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(deliverers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(box.ids) == list(range(count))  # the union is every message, none twice
    assert sum(delivered for delivered, _ in results) == count
    assert 1 <= box.connections <= deliverers  # at most one connection per deliverer's round
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.attempts != 1)) == 0


def test_flask_worker_goes_on_at_once_after_a_full_round(app, server, database_url):
    box = server()
    backlog = outbox.ROUND_LIMIT + 30
    _queue_emails(backlog, now=utcnow())  # the worker process reads the wall clock: due now, not at NOW
    db.session.remove()
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_url, "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(box.port), "OUTBOX_IN_PROCESS": "false", "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    # Ten minutes between rounds: the rest of the backlog arrives only if the worker does not wait after a full one.
    process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--interval", "600"], cwd=REPO_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        arrived = box.wait_for_messages(backlog, timeout=300)  # generous: the machine is shared
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    assert arrived, f"{len(box.ids)} of {backlog} arrived\n{output}"
    assert sorted(box.ids) == list(range(backlog))
    assert f"{outbox.ROUND_LIMIT} delivered" in output and "30 delivered" in output
    assert box.connections == 2  # one per round
