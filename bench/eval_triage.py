"""Precision and recall of care triage on held-out real support questions: the old keyword rules against the classifier.

Run from the repository root (half a minute):

    .venv/bin/python bench/eval_triage.py

The data and its labels are bench/build_triage_model.py's (tests/data/triage/README.md: real
Stack Exchange meta questions with their community's required tag, and a sample of BANKING77's
real bank customer queries with their intent); this measures on the third of it the shipped
model never saw. Gold teams follow the default settings: technical questions to technical
support, account questions, billing complaints and "other" to customer care.

Methods:

* keywords: what triage was before issue 14 (rules.propose_category on the lexicon's reading,
  then the category's team);
* classifier (minilm), classifier (lexical): the model's reading alone, category and topic
  routed through the default tag table;
* product (minilm), product (lexical): care.triage.classify with the default settings (complaint
  words as overrides, the question's tags, then the classifier), what enqueue does.

Compliments have no label in either source, so their row shows how often each method proposes
one (every such proposal is wrong on this data).
"""
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import build_triage_model as data  # noqa: E402

CATEGORIES = ("question", "complaint", "compliment", "other")
GOLD_TEAM = {"technical": "technical support", "account": "customer care", "billing": "customer care",
             "community": "customer care"}
ISSUE_EXAMPLES = [
    ("Aurora keeps dropping off Wi-Fi every few hours",
     "Bought my Aurora in May and it was great until recently. My Aurora disconnects from Wi-Fi several times a day. "
     "The app shows it as Offline, and it comes back by itself after a while or after I unplug it. Every other "
     "device in the house is fine. The router is a mesh system with one network name for 2.4 and 5 GHz. Firmware "
     "2.1. Thanks in advance!", ["wifi"], "question", "technical support"),
    ("Speaker disconnects from Wi-Fi", "It was great until recently. Thanks in advance!", [], "question",
     "technical support"),
    ("Charged twice for my order", "", [], "complaint", "customer care"),
    ("App crashes", "", [], "question", "technical support"),
]


def _defaults():
    from app import settings
    from app.care import options, rules, triage
    from app.care.models import CATEGORIES as KNOWN

    default = {name: settings.DEFINITIONS[name].default for name in settings.DEFINITIONS}
    teams = tuple(default[options.TEAMS])
    category_teams = triage.parse_table(default[options.ROUTING], teams)
    limits = rules.Thresholds(
        complaint_sentiment=default[options.COMPLAINT_SENTIMENT],
        compliment_sentiment=default[options.COMPLIMENT_SENTIMENT],
        complaint_words=tuple(default[options.COMPLAINT_WORDS]), negative_words=tuple(default[options.NEGATIVE_WORDS]),
        positive_words=tuple(default[options.POSITIVE_WORDS]))
    triage_rules = triage.Rules(teams=teams, category_teams=category_teams,
                                tag_teams=triage.parse_table(default[options.TAG_ROUTING], teams),
                                overrides=triage.parse_overrides(default[options.TRIAGE_OVERRIDES], teams, KNOWN),
                                compliment_sentiment=default[options.COMPLIMENT_SENTIMENT])
    return limits, triage_rules


def _keywords(title, body, limits, triage_rules):
    from app.care import rules

    text = f"{title}\n{body}"
    category = rules.propose_category(rules.read_text(text, limits), limits, text)
    return category, triage_rules.category_teams[category]


def _classifier_only(prediction, triage_rules):
    from app.care import triage

    if prediction.confidence < triage.MIN_CONFIDENCE:
        return "question", triage_rules.category_teams["question"]
    team = triage_rules.tag_teams.get(prediction.topic) or triage_rules.category_teams[prediction.category]
    return prediction.category, team


def _product(title, body, tags, prediction, limits, triage_rules):
    from app.care import rules, triage

    reading = rules.read_text(f"{title}\n{body}", limits)
    result = triage.classify(title, body, tags, triage_rules, reading=reading, prediction=prediction)
    return result.category, result.team


def _table(gold, proposed, names):
    """Rows of (name, support, proposed, precision, recall)."""
    rows = []
    for name in names:
        support = sum(1 for g in gold if g == name)
        chosen = sum(1 for p in proposed if p == name)
        hits = sum(1 for g, p in zip(gold, proposed, strict=True) if g == p == name)
        rows.append((name, support, chosen, hits / chosen if chosen else None, hits / support if support else None))
    return rows


def _pct(value):
    return "–" if value is None else f"{value:.0%}"


def main():
    from app.care import triage
    from app.search import embeddings

    rows = [row for row in data.examples() if row["split"] == "held_out"]
    limits, triage_rules = _defaults()
    tags = [[t for t in row.get("tags", "").split() if t not in data.META_TAGS] for row in rows]
    texts = [row["text"] for row in rows]
    methods = {"keywords": [_keywords(r["title"], r["body"], limits, triage_rules) for r in rows]}
    timings = {}
    for method in ("minilm", "lexical"):
        if method == "minilm" and embeddings.encoder() is None:
            print(f"(no sentence encoder: {embeddings.unavailable_reason()})")
            continue
        predictions = triage.predict(texts, method=method)
        methods[f"classifier ({method})"] = [_classifier_only(p, triage_rules) for p in predictions]
        methods[f"product ({method})"] = [_product(r["title"], r["body"], t, p, limits, triage_rules)
                                          for r, t, p in zip(rows, tags, predictions, strict=True)]
        spent = []
        for text in texts[:60]:
            started = time.perf_counter()
            triage.predict([text], method=method)
            spent.append((time.perf_counter() - started) * 1000)
        timings[method] = statistics.median(spent)
    gold_categories = [row["category"] for row in rows]
    gold_teams = [GOLD_TEAM[row["topic"]] for row in rows]
    sources = {}
    for row in rows:
        sources[row["source"]] = sources.get(row["source"], 0) + 1
    print(f"held-out examples: {len(rows)} ({', '.join(f'{k} {v}' for k, v in sorted(sources.items()))}); "
          f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"classifier on this machine: {triage.status()}\n")
    for subset, keep in (("all held-out examples", lambda r: True),
                         ("Stack Exchange only", lambda r: r["source"].startswith("stackexchange")),
                         ("BANKING77 only", lambda r: r["source"] == "banking77")):
        chosen = [i for i, row in enumerate(rows) if keep(row)]
        gold = [gold_categories[i] for i in chosen]
        print(f"Category, {subset} (support: " + ", ".join(
            f"{n} {s}" for n, s, *_ in _table(gold, gold, CATEGORIES)) + ")\n")
        print("| method | " + " | ".join(f"{c} P / R" for c in CATEGORIES) + " | accuracy |")
        print("| --- " * (len(CATEGORIES) + 2) + "|")
        for name, proposed in methods.items():
            categories = [proposed[i][0] for i in chosen]
            cells = [f"{_pct(p)} / {_pct(r)}" if s else f"{c} proposed" for _, s, c, p, r in
                     _table(gold, categories, CATEGORIES)]
            accuracy = sum(g == p for g, p in zip(gold, categories, strict=True)) / len(chosen)
            print(f"| {name} | " + " | ".join(cells) + f" | {accuracy:.0%} |")
        print()
    teams = ("technical support", "customer care", "marketing")
    support = ", ".join(f"{n} {s}" for n, s, *_ in _table(gold_teams, gold_teams, teams))
    print(f"Team, all held-out examples (support: {support})\n")
    print("| method | " + " | ".join(f"{t} P / R" for t in teams) + " | accuracy |")
    print("| --- " * (len(teams) + 2) + "|")
    for name, proposed in methods.items():
        routed = [p[1] for p in proposed]
        cells = [f"{_pct(p)} / {_pct(r)}" if s else f"{c} sent" for _, s, c, p, r in _table(gold_teams, routed, teams)]
        accuracy = sum(g == p for g, p in zip(gold_teams, routed, strict=True)) / len(rows)
        print(f"| {name} | " + " | ".join(cells) + f" | {accuracy:.0%} |")
    print("\nThe issue's misrouted threads (expected category, team):\n")
    for title, body, example_tags, category, team in ISSUE_EXAMPLES:
        results = {"keywords": _keywords(title, body, limits, triage_rules)}
        for method in ("minilm", "lexical"):
            if f"product ({method})" in methods:
                prediction = triage.predict([triage.text_of(title, body)], method=method)[0]
                results[f"product ({method})"] = _product(title, body, example_tags, prediction, limits,
                                                          triage_rules)
        cells = "; ".join(f"{name}: {c}, {t}{'' if (c, t) == (category, team) else ' ✗'}"
                          for name, (c, t) in results.items())
        print(f"- {title!r} ({category}, {team}): {cells}")
    print("\nOne text's classifier reading (median, ms): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()
