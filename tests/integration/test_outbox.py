"""The outbox: delivered after commit, retried with back-off, given up on, claimed by one worker only."""
import contextlib
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import background, outbox
from app.extensions import db
from app.outbox import BACKOFF_SECONDS, CLAIM_SECONDS, MAX_ATTEMPTS, OutboxMessage

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

NOW = datetime(2026, 11, 22, 9, 0, 0)


class Transport:
    """A transport that records what it sent and fails while `failures` is positive."""

    def __init__(self, failures=0, delay=0.0):
        self.sent, self.failures, self.delay = [], failures, delay
        self._lock = threading.Lock()

    def __call__(self, payload):
        if self.delay:
            time.sleep(self.delay)  # a remote server's latency, so concurrent workers overlap
        with self._lock:
            if self.failures > 0:
                self.failures -= 1
                raise outbox.DeliveryError("503 try again later")
            self.sent.append(payload["n"])
        return f"accepted {payload['n']}"


@pytest.fixture
def transport(app, monkeypatch):
    """A "test" transport registered for this test only."""
    def install(**options):
        sender = Transport(**options)
        monkeypatch.setitem(outbox._TRANSPORTS, "test", sender)
        return sender
    return install


def _queue(count=1, now=NOW):
    messages = [outbox.enqueue("test", {"n": n}, topic="test", now=now) for n in range(count)]
    db.session.commit()
    return [m.id for m in messages]


def _row(message_id):
    db.session.rollback()
    return db.session.get(OutboxMessage, message_id)


def test_a_committed_message_is_delivered_once(transport):
    sender = transport()
    [message_id] = _queue()
    assert outbox.deliver_due(NOW) == (1, 0)
    row = _row(message_id)
    assert sender.sent == [0]
    assert (row.delivered_at, row.attempts, row.last_status, row.failed_at) == (NOW, 1, "accepted 0", None)
    assert outbox.deliver_due(NOW + timedelta(days=1)) == (0, 0)
    assert sender.sent == [0]


def test_a_message_is_not_sent_before_it_is_due(transport):
    sender = transport()
    _queue(now=NOW)
    assert outbox.deliver_due(NOW - timedelta(seconds=1)) == (0, 0)
    assert sender.sent == []


def test_failures_are_retried_with_growing_back_off(transport):
    sender = transport(failures=2)
    [message_id] = _queue()
    assert outbox.deliver_due(NOW) == (0, 1)
    row = _row(message_id)
    assert row.attempts == 1 and row.last_status == "DeliveryError: 503 try again later"
    assert row.next_attempt_at == NOW + timedelta(seconds=BACKOFF_SECONDS[0])
    # Not before the back-off has passed.
    assert outbox.deliver_due(NOW + timedelta(seconds=BACKOFF_SECONDS[0] - 1)) == (0, 0)
    second = NOW + timedelta(seconds=BACKOFF_SECONDS[0])
    assert outbox.deliver_due(second) == (0, 1)
    assert _row(message_id).next_attempt_at == second + timedelta(seconds=BACKOFF_SECONDS[1])
    third = second + timedelta(seconds=BACKOFF_SECONDS[1])
    assert outbox.deliver_due(third) == (1, 0)
    row = _row(message_id)
    assert (row.attempts, row.delivered_at, sender.sent) == (3, third, [0])


def test_it_gives_up_after_max_attempts(transport):
    sender = transport(failures=100)
    [message_id] = _queue()
    moment = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert outbox.deliver_due(moment) == (0, 1)
        row = _row(message_id)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert row.failed_at is None
            moment = row.next_attempt_at
    assert row.failed_at == moment and row.delivered_at is None
    assert "503" in row.last_status
    assert outbox.deliver_due(moment + timedelta(days=30)) == (0, 0)
    assert sender.sent == []


def test_a_rolled_back_transaction_enqueues_nothing(transport):
    sender = transport()
    woken = []
    def wake():
        woken.append(True)

    outbox.on_commit_of_new_messages(wake)
    try:
        outbox.enqueue("test", {"n": 1}, now=NOW)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert outbox.deliver_due(NOW) == (0, 0) and sender.sent == []
        assert woken == []  # nothing to wake a worker for
        _queue()
        assert woken == [True]
    finally:
        outbox.stop_calling(wake)


def test_messages_of_a_kind_without_transport_wait(app):
    message = outbox.enqueue("nobody-sends-this", {"n": 1}, now=NOW)
    db.session.commit()
    assert outbox.deliver_due(NOW) == (0, 0)
    row = _row(message.id)
    assert row.attempts == 0 and row.delivered_at is None and row.failed_at is None


def test_a_claim_whose_worker_died_is_taken_again_later(transport):
    sender = transport()
    [message_id] = _queue()
    assert [row.id for row in outbox._claim_batch(NOW, 10)] == [message_id]  # a worker claims it, then dies
    assert outbox.deliver_due(NOW + timedelta(seconds=CLAIM_SECONDS - 1)) == (0, 0)
    assert outbox.deliver_due(NOW + timedelta(seconds=CLAIM_SECONDS)) == (1, 0)
    assert sender.sent == [0] and _row(message_id).attempts == 2


def test_a_message_claimed_by_another_worker_is_skipped(transport):
    transport()
    first, second, third = _queue(3)
    assert [row.id for row in outbox._claim_batch(NOW, 2)] == [first, second]
    assert [row.id for row in outbox._claim_batch(NOW, 2)] == [third]
    assert outbox._claim_batch(NOW, 2) == []


def test_a_round_claims_in_batches_up_to_its_limit(transport):
    sender = transport()
    _queue(25)
    assert outbox.deliver_due(NOW, limit=12, batch=5) == (12, 0)
    assert sender.sent == list(range(12))  # oldest first
    assert outbox.deliver_due(NOW, batch=5) == (13, 0)
    assert sender.sent == list(range(25))


def test_a_failure_fails_only_its_own_message_of_the_batch(transport):
    sender = transport(failures=1)
    first, *others = _queue(4)
    assert outbox.deliver_due(NOW) == (3, 1)
    assert sender.sent == [1, 2, 3]
    assert _row(first).next_attempt_at == NOW + timedelta(seconds=BACKOFF_SECONDS[0])
    assert {_row(message_id).delivered_at for message_id in others} == {NOW}


class Session:
    """A transport session that counts how often it is opened and closed around the sends of a round."""

    def __init__(self, sender):
        self.sender, self.opened, self.closed = sender, 0, 0

    @contextlib.contextmanager
    def __call__(self):
        self.opened += 1
        try:
            yield self.sender
        finally:
            self.closed += 1


def test_a_transport_session_is_opened_once_per_round(app, transport, monkeypatch):
    sender = transport()
    session = Session(sender)
    monkeypatch.setitem(outbox._SESSIONS, "test", session)
    _queue(23)
    assert outbox.deliver_due(NOW, batch=5) == (23, 0)
    assert (session.opened, session.closed, sender.sent) == (1, 1, list(range(23)))
    assert outbox.deliver_due(NOW) == (0, 0)
    assert session.opened == 1  # no message, no session


def test_registering_a_transport_without_a_session_drops_the_old_one(app, monkeypatch):
    monkeypatch.setattr(outbox, "_TRANSPORTS", {})
    monkeypatch.setattr(outbox, "_SESSIONS", {})
    outbox.register_transport("test", print, session=contextlib.nullcontext)
    assert outbox._SESSIONS == {"test": contextlib.nullcontext}
    outbox.register_transport("test", print)
    assert outbox._SESSIONS == {} and outbox._TRANSPORTS == {"test": print}


def test_concurrent_workers_never_send_a_message_twice(app, transport):
    sender = transport(delay=0.002)
    count, workers = 40, 4
    _queue(count)
    db.session.remove()
    results, errors = [], []
    start = threading.Barrier(workers)

    def work():
        try:
            with app.app_context():
                start.wait()
                results.append(outbox.deliver_due(NOW))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(sender.sent) == list(range(count))
    assert sum(delivered for delivered, _ in results) == count
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.attempts != 1)) == 0


def test_the_in_process_worker_goes_again_at_once_after_a_full_round(app, transport):
    sender = transport()
    _queue(outbox.ROUND_LIMIT + 20)
    delivery = background._outbox_delivery(app)
    assert delivery.round(NOW) == 0  # a full round: more are waiting, no pause
    assert len(sender.sent) == outbox.ROUND_LIMIT
    assert delivery.round(NOW) > 0  # the rest, then the usual pause
    assert len(sender.sent) == outbox.ROUND_LIMIT + 20
