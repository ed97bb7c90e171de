"""Degraded search: what the serviceability check costs every search, and what the database's fallback costs.

Run from the repository root:

    .venv/bin/python bench/bench_search_fallback.py [--questions 20000] [--database-url URL] [--queries 50]

Fills a fresh database (SQLite in a temporary folder unless --database-url names an empty one) with
the real migrations and bulk SQL (titles of 8 words, bodies of 60, from a Zipf-like vocabulary),
builds the index of the first 2,000 questions (the check's cost depends on the index's segments,
not on its size), then times `fallback.unavailable_reason` on it, and the fallback's search and
suggestions with the index gone: a common word, a rare one, a word no question holds, a title prefix.
"""
import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert

from app import create_app
from app.config import REPO_ROOT, load_config
from app.extensions import db
from app.models import Question, User
from app.search import fallback, index_sync

WORDS = [f"w{n}" for n in range(5000)]
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]


def _fill(count, now):
    author = db.session.execute(insert(User).values(
        username="bench", email="bench@example.org", password_hash="x",  # noqa: S106 - never signs in
        created_at=now)).inserted_primary_key[0]
    rng = random.Random(1)
    for start in range(0, count, 5000):
        rows = []
        for _ in range(min(5000, count - start)):
            title = " ".join(rng.choices(WORDS, WEIGHTS, k=8))
            body = " ".join(rng.choices(WORDS, WEIGHTS, k=60))
            rows.append({"author_id": author, "title": title, "body_source": body, "body_html": f"<p>{body}</p>",
                         "created_at": now, "last_activity_at": now})
        db.session.execute(insert(Question), rows)
    db.session.commit()


def _timed(label, run, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:<48} p50 {statistics.median(times):8.2f} ms   max {max(times):8.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20000)
    parser.add_argument("--database-url")
    parser.add_argument("--queries", type=int, default=50)
    options = parser.parse_args()
    from datetime import UTC, datetime
    now = datetime.now(UTC).replace(tzinfo=None)  # this script is an edge: it reads the clock once
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(folder)
        config.update(SQLALCHEMY_DATABASE_URI=options.database_url or f"sqlite:///{folder}/bench.db",
                      SEARCH_INDEX_DIR=str(Path(folder) / "index"), SEARCH_SEMANTIC=False)
        app = create_app(config)
        with app.app_context():
            upgrade(directory=str(REPO_ROOT / "migrations"))
            _fill(options.questions, now)
            index = index_sync.app_index()
            with index.writer() as writer:
                index_sync._apply(writer, list(range(1, 2001)), fresh=True)
                writer.set_cursor(1)
            print(f"{options.questions:,} questions on {db.engine.dialect.name}")
            _timed("serviceability check (healthy index)", lambda: fallback.unavailable_reason(index), 2000)
            index.recreate()  # an empty index: what a host serves while it rebuilds
            for label, query in (("search: a common word", "w1"), ("search: a rare word", "w4990"),
                                 ("search: a word no question holds", "nowhere"),
                                 ("search: a common word, page 10", "w1")):
                page = 10 if "page 10" in label else 1
                _timed(label, lambda q=query, p=page: fallback.search(q, page=p), options.queries)
            _timed("suggest: a title prefix (two words)", lambda: fallback.suggest("w1 w2"), options.queries)
            _timed("suggest: a rare title prefix", lambda: fallback.suggest("w4990 w49"), options.queries)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
