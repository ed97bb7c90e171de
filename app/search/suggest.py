"""Suggestions while someone types a question: a bounded-cost ranking read straight from the index's postings.

Whoosh scores every matching document through a tree of Python matchers (tens of
microseconds a document), so an OR query over the common words of a draft costs hundreds of
milliseconds at 100,000 questions. Here the cost is bounded whatever is typed: read the
postings of the rarest terms only, within a fixed budget, add up BM25's idf per document,
then check the common terms for the best few dozen candidates only, by skipping through
their postings. The postings read in full are decoded once per index segment and kept as
arrays (IndexCache), so that while someone types, a keystroke costs array sums, not Whoosh's
per-posting Python. bench/eval_real.py measures the ranking and bench/bench_search.py the
speed; docs/benchmarks.md has the figures.

A typed word counts once, as the best of its terms: the word itself or one of its synonyms
(at half weight; a deployment's SEARCH_SYNONYMS, the product ships none), and for the word
still being typed, its likeliest completions.
"""
import bisect
import heapq
import math
import threading
import weakref
from collections import OrderedDict

import numpy
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

COMPLETIONS = 8  # the most frequent title terms the word being typed may become
TITLE_POSTINGS = 4000  # title postings read per request, rarest terms first: bounds the cost
BODY_POSTINGS = 3000  # the same for the body, read only for drafts of BODY_MIN_WORDS words or more
BODY_MIN_WORDS = 4  # with fewer words, body matches are mostly noise (measured: half-typed titles drop)
RESCORE = 40  # candidates checked for the common title terms that were not read
SYNONYM_WEIGHT = 0.5
BODY_WEIGHT = 0.9
TITLE_LENGTH_NORM = 0.5  # a short title that matches is more focused than a long one
RESOLVED_LIFT = 1.15  # when relevance is close, a thread with an accepted answer comes first
CACHED_POSTINGS = 4_000_000  # document numbers kept decoded per process (16 MB): the titles of 400,000 questions


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
    found = set(CACHE.most_frequent_terms(reader, "title", partial, COMPLETIONS))
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


class IndexCache:
    """What suggestions read from the index, kept: postings and vocabularies per segment, deletions per commit.

    A segment never changes once written (a deletion only marks it), so a term's postings in a
    segment are decoded once (the least recently used dropped past a budget), and the documents
    deleted since are masked per reader.
    """

    def __init__(self, budget=CACHED_POSTINGS):
        self._budget = budget
        self._size = 0
        # (segment id, field, term) -> (int32 array of the segment's document numbers, its length);
        # (segment id, field, None) -> (the segment's vocabulary of the field, its length).
        self._decoded = OrderedDict()
        self._live = weakref.WeakKeyDictionary()  # reader (one commit) -> which of its documents are not deleted
        self._lock = threading.Lock()

    def live(self, reader, field, term):
        """The reader's document numbers of the live documents containing a term, ascending."""
        parts = [self._segment(leaf, field, term) + offset
                 for leaf, offset in reader.leaf_readers() if (field, term) in leaf]
        ids = numpy.concatenate(parts) if len(parts) > 1 else parts[0] if parts else numpy.zeros(0, numpy.int32)
        mask = self._live_mask(reader)
        return ids if mask is None else ids[mask[ids]]

    def _segment(self, leaf, field, term):
        key = (leaf.segment().segment_id(), field, term)
        ids = self._kept(key)
        if ids is None:
            ids = _all_ids(leaf.postings(field, term))
            self._keep(key, ids, len(ids))
        return ids

    def _kept(self, key):
        """What is kept under `key` (now the most recently used), or None."""
        with self._lock:
            kept = self._decoded.get(key)
            if kept is None:
                return None
            self._decoded.move_to_end(key)
            return kept[0]

    def _keep(self, key, value, size):
        """Keep `value` (counting `size` against the budget), dropping the least recently used past the budget."""
        with self._lock:
            self._decoded[key] = (value, size)
            self._size += size
            while self._size > self._budget and len(self._decoded) > 1:
                self._size -= self._decoded.popitem(last=False)[1][1]

    def most_frequent_terms(self, reader, field, prefix, count):
        """The `count` terms of a field that start with `prefix`, by frequency, as Whoosh's most_frequent_terms.

        Whoosh reads every such term's info across the segments (12 ms for "un" at 100,000 questions);
        each segment's vocabulary is read once instead and the prefix found by bisection.
        """
        totals = {}
        for leaf, _ in reader.leaf_readers():
            if leaf.segment() is None:  # an empty index
                continue
            terms, weights = self._vocabulary(leaf, field)
            start, end = bisect.bisect_left(terms, prefix), bisect.bisect_left(terms, prefix + "\U0010ffff")
            for term, weight in zip(terms[start:end], weights[start:end], strict=True):
                totals[term] = totals.get(term, 0.0) + weight
        return [term for _, term in heapq.nlargest(count, ((weight, term) for term, weight in totals.items()))]

    def _vocabulary(self, leaf, field):
        """(a segment's terms of a field in order, the frequency of each), read once."""
        key = (leaf.segment().segment_id(), field, None)  # None: no term is None, so no posting list has this key
        vocabulary = self._kept(key)
        if vocabulary is None:
            pairs = [(term.decode() if isinstance(term, bytes) else term, info.weight())
                     for term, info in leaf.iter_field(field)]
            vocabulary = ([term for term, _ in pairs], [weight for _, weight in pairs])
            self._keep(key, vocabulary, len(pairs))
        return vocabulary

    def _live_mask(self, reader):
        """None when no document is deleted, else True for every document that is not (once per reader)."""
        if not reader.has_deletions():
            return None
        with self._lock:
            mask = self._live.get(reader)
        if mask is None:
            mask = numpy.ones(reader.doc_count_all(), dtype=bool)
            for leaf, offset in reader.leaf_readers():
                if leaf.has_deletions():
                    mask[[offset + docnum for docnum in leaf.segment().deleted_docs()]] = False
            with self._lock:
                self._live[reader] = mask
        return mask


CACHE = IndexCache()


def _all_ids(matcher):
    """Every document number of a segment's postings of a term, ascending (the caller masks deleted ones).

    Whoosh's own all_ids() costs a Python call a posting (2.6 us here); its format stores them in
    blocks of up to 128 that decode at once, ten times faster for a common term.
    """
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: masked by the caller instead
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):  # a rare term's postings, inlined in the term index
        return numpy.fromiter(matcher.all_ids(), dtype=numpy.int32)
    blocks = []
    while matcher.is_active():
        matcher._read_ids()  # Whoosh 2.7's block reader (its last release)
        blocks.append(numpy.asarray(matcher._ids, dtype=numpy.int32))
        matcher._next_block()
    return numpy.concatenate(blocks) if blocks else numpy.zeros(0, dtype=numpy.int32)


def _having(sorted_ids, docnums):
    """Those of `docnums` that are in the ascending array `sorted_ids`."""
    if not len(sorted_ids):
        return []
    positions = numpy.minimum(numpy.searchsorted(sorted_ids, docnums), len(sorted_ids) - 1)
    return [int(docnum) for docnum in numpy.asarray(docnums)[sorted_ids[positions] == docnums]]


def _gather(reader, field, concepts, budget, weight=1.0, cache=CACHE):
    """Per concept, each document's best weight (an array), from the rarest terms within `budget`; the rest deferred.

    A concept is one typed word: the word and its synonyms, or the completions of the partial
    word. A document scores the best of a concept's terms, not their sum.
    """
    documents = reader.doc_count_all() or 1
    found = [numpy.zeros(documents, dtype=numpy.float64) for _ in concepts]
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
        ids = cache.live(reader, field, term)
        found[index][ids] = numpy.maximum(found[index][ids], value)
    return found, deferred


def _best(matching, scores, count):
    """The `count` best-scored of the matching document numbers, in ascending order (ties: the lower number)."""
    if len(matching) > count:
        # The count-th best score, then everything above it and the lowest-numbered of those equal to it.
        threshold = numpy.partition(scores[matching], len(matching) - count)[len(matching) - count]
        above, equal = matching[scores[matching] > threshold], matching[scores[matching] == threshold]
        matching = numpy.sort(numpy.concatenate([above, equal[:count - len(above)]]))
    return [int(docnum) for docnum in matching]


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
    elif use_body and numpy.count_nonzero(numpy.sum(title, axis=0) if title else 0) < limit and not deferred:
        # Few titles match a short draft: bodies may still hold the word ("zebrafish" in a
        # question about watch faces). The word being typed counts as typed here.
        typed = concepts[:len(words)] + [[(token.text, 1.0)] for token in analyzer(partial)]
        body, _ = _gather(reader, "body", typed, BODY_POSTINGS, BODY_WEIGHT)
    scores = numpy.sum(title + body, axis=0) if title + body else numpy.zeros(0)
    matching = numpy.flatnonzero(scores)
    if not len(matching):
        return []
    candidates = _best(matching, scores, RESCORE)
    for index, term, value in deferred:  # common title terms: only the candidates are checked
        best = title[index]
        for docnum in _having(CACHE.live(reader, "title", term), candidates):
            if best[docnum] < value:
                scores[docnum] += value - best[docnum]
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
