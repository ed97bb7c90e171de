"""The fusion of the lexical and semantic rankings, and the in-memory nearest-neighbour search."""
import numpy
import pytest

from app.search import semantic, vectors


def test_reciprocal_rank_fusion_weighs_each_ranking_and_keeps_first_seen_order_on_ties():
    # k=5: 1 -> 1/6; 2 -> 1/7; 3 -> 1/8 + 1/6; 4 -> 1/7 (ties with 2, seen later)
    assert semantic.fuse([([1, 2, 3], 1.0), ([3, 4], 1.0)], k=5) == [3, 1, 2, 4]
    assert semantic.fuse([([1, 2, 3], 1.0), ([3, 4], 0.0)], k=5)[:3] == [1, 2, 3]
    assert semantic.fuse([([], 1.0), ([7, 8], 1.0)]) == [7, 8]
    assert semantic.fuse([]) == []


@pytest.mark.parametrize(("draft", "complete"), [
    ("", []),
    ("chain ", ["chain"]),
    ("chain skips when I pedal ha", ["chain", "skips", "when", "I", "pedal"]),
    ("chain skips when I pedal hard ", ["chain", "skips", "when", "I", "pedal", "hard"]),
    ("   ", []),
])
def test_the_word_still_being_typed_is_left_out_of_the_semantic_query(draft, complete):
    assert semantic.complete_words(draft) == complete


def test_a_short_draft_keeps_the_lexical_ranking_without_asking_the_model(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the model was asked for a two-word draft")
    monkeypatch.setattr(semantic, "semantic_encoder", refuse)
    assert semantic.hybrid([5, 6], "brake pads squeal") == [5, 6]


def _unit_rows(count, dimension, seed):
    rows = numpy.random.default_rng(seed).standard_normal((count, dimension)).astype(numpy.float32)
    return rows / numpy.linalg.norm(rows, axis=1, keepdims=True)


def _filled(rows):
    """A VectorSet holding `rows` as questions 1..n, without a database."""
    vector_set = vectors.VectorSet("test-model", rows.shape[1])
    vector_set._grow(len(rows))
    for position, row in enumerate(rows):
        vector_set._rows[position + 1] = position
        vector_set._ids[position] = position + 1
        vector_set._matrix[position] = row
    vector_set._count = len(rows)
    return vector_set


def test_exact_search_returns_the_nearest_first_with_their_similarity():
    rows = _unit_rows(300, 32, seed=1)
    vector_set = _filled(rows)
    found = vector_set.nearest(rows[41], 3)
    assert found[0] == (42, pytest.approx(1.0, abs=1e-5))
    assert [similarity for _, similarity in found] == sorted((s for _, s in found), reverse=True)
    assert vector_set.nearest(rows[0], 0) == []
    assert len(vector_set.nearest(rows[0], 10_000)) == 300
    assert vectors.VectorSet("empty", 32).nearest(rows[0], 5) == []


def test_past_the_exact_limit_the_two_stage_search_still_finds_the_nearest(monkeypatch):
    monkeypatch.setattr(vectors, "COARSE_CANDIDATES", 64)
    rows = _unit_rows(3000, 96, seed=2)
    vector_set = _filled(rows)
    vector_set._project()
    exact = [question_id for question_id, _ in vectors.VectorSet.nearest(_filled(rows), rows[7], 5)]
    two_stage = [question_id for question_id, _ in vector_set.nearest(rows[7], 5)]
    assert vector_set._coarse.shape == (len(vector_set._ids), vectors.COARSE_DIMENSIONS)
    assert two_stage[0] == exact[0] == 8
    assert len(set(two_stage) & set(exact)) >= 3  # an approximation: the shortlist may miss a far neighbour


def test_what_is_remembered_is_forgotten_when_the_set_changes():
    vector_set = vectors.VectorSet("test-model", 8)
    vector_set.remember(("a draft",), [1, 2])
    assert vector_set.recall(("a draft",)) == [1, 2]
    assert vector_set.recall(("another draft",)) is None
    for number in range(vectors.REMEMBERED + 1):
        vector_set.remember((number,), [number])
    assert vector_set.recall(("a draft",)) is None  # the oldest went first
    assert vector_set.recall((vectors.REMEMBERED,)) == [vectors.REMEMBERED]
