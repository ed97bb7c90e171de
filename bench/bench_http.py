"""HTTP benchmark: gunicorn (2 workers) on a seeded database, each page against a trivial endpoint of the same app.

Run from the repository root:

    .venv/bin/python bench/bench_http.py [--engine sqlite|postgresql|both] [--duration 10] [--concurrency 8]
                                         [--client wrk|python]

Prints the machine, then per engine a table of requests/s, p50 and p99 latency, gunicorn's CPU
time per request, the share of the ceiling (/bench/ping: same app, middleware and hooks, no
database, no template) by requests/s and by CPU time, and the count of failed requests.
Exits non-zero only when a request failed, never because of speed.
"""
import argparse
import contextlib
import functools
import http.client
import json
import math
import multiprocessing
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import create_engine, text

REPO_ROOT = Path(__file__).resolve().parent.parent

from processes import free_port, migrate, stop_process_group  # noqa: E402  (bench/ is the script's folder)

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARM_UP_SECONDS = 2
SERVER_START_SECONDS = 30
FIRST_FETCH_SECONDS = 120
READY_SECONDS = 600  # a new host builds its index (and sentence vectors) first: slow on a loaded machine
SEED = 2026

# The ceiling: the production app plus one route that touches neither the database nor a template.
CEILING_MODULE = '''"""The app as wsgi.py builds it, plus a trivial endpoint: the ceiling of this stack."""
from app import create_app
from app.clock import utcnow

app = create_app()


@app.get("/bench/ping")
def ping():
    """Every hook and middleware of a page, none of its work."""
    return "ok"
'''

# wrk's own summary, as one JSON line, instead of parsing its human-readable report.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "errors": %d, "p50_ms": %f, "p99_ms": %f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""


@dataclass
class Load:
    """What one load run measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self):
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


# The community ---------------------------------------------------------------------------

NAMES = ("ada bea cal dev eli fay gus hal ivy jon kai lea max nia oli pia quinn rae sam tia uma vic wes "
         "xia yan zoe abe bob cyd dot eve flo gil hank iris jude kit liv moe ned").split()
PRODUCTS = {  # tag: how people name it
    "x200": "X200 speaker", "buds": "Lumen Buds", "hub": "Lumen Hub",
    "soundbar": "S4 soundbar", "app": "Lumen app", "dock": "charging dock",
}
PROBLEMS = {  # tag: symptoms
    "bluetooth": ["keeps disconnecting from my phone", "no longer shows up in the Bluetooth list",
                  "pairs but plays no sound"],
    "charging": ["will not charge past 80%", "shows a blinking red light on the cable",
                 "gets hot while charging"],
    "audio": ["drops audio every few minutes", "crackles at high volume", "has a delay with video"],
    "firmware": ["is stuck on the update screen", "reverted to an old firmware", "fails the 3.2 update"],
    "setup": ["cannot join my Wi-Fi network", "lost all its settings", "asks for a code I never set"],
    "battery": ["drains overnight when switched off", "lasts two hours instead of ten",
                "reports 100% and then dies"],
}
CONTEXTS = ["after the latest firmware update", "since I moved house", "when the TV is on", "on a new phone",
            "after a factory reset", "only in the morning", "with the official cable", "since last week"]
ANSWER_OPENINGS = [
    "I had exactly this and support walked me through a fix that has held for a month now.",
    "This is a known issue with the batch sold last spring; there is a clean way around it.",
    "Before anything else, check the firmware version in the app under *Device > About*.",
    "Agent here: thanks for the details, they help. Here is what we recommend for now.",
]
ANSWER_STEPS = ["Unplug it for a full minute", "Hold **power** and **volume down** for 15 seconds",
                "Forget the device in your phone's Bluetooth settings", "Update the app, then the firmware",
                "Try another USB-C cable rated for 3 A", "Switch off battery optimisation for the app"]
ANSWER_CLOSINGS = [
    "If it comes back, the [support article](https://support.example.com/articles/1234) explains how to "
    "send the logs, which speeds up a replacement a lot.",
    "You can confirm it worked with `Settings > Diagnostics`: the counter should stay at `0`.",
    "The log should then look like this:\n\n```\nboot: ok\nradio: paired (codec aac)\nbattery: 97% 4.1V\n```",
    "Worth noting that the warranty covers it if none of this helps, receipt or not.",
]
COMMENTS = ["This worked for me too, thanks!", "Did you try it with the official cable?",
            "Same here on firmware 3.2.1.", "Could you say which app version you have?",
            "The reset step alone was enough in my case.", "Support told me the same thing last week.",
            "No luck here, still happening after the reset.", "Good call on the battery optimisation."]


def _question_text(rng):
    """A title, body and tags for one question."""
    product_tag, topic_tag = rng.choice(list(PRODUCTS)), rng.choice(list(PROBLEMS))
    product, problem, context = PRODUCTS[product_tag], rng.choice(PROBLEMS[topic_tag]), rng.choice(CONTEXTS)
    title = f"My {product} {problem} {context}"
    body = (f"My {product} {problem} {context}. It worked fine before.\n\n"
            f"What I tried so far:\n\n- restarting it\n- {rng.choice(ANSWER_STEPS).lower()}\n\n"
            f"Firmware is `3.{rng.randint(0, 2)}.{rng.randint(0, 9)}`. Any idea what else to try?")
    return title, body, [product_tag, topic_tag]


def _answer_text(rng):
    """A Markdown answer of a few hundred characters: a paragraph, steps, a closing remark."""
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(rng.sample(ANSWER_STEPS, 3), 1))
    return f"{rng.choice(ANSWER_OPENINGS)}\n\n{steps}\n\n{rng.choice(ANSWER_CLOSINGS)}"


def seed(rng):
    """Fill the database through the app's services; returns the URLs to load and a summary line."""
    # Imported here, after os.environ names the bench database: create_app() reads it.
    from sqlalchemy import func, select

    from app import create_app
    from app.auth.services import register
    from app.clock import utcnow
    from app.extensions import db
    from app.formatting import slugify
    from app.models import Answer, AnswerVote, Comment, Question, QuestionVote, Tag, User
    from app.moderation import holds
    from app.questions.services import accept_answer, add_comment, ask_question, cast_vote, post_answer

    app = create_app()
    # scrypt costs tens of ms a member; nobody signs in during the benchmark.
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # noqa: S105 (a method name, not a password)
    # Trusted content, as the demo loads it: a few members post many threads, past new members' limits.
    with app.app_context(), holds.trusted_load():
        try:
            # A few agents among the members: pages mark staff with a badge.
            members = [register(f"{name}{n:02d}", f"{name}{n:02d}@example.com", "bench-password-1",
                                role="agent" if n % 10 == 3 else "member", now=utcnow())
                       for n, name in enumerate(NAMES)]

            def votes_on(post, voters):
                for voter in voters:
                    cast_vote(voter, post, -1 if rng.random() < 0.15 else 1, now=utcnow())

            started = utcnow()
            for number in range(299):
                title, body, tags = _question_text(rng)
                asker = rng.choice(members)
                question = ask_question(asker, title, body, tags,
                                        now=started - timedelta(hours=3 * (299 - number)))
                others = [m for m in members if m is not asker]
                answers = [post_answer(a, question, _answer_text(rng), now=utcnow())
                           for a in rng.sample(others, rng.randint(0, 5))]
                votes_on(question, rng.sample(others, rng.randint(0, 3)))
                if answers and rng.random() < 0.3:
                    accept_answer(asker, rng.choice(answers), now=utcnow())

            # The benchmark target: 30 answers, each with 2 comments and a few votes, one accepted.
            asker, others = members[0], members[1:]
            target = ask_question(asker, "Battery drains overnight on the X200 after firmware 3.2: what helps?",
                                  "Since firmware 3.2 my X200 speaker goes from full to empty overnight while "
                                  "switched off.\n\nIt is on the official dock. **Is anyone else seeing this?**",
                                  ["x200", "battery", "firmware"], now=utcnow())
            add_comment(others[0], target, "Same here since 3.2, on two speakers.", now=utcnow())
            votes_on(target, rng.sample(others, 8))
            for number in range(30):
                author = others[number]
                answer = post_answer(author, target, _answer_text(rng), now=utcnow())
                for commenter in rng.sample([m for m in members if m is not author], 2):
                    add_comment(commenter, target, rng.choice(COMMENTS), answer=answer, now=utcnow())
                votes_on(answer, rng.sample([m for m in others if m is not author], rng.randint(1, 6)))
                if number == 11:
                    accept_answer(asker, answer, now=utcnow())

            # A member who only reads the thread, as most members do: the page kept for every such member.
            reader = register("reader", "reader@example.com", "bench-password-1", now=utcnow())
            counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                      for model in (User, Question, Answer, Comment, QuestionVote, AnswerVote, Tag)}
            tag = "x200"
            tag_size = db.session.scalar(select(Tag.question_count).where(Tag.name == tag))
            question_path = f"/questions/{target.id}/{slugify(target.title)}"
            profiled = members[1]  # an answerer of the target thread, with questions, answers and reputation
            urls = {
                "ceiling": "/bench/ping",
                "question (30 answers)": question_path,
                "question, signed in": (question_path, {"Cookie": member_cookie(app, members[5])}),  # an answerer
                "question, signed-in reader": (question_path, {"Cookie": member_cookie(app, reader)}),
                "home list": "/",
                "tab newest": "/?tab=newest",
                "tab votes": "/?tab=votes",
                "tab unanswered": "/?tab=unanswered",
                f"tag page ({tag_size} questions)": f"/tags/{tag}",
                "tag page, tab votes": f"/tags/{tag}?tab=votes",
                "tag index": "/tags",
                "search results": "/search?q=battery+firmware",
                "profile": f"/users/{profiled.id}/{slugify(profiled.username)}",
                "members": "/users",
                "feed: questions": "/feeds/questions.atom",
                "feed: tag": f"/feeds/tags/{tag}.atom",
                "feed: question": f"/feeds/questions/{target.id}.atom",
                "sitemap index": "/sitemap.xml",
                "sitemap: questions": "/sitemap-questions-1.xml",
                # Measured again last: the first measure can still see the seeding's load and cold workers.
                "ceiling, again": "/bench/ping",
            }
            return urls, ", ".join(f"{count} {table}" for table, count in counts.items())
        finally:
            db.session.remove()
            db.engine.dispose()


def member_cookie(app, member):
    """A Cookie header that signs `member` in, as the browser of a member who signed in would send it."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = member.get_id(), True
    name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={client.get_cookie(name).value}"


# Databases -------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(workdir):
    """A SQLite file in the run's temporary folder (removed with it)."""
    yield f"sqlite:///{workdir / 'bench.db'}", f"SQLite {sqlite3.sqlite_version}"


@contextlib.contextmanager
def postgresql_database(workdir):
    """A fresh PostgreSQL database, dropped at the end even if connections are still open."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            server = connection.scalar(text("SHOW server_version"))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False), f"PostgreSQL {server}"
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


DATABASES = {"sqlite": sqlite_database, "postgresql": postgresql_database}



# The server ------------------------------------------------------------------------------



def fetch(port, path, headers=None, timeout=10):
    """One GET: (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(workdir):
    """Serve the ceiling module with 2 workers; yields the port once the app answers."""
    (workdir / "bench_wsgi.py").write_text(CEILING_MODULE)
    port = free_port()
    log = workdir / "gunicorn.log"
    with log.open("w") as log_file:
        # A session of its own: a Ctrl-C in the terminal reaches only us, and we stop the whole group below.
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(REPO_ROOT),
             "--pythonpath", str(workdir), "bench_wsgi:app"],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if fetch(port, "/bench/ping")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in {SERVER_START_SECONDS} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port, server.pid
    finally:
        stop_process_group(server)


def wait_until_ready(port):
    """Wait for /readyz (this host's index built and caught up): search is measured on the index, not its fallback."""
    deadline = time.monotonic() + READY_SECONDS
    while fetch(port, "/readyz", timeout=FIRST_FETCH_SECONDS)[0] != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"/readyz did not answer 200 in {READY_SECONDS} s")
        time.sleep(1)


def server_cpu_seconds(group):
    """CPU time (user + system) used so far by the processes of this group: gunicorn's master and workers."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # processes come and go while we read
            # Fields after the parenthesised command: state, ppid, pgrp, ..., utime (12th), stime (13th).
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")



# Load generators -------------------------------------------------------------------------


def wrk_load(report_script, port, path, seconds, concurrency, headers=None):
    """Load one URL with wrk (one thread: it is C and event-driven, and leaves the cores to the server)."""
    header_options = [option for name, value in (headers or {}).items() for option in ("-H", f"{name}: {value}")]
    result = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s", "-s", str(report_script),
         *header_options, f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 60,
    )
    if result.returncode:
        raise RuntimeError(f"wrk failed:\n{result.stderr}")
    return Load(**json.loads(result.stdout.strip().splitlines()[-1]))


def python_load(port, path, seconds, concurrency, headers=None):
    """Load one URL from threads, each with one keep-alive connection (reopened when the server closes it)."""
    deadline = time.perf_counter() + seconds
    results = [([], [0]) for _ in range(concurrency)]

    def client(latencies, errors):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while (started := time.perf_counter()) < deadline:
                try:
                    connection.request("GET", path, headers=headers or {})
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    errors[0] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                errors[0] += response.status != 200
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=result) for result in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(latency for result in results for latency in result[0])
    errors = sum(result[1][0] for result in results)

    def percentile(p):
        return latencies[max(0, math.ceil(p / 100 * len(latencies)) - 1)] * 1000 if latencies else math.nan

    return Load(len(latencies), elapsed, errors, percentile(50), percentile(99))


@contextlib.contextmanager
def load_generator(kind, workdir):
    """A function (port, path, seconds, concurrency, headers) -> Load, running outside this process."""
    if kind == "wrk":
        report_script = workdir / "report.lua"
        report_script.write_text(WRK_REPORT)
        yield functools.partial(wrk_load, report_script)
        return
    # A process of its own, so the client's threads do not share a GIL with anything else.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield lambda *args: pool.submit(python_load, *args).result()


# The run ---------------------------------------------------------------------------------


def describe_machine(client):
    """The machine and software versions, as the header of the report."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", cpuinfo, re.MULTILINE)
    memory_kb = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
    if client == "wrk":
        client = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout.split("[")[0].strip()
    else:
        client = "Python http.client threads"
    return "\n".join([
        f"CPU: {model.group(1) if model else platform.processor()} at {float(mhz.group(1)) if mhz else 0:.0f} MHz, "
        f"{len(os.sched_getaffinity(0))} cores",
        f"Memory: {memory_kb / 1024 ** 2:.1f} GiB",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()}, gunicorn {version('gunicorn')} (sync workers), Flask {version('flask')}, "
        f"SQLAlchemy {version('sqlalchemy')}, psycopg {version('psycopg')}",
        f"Load generator: {client}",
    ])


def run_engine(engine, workdir, client, duration, concurrency):
    """Set up one engine's database, seed it, serve it and load every URL; returns the error count."""
    with DATABASES[engine](workdir) as (database_url, server_version):
        os.environ.update(DATABASE_URL=database_url, FLASK_APP="wsgi", RATELIMIT_ENABLED="false",
                          SECRET_KEY=secrets.token_hex(16), SEARCH_INDEX_DIR=str(workdir / "search_index"))
        print(f"\n## {server_version}", flush=True)
        migrate()
        started = time.monotonic()
        urls, summary = seed(random.Random(SEED))
        print(f"Seeded in {time.monotonic() - started:.0f} s: {summary}", flush=True)
        with gunicorn(workdir) as (port, group), load_generator(client, workdir) as load:
            wait_until_ready(port)
            rows = []
            for label, target in urls.items():
                # A URL alone is a visitor's; (URL, headers) sends headers too (a member's session cookie).
                path, headers = target if isinstance(target, tuple) else (target, {})
                # A page's first request may wait on the worker's start (a search index built): allow for a loaded host.
                status, body = fetch(port, path, headers, timeout=FIRST_FETCH_SECONDS)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}, not 200")
                if headers and b'name="csrf_token"' not in body:  # a member's page has forms; a visitor's none
                    raise RuntimeError(f"GET {path} with {', '.join(headers)} was not served to a signed-in member")
                size = len(body)
                load(port, path, WARM_UP_SECONDS, concurrency, headers)
                cpu_before = server_cpu_seconds(group)
                result = load(port, path, duration, concurrency, headers)
                cpu_ms = 1000 * (server_cpu_seconds(group) - cpu_before) / max(result.requests, 1)
                rows.append((label, path, size, result, cpu_ms))
    print_table(rows)
    return sum(row[3].errors for row in rows)


def print_table(rows):
    """One line per URL; the shares are of the better of the ceiling's two measures (first and last)."""
    ceilings = [row for row in rows if row[1] == "/bench/ping"]
    ceiling, ceiling_cpu_ms = max(row[3].rate for row in ceilings), min(row[4] for row in ceilings)
    print(f"\n{'page':<28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'% ceiling':>9} {'CPU ms':>7} {'% by CPU':>8} "
          f"{'KB':>5} {'errors':>6}  URL")
    for label, path, size, result, cpu_ms in rows:
        print(f"{label:<28} {result.rate:>7.0f} {result.p50_ms:>7.1f} {result.p99_ms:>7.1f} "
              f"{share(result.rate, ceiling):>8.0f}% {cpu_ms:>7.2f} {share(ceiling_cpu_ms, cpu_ms):>7.0f}% "
              f"{size / 1024:>5.1f} {result.errors:>6}  {path}")
    print("CPU ms: gunicorn's CPU time (master and workers, not the database server) per request.\n"
          "% by CPU: the ceiling's CPU ms over the page's, roughly % ceiling on an idle machine, whatever else runs.")


def share(part, whole):
    """part as a percentage of whole; NaN when whole is nothing (no request got through)."""
    return 100 * part / whole if whole else math.nan


def main():
    """Parse the options, run each engine, exit 1 if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL, after a 2 s warm-up")
    parser.add_argument("--concurrency", type=int, default=8, help="connections kept busy at once")
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python",
                        help="load generator (default: wrk when installed)")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]

    print("# Peerdesk HTTP benchmark")
    print(describe_machine(args.client))
    print(f"Load average before the run: {os.getloadavg()[0]:.2f} (above ~0.2, other work shares the cores)")
    print(f"Server: gunicorn -w 2; load: {args.concurrency} connections, {args.duration} s per URL "
          f"after {WARM_UP_SECONDS} s of warm-up")
    errors = 0
    with tempfile.TemporaryDirectory(prefix="peerdesk-bench-") as tmp:
        for engine in engines:
            workdir = Path(tmp) / engine
            workdir.mkdir()
            errors += run_engine(engine, workdir, args.client, args.duration, args.concurrency)
    if errors:
        print(f"\n{errors} request(s) failed.", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything started is already stopped by the finally blocks on the way out
        sys.exit(130)
