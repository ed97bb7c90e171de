"""Triage of a care item: its category and team, and a short reason staff read on the item.

The order is fixed: admins' keyword overrides, then the question's tags through the tag table,
then a topic classifier over the text, then the category's team. The classifier is a small head
(app/care/triage_model.npz, rebuilt by bench/build_triage_model.py from real labelled support
questions) over the product's optional MiniLM sentence embeddings; without the model it reads
the words instead (naive Bayes over the same data). bench/eval_triage.py measures both.

A problem report is a question, however politely or angrily it is put; a complaint is about how
the brand treated the customer (a wrong charge, a refund, nobody answering); a compliment has no
problem and no question in it.
"""
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from app.care import lexicon

MODEL_PATH = Path(__file__).with_name("triage_model.npz")
BODY_CHARACTERS = 600  # the text embedded: the title and the body's start, as search's question vectors
# Below this probability the classifier's reading is not used: the thread is a question, routed by its category.
MIN_CONFIDENCE = 0.5
LEXICAL_SCALE = 8  # the fallback's average log-likelihood per known word, weighed as about eight words
_WORD = re.compile(r"[a-z][a-z0-9']+")


@dataclass(frozen=True)
class Prediction:
    """The classifier's reading of one text: a category, a topic (routed like a tag), how sure, and how read."""

    category: str
    topic: str
    confidence: float
    method: str  # "minilm" or "lexical"


@dataclass(frozen=True)
class Triage:
    """The proposed category and team, the classifier's confidence (None when a rule decided) and why."""

    category: str
    team: str
    confidence: float | None
    why: str


@dataclass(frozen=True)
class Rules:
    """The settings triage reads, read once by the caller (a sweep reads them once per batch)."""

    teams: tuple
    category_teams: dict  # category -> team
    tag_teams: dict  # tag or classifier topic -> team
    overrides: tuple  # (phrase, category or None, team or None), in the admin's order
    compliment_sentiment: int = 2


def parse_overrides(lines, teams, categories):
    """Override lines `phrase=team` or `phrase=category:NAME` into (phrase, category, team); unknown targets drop."""
    parsed = []
    for line in lines:
        phrase, _, target = line.partition("=")
        phrase, target = phrase.strip(), target.strip()
        if not phrase or not target:
            continue
        if target.lower().startswith("category:"):
            category = target.split(":", 1)[1].strip().lower()
            if category in categories:
                parsed.append((phrase, category, None))
        elif target in teams:
            parsed.append((phrase, None, target))
    return tuple(parsed)


def parse_table(lines, teams):
    """`name=team` lines into {name: team} (names lower-case); lines naming an unknown team drop."""
    table = {}
    for line in lines:
        name, _, team = line.partition("=")
        if name.strip() and team.strip() in teams:
            table.setdefault(name.strip().lower(), team.strip())
    return table


def text_of(title, body_text):
    """The text the classifier reads: the title, then the start of the body (plain text)."""
    return f"{title}\n{(body_text or '')[:BODY_CHARACTERS]}"


def words(text):
    """The lexical fallback's tokens."""
    return _WORD.findall((text or "").lower().replace("\u2019", "'"))


# The model ----------------------------------------------------------------------------------


@functools.cache
def _model():
    """The shipped heads, once per process (None when the file is missing)."""
    import numpy

    if not MODEL_PATH.exists():
        return None
    with numpy.load(MODEL_PATH, allow_pickle=False) as data:
        model = {name: data[name] for name in data.files}
    model["meta"] = json.loads(str(model["meta"]))
    model["labels"] = [str(label) for label in model["labels"]]
    model["index"] = {str(word): i for i, word in enumerate(model["vocab"])}
    return model


def _encoder(model):
    """The sentence encoder the embedding head was trained on, or None (not installed, or another model)."""
    from app.search import embeddings

    encoder = embeddings.encoder()
    if encoder is None or model is None or encoder.name != model["meta"].get("encoder"):
        return None
    return encoder


def status():
    """Which classifier is on, for staff and operators."""
    model = _model()
    if model is None:
        return "off: app/care/triage_model.npz is missing (rebuild it with bench/build_triage_model.py)"
    if _encoder(model) is not None:
        return f"MiniLM sentence embeddings + logistic regression ({model['meta']['trained_on']})"
    from app.search import embeddings

    why = embeddings.unavailable_reason() or "the encoder differs from the one the head was trained on"
    return f"lexical fallback, naive Bayes over words ({why})"


def _softmax(scores):
    import numpy

    scores = scores - scores.max(axis=1, keepdims=True)
    odds = numpy.exp(scores)
    return odds / odds.sum(axis=1, keepdims=True)


def _lexical_scores(model, texts):
    """Naive Bayes over which known words a text has, averaged: a long text is not surer than a short one."""
    import numpy

    present = numpy.zeros((len(texts), len(model["vocab"])), dtype=numpy.float32)
    for row, text in enumerate(texts):
        for word in words(text):
            column = model["index"].get(word)
            if column is not None:
                present[row, column] = 1
    known = numpy.maximum(present.sum(axis=1, keepdims=True), 1)
    return (present @ model["word_log_probs"]) / known * LEXICAL_SCALE + model["class_log_prior"]


def predict(texts, vectors=None, method=None):
    """A Prediction per text (empty when there is no model). `vectors`: {position: unit vector} already known.

    `method` forces "minilm" or "lexical" (the benchmark compares both); by default the embedding
    head when its encoder is installed, else the words.
    """
    import numpy

    model = _model()
    if model is None or not texts:
        return [None] * len(texts)
    encoder = _encoder(model)
    method = method or ("minilm" if encoder is not None else "lexical")
    if method == "minilm" and encoder is None:
        raise RuntimeError("The sentence encoder is not installed.")
    if method == "minilm":
        vectors = dict(vectors or {})
        missing = [i for i in range(len(texts)) if i not in vectors]
        for i, vector in zip(missing, encoder.encode([texts[i] for i in missing]), strict=True):
            vectors[i] = vector
        matrix = numpy.stack([numpy.asarray(vectors[i], dtype=numpy.float32) for i in range(len(texts))])
        probabilities = _softmax(matrix @ model["weights"] + model["bias"])
    else:
        probabilities = _softmax(_lexical_scores(model, texts))
    predictions = []
    for row in probabilities:
        best = int(row.argmax())
        category, _, topic = model["labels"][best].partition("/")
        predictions.append(Prediction(category, topic, float(row[best]), method))
    return predictions


def predict_questions(questions):
    """{question id: Prediction} for loaded questions, reusing the vectors search stored for the same text."""
    import numpy
    from sqlalchemy import select

    from app.extensions import db
    from app.rendering import html_to_text
    from app.search import embeddings
    from app.search.vectors import QuestionVector

    questions = list(questions)
    texts = [text_of(q.title, html_to_text(q.body_html or "")) for q in questions]
    known = {}
    encoder = _encoder(_model())
    if encoder is not None and questions:
        # Search stores `title + body start` embedded by the same encoder after each commit (the
        # same text as text_of): reading it back saves the 25-45 ms of encoding it again.
        wanted = {q.id: (i, embeddings.text_hash(texts[i])) for i, q in enumerate(questions)}
        for row in db.session.execute(select(QuestionVector.question_id, QuestionVector.model,
                                             QuestionVector.text_hash, QuestionVector.vector)
                                      .where(QuestionVector.question_id.in_(list(wanted)))):
            position, digest = wanted[row.question_id]
            if row.model == encoder.name and row.text_hash == digest:
                known[position] = numpy.frombuffer(row.vector, dtype=numpy.float32)
    return dict(zip((q.id for q in questions), predict(texts, vectors=known), strict=True))


# Triage -------------------------------------------------------------------------------------


def _is_compliment(reading, text, rules, prediction):
    """Praise with no problem and no question in it: the lexicon reads praise only, and the classifier
    (when there is one) must be sure the text is neither a question nor a complaint."""
    if reading is None or reading.sentiment < rules.compliment_sentiment or reading.negative or "?" in text:
        return False
    return prediction is None or (prediction.category == "other" and prediction.confidence >= MIN_CONFIDENCE)


def needs_prediction(title, body, rules, reading=None):
    """False when an override or a complaint word decides the category: the classifier would not be read."""
    if reading is not None and reading.complaint_matches:
        return False
    text = f"{title}\n{body or ''}"
    return not any(category and lexicon.says_not_solved(text, [phrase]) for phrase, category, _ in rules.overrides)


def classify(title, body, tags, rules, reading=None, prediction=None):
    """The Triage of one question.

    `body` is the text the lexicon reads (override phrases are looked for in the title and body);
    `reading` the lexicon's reading of them, whose complaint words (admins edit them) act as
    overrides to the complaint category and whose sentiment tells a compliment; `prediction`
    the classifier's (None: no model).
    """
    text = f"{title}\n{body or ''}"
    category = category_why = team = team_why = None
    for phrase, to_category, to_team in rules.overrides:
        if lexicon.says_not_solved(text, [phrase]) is None:
            continue
        if to_category and category is None:
            category, category_why = to_category, f"override: '{phrase}' → {to_category}"
        if to_team and team is None:
            team, team_why = to_team, f"override: '{phrase}' → {to_team}"
    if category is None and reading is not None and reading.complaint_matches:
        phrase = reading.complaint_matches[0]
        category, category_why = "complaint", f"complaint word '{phrase}' → complaint"
    confident = prediction is not None and prediction.confidence >= MIN_CONFIDENCE
    classified = False
    if category is None and _is_compliment(reading, text, rules, prediction):
        category, category_why = "compliment", "praise with no problem and no question → compliment"
    elif category is None and confident:
        category, classified = prediction.category, True
        category_why = (f"classifier ({prediction.method}): {prediction.topic} {prediction.category} "
                        f"({prediction.confidence:.2f})")
    elif category is None:
        category = "question"
        category_why = ("no classifier: a question" if prediction is None else
                        f"classifier unsure ({prediction.confidence:.2f}): a question")
    if team is None:
        tag = next((t.lower() for t in tags or () if t.lower() in rules.tag_teams), None)
        if tag is not None:
            team, team_why = rules.tag_teams[tag], f"tag {tag} → {rules.tag_teams[tag]}"
        elif classified and prediction.topic in rules.tag_teams:
            team = rules.tag_teams[prediction.topic]
            team_why = f"topic {prediction.topic} → {team}"
    if team is None:
        team = rules.category_teams.get(category) or (rules.teams[0] if rules.teams else "customer care")
        team_why = f"{category} → {team}"
    return Triage(category, team, prediction.confidence if classified else None, f"{category_why}; {team_why}")
