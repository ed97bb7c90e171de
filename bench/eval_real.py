"""Relevance of suggestions on real communities: Stack Exchange dumps imported through the product's own path.

Run from the repository root (a minute for the two communities in shared/):

    .venv/bin/python bench/eval_real.py [--dumps ../shared/testdata/stackexchange] [--only conlang]

For each dump folder (Posts.xml and friends, the public format) it makes a fresh SQLite
database and index, runs `flask db upgrade` and `flask import stackexchange DIR --search
reindex` in a subprocess (the command an operator runs), then asks each method in-process:

* half-typed: for every question, the first half of its title's words with the next word cut
  in half -> is that question (for a closed duplicate: its original) in the top five? (success@5, MRR@5)
* duplicates: for every duplicate link the import kept (a duplicate closed onto its original),
  the duplicate's full title -> is the original in the top five, the duplicate excluded?
  (recall@5, MRR@5)
* latency: p50 and p95 of one call, over the half-typed queries (in-process: the index and,
  for suggest, the database query for visible questions; HTTP adds about 2 ms, docs/benchmarks.md).

Methods: the product's suggest (app.search.queries.suggest: lexical and semantic rankings fused,
visible questions out, with answer excerpts), the same with the semantic half off, the lexical
ranking alone (the index part, for latency), that ranking with the demo's synonym groups (built
in until this evaluation), two plain Whoosh baselines (BM25F over titles with the last word a
prefix; BM25 over title and body, an OR of the words), and embedding-only rankings (cosine
similarity of title-and-body vectors): the product's model, and with `pip install wordllama`
(bench only) a static one. --tune adds the fusion's constants over a grid.

Every question is split by a fixed hash of its title into a tuning half and a held-out half;
tuning decisions look at the tuning half only, and the held-out half shows whether they generalise.
"""
import argparse
import hashlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import Or, Prefix, Term

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUMPS = REPO_ROOT.parent / "shared" / "testdata" / "stackexchange"
TOP = 5


def half_typed(title):
    """The first half of a title's words (at least one), then the next word cut in half: what is typed so far."""
    words = title.split()
    keep = max(1, len(words) // 2)
    typed = words[:keep]
    if keep < len(words):
        following = words[keep].strip("?!.,:;\"'()")
        if len(following) >= 2:
            typed.append(following[:math.ceil(len(following) / 2)])
    return " ".join(typed)


def split_of(title):
    """"tuning" or "held-out", fixed by the title's hash, so both halves stay the same from run to run."""
    return "tuning" if hashlib.sha256(title.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


def import_dump(dump, workdir, language):
    """Import a dump through `flask import stackexchange` into a fresh database and index; returns the env."""
    env = {**os.environ, "SEARCH_LANGUAGE": language, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "SEARCH_INDEX_DIR": str(workdir / "index"), "SECRET_KEY": "bench-only", "RATELIMIT_ENABLED": "false",
           "CARE_IN_APP_SWEEP": "false", "OUTBOX_IN_PROCESS": "false", "FLASK_APP": "wsgi"}
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*flask, "import", "stackexchange", str(dump), "--search", "reindex"], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True)
    return env, time.perf_counter() - started


def tasks():
    """({task: [(query, exclude_id, wanted_id, split)]}, {closed duplicate id: its original}) from the import."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Question
    from app.visibility import public

    rows = db.session.execute(select(Question.id, Question.title, Question.duplicate_of_id)
                              .where(public(Question)).order_by(Question.id)).all()
    originals = {row.id: row.duplicate_of_id for row in rows if row.duplicate_of_id}
    titles = {row.id: row.title for row in rows}
    # A closed duplicate is shown as its original (app.search.queries): typing its title is answered
    # by the original, so that is the question wanted.
    typed = [(half_typed(row.title), None, originals.get(row.id, row.id), split_of(row.title)) for row in rows]
    duplicates = [(row.title, row.id, row.duplicate_of_id, split_of(row.title)) for row in rows
                  if row.duplicate_of_id in titles]
    return {"half-typed": typed, "duplicates": duplicates}, originals


def product_suggest(text, exclude_id):
    """The product's suggest, as the ask page and the API call it."""
    from app.search import queries

    return [suggestion.question.id for suggestion in queries.suggest(text, limit=TOP, exclude_id=exclude_id)]


def suggest_ranking(text, exclude_id):
    """The product's lexical ranking alone (index ids, configured synonyms), without the database query."""
    from app import settings
    from app.search import whoosh_index
    from app.search.index_sync import app_index
    from app.search.queries import SYNONYMS

    return whoosh_index.suggest(app_index(), text, limit=TOP + 2, exclude_id=exclude_id,
                                synonym_groups=settings.get(SYNONYMS))[0]


def suggest_with_demo_synonyms(text, exclude_id):
    """The product's lexical ranking with the demo's synonym groups (built in until this evaluation)."""
    from app.demo import content
    from app.search import whoosh_index
    from app.search.index_sync import app_index

    return whoosh_index.suggest(app_index(), text, limit=TOP + 2, exclude_id=exclude_id,
                                synonym_groups=content.load().synonyms)[0]


def _search(query, exclude_id):
    from app.search.index_sync import app_index

    with app_index().searcher() as searcher:
        # optimize=False: Whoosh 2.7's block-quality skipping can loop on OR queries (whoosh#446).
        ids = [int(hit["id"]) for hit in searcher.search(query, limit=TOP + 3, optimize=False)]
    return [i for i in ids if i != exclude_id]


def title_prefix_bm25f(text, exclude_id):
    """Baseline: BM25F over titles, an OR of the typed words (analysed as indexed) and the last one as a prefix."""
    from app.search.index_sync import app_index

    words = text.split()
    if not words:
        return []
    complete, last = words[:-1], words[-1].lower().strip("?!.,:;\"'()")
    clauses = [Term("title", token.text) for token in app_index().analyzer(" ".join(complete))]
    if last:
        clauses.append(Prefix("title", last))
    return _search(Or(clauses), exclude_id) if clauses else []


def title_body_bm25(text, exclude_id):
    """Baseline: BM25 over title and body, an OR of the words."""
    from app.search.index_sync import app_index

    return _search(MultifieldParser(["title", "body"], app_index().schema, group=OrGroup).parse(text), exclude_id)


class EmbeddingOnly:
    """Baseline: cosine similarity of sentence embeddings of title and body, nothing else.

    Questions are embedded as the product embeds them (app.search.embeddings.question_text),
    once, when the first query comes.
    """

    def __init__(self, name, encode):
        self.name, self.encode = name, encode
        self.ids = self.matrix = None

    def _build(self):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Question
        from app.rendering import html_to_text
        from app.search.embeddings import question_text
        from app.visibility import public

        rows = db.session.execute(select(Question.id, Question.title, Question.body_html).where(public(Question))
                                  .order_by(Question.id)).all()
        self.ids = [row.id for row in rows]
        self.matrix = self.encode([question_text(row.title, html_to_text(row.body_html)) for row in rows])

    def __call__(self, text, exclude_id):
        import numpy

        if self.matrix is None:
            self._build()
        scores = self.matrix @ self.encode([text])[0]
        return [self.ids[i] for i in numpy.argsort(-scores)[:TOP + 3]]


def wordllama_encode():
    """WordLlama l2_supercat 256-d static embeddings (`pip install wordllama`, bench only), or None."""
    try:
        import numpy
        import wordllama
    except ImportError:
        return None
    # The weights and tokenizer are read from the package folder; disable_download: nothing is fetched.
    model = wordllama.WordLlama.load("l2_supercat", dim=256, cache_dir=Path(wordllama.__file__).parent,
                                     disable_download=True)

    def encode(texts):
        vectors = model.embed(list(texts))
        return vectors / numpy.maximum(numpy.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    return encode


def embedding_methods():
    """{name: method} for the embedding-only baselines whose models are installed."""
    from app.search import embeddings

    found = {}
    encoder = embeddings.encoder()
    if encoder is not None:
        found["embedding only (MiniLM-L6 int8)"] = EmbeddingOnly("minilm", encoder.encode)
    else:
        print(f"(MiniLM baseline skipped: {embeddings.unavailable_reason()})")
    static = wordllama_encode()
    if static is not None:
        found["embedding only (WordLlama 256)"] = EmbeddingOnly("wordllama", static)
    else:
        print("(WordLlama baseline skipped: `pip install wordllama` to include it)")
    return found


def suggest_lexical_only(text, exclude_id):
    """The product's suggest with the semantic half switched off (SEARCH_SEMANTIC=false)."""
    from flask import current_app

    current_app.config["SEARCH_SEMANTIC"] = False
    try:
        return product_suggest(text, exclude_id)
    finally:
        current_app.config["SEARCH_SEMANTIC"] = True


def hybrid_with(min_words, weight, k, floor):
    """The product's fusion with other constants, over its own lexical ranking (for --tune)."""
    def method(text, exclude_id):
        from app.search import semantic

        return semantic.hybrid(suggest_ranking_candidates(text, exclude_id), text, exclude_id=exclude_id,
                               min_words=min_words, weight=weight, k=k, min_similarity=floor)
    return method


def suggest_ranking_candidates(text, exclude_id):
    """The lexical candidates the product fuses (as many as it takes)."""
    from app import settings
    from app.search import whoosh_index
    from app.search.index_sync import app_index
    from app.search.queries import SYNONYMS

    return whoosh_index.suggest(app_index(), text, limit=TOP + 2, exclude_id=exclude_id,
                                synonym_groups=settings.get(SYNONYMS))[0]


METHODS = {
    "suggest (product)": product_suggest,
    "suggest, lexical only": suggest_lexical_only,
    "suggest, ranking only": suggest_ranking,
    "ranking + demo synonyms": suggest_with_demo_synonyms,
    "title-prefix BM25F": title_prefix_bm25f,
    "title+body BM25": title_body_bm25,
}


def shown(ids, exclude_id, originals):
    """The first five questions a page would show: closed duplicates as their originals, each once."""
    seen = []
    for question_id in ids:
        if question_id == exclude_id:
            continue
        question_id = originals.get(question_id, question_id)
        if question_id not in seen:
            seen.append(question_id)
    return seen[:TOP]


def score(method, queries, originals):
    """{split: (success@5, MRR@5, n)} and the latencies in ms of each call.

    Every method's ids are shown the way the product shows them (a closed duplicate as its
    original), so the rankings are compared, not the display.
    """
    results, latencies = {}, []
    for query, exclude_id, wanted, split in queries:
        started = time.perf_counter()
        found = method(query, exclude_id)
        latencies.append((time.perf_counter() - started) * 1000)
        ids = shown(found, exclude_id, originals)
        rank = ids.index(wanted) + 1 if wanted in ids else None
        for key in (split, "all"):
            hits, reciprocal, count = results.get(key, (0, 0.0, 0))
            results[key] = (hits + (rank is not None), reciprocal + (1 / rank if rank else 0.0), count + 1)
    return {key: (hits / count, reciprocal / count, count) for key, (hits, reciprocal, count) in results.items()}, \
        latencies


def percentile(values, fraction):
    """The value below which `fraction` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def evaluate(dump, tune=False, language="en"):
    """Import one dump and print the table of every method on both tasks."""
    from app import create_app
    from app.extensions import db

    with tempfile.TemporaryDirectory(prefix="peerdesk-eval-real-") as folder:
        env, import_seconds = import_dump(dump, Path(folder), language)
        os.environ.update({key: env[key] for key in ("DATABASE_URL", "SEARCH_INDEX_DIR", "SECRET_KEY",
                                                     "SEARCH_LANGUAGE", "RATELIMIT_ENABLED", "CARE_IN_APP_SWEEP",
                                                     "OUTBOX_IN_PROCESS")})

        app = create_app()
        with app.app_context(), app.test_request_context():
            found, originals = tasks()
            print(f"\n== {dump.name}: {len(found['half-typed'])} questions, {len(found['duplicates'])} duplicate "
                  f"links (import and index: {import_seconds:.1f} s)")
            print(f"{'method':34} {'half-typed s@5':>15} {'MRR':>6} {'duplicates r@5':>15} {'MRR':>6}"
                  f" {'p50 ms':>7} {'p95 ms':>7}   tuning / held-out s@5 ; r@5")
            methods = {**METHODS, **embedding_methods()}
            if tune:
                methods.update({f"tune: words>={w} w={x} k={k} floor={f}": hybrid_with(w, x, k, f)
                                for w in (3, 4, 5) for x in (0.5, 1.0, 2.0) for k in (5, 20)
                                for f in (0.0, 0.3, 0.4, 0.5)})
            for name, method in methods.items():
                for text, exclude_id, _, _ in found["half-typed"][:20]:
                    method(text, exclude_id)  # warm the searcher and caches
                typed, latencies = score(method, found["half-typed"], originals)
                duplicates, _ = score(method, found["duplicates"], originals) if found["duplicates"] else ({}, [])
                dup_all = duplicates.get("all", (float("nan"), float("nan"), 0))
                halves = " / ".join(f"{typed.get(h, (float('nan'),))[0]:.3f}" for h in ("tuning", "held-out"))
                dup_halves = " / ".join(f"{duplicates[h][0]:.2f}" if h in duplicates else "-"
                                        for h in ("tuning", "held-out"))
                print(f"{name:34} {typed['all'][0]:>15.3f} {typed['all'][1]:>6.3f} {dup_all[0]:>15.3f} "
                      f"{dup_all[1]:>6.3f} {statistics.median(latencies):>7.2f} {percentile(latencies, 0.95):>7.2f}"
                      f"   {halves} ; {dup_halves}")
            db.session.remove()
            db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=Path, default=DEFAULT_DUMPS, help="A folder of dump folders.")
    parser.add_argument("--only", nargs="*", help="Names of the dump folders to evaluate (default: all).")
    parser.add_argument("--language", default="en", help="The dumps' content language (SEARCH_LANGUAGE).")
    parser.add_argument("--tune", action="store_true", help="Also the fusion constants over a grid.")
    args = parser.parse_args()
    dumps = sorted(path for path in args.dumps.iterdir() if (path / "Posts.xml").exists())
    if args.only:
        dumps = [path for path in dumps if path.name in args.only]
    if not dumps:
        raise SystemExit(f"No dump folders with a Posts.xml in {args.dumps}.")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; top {TOP}")
    for dump in dumps:
        evaluate(dump, args.tune, args.language)


if __name__ == "__main__":
    main()
