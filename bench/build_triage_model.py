"""Rebuild app/care/triage_model.npz, the care queue's topic classifier, from the labelled data in tests/data/triage/.

Run from the repository root (about a minute, most of it embedding the texts):

    .venv/bin/python bench/build_triage_model.py              # train on the training split, write the model
    .venv/bin/python bench/build_triage_model.py --extract ../shared/testdata/stackexchange
                                                              # first re-extract the Stack Exchange questions

The data (tests/data/triage/README.md says where it comes from and under which licence):

* stackexchange_meta.csv: every question of two real Stack Exchange meta communities with the
  community's own required tag: bug and support are questions to technical support (a problem
  with the product, or how to use it), feature-request and discussion are "other" (topic
  community: no team of its own, the category routes it).
* banking77_sample.csv: real customer-service queries of an online bank (BANKING77), the first
  12 of each of 21 intents of its test set, the intent mapped to ours in INTENTS below: the
  card, app, PIN and sign-in problems are technical questions, account and order matters are
  account questions, being charged wrongly or wanting money back are billing complaints.

Labels come from the sources' own tags and intents through these tables, never from our words.
Every example is split by a fixed hash of its text: a third held out (bench/eval_triage.py
measures on it), two thirds to train. The shipped model is trained on the training part only.

The heads: a class-balanced logistic regression over the MiniLM sentence vectors (numpy
gradient descent), and for machines without the model a naive Bayes over words.
"""
import argparse
import csv
import hashlib
import json
import re
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - the public dump we ship, not untrusted input
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "triage"
STACKEXCHANGE = DATA / "stackexchange_meta.csv"
BANKING = DATA / "banking77_sample.csv"
SITES = ("bicycles-meta", "conlang")

# A meta site's required tags: each question carries one (precedence when it carries several).
META_TAGS = {
    "bug": ("question", "technical"),
    "support": ("question", "technical"),
    "feature-request": ("other", "community"),
    "discussion": ("other", "community"),
}
INTENTS = {
    **dict.fromkeys(("card_linking", "card_not_working", "pin_blocked", "contactless_not_working",
                     "automatic_top_up", "unable_to_verify_identity", "passcode_forgotten",
                     "declined_card_payment"), ("question", "technical")),
    **dict.fromkeys(("card_arrival", "lost_or_stolen_card", "age_limit", "cancel_transfer",
                     "transfer_not_received_by_recipient", "edit_personal_details"), ("question", "account")),
    **dict.fromkeys(("card_payment_wrong_exchange_rate", "extra_charge_on_statement", "wrong_amount_of_cash_received",
                     "card_payment_fee_charged", "request_refund", "Refund_not_showing_up"), ("complaint", "billing")),
}
HELD_OUT = 3  # one example in HELD_OUT, by hash


def split_of(source, text):
    digest = hashlib.sha1(f"{source}:{text}".encode(), usedforsecurity=False).hexdigest()
    return "held_out" if int(digest[:8], 16) % HELD_OUT == 0 else "train"


def extract_stackexchange(dumps):
    """Every question of the meta dumps with its required tag, into STACKEXCHANGE (600 characters of body)."""
    from app.care.triage import BODY_CHARACTERS
    from app.rendering import html_to_text

    rows = []
    for site in SITES:
        for post in ET.parse(Path(dumps) / site / "Posts.xml").getroot():  # noqa: S314 - see the import
            if post.get("PostTypeId") != "1":
                continue
            tags = [a or b for a, b in re.findall(r"<([^>]+)>|\|([^|]+)", post.get("Tags", ""))]
            label = next((tag for tag in META_TAGS if tag in tags), None)
            if label is None:
                continue
            body = html_to_text(post.get("Body", ""))[:BODY_CHARACTERS]
            rows.append({"site": site, "id": post.get("Id"), "title": post.get("Title", ""), "body": body,
                         "tags": " ".join(tags), "label": label})
    DATA.mkdir(parents=True, exist_ok=True)
    with STACKEXCHANGE.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["site", "id", "title", "body", "tags", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def examples():
    """Every labelled example: source, text, the source's label, our category and topic, and its split."""
    from app.care.triage import text_of

    rows = []
    with STACKEXCHANGE.open(encoding="utf-8") as data:
        for row in csv.DictReader(data):
            category, topic = META_TAGS[row["label"]]
            text = text_of(row["title"], row["body"])
            rows.append({"source": f"stackexchange:{row['site']}", "text": text, "title": row["title"],
                         "body": row["body"], "label": row["label"], "category": category, "topic": topic,
                         "split": split_of("stackexchange", text)})
    with BANKING.open(encoding="utf-8") as data:
        for row in csv.DictReader(data):
            category, topic = INTENTS[row["category"]]
            text = text_of(row["text"], "")
            rows.append({"source": "banking77", "text": text, "title": row["text"], "body": "",
                         "label": row["category"], "category": category, "topic": topic,
                         "split": split_of("banking77", text)})
    return rows


def label_of(row):
    return f"{row['category']}/{row['topic']}"


def _balanced_weights(targets, classes):
    import numpy

    counts = numpy.bincount(targets, minlength=classes).astype(numpy.float64)
    return (len(targets) / (classes * numpy.maximum(counts, 1)))[targets]


def train_logistic(vectors, targets, classes, l2=1e-3, steps=3000, rate=2.0):
    """Class-balanced softmax regression by full-batch gradient descent: (weights, bias)."""
    import numpy

    x = numpy.asarray(vectors, dtype=numpy.float64)
    onehot = numpy.eye(classes)[targets]
    weight = _balanced_weights(targets, classes)[:, None]
    weight = weight / weight.sum()
    w = numpy.zeros((x.shape[1], classes))
    b = numpy.zeros(classes)
    for _ in range(steps):
        scores = x @ w + b
        scores -= scores.max(axis=1, keepdims=True)
        p = numpy.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        gradient = weight * (p - onehot)
        w -= rate * (x.T @ gradient + l2 * w)
        b -= rate * gradient.sum(axis=0)
    return w.astype(numpy.float32), b.astype(numpy.float32)


def train_bayes(texts, targets, classes, min_count=2):
    """Multinomial naive Bayes with Laplace smoothing and even class priors: (vocab, log probs, log prior)."""
    import numpy

    from app.care.triage import words

    tokenised = [words(text) for text in texts]
    frequency = {}
    for tokens in tokenised:
        for token in tokens:
            frequency[token] = frequency.get(token, 0) + 1
    vocab = sorted(word for word, count in frequency.items() if count >= min_count)
    index = {word: i for i, word in enumerate(vocab)}
    counts = numpy.ones((len(vocab), classes))
    for tokens, target in zip(tokenised, targets, strict=True):
        for token in tokens:
            if token in index:
                counts[index[token], target] += 1
    log_probs = numpy.log(counts / counts.sum(axis=0, keepdims=True))
    prior = numpy.full(classes, -numpy.log(classes))
    return numpy.array(vocab), log_probs.astype(numpy.float32), prior.astype(numpy.float32)


def build(rows, path):
    """Train both heads on the rows and write the model file; returns its metadata."""
    import numpy

    from app.search import embeddings

    encoder = embeddings.encoder()
    if encoder is None:
        raise SystemExit(f"The sentence encoder is needed to train: {embeddings.unavailable_reason()}")
    labels = sorted({label_of(row) for row in rows})
    targets = numpy.array([labels.index(label_of(row)) for row in rows])
    texts = [row["text"] for row in rows]
    weights, bias = train_logistic(encoder.encode(texts), targets, len(labels))
    vocab, log_probs, prior = train_bayes(texts, targets, len(labels))
    counts = {label: int((targets == i).sum()) for i, label in enumerate(labels)}
    meta = {"encoder": encoder.name, "labels": labels, "train_counts": counts,
            "trained_on": f"{len(rows)} labelled support questions (Stack Exchange meta, BANKING77 sample)",
            "split": f"sha1(source:text) % {HELD_OUT} != 0"}
    numpy.savez_compressed(path, labels=numpy.array(labels), weights=weights, bias=bias, vocab=vocab,
                           word_log_probs=log_probs, class_log_prior=prior, meta=numpy.array(json.dumps(meta)))
    return meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extract", metavar="DUMPS", help="re-extract the Stack Exchange questions from DUMPS first")
    parser.add_argument("--out", default=str(ROOT / "app" / "care" / "triage_model.npz"))
    args = parser.parse_args()
    if args.extract:
        print(f"{extract_stackexchange(args.extract)} Stack Exchange questions extracted")
    rows = [row for row in examples() if row["split"] == "train"]
    meta = build(rows, args.out)
    print(f"wrote {args.out}: {meta['trained_on']}; {meta['train_counts']}")


if __name__ == "__main__":
    main()
