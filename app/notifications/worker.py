"""`flask worker`: delivering the outbox and daily digests outside the web processes.

A single-machine install does the same in each web process (app.background, OUTBOX_IN_PROCESS);
claims in app.outbox make any number of threads and workers safe together.
"""
import signal
import threading

import click
from flask import current_app

from app import outbox
from app.clock import utcnow
from app.extensions import db
from app.notifications import digest


def run_once(*, now):
    """One round: queue due digests, then deliver due messages. Returns (digests, delivered, failed)."""
    digests = digest.send_due_digests(now=now)
    delivered, failed = outbox.deliver_due(now=now)
    return digests, delivered, failed


def init_app(app):
    """`flask worker`: the outbox and digests for deployments that run delivery out of the web processes."""
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
                full_round = False
                try:
                    with current_app.app_context():  # a fresh context (and request_now) for every round
                        now = utcnow()
                        digests, delivered, failed = run_once(now=now)
                except Exception:  # noqa: BLE001 - keep serving; the database may be restarting
                    current_app.logger.exception("Worker round failed")
                    db.session.rollback()
                else:
                    full_round = delivered + failed >= outbox.ROUND_LIMIT
                    if digests or delivered or failed:
                        click.echo(f"{now:%Y-%m-%d %H:%M:%S} {digests} digest(s) queued, "
                                   f"{delivered} delivered, {failed} failed")
                finally:
                    db.session.remove()
                stopping.wait(0 if full_round else interval)  # a full round left a backlog: go on at once
        except KeyboardInterrupt:
            pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        click.echo("Worker stopped.")
