"""Outbox delivery benchmark: email messages per second for 1 and 6 deliverers on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/bench_outbox.py [--messages 600] [--deliverers 1 6] [--postgres URL]

For each number of deliverers it creates a fresh PostgreSQL database, queues --messages emails
in the outbox, starts a local SMTP sink (aiosmtpd, in a process of its own: it counts
connections and messages, and each message's X-Bench-Id to catch one sent twice) and as many
deliverer processes as asked, each a `flask worker` round loop (`outbox.deliver_due` at the
clock's now) on its own app. The clock starts once every deliverer has built its app and stops
when the last one finds nothing left to deliver. It prints messages/s, the SMTP connections
used, and checks that every message arrived exactly once.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


# The SMTP sink (a child process) -------------------------------------------------------------


def run_sink(port):
    """(child) Accept mail on `port` until stdin closes; then print counts as one JSON line."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    counts = {"connections": 0, "messages": 0, "ids": []}

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            counts["connections"] += 1
            super().connection_made(transport)

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            counts["messages"] += 1
            for line in envelope.content.splitlines():
                if line.startswith(b"X-Bench-Id:"):
                    counts["ids"].append(int(line.split(b":", 1)[1]))
                    break
            return "250 OK"

    class CountingController(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    controller = CountingController(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    counts["connections"] = 0  # the controller's own probe that the server is up
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    ids = counts.pop("ids")
    print(json.dumps({**counts, "distinct": len(set(ids))}), flush=True)


# A deliverer (a child process) ---------------------------------------------------------------


def _app(database_url, smtp_port, folder):
    from app import create_app
    from app.config import testing_config

    config = testing_config(str(folder / "instance"), database_url, str(folder / "index"))
    config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, OUTBOX_IN_PROCESS=False)
    return create_app(config)


def run_deliverer(database_url, smtp_port):
    """(child) Build the app, wait for "go", deliver rounds until nothing is left; print counts as JSON."""
    from sqlalchemy import func, select

    from app import outbox
    from app.clock import utcnow
    from app.extensions import db
    from app.outbox import OutboxMessage

    with tempfile.TemporaryDirectory() as folder:
        app = _app(database_url, smtp_port, Path(folder))
        with app.app_context():
            db.session.execute(select(1))  # connect before the clock starts
            db.session.remove()
        print("ready", flush=True)
        sys.stdin.readline()
        delivered = failed = rounds = 0
        while True:
            with app.app_context():
                done, gave_up = outbox.deliver_due(now=utcnow())  # this loop is an edge, like `flask worker`
                delivered, failed, rounds = delivered + done, failed + gave_up, rounds + 1
                left = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.delivered_at.is_(None),
                                                OutboxMessage.failed_at.is_(None)))
                db.session.remove()
            if not left:
                break
            if not done and not gave_up:
                time.sleep(0.01)  # the rest is claimed by others, still in their hands
        print(json.dumps({"delivered": delivered, "failed": failed, "rounds": rounds}), flush=True)


# The parent ----------------------------------------------------------------------------------


def _database(postgres):
    """A new PostgreSQL database on the server of `postgres`: (its URL, a function that drops it)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"peerdesk_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


def _queue(database_url, messages, folder):
    """Create the schema and queue `messages` emails, due now."""
    from app import outbox
    from app.clock import utcnow
    from app.extensions import db

    app = _app(database_url, 25, folder)
    with app.app_context():
        db.create_all()
        now = utcnow()
        for n in range(messages):
            outbox.enqueue("email", {"to": f"member{n}@example.com", "subject": f"Bench message {n}",
                                     "text": "A new answer to your question.\n" * 10,
                                     "headers": {"X-Bench-Id": str(n)}, "user_id": None},
                           topic="bench", now=now)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _child(*arguments):
    return subprocess.Popen([sys.executable, __file__, *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def _ready(process):
    line = process.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError(f"a child process did not start: {line!r}")


def run(postgres, messages, deliverers):
    """One run on a fresh database: a dict of figures."""
    from bench.processes import free_port

    database_url, drop = _database(postgres)
    sink = workers = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            _queue(database_url, messages, Path(folder))
        port = free_port()
        sink = _child("--sink", str(port))
        _ready(sink)
        workers = [_child("--deliverer", database_url, str(port)) for _ in range(deliverers)]
        for worker in workers:
            _ready(worker)
        started = time.perf_counter()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = [json.loads(worker.communicate(timeout=900)[0]) for worker in workers]
        elapsed = time.perf_counter() - started
        received = json.loads(sink.communicate(timeout=60)[0])
    finally:
        for process in [sink, *(workers or [])]:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        drop()
    return {"deliverers": deliverers, "messages": messages, "seconds": round(elapsed, 2),
            "messages_per_second": round(messages / elapsed, 1),
            "delivered": sum(r["delivered"] for r in results), "failed": sum(r["failed"] for r in results),
            "rounds": sum(r["rounds"] for r in results), **{f"smtp_{k}": v for k, v in received.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--deliverers", type=int, nargs="+", default=[1, 6])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a server URL; each run creates a database there")
    args = parser.parse_args()
    print(f"{'deliverers':>10} {'messages':>8} {'seconds':>8} {'msg/s':>8} {'SMTP conns':>10} {'received':>8} "
          f"{'distinct':>8} {'failed':>6}")
    for deliverers in args.deliverers:
        figures = run(args.postgres, args.messages, deliverers)
        print(f"{figures['deliverers']:>10} {figures['messages']:>8} {figures['seconds']:>8} "
              f"{figures['messages_per_second']:>8} {figures['smtp_connections']:>10} {figures['smtp_messages']:>8} "
              f"{figures['smtp_distinct']:>8} {figures['failed']:>6}", flush=True)
        if figures["smtp_messages"] != figures["smtp_distinct"] or figures["smtp_distinct"] != args.messages:
            print(f"  ! {args.messages} queued, {figures['smtp_distinct']} arrived, "
                  f"{figures['smtp_messages'] - figures['smtp_distinct']} twice", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        run_sink(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--deliverer"]:
        run_deliverer(sys.argv[2], int(sys.argv[3]))
    else:
        main()
