"""Keeping the index in step with the database through the search change log."""
import hashlib
import os
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Answer, Question, SearchChange
from app.rendering import html_to_text
from app.search import embeddings, vectors
from app.search.whoosh_index import SearchIndex
from app.visibility import is_public, public

BATCH_SIZE = 500
MANY_QUESTIONS = 5000  # from here, a full rebuild uses a process per core: startup costs less than it saves
# Per process, in Whoosh's accounting. Rebuilding 100,000 questions in 2 processes peaked at 2.6 GB
# of real memory in each (docs/benchmarks.md); less memory means postings sorted on disk, more CPU.
REBUILD_MEMORY_MB = 2048
# A hole in the log is a transaction that took an id and has not committed yet (PostgreSQL
# hands out ids before commit) or that rolled back. Wait this long before deciding it never will.
GAP_GRACE = timedelta(seconds=60)


def record_change(question_id):
    """Log that a question's searchable content changed, in the caller's transaction."""
    db.session.add(SearchChange(question_id=question_id))
    db.session.info["search_changed"] = True


def app_index():
    """The app's index, opened once per process."""
    extensions = current_app.extensions
    if "peerdesk_search_index" not in extensions:
        extensions["peerdesk_search_index"] = SearchIndex(current_app.config["SEARCH_INDEX_DIR"],
                                                          current_app.config["SEARCH_LANGUAGE"])
    return extensions["peerdesk_search_index"]


def is_searchable(question):
    """Whether a question belongs in the index at all: not deleted, not hidden or held for review."""
    return is_public(question)


def build_document(question, answers):
    """The index document of a question: plain text from its sanitized HTML, and what ranking needs."""
    accepted = [a for a in answers if a.id == question.accepted_answer_id]
    others = [a for a in answers if a.id != question.accepted_answer_id]
    document = {
        "title": question.title,
        "body": html_to_text(question.body_html),
        "accepted_answer": " ".join(html_to_text(a.body_html) for a in accepted),
        "answers": " ".join(html_to_text(a.body_html) for a in others),
        "tags": " ".join(tag.name for tag in question.tags),
        "score": question.score,
        "answer_count": question.answer_count,
        "resolved": question.accepted_answer_id is not None,
        "created_at": question.created_at,
    }
    fingerprint = hashlib.sha1(repr(sorted(document.items())).encode(), usedforsecurity=False).hexdigest()
    return {**document, "fingerprint": fingerprint}


def _load(question_ids):
    """Questions with their tags and visible answers, in three queries."""
    questions = db.session.scalars(
        select(Question).where(Question.id.in_(question_ids)).options(selectinload(Question.tags))
    ).all()
    answers = {}
    for answer in db.session.scalars(select(Answer).where(Answer.question_id.in_(question_ids),
                                                           public(Answer))
                                     .order_by(Answer.id)):
        answers.setdefault(answer.question_id, []).append(answer)
    return [(question, answers.get(question.id, [])) for question in questions]


def _apply(writer, question_ids, fresh=False):
    """Write the current state of these questions into the index (`fresh`: it holds none of them).

    Their vectors are brought up to date (and committed) before the index commits, so that a
    question the index holds has its vector whenever the model is there.
    """
    found, texts = set(), {}
    for question, answers in _load(question_ids):
        found.add(question.id)
        if is_searchable(question):
            document = build_document(question, answers)
            (writer.add if fresh else writer.put)(question.id, document)
            texts[question.id] = embeddings.question_text(question.title, document["body"])
        elif not fresh:
            writer.remove(question.id)
    if not fresh:
        for missing in set(question_ids) - found:
            writer.remove(missing)
    encoder = semantic_encoder()
    if encoder is not None and vectors.store(encoder, texts):
        db.session.commit()


def semantic_encoder():
    """The sentence-embedding model, unless it is missing, switched off or not for the community's language."""
    return semantic_status()[0]


def semantic_status():
    """(the encoder in use or None, a sentence that says which model or why none)."""
    config = current_app.config
    if not config["SEARCH_SEMANTIC"]:
        return None, "switched off (SEARCH_SEMANTIC=false): suggestions are lexical only"
    if config["SEARCH_LANGUAGE"] not in embeddings.LANGUAGES:
        return None, (f"off: the model reads {', '.join(embeddings.LANGUAGES)} only and SEARCH_LANGUAGE is "
                      f"{config['SEARCH_LANGUAGE']}: suggestions are lexical only")
    encoder = embeddings.encoder()
    if encoder is None:
        return None, f"unavailable, {embeddings.unavailable_reason()}: suggestions are lexical only"
    return encoder, f"on, model {encoder.name}"


def _advance(cursor, rows, now):
    """The new cursor: past every row, but not past a hole that may still fill.

    A new index (cursor 0) has no place yet, so whatever precedes the first row is not a hole.
    """
    for change_id, created_at in rows:
        if cursor and change_id != cursor + 1 and now - created_at < GAP_GRACE:
            break
        cursor = change_id
    return cursor


def index_lag(now, index=None):
    """(changes logged but not yet in this host's index, seconds since the oldest of them was logged), at `now`."""
    cursor = (index or app_index()).cursor()
    pending, oldest = db.session.execute(
        select(func.count(), func.min(SearchChange.created_at)).where(SearchChange.id > cursor)).one()
    db.session.rollback()
    return int(pending or 0), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def catch_up(index=None, *, now):
    """Apply every committed change not yet in the index; returns how many log rows were read.

    Holds Whoosh's writer lock, so one process applies at a time; the others wait (bounded)
    and then find little left to do. Re-applying a change is harmless, so a crash at any
    point loses nothing: the cursor only moves in the same commit as the documents.
    """
    index = index or app_index()
    read = 0
    while True:
        with index.writer() as writer:
            cursor = writer.cursor()
            rows = db.session.execute(
                select(SearchChange.id, SearchChange.question_id, SearchChange.created_at)
                .where(SearchChange.id > cursor).order_by(SearchChange.id).limit(BATCH_SIZE)
            ).all()
            db.session.rollback()  # release the read snapshot before the next batch
            if not rows:
                return read
            _apply(writer, sorted({question_id for _, question_id, _ in rows}))
            new_cursor = _advance(cursor, [(change_id, created) for change_id, _, created in rows], now)
            writer.set_cursor(new_cursor)
        read += len(rows)
        if new_cursor == cursor or len(rows) < BATCH_SIZE:
            return read


def reindex(index=None, progress=None, processes=None, recreate=False):
    """Rebuild the whole index from the database; returns the number of questions indexed.

    Large rebuilds analyse documents in one process per core (at most 4); `processes` overrides.
    `recreate` starts from an empty index (its folder was deleted). Throughout, the host's searches
    and suggestions come from the database (app/search/fallback.py).
    """
    index = index or app_index()
    with index.rebuilding():
        return _rebuild(index, progress, processes, recreate)


def _rebuild(index, progress, processes, recreate):
    visible = public(Question)
    if processes is None:
        large = (db.session.scalar(select(func.count()).select_from(Question).where(visible)) or 0) >= MANY_QUESTIONS
        processes = min(4, len(os.sched_getaffinity(0))) if large else 1
        db.session.rollback()
    if recreate or index.needs_rebuild():
        index.recreate()  # the language or the analysis changed: the analyzer is part of the schema
    with index.writer(processes=processes, memory_mb=REBUILD_MEMORY_MB) as writer:
        # Changes logged from here on are applied later; applying one twice is harmless.
        last_change = db.session.scalar(select(func.max(SearchChange.id))) or 0
        writer.clear()
        ids = db.session.scalars(select(Question.id).where(visible).order_by(Question.id)).all()
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start:start + BATCH_SIZE]
            _apply(writer, batch, fresh=True)
            db.session.expire_all()
            if progress:
                progress(len(batch))
        writer.set_cursor(last_change)
    return len(ids)


def has_public_questions():
    """Whether the database holds any question everyone may see (one cheap query)."""
    return bool(db.session.scalar(select(exists().where(public(Question)))))


def differences(index=None):
    """What the index and the database disagree on: {"missing": [...], "extra": [...], "stale": [...]}.

    With the embedding model in use, also the searchable questions whose stored vector is
    missing or was computed from other text or by another model.
    """
    index = index or app_index()
    indexed = index.fingerprints()
    expected, texts = {}, {}
    ids = db.session.scalars(select(Question.id).order_by(Question.id)).all()
    for start in range(0, len(ids), BATCH_SIZE):
        for question, answers in _load(ids[start:start + BATCH_SIZE]):
            if is_searchable(question):
                document = build_document(question, answers)
                expected[question.id] = document["fingerprint"]
                texts[question.id] = embeddings.question_text(question.title, document["body"])
        db.session.expire_all()
    found = {
        "missing": sorted(set(expected) - set(indexed)),
        "extra": sorted(set(indexed) - set(expected)),
        "stale": sorted(qid for qid in set(expected) & set(indexed) if expected[qid] != indexed[qid]),
    }
    encoder = semantic_encoder()
    if encoder is not None:
        current = {row.question_id for row in db.session.execute(
            select(vectors.QuestionVector.question_id, vectors.QuestionVector.text_hash)
            .where(vectors.QuestionVector.model == encoder.name))
            if row.question_id in texts and row.text_hash == embeddings.text_hash(texts[row.question_id])}
        found["without a current vector"] = sorted(set(texts) - current)
    return found
