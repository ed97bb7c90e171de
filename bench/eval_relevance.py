"""Relevance of suggestions: does the question being typed, or its real duplicate, show in the top five?

Run from the repository root (about a minute):

    .venv/bin/python bench/eval_relevance.py [--distractors 5000] [--seed 1]

The evaluation set is written by hand in bench/data/relevance_pairs.toml: pairs of questions
asking the same thing in different words, as members of a consumer-electronics brand's
community write them. Both halves of every pair are indexed through the app's own code
(models, build_document, reindex) among thousands of distractor questions on the same
products, then:

* half-typed: the first half of a title's words, the last one cut short -> is that question
  in the top five? (every pair question is a query)
* duplicates: the full title of one half -> is the other half in the top five, the question
  itself excluded? (both directions of every pair)

Scores are success@5 and MRR@5 (1/rank of the wanted question within the first five, else 0).
The pairs are split by a fixed shuffle into a tuning half, the only one looked at while
trying alternatives, and a held-out half that shows whether a change generalises.
"""
import argparse
import html
import math
import random
import shutil
import sys
import tempfile
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

import bench_search  # noqa: E402
from whoosh.qparser import MultifieldParser, OrGroup  # noqa: E402

from app.demo import content  # noqa: E402

SPLIT_SEED = 7  # fixed, so the tuning half stays the same whatever --seed says
TOP = 5

# The evaluation set, written by hand: [[pairs]] of title_a, body_a, title_b, body_b.
PAIRS_FILE = Path(__file__).resolve().parent / "data" / "relevance_pairs.toml"
PAIR_KEYS = ("title_a", "body_a", "title_b", "body_b")

# Distractors: questions on the same products, worded like the pairs, so that the words a
# pair shares are not enough on their own to find it. ---------------------------------------

DEVICES = ["Lumen Buds", "Buds Pro", "earbuds", "buds", "X200", "X200 speaker", "speaker", "S4", "S4 soundbar",
           "soundbar", "Lumen Hub", "hub", "charging dock", "Lumen app", "app", "Nova headphones", "headphones",
           "Pulse band", "fitness band", "subwoofer", "remote", "charging case", "smart plug", "motion sensor"]
SYMPTOMS = [
    "keeps disconnecting", "won't pair", "won't charge", "has no sound", "crackles at high volume", "won't update",
    "shows a red light", "blinks blue", "drains overnight", "is too quiet", "lost all its settings",
    "turns off by itself", "gets warm", "won't turn on", "is not detected", "has a delay with video",
    "sounds muffled", "hums when idle", "won't connect to Wi-Fi", "stutters", "skips tracks", "pauses randomly",
    "plays only on one side", "has a loose button", "doesn't show up in the app", "resets itself",
    "asks for a code", "beeps every minute", "won't stay paired", "drops calls", "has a scratched grille",
    "makes a clicking noise", "fails the firmware update", "shows the wrong battery level", "switches inputs",
    "won't reconnect after sleep", "lost its bass", "echoes on calls", "has a weak signal",
    "won't leave pairing mode", "is stuck on the logo", "rattles", "doesn't fit well", "hurts after an hour",
    "charges slowly", "won't hold a charge", "goes offline", "lags behind", "won't play from Spotify",
    "won't work with Alexa", "drops Wi-Fi at night", "has a broken hinge", "is not recognised by my laptop",
    "won't connect to the TV", "has a dead pixel on the display", "vibrates strangely", "is louder on the left",
]
CONTEXTS = ["after the latest update", "on my iPhone", "with my Android phone", "on Windows 11", "on my MacBook",
            "since yesterday", "in the car", "at the gym", "after a factory reset", "with the original cable",
            "when the TV is on", "only in the morning", "after a power cut", "on firmware 3.2", "in cold weather",
            "with two phones", "during video calls", "when I walk away", "since I moved", "after cleaning it"]
TITLE_TEMPLATES = ["My {device} {symptom} {context}", "{Device} {symptom} {context}", "Why does my {device} {symptom}?",
                   "Help: {device} {symptom}", "Is it normal that the {device} {symptom}?",
                   "{Device} {symptom}, any fix?", "Anyone else whose {device} {symptom} {context}?"]
BODY_SENTENCES = [
    "It worked fine until last week.", "I tried restarting it and resetting the network settings.",
    "Support told me to wait for the next update.", "This is already my second unit.",
    "I bought it three months ago from the official store.", "The app says everything is up to date.",
    "Other devices work fine on the same phone.", "I already tried another cable and another charger.",
    "It happens several times a day.", "Any idea what else to try?", "I use it mostly for podcasts and calls.",
    "The light on the front looks normal.", "A friend has the same model without this problem.",
    "I unpaired it, rebooted everything and paired again.", "Is this a hardware fault or a setting?",
    "The warranty is still valid if it comes to that.", "Happens at home and at the office.",
    "I am on the latest version of the app.", "Before that it was perfect for a year.",
]
ANSWER_SENTENCES = [
    "Hold the power button for ten seconds to restart it.", "Forget the device in your phone and pair again.",
    "Update the app first, then the firmware.", "Try a different USB-C cable rated for 3 A.",
    "Switch off battery optimisation for the Lumen app.", "Support replaced mine under warranty in a week.",
    "A factory reset fixed it for me.", "Check the firmware version under Device > About.",
    "Move the router away from the microwave.", "Turn off the power saving mode in the settings.",
    "This is a known issue and the next release fixes it.", "Clean the contacts with a dry cotton swab.",
    "Unplug it for a full minute, then plug it back in.", "Disable the other Bluetooth devices nearby.",
]


def load_pairs(path=PAIRS_FILE):
    """The hand-written pairs, in the file's order: [((title, body), (title, body)), ...]."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    if set(data) != {"pairs"}:
        raise ValueError(f"{path}: expected only [[pairs]] tables, found {', '.join(sorted(data)) or 'nothing'}")
    pairs = []
    for number, pair in enumerate(data["pairs"], 1):
        # A misspelt or missing key would otherwise drop a pair, or half of one, from the scores unnoticed.
        if sorted(pair) != sorted(PAIR_KEYS) or not all(isinstance(pair[key], str) and pair[key] for key in PAIR_KEYS):
            raise ValueError(f"{path}: pair {number} needs exactly {', '.join(PAIR_KEYS)}, each a non-empty string "
                             f"(it has {', '.join(pair)})")
        pairs.append(((pair["title_a"], pair["body_a"]), (pair["title_b"], pair["body_b"])))
    return pairs


def templated_question(rng):
    """A distractor on the brand's products: (title, body)."""
    device, symptom, context = rng.choice(DEVICES), rng.choice(SYMPTOMS), rng.choice(CONTEXTS)
    title = rng.choice(TITLE_TEMPLATES).format(device=device, Device=device[:1].upper() + device[1:],
                                               symptom=symptom, context=context)
    # As short as the pairs' bodies (one to three sentences): BM25 favours short fields, and
    # longer distractor bodies would hand the pairs an advantage that real questions lack.
    sentences = rng.sample(BODY_SENTENCES, rng.randint(0, 2))
    return title, f"My {device} {symptom} {context}. " + " ".join(sentences)


def build_questions(pairs, distractors, rng):
    """Every question to index, shuffled so ids carry no hint: (pair ids, [(id, title, body), ...])."""
    maker = bench_search.TextMaker(rng, *bench_search.build_vocabulary(rng))
    texts = [text for pair in pairs for text in pair]
    for number in range(distractors):
        if number % 2:
            texts.append(templated_question(rng))
        else:  # the benchmark's kind: Zipf text with some support vocabulary, bodies as short as the pairs'
            texts.append((maker.title(), maker.prose(15, 40, None, 0)))
    order = list(range(len(texts)))
    rng.shuffle(order)
    ids = {position: number + 1 for number, position in enumerate(order)}
    pair_ids = [(ids[2 * n], ids[2 * n + 1]) for n in range(len(pairs))]
    return pair_ids, sorted((ids[position], *text) for position, text in enumerate(texts))


def fill_database(questions, rng):
    """Insert members, questions and answers with bulk SQL, some answers accepted."""
    from sqlalchemy import bindparam, insert, update

    from app.extensions import db
    from app.models import Answer, Question, User

    start = datetime(2024, 1, 1)
    db.session.execute(insert(User.__table__), [
        {"id": n, "username": f"member{n}", "email": f"member{n}@example.com", "password_hash": "!eval",
         "role": "member", "reputation_points": 0, "session_version": 1, "created_at": start} for n in range(1, 51)])
    question_rows, answer_rows, accepted = [], [], []
    for qid, title, body in questions:
        created = start + timedelta(minutes=rng.randrange(500_000))
        answers = rng.randint(0, 3)
        question_rows.append({"id": qid, "author_id": rng.randint(1, 50), "title": title[:150], "body_source": body,
                              "body_html": f"<p>{html.escape(body)}</p>", "score": rng.randint(-1, 10),
                              "answer_count": answers, "view_count": 0, "created_at": created,
                              "last_activity_at": created})
        for _ in range(answers):
            text = " ".join(rng.sample(ANSWER_SENTENCES, rng.randint(2, 4)))
            answer_rows.append({"id": len(answer_rows) + 1, "question_id": qid, "author_id": rng.randint(1, 50),
                                "body_source": text, "body_html": f"<p>{html.escape(text)}</p>", "score": 0,
                                "created_at": created})
        if answers and rng.random() < 0.4:
            accepted.append({"qid": qid, "aid": len(answer_rows)})
    db.session.execute(insert(Question.__table__), question_rows)
    db.session.execute(insert(Answer.__table__), answer_rows)
    table = Question.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("qid"))
                       .values(accepted_answer_id=bindparam("aid")), accepted)
    db.session.commit()


def build_index(workdir, questions, rng):
    """A SQLite database and a Whoosh index filled through the app's own models and reindex()."""
    from app import create_app
    from app.config import testing_config
    from app.extensions import db
    from app.search import index_sync

    app = create_app(testing_config(str(workdir), f"sqlite:///{workdir / 'eval.db'}", str(workdir / "index")))
    with app.app_context():
        try:
            db.create_all()
            fill_database(questions, rng)
            index_sync.reindex()
        finally:
            db.session.remove()
            db.engine.dispose()
    from app.search.whoosh_index import SearchIndex

    return SearchIndex(workdir / "index")


# The tasks ---------------------------------------------------------------------------------


def half_typed(title, rng):
    """The first half of a title's words (at least two), the last one cut short."""
    words = title.split()[:max(2, math.ceil(len(title.split()) / 2))]
    last = words[-1].strip("?!.,:;\"'()")
    if len(last) > 2:
        last = last[:rng.randint(2, len(last) - 1)]
    return " ".join(words[:-1] + [last])


def tasks(pairs, pair_ids, seed):
    """{(task, half): [(query, exclude_id, wanted_id), ...]} for both tasks and both halves."""
    order = list(range(len(pairs)))
    random.Random(SPLIT_SEED).shuffle(order)
    halves = {"tuning": order[:len(order) // 2], "held-out": order[len(order) // 2:]}
    found = {}
    for half, members in halves.items():
        typed, duplicates = [], []
        for n in members:
            for side in (0, 1):
                title, qid, other = pairs[n][side][0], pair_ids[n][side], pair_ids[n][1 - side]
                typed.append((half_typed(title, random.Random(f"{seed}:{qid}")), None, qid))
                duplicates.append((title, qid, other))
        found[("half-typed", half)] = typed
        found[("duplicates", half)] = duplicates
    return found


def score(method, search_index, queries):
    """(success@5, MRR@5) of a method over (query, exclude_id, wanted_id) triples."""
    hits = reciprocal = 0.0
    for query, exclude_id, wanted in queries:
        ids = [i for i in method(search_index, query, exclude_id) if i != exclude_id][:TOP]
        if wanted in ids:
            hits += 1
            reciprocal += 1 / (ids.index(wanted) + 1)
    return hits / len(queries), reciprocal / len(queries)


# The methods: the app's suggest, the two baselines, and the alternatives tried. -------

# What people call this evaluation's products, and the demo community's vocabulary (the groups
# that were built in until real data showed they change nothing). In the app both are a
# deployment's setting (SEARCH_SYNONYMS); the product ships none.
PRODUCT_ALIASES = (
    "buds earbuds",
    "x200 speaker",
    "s4 soundbar",
    "hub lumen",
    "nova headphones",
    "pulse band tracker",
    "sub subwoofer",
    "dock cradle",
    *content.load().synonyms,
)


def app_suggest(groups=PRODUCT_ALIASES):
    """The app's own suggest(), as the endpoint calls it, with a deployment's synonym groups."""
    from app.search import whoosh_index

    return lambda search_index, text, exclude_id: whoosh_index.suggest(
        search_index, text, limit=TOP, exclude_id=exclude_id, synonym_groups=groups)[0]


def app_ranking(**options):
    """The app's ranking with one of its parts switched off, for the ablation rows."""
    from app.search import suggest, whoosh_index

    def run(search_index, text, exclude_id):
        reader = search_index.shared_searcher().reader()
        return suggest.rank(reader, whoosh_index._text, text, TOP, exclude_id, **options)

    return run


def _parsed(search_index, query_text, group=None):
    """Ids of a parsed title+body query, one more than needed so an excluded question can drop out."""
    from app.search.whoosh_index import SCHEMA

    parser = MultifieldParser(["title", "body"], SCHEMA, **({"group": group} if group else {}))
    with search_index.searcher() as searcher:
        # optimize=False: Whoosh 2.7's block-quality skipping can loop forever on OR queries
        # (whoosh-community/whoosh#446, #461); some titles of this set trigger it. Same ranking.
        return [int(hit["id"]) for hit in searcher.search(parser.parse(query_text), limit=TOP + 1, optimize=False)]


def plain_prefix(search_index, text, exclude_id):
    """Baseline: plain Whoosh title+body query, every word required, a prefix on the last one."""
    return _parsed(search_index, text.rstrip("?!.,:;\"'() ") + "*")


def plain_or(search_index, text, exclude_id):
    """Baseline: plain Whoosh title+body BM25 OR query."""
    return _parsed(search_index, text, OrGroup)


def previous_app_suggest(search_index, text, exclude_id):
    """The app's suggest() before this evaluation: a BM25F OR over title, body and accepted answer, plus a Prefix."""
    from whoosh.query import AndNot, Or, Prefix, Term
    from whoosh.scoring import BM25F

    from app.search.whoosh_index import _text

    words = [token.text for token in _text(text)]
    if not words:
        return []
    clauses = [Or([Term(field, word) for field in ("title", "body", "accepted_answer")]) for word in words]
    partial = text.split()[-1].lower() if not text[-1:].isspace() else ""
    if len(partial) >= 2 and partial.isalnum():
        clauses.append(Prefix("title", partial))
    query = AndNot(Or(clauses), Term("id", str(exclude_id))) if exclude_id is not None else Or(clauses)
    with search_index.searcher(weighting=BM25F()) as searcher:
        hits = searcher.search(query, limit=4 * TOP, optimize=False)[:]
        hits.sort(key=lambda hit: hit.score * (1.15 if hit["resolved"] else 1.0), reverse=True)
        return [int(hit["id"]) for hit in hits[:TOP]]


def whoosh_variant(fields=("title", "body", "accepted_answer"), scale=None, groups=()):
    """An alternative that stays a Whoosh query: the app's word handling, scored by Whoosh's BM25F."""
    from whoosh.query import AndNot, DisjunctionMax, Or, Term

    from app.search import suggest
    from app.search.whoosh_index import _synonyms, _text

    synonyms = _synonyms(tuple(groups)) if groups else {}

    def concept(word, field):
        return DisjunctionMax([Term(field, word)] + [Term(field, other, boost=suggest.SYNONYM_WEIGHT)
                                                     for other in sorted(synonyms.get(word, ()))])

    def run(search_index, text, exclude_id):
        words, partial = suggest.split_draft(_text, text)
        with search_index.searcher() as searcher:
            clauses = [Or([concept(word, field) for field in fields]) for word in words]
            if partial:
                completions = suggest._completions(searcher.reader(), _text, partial)
                clauses.append(DisjunctionMax([Term("title", term) for term in sorted(completions)]))
            query = Or(clauses, scale=scale)
            if exclude_id is not None:
                query = AndNot(query, Term("id", str(exclude_id)))
            hits = searcher.search(query, limit=4 * TOP, optimize=False)[:]
            hits.sort(key=lambda hit: hit.score * (suggest.RESOLVED_LIFT if hit["resolved"] else 1.0), reverse=True)
            return [int(hit["id"]) for hit in hits[:TOP]]

    return run


def methods():
    """(label, method) rows of the table; built late, after the app's modules can be imported."""
    from app.search.whoosh_index import _synonyms

    return [
        ("app suggest", app_suggest()),
        ("  without product aliases", app_suggest(groups=())),
        ("  without any synonyms", app_ranking(synonyms={})),
        ("  without the body", app_ranking(synonyms=_synonyms(PRODUCT_ALIASES), use_body=False)),
        ("baseline: plain prefix query", plain_prefix),
        ("baseline: plain title+body OR", plain_or),
        ("app suggest before (BM25F OR + Prefix)", previous_app_suggest),
        ("Whoosh query, completions limited", whoosh_variant()),
        ("  + coordination factor 0.9", whoosh_variant(scale=0.9)),
        ("  title only", whoosh_variant(fields=("title",))),
        ("  title and body, synonyms", whoosh_variant(fields=("title", "body"), groups=PRODUCT_ALIASES)),
    ]


def print_table(rows):
    """One line per method: success@5 and MRR@5 per task and half."""
    print(f"\n{'':<34} {'half-typed':^27}   {'duplicates':^27}")
    print(f"{'method':<34} {'tuning':^13} {'held-out':^13}   {'tuning':^13} {'held-out':^13}")
    print(f"{'':<34} " + "   ".join([" ".join(["S@5    MRR  "] * 2)] * 2))
    for label, figures in rows:
        cells = [f"{100 * s:4.0f}% {m:.3f}" for s, m in figures]
        print(f"{label:<34} {cells[0]:>13} {cells[1]:>13}   {cells[2]:>13} {cells[3]:>13}")


def main():
    """Build the evaluation index, score every method, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pairs = load_pairs()
    pair_ids, questions = build_questions(pairs, args.distractors, rng)
    queries = tasks(pairs, pair_ids, args.seed)
    print("# Peerdesk suggestion relevance")
    print(f"{len(pairs)} pairs ({len(queries[('duplicates', 'tuning')]) // 2} tuning, "
          f"{len(queries[('duplicates', 'held-out')]) // 2} held out) among {args.distractors} distractors; "
          f"{sum(len(q) for (task, _), q in queries.items() if task == 'half-typed')} half-typed queries, "
          f"{sum(len(q) for (task, _), q in queries.items() if task == 'duplicates')} duplicate queries", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="peerdesk-eval-"))
    try:
        search_index = build_index(workdir, questions, rng)
        rows = []
        for label, method in methods():
            rows.append((label, [score(method, search_index, queries[(task, half)])
                                 for task in ("half-typed", "duplicates") for half in ("tuning", "held-out")]))
        print_table(rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
