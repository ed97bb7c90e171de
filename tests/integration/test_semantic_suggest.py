"""Semantic suggestions: vectors follow the change log into the database, and the ask form finds other wordings."""
import pytest
from sqlalchemy import event, select

from app.clock import utcnow
from app.extensions import db
from app.moderation import services as moderation
from app.questions import services
from app.search import embeddings, index_sync, queries
from app.search.vectors import QuestionVector

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

# No content word in common with the draft below: only the meaning links them.
FLAT_TYRE = ("My tyre keeps going soft after a day", "The inner tube loses pressure slowly, no visible puncture.")
DRAFT = "Why does a bicycle tire deflate overnight "


def _vector(question_id):
    return db.session.get(QuestionVector, question_id)


def _suggested(text, **options):
    index_sync.catch_up(now=utcnow())
    return [suggestion.question.id for suggestion in queries.suggest(text, **options)]


@pytest.fixture
def community(make):
    """A flat-tyre question among others about other parts of a bicycle."""
    others = [make.question(title=title, body=body, tags=("bikes",)) for title, body in [
        ("Chain skips on the smallest cog", "Under load the chain jumps when I pedal hard uphill."),
        ("Which saddle height is right for me", "My knees hurt after long rides on the road bike."),
        ("Disc brakes squeal in the rain", "Loud noise from the front brake when wet."),
    ]]
    flat = make.question(title=FLAT_TYRE[0], body=FLAT_TYRE[1], tags=("bikes",))
    index_sync.catch_up(now=utcnow())
    return flat, others


def test_a_question_asked_in_other_words_is_suggested(app, community):
    flat, _ = community
    assert flat.id in _suggested(DRAFT)
    app.config["SEARCH_SEMANTIC"] = False
    assert flat.id not in _suggested(DRAFT)  # the lexical ranking alone has nothing to go on


def test_vectors_are_written_through_the_change_log_and_follow_edits(make, community):
    flat, _ = community
    stored = _vector(flat.id)
    assert stored.model == embeddings.encoder().name
    assert len(stored.vector) == 4 * embeddings.encoder().dimension
    first_revision, first_hash = stored.revision, stored.text_hash
    services.edit_question(flat.author, flat, "Rear wheel rim is bent after a pothole",
                           "It wobbles from side to side now.", ["bikes"], now=utcnow())
    index_sync.catch_up(now=utcnow())
    db.session.expire_all()
    stored = _vector(flat.id)
    assert stored.revision > first_revision and stored.text_hash != first_hash
    assert _suggested("Front wheel of my bike wobbles since I hit a hole ")[0] == flat.id


def test_typing_within_a_word_reuses_the_semantic_ranking_until_a_vector_changes(make, community, monkeypatch):
    flat, _ = community
    assert flat.id in _suggested("Why does a bicycle tire deflate ov")
    encoder = embeddings.encoder()
    calls = []
    real_encode = type(encoder).encode
    monkeypatch.setattr(type(encoder), "encode", lambda self, texts: calls.append(texts) or real_encode(self, texts))
    assert flat.id in _suggested("Why does a bicycle tire deflate ove")  # same complete words
    assert flat.id in _suggested("Why does a bicycle tire deflate overn")
    assert calls == []
    other = make.question(title="My bicycle tyre went flat overnight again", body="Same problem as everyone, it seems.")
    index_sync.catch_up(now=utcnow())
    calls.clear()
    assert other.id in _suggested("Why does a bicycle tire deflate overni")  # new vectors: computed again
    assert calls == [["Why does a bicycle tire deflate"]]


def test_the_stored_vectors_are_read_again_only_after_an_index_commit(make, community):
    flat, _ = community
    statements = []

    def count(_connection, _cursor, statement, *_):
        if "question_vectors" in statement:
            statements.append(statement)

    _suggested(DRAFT)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert flat.id in _suggested(DRAFT + "again ")
        assert statements == []  # no commit since the last sync: not even the one indexed query
        other = make.question(title="Bicycle tire deflates every night", body="Tube is new, valve seems fine.")
        index_sync.catch_up(now=utcnow())
        statements.clear()
        assert other.id in _suggested(DRAFT + "once more ")
        assert statements  # the new commit: the rows written since were read
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_applying_a_change_that_leaves_the_text_alone_computes_nothing(make, community):
    flat, _ = community
    revision = _vector(flat.id).revision
    make.answer(flat, body="Check the valve core; it may be loose.")  # changes the index document, not the vector
    index_sync.catch_up(now=utcnow())
    db.session.expire_all()
    assert _vector(flat.id).revision == revision


def test_a_rebuild_reuses_stored_vectors_instead_of_recomputing_them(community, monkeypatch):
    flat, others = community
    revisions = {row.question_id: row.revision for row in db.session.scalars(select(QuestionVector))}

    def refuse(texts):
        raise AssertionError(f"a vector was recomputed for {len(texts)} text(s)")
    monkeypatch.setattr(type(embeddings.encoder()), "encode", lambda self, texts: refuse(texts))
    assert index_sync.reindex() == 4
    db.session.expire_all()
    assert {row.question_id: row.revision for row in db.session.scalars(select(QuestionVector))} == revisions


def test_a_hidden_question_is_not_suggested_by_its_meaning(make, community):
    flat, _ = community
    moderation.hide_post(make.user(role="moderator"), flat, now=utcnow())
    db.session.commit()
    assert flat.id not in _suggested(DRAFT)


def test_the_asker_is_not_shown_their_own_question(community):
    flat, _ = community
    assert flat.id not in _suggested(DRAFT, exclude_id=flat.id)


def test_search_check_reports_the_model_and_missing_vectors(app, runner, community):
    flat, _ = community
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert f"Semantic suggestions: on, model {embeddings.encoder().name}." in result.output
    db.session.delete(_vector(flat.id))
    db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"without a current vector: 1 question(s): {flat.id}" in result.output
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_without_the_model_suggestions_are_lexical_and_check_says_so(app, runner, make, monkeypatch):
    monkeypatch.setattr(embeddings, "_load", lambda: (None, "the model's packages are not installed (test)"))
    asked = make.question(title="Chain skips on the smallest cog", tags=("bikes",))
    assert _suggested("chain skips on the smallest c") == [asked.id]
    assert _vector(asked.id) is None
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "Semantic suggestions: unavailable, the model's packages are not installed (test): " \
           "suggestions are lexical only." in result.output
