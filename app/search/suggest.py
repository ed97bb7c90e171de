"""Suggestions while someone types a question: a bounded-cost ranking read straight from the index's postings.

Whoosh scores every matching document through a tree of Python matchers (tens of
microseconds a document), so an OR query over the common words of a draft costs hundreds of
milliseconds at 100,000 questions. Here the cost is bounded whatever is typed: read the
postings of the rarest terms only, within a fixed budget, add up BM25's idf per document,
then check the common terms for the best few dozen candidates only, by skipping through
their postings. bench/eval_relevance.py measures the ranking and bench/bench_search.py the
speed; docs/benchmarks.md has the figures.

A typed word counts once, as the best of its terms: the word itself or one of its synonyms
(at half weight; a deployment's SEARCH_SYNONYMS, the product ships none), and for the word
still being typed, its likeliest completions.
"""
import heapq
import math

COMPLETIONS = 8  # the most frequent title terms the word being typed may become
TITLE_POSTINGS = 4000  # title postings read per request, rarest terms first: bounds the cost
BODY_POSTINGS = 3000  # the same for the body, read only for drafts of BODY_MIN_WORDS words or more
BODY_MIN_WORDS = 4  # with fewer words, body matches are mostly noise (measured: half-typed titles drop)
RESCORE = 40  # candidates checked for the common title terms that were not read
SYNONYM_WEIGHT = 0.5
BODY_WEIGHT = 0.9
TITLE_LENGTH_NORM = 0.5  # a short title that matches is more focused than a long one
RESOLVED_LIFT = 1.15  # when relevance is close, a thread with an accepted answer comes first


def synonym_table(analyzer, groups=()):
    """{stem: {other stems of its group}} from a deployment's groups (one group of words a line)."""
    table = {}
    for line in groups:
        if line.lstrip().startswith("#"):
            continue
        stems = list(dict.fromkeys(token.text for token in analyzer(line)))
        for stem in stems:
            table.setdefault(stem, set()).update(other for other in stems if other != stem)
    return table


def split_draft(analyzer, text):
    """(stems of the complete words, the word still being typed or "")."""
    last = text.split()[-1].lower() if text.strip() and not text[-1:].isspace() else ""
    partial = last if len(last) >= 2 and last.isalnum() else ""
    complete = text[:len(text.rstrip()) - len(partial)] if partial else text
    return list(dict.fromkeys(token.text for token in analyzer(complete))), partial


def _completions(reader, analyzer, partial):
    """Title terms the partial word may stand for: its likeliest completions, its stem, a stem it overshot."""
    found = {term.decode() if isinstance(term, bytes) else term
             for _, term in reader.most_frequent_terms("title", COMPLETIONS, prefix=partial)}
    found.update(token.text for token in analyzer(partial) if reader.doc_frequency("title", token.text))
    # "disconnecti" is on its way to "disconnecting", whose stem "disconnect" is shorter than it.
    for cut in range(len(partial) - 1, 3, -1):
        if reader.doc_frequency("title", partial[:cut]):
            found.add(partial[:cut])
            break
    return found


def _idf(documents, frequency):
    """BM25's inverse document frequency."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def _postings(reader, field, term):
    """Global document numbers of the live documents containing a term."""
    for leaf, offset in reader.leaf_readers():
        if (field, term) not in leaf:
            continue
        deleted = leaf.is_deleted if leaf.has_deletions() else None
        for docnum in leaf.postings(field, term).all_ids():
            if deleted is None or not deleted(docnum):
                yield docnum + offset


def _having(reader, field, term, docnums):
    """Those of the sorted `docnums` that contain a term, by skipping through its postings."""
    matcher = reader.postings(field, term)
    for docnum in docnums:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            yield docnum


def _gather(reader, field, concepts, budget, weight=1.0):
    """Per concept {docnum: best weight}, from the rarest terms within `budget` postings; the rest deferred.

    A concept is one typed word: the word and its synonyms, or the completions of the partial
    word. A document scores the best of a concept's terms, not their sum.
    """
    documents = reader.doc_count_all() or 1
    found = [{} for _ in concepts]
    terms = sorted((reader.doc_frequency(field, term), index, term, share)
                   for index, concept in enumerate(concepts) for term, share in concept)
    deferred, spent = [], 0
    for frequency, index, term, share in terms:
        if not frequency:
            continue
        value = weight * share * _idf(documents, frequency)
        if spent + frequency > budget:
            deferred.append((index, term, value))
            continue
        spent += frequency
        best = found[index]
        for docnum in _postings(reader, field, term):
            if best.get(docnum, 0.0) < value:
                best[docnum] = value
    return found, deferred


def rank(reader, analyzer, text, limit=5, exclude_id=None, synonyms=None, use_body=True):
    """Question ids whose title (and, for longer drafts, body) match what is being typed, best first."""
    synonyms = synonyms or {}
    words, partial = split_draft(analyzer, text)
    concepts = [[(word, 1.0)] + [(other, SYNONYM_WEIGHT) for other in sorted(synonyms.get(word, ()))]
                for word in words]
    if partial:
        concepts.append([(term, 1.0) for term in sorted(_completions(reader, analyzer, partial))])
    title, deferred = _gather(reader, "title", concepts, TITLE_POSTINGS)
    body = []
    if use_body and len(words) >= BODY_MIN_WORDS:
        body, _ = _gather(reader, "body", concepts[:len(words)], BODY_POSTINGS, BODY_WEIGHT)
    elif use_body and len(set().union(*title)) < limit and not deferred:
        # Few titles match a short draft: bodies may still hold the word ("zebrafish" in a
        # question about watch faces). The word being typed counts as typed here.
        typed = concepts[:len(words)] + [[(token.text, 1.0)] for token in analyzer(partial)]
        body, _ = _gather(reader, "body", typed, BODY_POSTINGS, BODY_WEIGHT)
    scores = {}
    for found in title + body:
        for docnum, value in found.items():
            scores[docnum] = scores.get(docnum, 0.0) + value
    if not scores:
        return []
    candidates = sorted(heapq.nlargest(RESCORE, scores, key=scores.get))
    for index, term, value in deferred:  # common title terms: only the candidates are checked
        best = title[index]
        for docnum in _having(reader, "title", term, candidates):
            if best.get(docnum, 0.0) < value:
                scores[docnum] += value - best.get(docnum, 0.0)
                best[docnum] = value
    average = reader.field_length("title") / (reader.doc_count_all() or 1) or 1.0

    def focused(docnum):
        length = reader.doc_field_length(docnum, "title") or average
        return scores[docnum] / (1 - TITLE_LENGTH_NORM + TITLE_LENGTH_NORM * length / average)

    ranked = []
    for docnum in sorted(candidates, key=focused, reverse=True)[:2 * limit + 1]:
        fields = reader.stored_fields(docnum)
        if exclude_id is not None and fields["id"] == str(exclude_id):
            continue
        ranked.append((focused(docnum) * (RESOLVED_LIFT if fields.get("resolved") else 1.0), int(fields["id"])))
    ranked.sort(reverse=True)
    return [question_id for _, question_id in ranked[:limit]]
