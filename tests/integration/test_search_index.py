"""The search index follows every committed change through the change log, and nothing else."""
import multiprocessing
import re
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import SearchChange
from app.questions import services
from app.search import index_sync
from app.search import whoosh_index as search_index_module
from app.search.whoosh_index import SearchIndex

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def found(text, **filters):
    """Question ids the index returns for `text`, after catching up."""
    index_sync.catch_up(now=utcnow())
    return search_index_module.search(index_sync.app_index(), text, **filters).ids


def test_an_asked_question_is_found(make):
    question = make.question(title="Aurora speaker crackles at high volume", body="Distortion above level eight.")
    assert found("crackles") == [question.id]
    assert found("distortion") == [question.id]
    assert found("speaker crackle") == [question.id]  # stemmed: crackle ~ crackles


def test_an_edit_replaces_old_words_with_new_ones(make):
    author = make.user()
    question = make.question(author, title="Pulse watch strap snapped yesterday", body="The strap broke at the pin.")
    found("strap")
    services.edit_question(author, question, "Pulse watch buckle cracked yesterday", "The buckle cracked apart.",
                           ["pulse"], now=utcnow())
    assert found("buckle") == [question.id]
    assert found("snapped") == []


def test_answers_are_searchable_and_follow_edits(make):
    question = make.question(title="Nova phone will not turn on after update")
    answer = make.answer(question, body="Hold volume down and power for thirty seconds to force a restart.")
    assert found("thirty") == [question.id]
    services.edit_answer(answer.author, answer, "Plug it into the wall charger for an hour, then restart.",
                         now=utcnow())
    assert found("thirty") == [] and found("charger") == [question.id]


def test_deleted_questions_and_answers_leave_the_index(make):
    author = make.user()
    question = make.question(author, title="Beam soundbar remote pairing fails", tags=["beam"])
    other = make.question(title="Lumen Home hub offline every night", tags=["hub"])
    answer = make.answer(other, body="Give the hub a fixed address in your router settings.")
    assert found("remote") == [question.id] and found("router") == [other.id]
    services.delete_question(author, question, now=utcnow())
    services.delete_answer(answer.author, answer, now=utcnow())
    assert found("remote") == [] and found("router") == []


def test_a_rolled_back_change_is_never_indexed(make):
    author = make.user()
    question = make.question(author, title="Original wording of the title")
    found("original")
    question.title = "Phantom wording that never committed"
    index_sync.record_change(question.id)
    db.session.flush()
    db.session.rollback()
    assert found("phantom") == [] and found("original") == [question.id]
    assert db.session.query(SearchChange).count() == 1


def test_acceptance_and_votes_reach_the_index(make):
    asker = make.user()
    question = make.question(asker, title="X200 left earbud is silent")
    answer = make.answer(question)
    assert found("silent", resolved=True) == []
    services.accept_answer(asker, answer, now=utcnow())
    assert found("silent", resolved=True) == [question.id]
    assert found("silent", has_answers=True) == [question.id]


def test_a_crash_between_commit_and_index_update_is_caught_up_by_the_next_process(make, app):
    question = make.question(title="Committed but never indexed before the crash")
    # Nothing caught up (the process "died"); a fresh process opens the index anew.
    fresh = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    assert fresh.cursor() == 0
    index_sync.catch_up(fresh, now=utcnow())
    assert search_index_module.search(fresh, "crash").ids == [question.id]
    assert fresh.cursor() == db.session.query(func.max(SearchChange.id)).scalar()


def test_catch_up_is_idempotent(make):
    make.question(title="Idempotent catch-up leaves one document")
    assert index_sync.catch_up(now=utcnow()) == 1
    assert index_sync.catch_up(now=utcnow()) == 0
    assert found("idempotent") and len(index_sync.app_index().fingerprints()) == 1


def test_a_recent_hole_in_the_log_holds_the_cursor_until_it_is_old(make, app):
    """A change id taken by a transaction that has not committed yet must not be skipped."""
    from datetime import timedelta

    from app.clock import utcnow

    make.question(title="Before the hole in the change log")
    index_sync.catch_up(now=utcnow())
    before = index_sync.app_index().cursor()
    db.session.add(SearchChange(id=before + 2, question_id=999999, created_at=utcnow()))
    db.session.commit()
    index_sync.catch_up(now=utcnow())
    assert index_sync.app_index().cursor() == before  # id before+1 may still commit
    index_sync.catch_up(now=utcnow() + index_sync.GAP_GRACE + timedelta(seconds=1))
    assert index_sync.app_index().cursor() == before + 2


def _index_in_process(database_url, folder, index_dir):
    """Child process: catch the shared index up with its own app."""
    from app import create_app
    from app.config import testing_config

    app = create_app(testing_config(folder, database_url, index_dir))
    with app.app_context():
        index_sync.catch_up(now=utcnow())
        db.engine.dispose()


def test_two_processes_catching_up_at_once_index_everything(make, app, database_url, tmp_path):
    questions = [make.question(title=f"Concurrent indexing question number {n}") for n in range(40)]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_index_in_process,
                               args=(database_url, str(tmp_path / f"p{n}"), app.config["SEARCH_INDEX_DIR"]))
               for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0, 0]
    fresh = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    assert set(fresh.fingerprints()) == {q.id for q in questions}
    assert index_sync.differences(fresh) == {"missing": [], "extra": [], "stale": [], "without a current vector": []}


def test_deleting_the_folder_and_reindexing_restores_everything(make, app, runner):
    questions = [make.question(title=f"Reindexed question about firmware {n}") for n in range(5)]
    index_sync.catch_up(now=utcnow())
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    app.extensions.pop("peerdesk_search_index")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 5 questions" in result.output and "docs/s" in result.output
    assert sorted(found("firmware")) == sorted(q.id for q in questions)
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_a_rebuild_in_two_processes_matches_the_database(make, app):
    questions = [make.question(title=f"Rebuilt in parallel, question {n}") for n in range(12)]
    index_sync.catch_up(now=utcnow())
    hidden_by_edit = make.question(title="Changed after the rebuild began")
    assert index_sync.reindex(processes=2) == len(questions) + 1
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}
    assert sorted(found("parallel")) == sorted(q.id for q in questions)
    assert hidden_by_edit.id in found("rebuild")
    assert index_sync.app_index().cursor() > 0  # later changes continue from the log


def test_check_lists_drift_and_exits_non_zero(make, app, runner):
    kept, dropped = make.question(title="Kept in the index"), make.question(title="Dropped from the index")
    index_sync.catch_up(now=utcnow())
    with index_sync.app_index().writer() as writer:
        writer.remove(dropped.id)
        writer.put(kept.id, {**index_sync.build_document(kept, []), "fingerprint": "tampered"})
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"missing: 1 question(s): {dropped.id}" in result.output
    assert f"stale: 1 question(s): {kept.id}" in result.output


def test_a_web_request_that_changes_content_updates_the_index_after_responding(client, make, sign_in):
    sign_in(make.user())
    response = client.post("/questions/ask", data={"title": "Indexed right after the response",
                                                   "body": "Searchable straight away, no command needed.",
                                                   "tags": "search"})
    assert response.status_code == 302
    assert len(search_index_module.search(index_sync.app_index(), "straight").ids) == 1


@pytest.mark.parametrize("text", ['"unclosed phrase', "AND OR NOT", "tags:", "title:(", "*", "((((", "ü∂ƒ©", ""])
def test_malformed_queries_never_raise(make, text):
    make.question()
    index_sync.catch_up(now=utcnow())
    search_index_module.search(index_sync.app_index(), text)


def test_check_tells_the_lag_it_found_before_catching_up(make, runner):
    index_sync.catch_up(now=utcnow())
    make.question(title="Logged a moment ago")
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Behind the change log: 1 change\(s\), the oldest logged [0-9] s ago\.", result.output)
    assert "The index matches the database." in result.output
    # A change logged two minutes ago and still not applied: this host is not following the log.
    make.question(title="Logged long ago", now=utcnow() - timedelta(minutes=2))
    db.session.execute(update(SearchChange).where(SearchChange.id == db.session.scalar(
        select(func.max(SearchChange.id)))).values(created_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and re.search(r"Behind the change log: 1 change\(s\), the oldest logged 12[0-9] s ago",
                                               result.output)
    assert "is this host following it (SEARCH_FOLLOW_IN_PROCESS)?" in result.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0  # caught up by the check itself
