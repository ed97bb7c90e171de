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


def test_common_terms_beyond_the_budget_still_rank_candidates(search_index, monkeypatch):
    # With no postings budget, every title term is deferred and checked only for candidates,
    # which then come from the body: the ranking must still use the deferred title terms.
    monkeypatch.setattr(suggest, "TITLE_POSTINGS", 0)
    assert _ids(search_index, "case light blinks red when charge")[0] == 4


def test_empty_text(search_index):
    assert whoosh_index.suggest(search_index, "   ") == ([], ())
