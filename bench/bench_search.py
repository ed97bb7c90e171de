"""Search benchmark: indexing throughput and suggest latency on a synthetic community of N questions.

Run from the repository root (the full size takes several minutes):

    .venv/bin/python bench/bench_search.py [--questions 100000] [--answers 3] [--seed 1] [--queries 500]
                                           [--keep | --reuse DIR]

Builds a fresh SQLite database with the real migrations, fills it with bulk SQL (titles of 6-14
words, bodies of 40-200, answers of 30-150, drawn from a Zipf-like vocabulary), times a full
`index_sync.reindex()` in-process, then serves the app with gunicorn -w 2 and times
GET /api/v1/suggest one request at a time for title prefixes (2-6 words, the last one cut short).
The reference is a plain Whoosh title+body OR query for the same prefixes on the same index.
--keep leaves the database and index in place; --reuse DIR measures them again (migrated to the
current schema) without rebuilding. Exits non-zero only when something failed, never because of speed.

With the embedding model installed (app/search/embeddings.py) the suggest requests go through the
semantic half too. Computing a real vector for every synthetic question would take most of an
hour here, and the search's cost does not depend on the values, so by default the stored vectors
are random unit vectors under the hash of each question's real text (the rebuild then reuses
them, as it reuses real ones); the model's cost per question is timed on a sample and printed.
--real-vectors computes them all instead.
"""
import argparse
import bisect
import contextlib
import html
import http.client
import itertools
import math
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent

from processes import free_port, migrate, stop_process_group  # noqa: E402  (bench/ is the script's folder)

INSERT_BATCH = 5000
SERVER_START_SECONDS = 60
WARM_UP_REQUESTS = 100
SUGGEST_GOAL_P95_MS = 30
REINDEX_GOAL_SECONDS = 300  # issue 12: 5 minutes with vectors (issue 3 asked 3 minutes before vectors were indexed)

# The vocabulary ----------------------------------------------------------------------------
# Ranked by how often people write them: function words first, then the words of a
# consumer-electronics support forum, then rarer derived forms. Zipf weights (1/rank) make the
# head dominate, so common words have long posting lists, as in real text.

FUNCTION_WORDS = """the to i my it and a is of on in not with for this that when but after have from can
    do be no or at me so now has as just was an any how get what all even if again does will only still
    same one then out up there they it's im don't won't can't doesn't""".split()
SUPPORT_WORDS = """bluetooth wifi battery charging charge firmware update reset pair pairing connect
    connection disconnects disconnecting sound audio volume microphone mic speaker earbuds headphones
    case cable usb-c adapter charger dock app phone laptop tv remote hub router network signal range
    latency delay crackling static noise echo bass treble equalizer eq mode settings button light led
    blinking red green blue orange flashing power off restart reboot factory error code message screen
    display notification sync account login password email warranty replacement return refund order
    shipping support agent ticket manual guide version beta release patch bug issue problem fix
    workaround solution drain drains dies overnight hours minutes percent full empty slow fast hot
    warm overheating cold water sweat dust drop cracked broken loose stuck frozen unresponsive lag
    stutter skip skips cuts dropout dropouts mute muted left right both one side stereo mono surround
    call calls video music podcast stream streaming spotify youtube netflix android iphone ios windows
    mac macos linux chromebook pc desktop tablet ipad watch car alexa google assistant voice command
    touch controls gesture tap swipe noise-cancelling anc transparency ambient fit tips ear ears
    comfort pain seal volume-limit codec aac sbc aptx ldac multipoint pairing-mode discoverable
    visible hidden list menu option toggle permission location storage cache data install uninstall
    download upload offline online cloud server outage status page forum community thread post reply
    answer accepted solved unsolved duplicate similar same-problem workaround-found""".split()
PRODUCTS = """x200 x200-pro lumen buds buds-pro buds-mini hub hub-2 s4 s4-max soundbar sub v2 v3 pulse
    aria nova echo-dock mini max pro lite plus 3.2 3.2.1 3.1 2.9 4.0""".split()
COMMON_WORDS = """work works worked working use using used try tried trying keep keeps kept start starts
    started stop stops stopped turn turns turned make makes made need needs needed want wants know
    think see seems seemed look looks feel feels time day days week weeks month months year morning
    night today yesterday new old first last second next other another every each few many much more
    most less little long short high low loud quiet good bad better worse best worst fine ok okay
    great nothing something anything everything someone anyone people friend wife husband kid kids
    home house room office work desk bed kitchen travel trip flight train gym run running walk
    outside inside because since while until before during though although also already always never
    sometimes often usually maybe probably really very quite pretty too enough almost about around
    back down over under through between into onto off away here where why which who whose whom
    help please thanks thank anyone idea ideas advice suggestion question answer tip tips way ways
    thing things part parts piece side top bottom front inside bought buy purchase store shop online
    box unboxing new used refurbished gift present money price cost free paid plan subscription
    month trial feature features option options choice change changed changes set setting setup
    install installed open opened close closed hold held press pressed release released plug plugged
    unplug unplugged wire wired wireless cord port socket outlet wall strip extension power-bank
    hear heard listen listening watch watching play playing pause paused stream streamed load loading
    wait waiting happen happens happened show shows shown appear appears disappear disappears find
    found lose lost miss missing forget forgot remember remembers save saved delete deleted""".split()
PREFIXES = ["re", "un", "dis", "pre", "over", "auto", "multi", "sub", "inter", "micro"]
SUFFIXES = ["s", "ed", "ing", "er", "ers", "able", "ion", "ment", "ly", "ness", "less", "ful"]
STEMS = """connect charge pair sync load mount play stream boot start set install configure calibrate
    adjust detect sense power light sound drain heat cool seal fit lock unlock scan search record
    transmit receive amplify equalize balance mute update patch flash test measure signal route
    link bind register activate deactivate enable disable restore backup export import convert
    format encode decode buffer cache store pack ship track deliver refund replace repair clean
    wipe dry protect cover shield wrap hinge switch toggle trigger block filter boost limit extend
    shorten stretch bend crack break fix""".split()


def build_vocabulary(rng, size=4000):
    """About `size` words ranked for Zipf sampling, and the cumulative weights to draw them with."""
    hand = list(dict.fromkeys(SUPPORT_WORDS + PRODUCTS + COMMON_WORDS))
    rng.shuffle(hand)
    derived = sorted({f"{prefix}{stem}{suffix}" for prefix in PREFIXES for stem in STEMS for suffix in SUFFIXES})
    rng.shuffle(derived)
    words = list(dict.fromkeys(FUNCTION_WORDS + hand + derived))[:size]
    weights = [1.0 / rank for rank in range(1, len(words) + 1)]
    return words, list(itertools.accumulate(weights))


class TextMaker:
    """Sentences drawn from the Zipf vocabulary, optionally leaning on a question's own words."""

    def __init__(self, rng, words, cum_weights):
        self.rng, self.words, self.cum_weights = rng, words, cum_weights

    def words_of(self, count):
        """`count` words drawn with Zipf weights."""
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=count)

    def title(self):
        """A 6-14 word title, capitalised, sometimes a question."""
        words = self.words_of(self.rng.randint(6, 14))
        text = " ".join(words)
        return (text[:1].upper() + text[1:])[:148] + ("?" if self.rng.random() < 0.4 else "")

    def prose(self, low, high, topic, share):
        """Sentences of `low`-`high` words; `share` of them from `topic`, so a thread stays on its subject."""
        count = self.rng.randint(low, high)
        words = self.words_of(count)
        rng = self.rng
        if topic:
            words = [rng.choice(topic) if rng.random() < share else word for word in words]
        sentences, start = [], 0
        while start < count:
            end = min(count, start + rng.randint(6, 18))
            sentence = " ".join(words[start:end])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            start = end
        return " ".join(sentences)


# The community -----------------------------------------------------------------------------


def insert_community(database_url, questions, answers_per_question, rng):
    """Fill the database with bulk SQL; returns every question title, in id order."""
    from sqlalchemy import bindparam, create_engine, event, insert, update

    from app.models import Answer, Question, Tag, User, question_tags

    engine = create_engine(database_url)

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):
        # A throwaway database: durability buys nothing and costs minutes.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    words, cum_weights = build_vocabulary(rng)
    maker = TextMaker(rng, words, cum_weights)
    content_words = words[len(FUNCTION_WORDS):]
    tag_names = [w for w in content_words if re.fullmatch(r"[a-z0-9-]{2,35}", w)][:300]
    tag_weights = list(itertools.accumulate(1.0 / rank for rank in range(1, len(tag_names) + 1)))
    users = max(50, questions // 20)
    start = datetime(2023, 1, 1)
    span_minutes = 3 * 365 * 24 * 60
    titles = []
    tag_counts = [0] * len(tag_names)
    try:
        with engine.begin() as connection:
            connection.execute(insert(User.__table__), [
                {"id": n, "username": f"member{n:06d}", "email": f"member{n:06d}@example.com",
                 "password_hash": "!bench", "role": "agent" if n % 97 == 0 else "member",
                 "reputation_points": 0, "session_version": 1, "created_at": start} for n in range(1, users + 1)])
            connection.execute(insert(Tag.__table__), [{"id": n, "name": name, "question_count": 0}
                                                       for n, name in enumerate(tag_names, 1)])
        answer_id = 0
        for first in range(1, questions + 1, INSERT_BATCH):
            question_rows, answer_rows, tag_rows, accepted = [], [], [], []
            for qid in range(first, min(questions + 1, first + INSERT_BATCH)):
                title = maker.title()
                titles.append(title)
                topic = [w for w in title.lower().rstrip("?").split() if w not in FUNCTION_WORDS] or None
                body = maker.prose(40, 200, topic, 0.15)
                created = start + timedelta(minutes=rng.randrange(span_minutes))
                question_rows.append({
                    "id": qid, "author_id": rng.randint(1, users), "title": title, "body_source": body,
                    "body_html": f"<p>{html.escape(body)}</p>", "score": int(rng.paretovariate(1.5)) - 1,
                    "answer_count": answers_per_question, "view_count": 0, "created_at": created,
                    "last_activity_at": created + timedelta(hours=rng.randint(1, 500))})
                ids = []
                for _ in range(answers_per_question):
                    answer_id += 1
                    ids.append(answer_id)
                    text = maker.prose(30, 150, topic, 0.08)
                    answer_rows.append({
                        "id": answer_id, "question_id": qid, "author_id": rng.randint(1, users),
                        "body_source": text, "body_html": f"<p>{html.escape(text)}</p>",
                        "score": int(rng.paretovariate(1.5)) - 1, "created_at": created + timedelta(hours=1)})
                if ids and rng.random() < 0.4:
                    accepted.append({"qid": qid, "aid": rng.choice(ids)})
                for tag in {bisect.bisect_left(tag_weights, rng.random() * tag_weights[-1])
                            for _ in range(rng.randint(1, 3))}:
                    tag_rows.append({"question_id": qid, "tag_id": tag + 1})
                    tag_counts[tag] += 1
            with engine.begin() as connection:
                connection.execute(insert(Question.__table__), question_rows)
                if answer_rows:
                    connection.execute(insert(Answer.__table__), answer_rows)
                connection.execute(insert(question_tags), tag_rows)
                if accepted:
                    table = Question.__table__
                    connection.execute(update(table).where(table.c.id == bindparam("qid"))
                                       .values(accepted_answer_id=bindparam("aid")), accepted)
        with engine.begin() as connection:
            table = Tag.__table__
            connection.execute(update(table).where(table.c.id == bindparam("tid"))
                               .values(question_count=bindparam("n")),
                               [{"tid": n, "n": count} for n, count in enumerate(tag_counts, 1)])
    finally:
        engine.dispose()
    return titles



def title_prefixes(titles, count, rng):
    """What someone typing a title has so far: its first 2-6 words, the last one cut short."""
    prefixes = []
    for title in rng.sample(titles, min(count, len(titles))):
        words = title.rstrip("?").split()[:rng.randint(2, 6)]
        last = words[-1]
        if len(last) > 2:
            words[-1] = last[:rng.randint(2, len(last) - 1)]
        prefixes.append(" ".join(words))
    return prefixes


def typed_keystrokes(titles, count, rng):
    """What the ask form sends while `count` titles are typed a keystroke at a time (from the second character)."""
    return [title[:end] for title in rng.sample(titles, min(count, len(titles))) for end in range(2, len(title) + 1)]


# Measuring ---------------------------------------------------------------------------------


def percentiles(seconds):
    """p50, p95, p99 in milliseconds (nearest rank)."""
    ordered = sorted(seconds)

    def at(p):
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else math.nan

    return at(50), at(95), at(99)


def time_each(function, items):
    """The wall time of function(item) for each item, one at a time."""
    timings = []
    for item in items:
        started = time.perf_counter()
        function(item)
        timings.append(time.perf_counter() - started)
    return timings


def _cpu_seconds():
    """CPU time of this process and of its finished children (the rebuild's worker processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def time_reindex():
    """A full `index_sync.reindex()` in-process: (questions, wall seconds, CPU seconds, peak MB of a process)."""
    from app import create_app
    from app.extensions import db
    from app.search import index_sync

    app = create_app()
    with app.app_context():
        try:
            started, cpu = time.perf_counter(), _cpu_seconds()
            count = index_sync.reindex()
            peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF,
                                                                        resource.RUSAGE_CHILDREN)) / 1024
            return count, time.perf_counter() - started, _cpu_seconds() - cpu, peak_mb
        finally:
            db.session.remove()
            db.engine.dispose()


def reference_search(index_dir):
    """The reference: a plain Whoosh title+body OR query, parsed and run on a fresh searcher each time."""
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser, OrGroup

    ix = whoosh_index.open_dir(index_dir)
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)

    def run(text):
        with ix.searcher() as searcher:
            return [hit["id"] for hit in searcher.search(parser.parse(text), limit=5)]

    return run


def app_suggest(index_dir):
    """The app's own `whoosh_index.suggest()`, in-process: the Whoosh share of the endpoint's time."""
    from app.search import whoosh_index

    search_index = whoosh_index.SearchIndex(index_dir)
    return lambda text: whoosh_index.suggest(search_index, text, limit=7)


# The server --------------------------------------------------------------------------------



class Client:
    """One HTTP connection, kept open while the server allows it (gunicorn's sync workers close it)."""

    def __init__(self, port):
        self.port, self.connection = port, None

    def get(self, path):
        """GET path: (status, body)."""
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, body
        raise AssertionError("unreachable")

    def close(self):
        """Drop the connection; the next request opens another."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@contextlib.contextmanager
def gunicorn(workdir):
    """Serve wsgi:app with 2 sync workers; yields the port once the app answers."""
    port = free_port()
    log = workdir / "gunicorn.log"
    with log.open("w") as log_file:
        # A session of its own, so the whole group (master and workers) can be stopped together.
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(REPO_ROOT),
             "wsgi:app"],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        client = Client(port)
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if client.get("/api/v1/suggest?q=ab")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in {SERVER_START_SECONDS} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        client.close()
        yield port
    finally:
        stop_process_group(server)



def worker_memory(port):
    """The resident memory (VmRSS) of each gunicorn worker serving `port`, as text (workers: children of the master)."""
    processes = {}  # pid -> (parent pid, MB)
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, KeyError, ValueError):
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "gunicorn" in command and f"127.0.0.1:{port}" in command:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                processes[int(status.parent.name)] = (int(fields["PPid"]), int(fields["VmRSS"].split()[0]) // 1024)
    workers = [mb for parent, mb in processes.values() if parent in processes]
    return ", ".join(f"{mb} MB" for mb in sorted(workers)) or "(not found)"


def suggest_over_http(port, warm_up, queries):
    """Sequential GET /api/v1/suggest for each query after a warm-up: (timings, failures, mean results)."""
    client = Client(port)
    try:
        for text in warm_up:
            client.get("/api/v1/suggest?" + urlencode({"q": text, "limit": 5}))
        failures, found = 0, 0
        timings = []
        for text in queries:
            path = "/api/v1/suggest?" + urlencode({"q": text, "limit": 5})
            started = time.perf_counter()
            status, body = client.get(path)
            timings.append(time.perf_counter() - started)
            failures += status != 200
            found += body.count(b'"id":')
        return timings, failures, found / max(len(queries), 1)
    finally:
        client.close()


# The run -----------------------------------------------------------------------------------


def describe_machine():
    """The machine and software versions, as the header of the report."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory_kb = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
    return "\n".join([
        f"CPU: {model.group(1) if model else platform.processor()}, nproc {os.cpu_count()} "
        f"({len(os.sched_getaffinity(0))} usable)",
        f"Memory: {memory_kb / 1024 ** 2:.1f} GiB",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, Whoosh {version('whoosh')}, "
        f"gunicorn {version('gunicorn')} (sync workers), Flask {version('flask')}, "
        f"SQLAlchemy {version('sqlalchemy')}",
    ])


def print_latencies(label, timings, note=""):
    """One line of p50/p95/p99."""
    p50, p95, p99 = percentiles(timings)
    print(f"{label:<44} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {note}")


def stand_in_vectors(sample):
    """Store a random unit vector per question under its real text's hash; time the model on `sample` of them."""
    import numpy
    from sqlalchemy import insert, select

    from app import create_app
    from app.extensions import db
    from app.models import Question
    from app.rendering import html_to_text
    from app.search import embeddings
    from app.search.vectors import QuestionVector

    app = create_app()
    with app.app_context():
        encoder = embeddings.encoder()
        if encoder is None:
            print(f"Semantic half off: {embeddings.unavailable_reason()}")
            return
        rng = numpy.random.default_rng(1)
        rows = db.session.execute(select(Question.id, Question.title, Question.body_html).order_by(Question.id)).all()
        texts = [embeddings.question_text(row.title, html_to_text(row.body_html)) for row in rows]
        started = time.perf_counter()
        encoder.encode(texts[:sample])
        per_question = (time.perf_counter() - started) / max(1, min(sample, len(texts)))
        for start in range(0, len(rows), INSERT_BATCH):
            vectors = rng.standard_normal((len(rows[start:start + INSERT_BATCH]), encoder.dimension))
            vectors = (vectors / numpy.linalg.norm(vectors, axis=1, keepdims=True)).astype(numpy.float32)
            db.session.execute(insert(QuestionVector), [
                {"question_id": row.id, "model": encoder.name, "text_hash": embeddings.text_hash(text),
                 "vector": vector.tobytes(), "revision": 1}
                for row, text, vector in zip(rows[start:start + INSERT_BATCH], texts[start:start + INSERT_BATCH],
                                             vectors, strict=True)])
        db.session.commit()
        print(f"Model {encoder.name}: {per_question * 1000:.1f} ms a question over {sample} questions "
              f"(all {len(rows)}: {per_question * len(rows) / 60:.0f} min); stored {len(rows)} stand-in vectors",
              flush=True)
        db.session.remove()
        db.engine.dispose()


def build(args, workdir, rng):
    """Fill a fresh database and time a full reindex; returns every title."""
    started = time.perf_counter()
    titles = insert_community(os.environ["DATABASE_URL"], args.questions, args.answers, rng)
    size_mb = (workdir / "bench.db").stat().st_size / 1024 ** 2
    print(f"Inserted {args.questions} questions, {args.questions * args.answers} answers in "
          f"{time.perf_counter() - started:.0f} s (database {size_mb:.0f} MB)", flush=True)
    if not args.real_vectors:
        stand_in_vectors(args.model_sample)
    count, seconds, cpu, peak_mb = time_reindex()
    index_mb = sum(f.stat().st_size for f in (workdir / "index").iterdir()) / 1024 ** 2
    # The goal is for 100,000 questions; scale it for smaller runs.
    goal = REINDEX_GOAL_SECONDS * args.questions / 100_000
    print(f"Reindex: {count} questions in {seconds:.1f} s ({cpu:.1f} s CPU in all processes) = "
          f"{count / seconds:.0f} docs/s (goal < {goal:.0f} s: {'met' if seconds < goal else 'MISSED'}; "
          f"index {index_mb:.0f} MB; peak memory of one process {peak_mb:.0f} MB)", flush=True)
    return titles


def stored_titles():
    """The titles of a reused database, in id order."""
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT title FROM questions ORDER BY id")))
    finally:
        engine.dispose()


def run(args, workdir):
    """Build (or reuse), index, serve and measure; returns the number of failed requests."""
    os.environ.update(DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}", FLASK_APP="wsgi", SECRET_KEY="bench",  # noqa: S106
                      SEARCH_INDEX_DIR=str(workdir / "index"), RATELIMIT_ENABLED="false",
                      # Background work that would compete with the timed requests: here cron would run
                      # the care sweep and `flask worker` the outbox, as on a deployment of this size.
                      CARE_SWEEP_INTERVAL_SECONDS="0", OUTBOX_IN_PROCESS="false")
    rng = random.Random(args.seed)
    migrate()  # also brings a reused database to the current schema
    if args.reuse:
        titles = stored_titles()
        print(f"Reusing {workdir}: {len(titles)} questions; reindex not timed in this run", flush=True)
    else:
        titles = build(args, workdir, rng)

    queries = title_prefixes(titles, args.queries, rng)
    warm_up = title_prefixes(titles, WARM_UP_REQUESTS, rng)
    print(f"\nLatency of {len(queries)} title prefixes, one at a time, after {len(warm_up)} warm-up queries "
          f"(e.g. {queries[0]!r}, {queries[1]!r})")
    print(f"{'':<44} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    keystrokes = typed_keystrokes(titles, args.typed, rng)
    with gunicorn(workdir) as port:
        timings, failures, mean_found = suggest_over_http(port, warm_up, queries)
        typing, typing_failures, _ = suggest_over_http(port, [], keystrokes)
        workers = worker_memory(port)
    failures += typing_failures
    p95 = percentiles(timings)[1]
    print_latencies("GET /api/v1/suggest via gunicorn -w 2", timings,
                    f"goal p95 < {SUGGEST_GOAL_P95_MS} ms: {'met' if p95 < SUGGEST_GOAL_P95_MS else 'MISSED'}; "
                    f"{mean_found:.1f} results/query, {failures} failed")
    print_latencies(f"the same, {args.typed} titles typed key by key", typing,
                    f"{len(keystrokes)} requests, as the ask form sends them (a word's semantic ranking is reused)")
    print(f"Resident memory of each gunicorn worker after the run: {workers}")
    index_dir = str(workdir / "index")
    for label, function in [("in-process whoosh_index.suggest() (Whoosh share)", app_suggest(index_dir)),
                            ("reference: plain Whoosh title+body OR", reference_search(index_dir))]:
        for text in warm_up:
            function(text)
        print_latencies(label, time_each(function, queries))
    return failures


def main():
    """Parse the options, run once in a temporary folder (or a kept one), exit 1 if a request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=3, help="answers per question")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=500, help="title prefixes to time")
    parser.add_argument("--typed", type=int, default=20, help="titles typed a keystroke at a time")
    parser.add_argument("--real-vectors", action="store_true",
                        help="compute every question's vector with the model (most of an hour at 100,000)")
    parser.add_argument("--model-sample", type=int, default=500, help="questions the model is timed on")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", action="store_true", help="keep the database and index, and print where")
    kept.add_argument("--reuse", metavar="DIR", help="measure the database and index a --keep run left in DIR")
    args = parser.parse_args()

    print("# Peerdesk search benchmark")
    print(describe_machine())
    print(f"Load average before the run: {os.getloadavg()[0]:.2f} (above ~0.2, other work shares the cores)")
    if not args.reuse:
        print(f"Community: {args.questions} questions x {args.answers} answers, seed {args.seed}", flush=True)
    workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="peerdesk-search-bench-"))
    try:
        failures = run(args, workdir)
    finally:
        if args.keep:
            print(f"\nKept {workdir}")
        elif not args.reuse:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"\n{failures} request(s) failed.", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything started is already stopped by the finally blocks on the way out
        sys.exit(130)
