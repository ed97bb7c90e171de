"""Work beside the web process: the care sweep, outbox delivery and this host's search index following the log.

Each job is a daemon thread per process, started on the process's first request (a fork copies
no threads) and turned on by one switch: CARE_IN_APP_SWEEP, OUTBOX_IN_PROCESS and
SEARCH_FOLLOW_IN_PROCESS, on by default outside tests. Every process runs a care sweeper, but only
the one holding the "care.sweep" lease (app.leases, timed by the database's clock) sweeps: the
others skip their rounds and take over when the holder stops renewing. `flask care sweep` from
cron and `flask worker` may run besides; the sweep's locks and the outbox's claims make all of
them safe together. Each round is an edge: it reads the clock once and hands `now` to the service.
"""
import atexit
import os
import socket
import threading
import time
import uuid
import weakref
from dataclasses import dataclass

from flask import current_app

from app import leases, outbox, settings
from app.care import options as care_options
from app.care import sweep
from app.clock import utcnow
from app.config import switched_on
from app.extensions import db
from app.notifications import digest
from app.search import follow, index_sync

DEFAULT_POLL_SECONDS = 10.0
# Digests are checked at most this often: they are due once a day.
DIGEST_CHECK_SECONDS = 60.0
CARE_RETRY_SECONDS = 60
CARE_LEASE = "care.sweep"
# Held for this many rounds: a holder that died is replaced within about that many rounds, and
# one slow round (a full sweep) rarely lets a second process start sweeping beside it.
CARE_LEASE_ROUNDS = 3
CARE_LEASE_MIN_SECONDS = 30

# The threads this process started, for the clean exit (weakly: tests drop their apps).
_started_threads = weakref.WeakSet()


class PeriodicThread:
    """A daemon thread that runs `round(now)` in an app context; the round returns the seconds until the next."""

    def __init__(self, app, name, round_, retry_seconds, wake_on=None, on_stop=None):
        self.app, self.name, self.round, self.retry_seconds = app, name, round_, retry_seconds
        self.wake_on = wake_on  # (subscribe, unsubscribe) of an event that should start a round early
        self.on_stop = on_stop  # called in an app context when the thread stops, or the process exits cleanly
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None
        self.rounds = 0

    def ensure_started(self):
        """Start the thread unless it runs in this process already (a fork copies no threads)."""
        if self.started and self._pid == os.getpid() and self._thread.is_alive():
            return  # every request asks: answer without the lock
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
            if self.wake_on:
                self.wake_on[0](self.wake)
            _started_threads.add(self)

    @property
    def started(self):
        """Whether this app started the thread."""
        return self._thread is not None

    def wake(self):
        """Run the next round soon."""
        self._wake.set()

    def stop(self):
        """Stop the thread and wait for it (tests; a daemon thread otherwise dies with its process)."""
        if self.wake_on:
            self.wake_on[1](self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        self._finish()

    def _finish(self):
        """Run `on_stop` once (a lease given back), whatever stopped the thread."""
        on_stop, self.on_stop = self.on_stop, None
        if on_stop is None or self._pid != os.getpid():
            return  # nothing to do, or a forked child that never ran this thread
        with self.app.app_context():
            try:
                on_stop()
            except Exception:  # noqa: BLE001 - stopping must go on; what was not released runs out by itself
                current_app.logger.warning("Background job %s did not stop cleanly", self.name, exc_info=True)
                db.session.rollback()
            finally:
                db.session.remove()

    def _run(self):
        while not self._stop.is_set():
            wait = self._round()
            self._wake.wait(wait)
            self._wake.clear()

    def _round(self):
        with self.app.app_context():
            try:
                return self.round(utcnow())  # this thread is an edge: each round reads the clock once
            except Exception:  # noqa: BLE001 - a bad round must not end the thread; the next one retries
                current_app.logger.exception("Background job %s failed", self.name)
                db.session.rollback()
                return self.retry_seconds
            finally:
                db.session.remove()
                self.rounds += 1


class SweepLease:
    """This process's claim on the deployment's one care sweeper: held for a few rounds, renewed each round."""

    def __init__(self):
        self._token = uuid.uuid4().hex[:12]  # two apps in one process are two holders

    @property
    def holder(self):
        """Host, process and app: a fork's child is a holder of its own."""
        return f"{socket.gethostname()}:{os.getpid()}:{self._token}"

    def hold(self, interval):
        """Take or renew the lease for CARE_LEASE_ROUNDS rounds of `interval` seconds; False while another holds it."""
        return leases.hold(CARE_LEASE, self.holder, max(interval * CARE_LEASE_ROUNDS, CARE_LEASE_MIN_SECONDS))

    def release(self):
        """Give the lease back (a clean stop), so another process sweeps at its next round."""
        leases.release(CARE_LEASE, self.holder)


def _care_sweep(app):
    """The care sweep every CARE_SWEEP_INTERVAL_SECONDS (an admin setting; 0: cron only), by the lease holder only."""
    lease = SweepLease()

    def round_(now):
        interval = settings.get(care_options.SWEEP_INTERVAL_SECONDS)
        if interval <= 0:
            return CARE_RETRY_SECONDS
        interval = max(interval, 5)
        if lease.hold(interval):
            sweep.run(now=now)
        return interval  # without the lease: ask again next round, and take over once the holder's runs out

    thread = PeriodicThread(app, "care-sweep", round_, CARE_RETRY_SECONDS, on_stop=lease.release)
    thread.lease = lease
    return thread


def _outbox_delivery(app):
    """Digests when due and outbox delivery, every OUTBOX_POLL_SECONDS or as soon as a commit queues a message."""
    poll = float(app.config.get("OUTBOX_POLL_SECONDS", os.environ.get("OUTBOX_POLL_SECONDS", DEFAULT_POLL_SECONDS)))
    last_digest_check = [-DIGEST_CHECK_SECONDS]

    def round_(now):
        if time.monotonic() - last_digest_check[0] >= DIGEST_CHECK_SECONDS:
            last_digest_check[0] = time.monotonic()
            digest.send_due_digests(now=now)
        delivered, failed = outbox.deliver_due(now=now)
        return 0 if delivered + failed >= outbox.ROUND_LIMIT else poll  # a full round: more are waiting

    return PeriodicThread(app, "outbox-worker", round_, poll,
                          wake_on=(outbox.on_commit_of_new_messages, outbox.stop_calling))


def _search_follow(app):
    """This host's index following the change log: every SEARCH_FOLLOW_SECONDS, or as soon as a commit logs a change."""
    poll = float(app.config.get("SEARCH_FOLLOW_SECONDS", follow.DEFAULT_POLL_SECONDS))
    follower = follow.Follower(keep_days=float(app.config.get("SEARCH_LOG_KEEP_DAYS", follow.DEFAULT_KEEP_DAYS)))

    def round_(now):
        follower.round(index_sync.app_index(), now=now)
        return poll

    return PeriodicThread(app, "search-follow", round_, poll,
                          wake_on=(follow.on_commit_of_changes, follow.stop_calling))


@dataclass(frozen=True)
class Job:
    """One kind of background work and the switch that turns it on."""

    name: str
    switch: str
    build: object  # app -> PeriodicThread


JOBS = (
    Job("care_sweep", "CARE_IN_APP_SWEEP", _care_sweep),
    Job("outbox", "OUTBOX_IN_PROCESS", _outbox_delivery),
    Job("search_follow", follow.SWITCH, _search_follow),
)


def is_on(app, job):
    """Whether the job's switch is on: the app's config, then the environment, else on outside tests."""
    return switched_on(app, job.switch)


def _threads(app):
    return app.extensions.setdefault("peerdesk_background", {})


def thread_of(app, name):
    """The job's thread for this app (built, not started), or None while its switch is off."""
    job = next(job for job in JOBS if job.name == name)
    if not is_on(app, job):
        return None
    threads = _threads(app)
    if name not in threads:
        threads[name] = job.build(app)
    return threads[name]


def running(app):
    """Names of the jobs whose thread was started in this app."""
    return sorted(name for name, thread in _threads(app).items() if thread.started)


def stop_all(app):
    """Stop every started job of this app and forget them (tests that turn jobs on)."""
    for thread in _threads(app).values():
        if thread.started:
            thread.stop()
    app.extensions.pop("peerdesk_background", None)


@atexit.register
def finish_all():
    """At a clean exit (gunicorn's graceful stop), let every started job give back what it holds, without waiting."""
    for thread in list(_started_threads):
        thread._stop.set()
        thread._finish()


def start_switched_on():
    """Request hook: start the jobs that are switched on (read per request, so a test can switch one on)."""
    app = current_app._get_current_object()
    for job in JOBS:
        thread = thread_of(app, job.name)
        if thread is not None:
            thread.ensure_started()


def init_app(app):
    """Start the switched-on jobs lazily, on each process's first request."""
    app.before_request(start_switched_on)
