"""Delivering the outbox: `flask worker` for deployments, a daemon thread for single-machine installs.

OUTBOX_IN_PROCESS (true by default outside tests) starts a thread in each web process on its
first request; it wakes when a commit queues a message and polls every OUTBOX_POLL_SECONDS.
Claims in app.outbox make any number of threads and workers safe together; set it to false
when a separate `flask worker` runs.
"""
import os
import signal
import threading
import time

import click
from flask import current_app

from app import outbox
from app.clock import utcnow
from app.extensions import db
from app.notifications import digest

DEFAULT_POLL_SECONDS = 10.0
# Digests are checked at most this often: they are due once a day.
DIGEST_CHECK_SECONDS = 60.0


def run_once(*, now):
    """One round: queue due digests, then deliver due messages. Returns (digests, delivered, failed)."""
    digests = digest.send_due_digests(now=now)
    delivered, failed = outbox.deliver_due(now=now)
    return digests, delivered, failed


def _config_flag(app, name, default):
    value = app.config.get(name, os.environ.get(name))
    if value is None:
        return default
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def _poll_seconds(app):
    return float(app.config.get("OUTBOX_POLL_SECONDS", os.environ.get("OUTBOX_POLL_SECONDS", DEFAULT_POLL_SECONDS)))


class InProcessWorker:
    """A daemon thread delivering the outbox inside a web process; it never touches a request."""

    def __init__(self, app):
        self.app = app
        self.interval = _poll_seconds(app)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None
        self._last_digest_check = 0.0
        self.rounds = 0

    def ensure_started(self):
        """Start the thread unless it runs in this process already (a fork copies no threads)."""
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
            self._thread.start()
            outbox.on_commit_of_new_messages(self.wake)

    def wake(self):
        """Deliver soon: a commit queued something."""
        self._wake.set()

    def stop(self, timeout=10):
        """Stop the thread and wait for it (tests; a daemon thread otherwise dies with its process)."""
        outbox.stop_calling(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self):
        while not self._stop.is_set():
            self._round()
            self._wake.wait(self.interval)
            self._wake.clear()

    def _round(self):
        with self.app.app_context():
            now = utcnow()  # this thread is an edge: each round reads the clock once
            try:
                if time.monotonic() - self._last_digest_check >= DIGEST_CHECK_SECONDS:
                    self._last_digest_check = time.monotonic()
                    digest.send_due_digests(now=now)
                outbox.deliver_due(now=now)
            except Exception:  # noqa: BLE001 - a bad round must not end the thread; the next one retries
                current_app.logger.exception("Outbox delivery round failed")
            finally:
                db.session.remove()
                self.rounds += 1


def in_process_worker(app):
    """The app's in-process worker, or None when OUTBOX_IN_PROCESS is off (always off in tests unless set)."""
    if not _config_flag(app, "OUTBOX_IN_PROCESS", not app.testing):
        return None
    return app.extensions.setdefault("peerdesk_outbox_worker", InProcessWorker(app))


def register(app):
    """`flask worker`, and the lazy start of the in-process worker on the first request."""
    worker = in_process_worker(app)
    if worker is not None:
        app.before_request(worker.ensure_started)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Run one round and exit (for cron).")
    @click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
                  help="Seconds between rounds.")
    def worker_command(once, interval):
        """Deliver queued email and webhooks, and send daily digests at DIGEST_HOUR_UTC (Ctrl-C stops)."""
        if once:
            digests, delivered, failed = run_once(now=utcnow())
            click.echo(f"{digests} digest(s) queued, {delivered} message(s) delivered, {failed} failed.")
            db.session.remove()
            return
        stopping = threading.Event()

        def stop(signum, frame):
            # Finish the round in hand (a message sent but not yet recorded would go out twice);
            # a second Ctrl-C interrupts at once.
            stopping.set()
            signal.signal(signal.SIGINT, signal.default_int_handler)

        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
        click.echo(f"Worker started: a round every {interval:g} s. Ctrl-C stops it.")
        try:
            while not stopping.is_set():
                try:
                    with current_app.app_context():  # a fresh context (and request_now) for every round
                        now = utcnow()
                        digests, delivered, failed = run_once(now=now)
                except Exception:  # noqa: BLE001 - keep serving; the database may be restarting
                    current_app.logger.exception("Worker round failed")
                    db.session.rollback()
                else:
                    if digests or delivered or failed:
                        click.echo(f"{now:%Y-%m-%d %H:%M:%S} {digests} digest(s) queued, "
                                   f"{delivered} delivered, {failed} failed")
                finally:
                    db.session.remove()
                stopping.wait(interval)
        except KeyboardInterrupt:
            pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        click.echo("Worker stopped.")
