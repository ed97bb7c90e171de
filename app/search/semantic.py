"""The semantic half of suggestions, and its fusion with the lexical ranking.

The lexical ranking (app.search.suggest) is what finds a question while its title is still
being typed; sentence embeddings find the question asked in other words ("tyre" for "tire",
"shifting is noisy" for "chain rubs the derailleur"). The two rankings are fused by reciprocal
rank: a question scores weight / (RRF_K + rank) in each ranking it appears in. The embedding
of a draft of one or two words is mostly noise, so the semantic half joins from
SEMANTIC_MIN_WORDS complete words on. bench/eval_real.py measured the constants on the
tuning half of real communities; docs/benchmarks.md has the figures.
"""
from app.search.index_sync import app_index, semantic_encoder
from app.search.vectors import app_vectors

SEMANTIC_MIN_WORDS = 4
SEMANTIC_CANDIDATES = 20
SEMANTIC_WEIGHT = 1.0
RRF_K = 5
MIN_SIMILARITY = 0.3  # cosine: below it a question is about something else (other parts of a bicycle: 0.1-0.25)


def complete_words(text):
    """The words of a draft that are finished: all but the last unless the draft ends in a space."""
    words = text.split()
    return words if text[-1:].isspace() else words[:-1]


def _nearest(vectors, query, limit, exclude_id, min_similarity):
    """Ids of the `limit` stored vectors nearest `query`, at least `min_similarity` alike, `exclude_id` left out."""
    return [question_id for question_id, similarity in vectors.nearest(query, limit + 1)
            if question_id != exclude_id and similarity >= min_similarity][:limit]


def fuse(rankings, k=RRF_K):
    """One ranking from several [(ids best first, weight)], by weighted reciprocal rank; ties keep first-seen order."""
    scores, order = {}, {}
    for ids, weight in rankings:
        for rank, question_id in enumerate(ids, start=1):
            scores[question_id] = scores.get(question_id, 0.0) + weight / (k + rank)
            order.setdefault(question_id, len(order))
    return sorted(scores, key=lambda question_id: (-scores[question_id], order[question_id]))


def hybrid(lexical, text, exclude_id=None, min_words=SEMANTIC_MIN_WORDS, weight=SEMANTIC_WEIGHT, k=RRF_K,
           min_similarity=MIN_SIMILARITY):
    """The lexical ranking of a draft (ids) fused with the semantic one once it has `min_words` complete words.

    (Encoding the draft in a thread while the lexical ranking ran saved nothing measurable: the
    encoder waits for the GIL; a Python loop and an encode in two threads took 17.3 ms against
    10.3 and 8.8 ms one after the other.)
    """
    words = complete_words(text)
    encoder = semantic_encoder() if len(words) >= min_words else None
    if encoder is None:
        return lexical
    semantic = _semantic_ranking(encoder, " ".join(words), exclude_id, min_similarity)
    return fuse([(lexical, 1.0), (semantic, weight)], k) if semantic else lexical


def _semantic_ranking(encoder, words, exclude_id, min_similarity):
    """The semantic ids for these complete words.

    While someone types, the complete words change once a word and the draft at every
    keystroke: the ranking of the same words is remembered until the stored vectors change.
    """
    vectors = app_vectors(encoder, app_index().commit_key())
    key = (vectors.revision, words, exclude_id, min_similarity)  # with the revision: never a ranking of older vectors
    ids = vectors.recall(key)
    if ids is None:
        ids = _nearest(vectors, encoder.encode([words])[0], SEMANTIC_CANDIDATES, exclude_id, min_similarity)
        vectors.remember(key, ids)
    return ids

