"""The million-question bench on PostgreSQL: fill, a new host's index build, the care sweep, every public page.

Run from the repository root (the full size takes most of an hour on 2 cores):

    .venv/bin/python bench/bench_million.py [--questions 1000000] [--seed 1] [--duration 10] [--concurrency 2]
                                            [--care-days 1] [--index-deadline SECONDS] [--semantic]
                                            [--keep | --reuse DIR]

1. Creates a fresh PostgreSQL database with the real migrations and fills it with COPY (psycopg 3)
   into the models' tables: members, questions, answers, comments, tags, votes, reputation events
   and the columns the app keeps consistent (scores, answer counts, last activity, accepted
   answers, reputation points, tag counts), generated from a seed. Questions older than
   --care-days are imported history (care exemptions), as `flask import` marks them; otherwise the
   first care sweep would queue every unresolved thread of three years. Prints the fill time and
   the database's size, per table.
2. Builds the index as a new host does (`index_sync.reindex()`, what `flask search reindex` runs, in a
   process group of its own, printing its progress):
   seconds, peak resident memory of the group (sampled from /proc, and the largest process from
   getrusage), the index's size on disk. Semantic vectors are off (SEARCH_SEMANTIC=false) unless
   --semantic, which stores random unit vectors under each question's real text hash first
   (bench/bench_search.py's stand-ins: the search's cost does not depend on the values). Past
   --index-deadline the build is stopped: its progress lines are then the figures, and search and
   suggestions are left out of step 4.
3. Times three care sweeps in-process (`care.sweep.run`): the first full one, then 1 and 2 minutes
   later, as cron runs it (the steady state: the fixed cost of a sweep at this size).
4. Serves the app with gunicorn -w 2 (bench/bench_http.py's ceiling module and load generator) and
   loads each public page for --duration seconds after a warm-up: p50/p99, req/s, gunicorn's CPU
   per request. Pages that vary (a question page cold, search, profiles) cycle through many URLs.
   Then GET /api/v1/suggest for title prefixes and for drafts as the ask form sends them: p50/p95/p99.
5. Prints what a host needs: resident memory of each worker after the run, the database and index on disk.

The database is dropped at the end unless --keep (then --reuse DIR measures steps 3-5 again).
Exits non-zero only when a request failed, never because of speed.
"""
import argparse
import bisect
import contextlib
import html
import http.client
import itertools
import json
import os
import random
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent

# bench/ is the script's folder: the other benches' machinery is imported, not copied.
import bench_http  # noqa: E402
import bench_search  # noqa: E402
from processes import migrate, stop_process_group  # noqa: E402

# A worker's first answer waits on the app's start; on a machine shared with other work that took over
# bench_http.py's 30 s. Its gunicorn() reads this when it starts the server.
bench_http.SERVER_START_SECONDS = max(bench_http.SERVER_START_SECONDS, 180)

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
SQLALCHEMY_SCHEME = "postgresql+psycopg"
BATCH = 20_000  # questions generated (and streamed) at a time
SENTENCE_POOL = 20_000  # distinct sentences bodies are made of: drawing every word of 300M costs minutes
TAGS = 1000
WARM_UP_SECONDS = 3
FIRST_FETCH_SECONDS = 120
SUGGEST_QUERIES = 500
SUGGEST_WARM_UP = 100
ASK_DRAFTS = 20  # drafts typed a keystroke at a time on the ask form
RSS_SAMPLE_SECONDS = 0.5
COMMENTS = bench_http.COMMENTS
ANSWER_COUNTS = (range(9), (14, 22, 20, 15, 10, 7, 5, 4, 3))  # 2.6 answers a question, 14% unanswered


# The community --------------------------------------------------------------------------


@dataclass
class Filled:
    """What the fill wrote, and the samples the later steps need."""

    counts: dict = field(default_factory=dict)
    drafts: list = field(default_factory=list)  # (title, body) of sampled public questions
    question_urls: list = field(default_factory=list)  # public questions with answers, as (id, title)
    busiest_member: tuple = (1, "")  # (id, username) of the member with the most posts
    members: list = field(default_factory=list)  # (id, username) sample
    tags: list = field(default_factory=list)  # tag names, most used first
    indexed: bool = True  # False when the index build was stopped at --index-deadline


class Generator:
    """Deterministic synthetic rows from one seed: the vocabulary, titles and sentences of bench_search.py."""

    def __init__(self, rng, questions, end):
        self.rng = rng
        words, cum_weights = bench_search.build_vocabulary(rng)
        self.maker = bench_search.TextMaker(rng, words, cum_weights)
        self.function_words = set(bench_search.FUNCTION_WORDS)
        self.sentences = [self.maker.prose(6, 18, None, 0) for _ in range(SENTENCE_POOL)]
        content = [w for w in words if w not in self.function_words and re.fullmatch(r"[a-z0-9-]{2,35}", w)]
        self.tag_names = content[:TAGS]
        self.tag_weights = list(itertools.accumulate(1.0 / rank for rank in range(1, len(self.tag_names) + 1)))
        self.questions = questions
        self.members = max(200, questions // 5)
        if self.members % 7919 == 0:  # the voters' stride must be coprime with the member count
            self.members += 1
        self.end = end
        self.start = end - timedelta(days=3 * 365)
        self.span_seconds = (end - self.start).total_seconds()

    def member(self):
        """A member id, skewed so a few members post a lot, as in every community."""
        return int(self.members * self.rng.random() ** 2.5) + 1

    def voters(self, count, author):
        """`count` distinct member ids other than the author."""
        count = min(count, self.members - 1)  # a stride coprime with the members visits each once per lap
        base = self.rng.randrange(self.members)
        ids = ((base + n * 7919) % self.members + 1 for n in range(count + 1))
        return [voter for voter in ids if voter != author][:count]

    def votes(self):
        """How many votes a post gets: heavy-tailed, about 2 on average."""
        return min(300, int(self.rng.paretovariate(1.45)) - 1)

    def body(self, lead, low, high):
        """`lead` then `low`-`high` pool sentences, three to a paragraph: (Markdown, HTML)."""
        rng, pool, count = self.rng, self.sentences, len(self.sentences)
        picked = [int(rng.random() * count) for _ in range(rng.randint(low, high))]
        paragraphs = [[lead]] if lead else []
        for start in range(0, len(picked), 3):
            paragraphs.append([pool[n] for n in picked[start:start + 3]])
        source = "\n\n".join(" ".join(p) for p in paragraphs)
        markup = "".join(f"<p>{html.escape(' '.join(p), quote=False)}</p>" for p in paragraphs)
        return source, markup

    def later(self, moment, mean_hours):
        """A moment after `moment` (exponential wait), never after the end of the timeline."""
        return min(self.end, moment + timedelta(hours=self.rng.expovariate(1 / mean_hours)))


QUESTION_COLUMNS = ("id", "author_id", "title", "body_source", "body_html", "score", "answer_count", "view_count",
                    "accepted_answer_id", "created_at", "edited_at", "last_activity_at", "deleted_at", "deleted_by_id",
                    "closed_at", "closed_by_id", "close_reason", "duplicate_of_id", "hidden_at", "hidden_reason")
ANSWER_COLUMNS = ("id", "question_id", "author_id", "body_source", "body_html", "score", "created_at", "official")
COMMENT_COLUMNS = ("id", "question_id", "answer_id", "author_id", "body", "body_html", "created_at", "official")
VOTE_COLUMNS = ("user_id", "{post}_id", "value", "created_at")
EVENT_COLUMNS = ("id", "user_id", "amount", "reason", "question_id", "answer_id", "created_at")
USER_COLUMNS = ("id", "username", "email", "password_hash", "role", "reputation_points", "session_version",
                "created_at", "email_verified_at")


def copy_streams(database_url):
    """One connection and COPY per table, open at once so rows stream as they are generated."""
    import psycopg

    tables = {
        "questions": QUESTION_COLUMNS, "answers": ANSWER_COLUMNS, "comments": COMMENT_COLUMNS,
        "question_votes": tuple(c.format(post="question") for c in VOTE_COLUMNS),
        "answer_votes": tuple(c.format(post="answer") for c in VOTE_COLUMNS),
        "question_tags": ("question_id", "tag_id"), "reputation_events": EVENT_COLUMNS,
        "care_exemptions": ("question_id", "reason", "created_at"),
    }
    stack = contextlib.ExitStack()
    streams = {}
    for table, columns in tables.items():
        connection = stack.enter_context(psycopg.connect(database_url))
        # A throwaway database: the generator writes consistent rows, so the foreign keys' triggers
        # (a lookup per row) and durability buy nothing here.
        connection.execute("SET session_replication_role = replica")
        connection.execute("SET synchronous_commit = off")
        cursor = stack.enter_context(connection.cursor())
        streams[table] = stack.enter_context(cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
    return stack, streams


def fill(database_url, generator, care_days):
    """Generate the community and COPY it in; returns a Filled."""
    import psycopg
    from psycopg import sql

    g, rng = generator, generator.rng
    filled = Filled()
    points = [0] * (g.members + 1)
    posts = [0] * (g.members + 1)
    staff = {m for m in range(1, g.members + 1) if m % 997 == 0}
    tag_counts = [0] * len(g.tag_names)
    counts = dict.fromkeys(("questions", "answers", "comments", "question_votes", "answer_votes", "question_tags",
                            "reputation_events", "care_exemptions"), 0)
    care_since = g.end - timedelta(days=care_days)
    answer_id = comment_id = event_id = 0
    sample_every = max(1, g.questions // 5000)

    stack, streams = copy_streams(database_url)
    with stack:
        def write(table, row):
            streams[table].write_row(row)
            counts[table] += 1

        def event(user, amount, reason, moment, question_id, answer=None):
            nonlocal event_id
            event_id += 1
            points[user] += amount
            write("reputation_events", (event_id, user, amount, reason, question_id, answer, moment))

        def vote_on(kind, post_id, author, created, question_id, answer=None):
            score = 0
            moment = g.later(created, 48)  # one moment for a post's votes: a timestamp each costs minutes
            for voter in g.voters(g.votes(), author):
                value = -1 if rng.random() < 0.1 else 1
                score += value
                write(f"{kind}_votes", (voter, post_id, value, moment))
                amount = (10 if kind == "answer" else 5) if value > 0 else -2
                event(author, amount, f"{kind}_{'up' if value > 0 else 'down'}voted", moment, question_id, answer)
            return score

        def comments_on(question_id, answer, created, mean):
            nonlocal comment_id
            latest = created
            count = int(rng.expovariate(1 / mean))
            moment = g.later(created, 24) if count else created
            for _ in range(count):
                comment_id += 1
                text = rng.choice(COMMENTS)
                latest = max(latest, moment)
                write("comments", (comment_id, question_id, answer, g.member(), text, html.escape(text, quote=False),
                                   moment, False))
            return latest

        for qid in range(1, g.questions + 1):
            created = g.start + timedelta(seconds=g.span_seconds * (qid - rng.random()) / g.questions)
            author = g.member()
            posts[author] += 1
            title = g.maker.title()
            source, body_html = g.body(title.rstrip("?") + ".", 2, 8)
            score = vote_on("question", qid, author, created, qid)
            latest = comments_on(qid, None, created, 1.5)  # about 1 comment a question, 0.6 an answer
            answers = []
            for _ in range(rng.choices(*ANSWER_COUNTS)[0]):
                answer_id += 1
                answerer = g.member()
                posts[answerer] += 1
                answered = g.later(created, 12)
                answer_source, answer_html = g.body(None, 1, 6)
                answer_score = vote_on("answer", answer_id, answerer, answered, qid, answer_id)
                write("answers", (answer_id, qid, answerer, answer_source, answer_html, answer_score, answered,
                                  answerer in staff))
                answers.append((answer_score, answer_id, answerer, answered))
                latest = max(latest, answered, comments_on(qid, answer_id, answered, 1.0))
            accepted = None
            if answers and rng.random() < 0.45:
                # Usually the best-scored answer, as askers mostly accept what the community rated.
                chosen = max(answers) if rng.random() < 0.7 else rng.choice(answers)
                accepted = chosen[1]
                if chosen[2] != author:
                    moment = g.later(chosen[3], 24)
                    event(chosen[2], 15, "answer_accepted", moment, qid, accepted)
                    event(author, 2, "accepted_an_answer", moment, qid, accepted)
            # A few questions deleted, hidden by flags or closed as duplicates, so every filter has work.
            fate = rng.random()
            deleted = g.later(created, 24) if fate < 0.01 else None
            hidden = g.later(created, 6) if 0.01 <= fate < 0.013 else None
            duplicate_of = rng.randrange(1, qid) if 0.013 <= fate < 0.023 and qid > 1 else None
            closed = g.later(created, 12) if duplicate_of else None
            edited = g.later(created, 2) if rng.random() < 0.05 else None
            write("questions", (
                qid, author, title, source, body_html, score, len(answers), int(rng.paretovariate(1.2) * 20),
                accepted, created, edited, max(latest, edited or latest), deleted, 1 if deleted else None,
                closed, 1 if closed else None, "duplicate" if closed else None, duplicate_of,
                hidden, "flags" if hidden else None))
            tags = {bisect.bisect_left(g.tag_weights, rng.random() * g.tag_weights[-1])
                    for _ in range(rng.randint(1, 4))}
            for tag in sorted(tags):
                write("question_tags", (qid, tag + 1))
                if not deleted and not hidden:
                    tag_counts[tag] += 1
            if created < care_since:
                write("care_exemptions", (qid, "imported history (bench)", g.end))
            if not deleted and not hidden and qid % sample_every == 0:
                filled.drafts.append((title, source))
                if answers:
                    filled.question_urls.append((qid, title))
            if qid % BATCH == 0:
                print(f"  {qid} questions generated", end="\r", flush=True)
        print()

    with psycopg.connect(database_url) as connection:
        connection.execute("SET session_replication_role = replica")
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY users ({', '.join(USER_COLUMNS)}) FROM STDIN") as copy:
                for member in range(1, g.members + 1):
                    joined = g.start - timedelta(days=rng.randrange(365))
                    copy.write_row((member, f"member{member:07d}", f"member{member:07d}@example.com", "!bench",
                                    "agent" if member in staff else "member", points[member], 1, joined, joined))
            with cursor.copy("COPY tags (id, name, question_count) FROM STDIN") as copy:
                for number, (name, count) in enumerate(zip(g.tag_names, tag_counts, strict=True), 1):
                    copy.write_row((number, name, count))
        counts["users"], counts["tags"] = g.members, len(g.tag_names)
        # Later writes (the sweep, the app) take ids from the sequences: past what COPY wrote.
        for table in ("users", "tags", "questions", "answers", "comments", "reputation_events"):
            connection.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({name}, 'id'), "
                                       "(SELECT coalesce(max(id), 1) FROM {table}))")
                               .format(name=sql.Literal(table), table=sql.Identifier(table)))
    filled.counts = counts
    busiest = max(range(1, g.members + 1), key=posts.__getitem__)
    filled.busiest_member = (busiest, f"member{busiest:07d}")
    filled.members = [(m, f"member{m:07d}") for m in rng.sample(range(1, g.members + 1), min(2000, g.members))]
    filled.tags = [name for _, name in sorted(zip(tag_counts, g.tag_names, strict=True), reverse=True)]
    return filled


# Each query counts the rows that disagree with what the app would have written: all must be 0.
CONSISTENCY_CHECKS = {
    "question scores": "SELECT count(*) FROM questions q LEFT JOIN (SELECT question_id, sum(value) AS total "
                       "FROM question_votes GROUP BY question_id) v ON v.question_id = q.id "
                       "WHERE q.score <> coalesce(v.total, 0)",
    "answer scores": "SELECT count(*) FROM answers a LEFT JOIN (SELECT answer_id, sum(value) AS total "
                     "FROM answer_votes GROUP BY answer_id) v ON v.answer_id = a.id "
                     "WHERE a.score <> coalesce(v.total, 0)",
    "answer counts": "SELECT count(*) FROM questions q LEFT JOIN (SELECT question_id, count(*) AS total FROM answers "
                     "WHERE deleted_at IS NULL AND hidden_at IS NULL GROUP BY question_id) a ON a.question_id = q.id "
                     "WHERE q.answer_count <> coalesce(a.total, 0)",
    "accepted answers of another thread": "SELECT count(*) FROM questions q WHERE q.accepted_answer_id IS NOT NULL "
                                          "AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.id = q.accepted_answer_id "
                                          "AND a.question_id = q.id)",
    "last activity before an answer": "SELECT count(*) FROM questions q JOIN (SELECT question_id, max(created_at) AS "
                                      "latest FROM answers GROUP BY question_id) a ON a.question_id = q.id "
                                      "WHERE q.last_activity_at < a.latest OR q.last_activity_at < q.created_at",
    "reputation points": "SELECT count(*) FROM users u LEFT JOIN (SELECT user_id, sum(amount) AS total "
                         "FROM reputation_events GROUP BY user_id) e ON e.user_id = u.id "
                         "WHERE u.reputation_points <> coalesce(e.total, 0)",
    "tag counts": "SELECT count(*) FROM tags t LEFT JOIN (SELECT qt.tag_id, count(*) AS total FROM question_tags qt "
                  "JOIN questions q ON q.id = qt.question_id WHERE q.deleted_at IS NULL AND q.hidden_at IS NULL "
                  "GROUP BY qt.tag_id) c ON c.tag_id = t.id WHERE t.question_count <> coalesce(c.total, 0)",
    "votes by unknown members": "SELECT (SELECT count(*) FROM question_votes v WHERE NOT EXISTS (SELECT 1 FROM users u "
                                "WHERE u.id = v.user_id)) + (SELECT count(*) FROM answer_votes v WHERE NOT EXISTS "
                                "(SELECT 1 FROM users u WHERE u.id = v.user_id))",
    "self votes": "SELECT (SELECT count(*) FROM question_votes v JOIN questions q ON q.id = v.question_id "
                  "WHERE v.user_id = q.author_id) + (SELECT count(*) FROM answer_votes v JOIN answers a "
                  "ON a.id = v.answer_id WHERE v.user_id = a.author_id)",
}


def inconsistencies(database_url):
    """{check: rows that disagree} for every derived column the fill keeps (the foreign keys were not checked)."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        return {name: connection.execute(query).fetchone()[0] for name, query in CONSISTENCY_CHECKS.items()}


def vacuum(database_url):
    """VACUUM (ANALYZE) every table, as autovacuum would have done on a database this old."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def database_sizes(database_url):
    """(database bytes, [(table, total bytes with indexes and TOAST, of which indexes, rows estimate)])."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        total = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = connection.execute(
            "SELECT relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid), reltuples::bigint "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC").fetchall()
    return total, tables


def print_sizes(database_url):
    """The database's size, and its largest tables."""
    total, tables = database_sizes(database_url)
    print(f"Database: {total / 1024 ** 3:.2f} GiB (pg_database_size)")
    print(f"  {'table':<22} {'total MB':>9} {'indexes MB':>10} {'rows':>11}")
    for name, size, indexes, rows in tables:
        if size >= 1024 ** 2:
            print(f"  {name:<22} {size / 1024 ** 2:>9.0f} {indexes / 1024 ** 2:>10.0f} {max(rows, 0):>11,}")
    return total


# The index: what a new host does -------------------------------------------------------


class GroupMemory:
    """Samples the resident memory of a process group from /proc until stopped: peak of the sum and of one process."""

    def __init__(self, group):
        self.group, self.peak_total_kb, self.peak_one_kb = group, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(RSS_SAMPLE_SECONDS):
            sizes = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                    if int(fields[2]) == self.group:
                        # Field 24 (the 22nd after the command) is the resident set in pages.
                        sizes.append(int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024)
            self.peak_total_kb = max(self.peak_total_kb, sum(sizes))
            self.peak_one_kb = max(self.peak_one_kb, max(sizes, default=0))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def folder_bytes(folder):
    """Bytes of the files under a folder."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


# What `flask search reindex` runs, with a line every PROGRESS_EVERY questions handed to the index's writers.
REINDEX_CHILD = """
import time
from app import create_app
from app.search import index_sync

started, sent = time.perf_counter(), 0

def progress(count):
    global sent
    sent += count
    if sent % {every} < count:
        print(f"sent {{sent}} {{time.perf_counter() - started:.1f}}", flush=True)

app = create_app()
with app.app_context():
    indexed = index_sync.reindex(progress=progress)
print(f"indexed {{indexed}} {{time.perf_counter() - started:.1f}}", flush=True)
"""
PROGRESS_EVERY = 50_000


def build_index(workdir, deadline_seconds=None):
    """index_sync.reindex() in a process group of its own: (questions, seconds, peak MB of the group, of its
    largest process, index MB); prints its progress (documents are analysed by its worker processes, which
    finish their segments after the last one is handed over). Past `deadline_seconds` it is stopped and
    the questions are None: the progress lines are then the figures."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", REINDEX_CHILD.format(every=PROGRESS_EVERY)], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    watchdog = threading.Timer(deadline_seconds or 10 ** 7, stop_process_group, [process])
    watchdog.start()
    try:
        with GroupMemory(process.pid) as memory:
            for line in process.stdout:
                output.append(line.rstrip())
                if line.startswith("sent "):
                    _, sent, seconds = line.split()
                    print(f"  {int(sent):,} questions handed to the writers at {float(seconds):.0f} s, "
                          f"group memory so far {memory.peak_total_kb / 1024:.0f} MB", flush=True)
            process.wait()
    finally:
        watchdog.cancel()
        stop_process_group(process)
    seconds = time.perf_counter() - started
    if deadline_seconds and seconds >= deadline_seconds and process.returncode:
        print(f"  Stopped at the deadline ({deadline_seconds} s): the index is not built; search and suggestions "
              "are not measured", flush=True)
        shutil.rmtree(workdir / "index", ignore_errors=True)
        return None, seconds, memory.peak_total_kb / 1024, memory.peak_one_kb / 1024, 0.0
    if process.returncode or not output or not output[-1].startswith("indexed "):
        raise RuntimeError(f"the rebuild exited with {process.returncode}:\n" + "\n".join(output[-40:]))
    largest_kb = max(memory.peak_one_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    indexed = int(output[-1].split()[1])
    return indexed, seconds, memory.peak_total_kb / 1024, largest_kb / 1024, folder_bytes(workdir / "index") / 1024 ** 2


# The care sweep ---------------------------------------------------------------------------


def time_sweeps(now):
    """Three sweeps in-process: the first (full), then 1 and 2 minutes later, as cron runs it; returns
    [(label, seconds, result)]. Not in them: the hourly look for questions without an item, and the
    breach alerts an hour after the first sweep queued its items (each alert renders an email)."""
    from app import create_app
    from app.care import sweep
    from app.extensions import db

    app = create_app()
    runs = []
    with app.app_context():
        try:
            for label, at in [("first (full)", now), ("second, 1 min later", now + timedelta(minutes=1)),
                              ("third, 2 min later", now + timedelta(minutes=2))]:
                started = time.perf_counter()
                result = sweep.run(at)
                runs.append((label, time.perf_counter() - started, result))
                print(f"  {label}: {runs[-1][1]:.2f} s; {result}", flush=True)
        finally:
            db.session.remove()
            db.engine.dispose()
    return runs


# The pages ----------------------------------------------------------------------------------

# wrk cycling through a list of paths (one thread, so one counter), with bench_http.py's one-line summary.
CYCLE_SCRIPT = """
paths = {}
for line in io.lines("{PATHS}") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
""" + bench_http.WRK_REPORT


def page_urls(filled, rng):
    """{label: (paths to warm up with, paths to measure)}: fixed pages repeat one path, varying ones cycle many."""
    from app.formatting import slugify

    def question_path(qid, title):
        return f"/questions/{qid}/{slugify(title)}"

    questions = list(filled.question_urls)
    rng.shuffle(questions)
    half = len(questions) // 2
    warm_question = question_path(*questions[0])
    busiest_id, busiest_name = filled.busiest_member
    top_tag, middle_tag = filled.tags[0], filled.tags[len(filled.tags) // 10]
    searches = []
    for title, _ in rng.sample(filled.drafts, min(600, len(filled.drafts))):
        words = [w for w in re.findall(r"[a-z0-9-]+", title.lower()) if w not in bench_search.FUNCTION_WORDS]
        if len(words) >= 2:
            searches.append("/search?" + urlencode({"q": " ".join(rng.sample(words, 2))}))
    members = [f"/users/{m}/{slugify(name)}" for m, name in filled.members]

    def fixed(path):
        return [path], [path]

    def varying(paths):
        return paths[: len(paths) // 4], paths[len(paths) // 4:]

    return {
        "ceiling /bench/ping": fixed("/bench/ping"),
        "home (active)": fixed("/"),
        "tab newest": fixed("/?tab=newest"),
        "tab votes": fixed("/?tab=votes"),
        "tab unanswered": fixed("/?tab=unanswered"),
        "tab unresolved": fixed("/?tab=unresolved"),
        "tab resolved": fixed("/?tab=resolved"),
        "home, page 1000": fixed("/?page=1000"),
        f"tag page, top ({top_tag})": fixed(f"/tags/{top_tag}"),
        f"tag page, 100th ({middle_tag})": fixed(f"/tags/{middle_tag}"),
        "tag index /tags": fixed("/tags"),
        "search results (varied)": varying(searches),
        f"profile, busiest ({busiest_name})": fixed(f"/users/{busiest_id}/{slugify(busiest_name)}"),
        "profiles (varied)": varying(members),
        "member list /users": fixed("/users"),
        "feed, newest": fixed("/feeds/questions.atom"),
        f"feed, tag {top_tag}": fixed(f"/feeds/tags/{top_tag}.atom"),
        "feed, a question": fixed(f"/feeds/questions/{questions[1][0]}.atom"),
        "sitemap index": fixed("/sitemap.xml"),
        "sitemap pages (tags)": fixed("/sitemap-pages.xml"),
        "sitemap questions, file 1": fixed("/sitemap-questions-1.xml"),
        "question page, cold (varied)": ([question_path(*q) for q in questions[2:half]],
                                         [question_path(*q) for q in questions[half:]]),
        "question page, warm": fixed(warm_question),
    }


def load_cycle(workdir, port, paths, seconds, concurrency):
    """wrk over `paths` in turn for `seconds` (bench_http.py's options and summary): a bench_http.Load."""
    script = workdir / f"cycle-{uuid.uuid4().hex[:8]}.lua"
    listing = script.with_suffix(".txt")  # a file: Lua refuses a table constructor of thousands of strings
    listing.write_text("".join(f"{path}\n" for path in paths))
    script.write_text(CYCLE_SCRIPT.replace("{PATHS}", str(listing), 1))
    try:
        result = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script),
             f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=seconds + 120)
    finally:
        script.unlink()
        listing.unlink()
    lines = result.stdout.strip().splitlines()
    if result.returncode or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"wrk failed on {paths[0]}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return bench_http.Load(**json.loads(lines[-1]))


def first_fetch(port, path):
    """One GET with a generous timeout (a sitemap of 50,000 URLs at this size takes seconds): (status, bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=FIRST_FETCH_SECONDS)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def measure_pages(workdir, port, group, urls, seconds, concurrency):
    """Each page: a check that it answers 200, a warm-up, then the measured load; returns the rows."""
    rows = []
    for label, (warm, measured) in urls.items():
        status, size = first_fetch(port, measured[0])
        if status != 200:
            raise RuntimeError(f"GET {measured[0]} answered {status}, not 200")
        load_cycle(workdir, port, warm, WARM_UP_SECONDS, concurrency)
        cpu_before = bench_http.server_cpu_seconds(group)
        result = load_cycle(workdir, port, measured, seconds, concurrency)
        cpu_ms = 1000 * (bench_http.server_cpu_seconds(group) - cpu_before) / max(result.requests, 1)
        rows.append((label, measured[0] if len(measured) == 1 else f"{measured[0]} (+{len(measured) - 1} more)",
                     size, result, cpu_ms))
        print(f"  {label}: {result.requests} requests, p50 {result.p50_ms:.1f} ms", flush=True)
    return rows


def print_pages(rows):
    """The page table, as Markdown."""
    ceiling, ceiling_cpu = rows[0][3].rate, rows[0][4]
    print("\n| page | requests | req/s | p50 ms | p99 ms | % ceiling | CPU ms | KB | errors | URL |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, path, size, result, cpu_ms in rows:
        print(f"| {label} | {result.requests} | {result.rate:.1f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
              f"{bench_http.share(result.rate, ceiling):.0f}% | {cpu_ms:.2f} | {size / 1024:.1f} | {result.errors} | "
              f"`{path}` |")
    print(f"(ceiling CPU {ceiling_cpu:.2f} ms a request; CPU ms is gunicorn's, not PostgreSQL's)")


def ask_form_drafts(drafts, count, rng):
    """What the ask form sends while a draft is typed: the title key by key (from 3 characters), then the
    title with the body's start growing a word at a time, up to 300 characters (static/js/site.js)."""
    sent = []
    for title, body in rng.sample(drafts, min(count, len(drafts))):
        sent += [title[:end] for end in range(3, len(title) + 1)]
        words = body[:300].split(" ")
        sent += [f"{title} {' '.join(words[:n])}" for n in range(1, len(words) + 1)]
    return sent


def measure_suggest(port, filled, rng):
    """GET /api/v1/suggest for title prefixes and for ask-form drafts: [(label, timings, failures)]."""
    titles = [title for title, _ in filled.drafts]
    warm_up = bench_search.title_prefixes(titles, SUGGEST_WARM_UP, rng)
    prefixes = bench_search.title_prefixes(titles, SUGGEST_QUERIES, rng)
    timings, failures, found = bench_search.suggest_over_http(port, warm_up, prefixes)
    drafts = ask_form_drafts(filled.drafts, ASK_DRAFTS, rng)
    typing, typing_failures, _ = bench_search.suggest_over_http(port, [], drafts)
    return [(f"API suggest, {len(prefixes)} title prefixes ({found:.1f} results a query)", timings, failures),
            (f"ask form, {ASK_DRAFTS} drafts typed ({len(drafts)} requests)", typing, typing_failures)]


# The run ------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(keep, reuse_name=None):
    """A fresh database (or a kept one): yields its psycopg URL; dropped at the end unless kept."""
    import psycopg

    name = reuse_name or f"bench_million_{uuid.uuid4().hex[:10]}"
    if not reuse_name:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name
    finally:
        if not keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_facts():
    """The PostgreSQL server's version and the settings that bear on these figures."""
    import psycopg

    with psycopg.connect(ADMIN_URL) as connection:
        facts = [connection.execute(f"SHOW {name}").fetchone()[0]
                 for name in ("server_version", "shared_buffers", "work_mem", "effective_cache_size")]
    return (f"PostgreSQL {facts[0]} on the same machine (shared_buffers {facts[1]}, work_mem {facts[2]}, "
            f"effective_cache_size {facts[3]}; defaults)")


def run(args, workdir, database_url, name):
    """Every step; returns the number of failed requests."""
    from app.clock import utcnow

    os.environ.update(DATABASE_URL=database_url.replace("postgresql://", f"{SQLALCHEMY_SCHEME}://", 1),
                      FLASK_APP="wsgi", SECRET_KEY=secrets.token_hex(16), SEARCH_INDEX_DIR=str(workdir / "index"),
                      RATELIMIT_ENABLED="false", SEARCH_SEMANTIC="true" if args.semantic else "false",
                      # A deployment of this size runs the sweep from cron and `flask worker` for the outbox.
                      CARE_IN_APP_SWEEP="false", OUTBOX_IN_PROCESS="false")
    rng = random.Random(args.seed)
    state = workdir / "filled.json"
    if args.reuse:
        filled = Filled(**json.loads(state.read_text()))
        print(f"Reusing database {name} and {workdir}: fill and index build not timed in this run")
        print_sizes(database_url)
    else:
        migrate()
        started = time.perf_counter()
        # The community ends now: the care rules and the pages' ages read the wall clock.
        generator = Generator(rng, args.questions, utcnow().replace(microsecond=0))
        filled = fill(database_url, generator, args.care_days)
        filled_seconds = time.perf_counter() - started
        print(f"Filled in {filled_seconds:.0f} s: " + ", ".join(f"{n:,} {t}" for t, n in filled.counts.items()))
        started = time.perf_counter()
        vacuum(database_url)
        print(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        wrong = {name: count for name, count in inconsistencies(database_url).items() if count}
        print(f"Derived columns checked in {time.perf_counter() - started:.0f} s: "
              + (f"DISAGREE {wrong}" if wrong else "scores, answer counts, accepted answers, last activity, "
                 "reputation and tag counts all agree with the rows"))
        print_sizes(database_url)
        state.write_text(json.dumps(filled.__dict__))
        if args.semantic:
            bench_search.stand_in_vectors(200)
        print(f"\n## A new host's index build (`flask search reindex`, semantic vectors "
              f"{'reused from the stand-ins' if args.semantic else 'off'})", flush=True)
        indexed, seconds, group_mb, largest_mb, index_mb = build_index(workdir, args.index_deadline)
        if indexed is None:
            filled.indexed = False
            state.write_text(json.dumps(filled.__dict__))
        else:
                print(f"Index build: {indexed:,} questions in {seconds:.0f} s ({indexed / seconds:.0f} a second); "
                  f"peak resident memory {group_mb:.0f} MB for the process group "
                  f"(sum of its processes), {largest_mb:.0f} MB for the largest one; index {index_mb:.0f} MB on disk")

    print("\n## The care sweep (in-process, steady state after a full one)", flush=True)
    sweeps = time_sweeps(utcnow())

    print(f"\n## Public pages: gunicorn -w 2, {args.concurrency} connections, {args.duration} s each after "
          f"{WARM_UP_SECONDS} s of warm-up (wrk)", flush=True)
    failures = 0
    urls = page_urls(filled, rng)
    if not filled.indexed:
        # Without an index a web process's follower would rebuild it inside the measured run.
        os.environ["SEARCH_FOLLOW_IN_PROCESS"] = "false"
        urls = {label: paths for label, paths in urls.items() if not label.startswith("search")}
    with bench_http.gunicorn(workdir) as (port, group):
        rows = measure_pages(workdir, port, group, urls, args.duration, args.concurrency)
        print_pages(rows)
        failures += sum(row[3].errors for row in rows)
        print("\n## Suggestions over HTTP, one request at a time", flush=True)
        print(f"{'':<60} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for label, timings, failed in (measure_suggest(port, filled, rng) if filled.indexed else []):
            p50, p95, p99 = bench_search.percentiles(timings)
            print(f"{label:<60} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {failed} failed")
            failures += failed
        workers = bench_search.worker_memory(port)

    print("\n## What a host needs at this size")
    total, _ = database_sizes(database_url)
    index_mb = folder_bytes(workdir / "index") / 1024 ** 2
    print(f"Resident memory of each gunicorn worker after the run: {workers}")
    print(f"Disk: database {total / 1024 ** 3:.2f} GiB (on the PostgreSQL host), index {index_mb:.0f} MB "
          f"(on each app host)")
    print("Sweeps: " + "; ".join(f"{label} {seconds:.2f} s" for label, seconds, _ in sweeps))
    print(f"Load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return failures


def main():
    """Parse the options, run in a temporary folder (or a kept one), exit 1 if a request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--care-days", type=int, default=1,
                        help="questions asked in the last N days are open to the care queue; older ones are history")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page, after the warm-up")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="connections kept busy at once (2: one per worker, so latency is a request's own time)")
    parser.add_argument("--index-deadline", type=int, metavar="SECONDS",
                        help="stop the index build after this long (its progress lines are then the figures)")
    parser.add_argument("--semantic", action="store_true",
                        help="store stand-in vectors and serve with the semantic half on (memory: 1.5 KB a question)")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", action="store_true", help="keep the database and the index, and print where")
    kept.add_argument("--reuse", metavar="DIR", help="measure the sweep and pages again on what --keep left in DIR")
    args = parser.parse_args()
    if args.questions < 1000:
        parser.error("--questions must be at least 1000")
    if not shutil.which("wrk"):
        parser.error("this bench loads pages with wrk (apt-get install wrk)")

    print("# Peerdesk bench at scale: PostgreSQL")
    print(bench_http.describe_machine("wrk"))
    print(server_facts())
    print(f"Load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(above ~0.2, other work shares the cores)")
    if not args.reuse:
        print(f"Community: {args.questions:,} questions, seed {args.seed}", flush=True)
    workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="peerdesk-million-"))
    reuse_name = (workdir / "database.txt").read_text().strip() if args.reuse else None
    keep = args.keep or bool(args.reuse)
    print(f"Working folder: {workdir}", flush=True)
    try:
        with database(keep, reuse_name) as (database_url, name):
            (workdir / "database.txt").write_text(name)
            failures = run(args, workdir, database_url, name)
    finally:
        if args.keep:
            print(f"\nKept database {(workdir / 'database.txt').read_text()} and {workdir} (--reuse {workdir})")
        elif not args.reuse:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"\n{failures} request(s) failed.", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything started is stopped by the finally blocks on the way out
        sys.exit(130)
