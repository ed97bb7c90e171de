"""The suggestion ranking on a real Whoosh index in a temporary folder."""
from datetime import datetime

import pytest

from app.search import suggest, whoosh_index


def _document(title, body="", resolved=False):
    return {"title": title, "body": body, "accepted_answer": "", "answers": "", "tags": "", "score": 0,
            "answer_count": 1 if resolved else 0, "resolved": resolved, "created_at": datetime(2026, 1, 1)}


@pytest.fixture
def search_index(tmp_path):
    """Six questions about a brand's products."""
    search_index = whoosh_index.SearchIndex(tmp_path / "index")
    with search_index.writer() as writer:
        writer.put(1, _document("Battery drains overnight on the Pulse watch"))
        writer.put(2, _document("Earbuds will not pair with my laptop", resolved=True))
        writer.put(3, _document("Speaker keeps disconnecting from the phone"))
        writer.put(4, _document("Charging case light blinks red", "The case light blinks red when I charge it."))
        writer.put(5, _document("Earbuds will not pair with my laptop either"))
        writer.put(6, _document("How do I update the firmware?"))
    return search_index


def _ids(search_index, text, **options):
    return whoosh_index.suggest(search_index, text, **options)[0]


def test_the_word_being_typed_counts_as_a_prefix(search_index):
    assert _ids(search_index, "batt")[0] == 1
    assert _ids(search_index, "watch batt")[0] == 1
    assert _ids(search_index, "disconnecti")[0] == 3  # past the stem "disconnect"


def test_stems_and_stop_words(search_index):
    assert _ids(search_index, "speakers disconnected ")[0] == 3
    assert _ids(search_index, "the and of it ") == []  # nothing but stop words


def test_synonyms_are_a_deployments_own_and_none_are_built_in(search_index):
    assert _ids(search_index, "earphones ") == []
    assert _ids(search_index, "earphones ", synonym_groups=("earbuds earphones",))[:2] == [2, 5]
    assert _ids(search_index, "band ", synonym_groups=("band watch", "earbuds earphones")) == [1]


def test_a_resolved_thread_comes_first_when_relevance_is_close(search_index):
    assert _ids(search_index, "earbuds pair laptop")[:2] == [2, 5]


def test_exclusion_limit_and_removed_documents(search_index):
    assert 2 not in _ids(search_index, "earbuds pair laptop", exclude_id=2)
    assert len(_ids(search_index, "the", limit=1)) <= 1
    with search_index.writer() as writer:
        writer.remove(1)
    assert 1 not in _ids(search_index, "battery drains")  # the shared searcher sees the new commit


def test_a_cached_segment_forgets_documents_deleted_after_it_was_read(search_index):
    assert _ids(search_index, "earbuds pair")[:2] == [2, 5]  # the segment's postings are now decoded and kept
    with search_index.writer() as writer:
        writer.remove(2)
    assert _ids(search_index, "earbuds pair") == [5]


def test_the_word_being_typed_completes_to_terms_of_the_latest_commit(search_index):
    assert _ids(search_index, "zebr") == []  # remembered for this commit only
    with search_index.writer() as writer:
        writer.put(7, _document("Zebra strap fades in the sun"))
    assert _ids(search_index, "zebr") == [7]


def test_block_decoding_matches_whoosh_for_long_and_filtered_postings(tmp_path):
    # 300 documents share "common": its postings span three blocks of Whoosh's format.
    index = whoosh_index.SearchIndex(tmp_path / "long")
    with index.writer() as writer:
        for number in range(1, 301):
            writer.put(number, _document(f"common word number{number}"))
    with index.writer() as writer:
        for number in range(1, 301, 7):
            writer.remove(number)
    reader = index.shared_searcher().reader()
    for leaf, _ in reader.leaf_readers():
        matcher = leaf.postings("title", "common")
        decoded = suggest._all_ids(leaf.postings("title", "common"))
        assert list(decoded) == sorted(set(decoded))
        assert set(matcher.all_ids()) <= set(decoded.tolist())  # deleted ones too: the caller masks them
    live = suggest.CACHE.live(reader, "title", "common")
    assert len(live) == 300 - len(range(1, 301, 7))
    ids = {int(reader.stored_fields(int(docnum))["id"]) for docnum in live}
    assert ids == set(range(1, 301)) - set(range(1, 301, 7))


def test_completions_from_kept_vocabularies_match_whoosh_across_segments(search_index):
    with search_index.writer() as writer:  # a second segment, sharing terms with the first
        writer.put(8, _document("Earbuds earpiece earring case"))
    reader = search_index.shared_searcher().reader()
    assert len(list(reader.leaf_readers())) == 2
    for prefix in ("ea", "c", "p", "zz", ""):
        expected = [term.decode() for _, term in reader.most_frequent_terms("title", 8, prefix=prefix)]
        assert suggest.CACHE.most_frequent_terms(reader, "title", prefix, 8) == expected


def test_the_decoded_postings_stay_within_their_budget(search_index):
    cache = suggest.IndexCache(budget=3)
    reader = search_index.shared_searcher().reader()
    for term in ("earbud", "pair", "laptop", "case"):
        cache.live(reader, "title", term)
    assert cache._size <= 3
    assert len(cache.live(reader, "title", "earbud")) == 2  # dropped, read again


def test_common_terms_beyond_the_budget_still_rank_candidates(search_index, monkeypatch):
    # With no postings budget, every title term is deferred and checked only for candidates,
    # which then come from the body: the ranking must still use the deferred title terms.
    monkeypatch.setattr(suggest, "TITLE_POSTINGS", 0)
    assert _ids(search_index, "case light blinks red when charge")[0] == 4


def test_empty_text(search_index):
    assert whoosh_index.suggest(search_index, "   ") == ([], ())
