"""Stack Exchange import benchmark: speed, peak Python memory, and how to bring the search index up to date.

Run from the repository root:

    .venv/bin/python bench/bench_import.py [--posts 2000 20000] [--search-questions 10000] [--postgres URL]

For each size it writes a synthetic dump in the public format (a third questions, two thirds
answers, a comment per post, three votes per post of which one has a voter, a duplicate link
per 50 questions; for the search figures, one answer per question), imports it into a fresh
database (SQLite, or a new PostgreSQL database from --postgres) in a subprocess, and prints
the time and posts per second. It then imports it again with tracemalloc on, for the peak of
Python memory (index update left out): it must not grow with the dump. Last, for --search-questions questions it
times the two ways to update the index after an import: applying the change log
(`catch_up`) and rebuilding (`reindex`); the import's `--search auto` picks between them.
"""
import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

WORDS = ("battery bluetooth pairing firmware update reset speaker earbuds charging case light blinks app phone "
         "watch volume microphone settings connection wifi router signal restart button seconds hold press "
         "screen display notification sync account password error message version latest").split()


def sentence(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def body(rng):
    """An HTML body as Stack Exchange renders one: paragraphs, sometimes code and a list."""
    parts = [f"<p>{sentence(rng, 20, 60)}.</p>" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        parts.append(f"<pre class=\"lang-py prettyprint-override\"><code>{sentence(rng, 5, 15)}\n</code></pre>")
    if rng.random() < 0.3:
        parts.append("<ul>" + "".join(f"<li>{sentence(rng, 3, 8)}</li>" for _ in range(3)) + "</ul>")
    return "".join(parts)


def write_file(path, root, rows):
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>\n')
        for row in rows:
            handle.write("  <row " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in row.items()) + " />\n")
        handle.write(f"</{root}>\n")


def write_dump(folder, posts, seed=1, questions=None):
    """A synthetic dump of `posts` posts (a third of them questions unless told); returns its folder."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    users = max(10, posts // 4)
    questions = questions or posts // 3
    write_file(folder / "Users.xml", "users", ({"Id": i, "DisplayName": f"Member {rng.choice(WORDS)} {i % 97}",
                                                "CreationDate": "2014-01-01T00:00:00.000", "Reputation": 1}
                                               for i in range(1, users + 1)))

    def post_rows():
        for i in range(1, posts + 1):
            common = {"Id": i, "CreationDate": f"2015-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000",
                      "Score": rng.randint(-2, 20), "Body": body(rng), "OwnerUserId": rng.randint(1, users)}
            if i <= questions:
                yield {**common, "PostTypeId": 1, "Title": sentence(rng, 6, 12).capitalize() + "?",
                       "Tags": "".join(f"<{rng.choice(WORDS)}>" for _ in range(rng.randint(1, 4))),
                       "ViewCount": rng.randint(1, 5000), "AcceptedAnswerId": questions + i}
            else:
                yield {**common, "PostTypeId": 2, "ParentId": 1 + (i - questions - 1) % questions}

    write_file(folder / "Posts.xml", "posts", post_rows())
    write_file(folder / "Comments.xml", "comments", ({"Id": i, "PostId": i, "Text": sentence(rng, 4, 20),
                                                      "CreationDate": "2016-01-01T00:00:00.000",
                                                      "UserId": rng.randint(1, users)} for i in range(1, posts + 1)))

    def votes():
        for i in range(1, posts * 3 + 1):
            row = {"Id": i, "PostId": 1 + i % posts, "VoteTypeId": 2, "CreationDate": "2016-01-01T00:00:00.000"}
            yield {**row, "UserId": rng.randint(1, users)} if i % 3 == 0 else row

    write_file(folder / "Votes.xml", "votes", votes())
    write_file(folder / "PostLinks.xml", "postlinks", ({"Id": i, "PostId": i * 50, "RelatedPostId": i * 50 - 1,
                                                        "LinkTypeId": 3, "CreationDate": "2016-02-01T00:00:00.000"}
                                                       for i in range(1, questions // 50 + 1)))
    return folder


def _app(folder, postgres):
    """An app on a fresh database with the schema created."""
    from sqlalchemy import create_engine, text

    from app import create_app
    from app.config import testing_config
    from app.extensions import db

    url = f"sqlite:///{folder / 'bench.db'}"
    if postgres:
        admin = create_engine(postgres.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        name = f"peerdesk_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    app = create_app(testing_config(str(folder / "instance"), url, str(folder / "index")))
    with app.app_context():
        db.create_all()
    return app


def run_import(dump, workdir, postgres, trace, search):
    """(child) Import `dump` into a fresh database; print a JSON line of figures."""
    import tracemalloc

    from app.clock import utcnow
    from app.importer.stackexchange import StackExchangeImport

    app = _app(Path(workdir), postgres)
    with app.app_context():
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        report = StackExchangeImport(dump, search="auto" if search == "import" else "none", now=utcnow()).run()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        result = {"seconds": seconds, "peak": peak, "created": dict(report.created)}
        if search == "compare":
            from app.search import index_sync

            started = time.perf_counter()
            index_sync.catch_up(now=utcnow())
            result["catch_up"] = time.perf_counter() - started
            started = time.perf_counter()
            result["reindexed"] = index_sync.reindex()
            result["reindex"] = time.perf_counter() - started
    print(json.dumps(result))


def child(dump, postgres, trace=False, search="import"):
    with tempfile.TemporaryDirectory() as workdir:
        output = subprocess.run([sys.executable, __file__, "--child", str(dump), workdir, postgres or "",
                                 "trace" if trace else "", search], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--search-questions", type=int, default=10000)
    parser.add_argument("--postgres", help="a server URL; each run creates a database of its own there")
    args = parser.parse_args()
    engine = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory() as folder:
        print(f"Import on {engine}")
        print(f"{'posts':>8} {'dump MB':>8} {'seconds':>8} {'posts/s':>8} {'peak MB (tracemalloc)':>22}")
        # The peak is the import's own: the index update is left out of the traced run, as a full
        # rebuild sorts postings in memory (and in worker processes tracemalloc does not see).
        for posts in args.posts:
            dump = write_dump(Path(folder) / f"dump{posts}", posts)
            size = sum(f.stat().st_size for f in dump.iterdir()) / 1e6
            timed = child(dump, args.postgres)
            traced = child(dump, args.postgres, trace=True, search="none")
            print(f"{posts:>8,} {size:>8.1f} {timed['seconds']:>8.1f} {posts / timed['seconds']:>8.0f} "
                  f"{traced['peak'] / 1e6:>22.1f}")
        questions = args.search_questions
        dump = write_dump(Path(folder) / "search", questions * 2, questions=questions)
        figures = child(dump, args.postgres, search="compare")
        print(f"\nSearch index after importing {questions:,} questions ({questions:,} answers):")
        print(f"  catch_up (apply the change log): {figures['catch_up']:.1f} s")
        print(f"  reindex (rebuild from the database): {figures['reindex']:.1f} s ({figures['reindexed']:,} questions)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, dump, workdir, postgres, trace, search = sys.argv
        run_import(dump, workdir, postgres or None, trace == "trace", search)
    else:
        main()
