"""Each host's index follows the change log by itself: new hosts and lost folders rebuild, bursts cost one commit."""
import fcntl
import shutil
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import background
from app.clock import utcnow
from app.extensions import db
from app.models import SearchChange
from app.questions import services
from app.search import follow, index_sync
from app.search import whoosh_index as search_index_module

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def ids(text):
    """Question ids the index returns for `text` as it is now (no catch-up here)."""
    return search_index_module.search(index_sync.app_index(), text).ids


def commits(index):
    return index.commit_key()[0]


def test_a_new_hosts_empty_index_is_built_from_the_database_not_from_the_log(make):
    question = make.question(title="Aurora speaker crackles at high volume")
    follower = follow.Follower()
    assert ids("crackles") == []
    assert follower.round(index_sync.app_index(), now=utcnow()) == "rebuilt"
    assert ids("crackles") == [question.id]
    assert follower.round(index_sync.app_index(), now=utcnow()) == "current"


def test_changes_are_applied_when_the_head_moves_a_burst_in_one_commit(make):
    question = make.question(title="Aurora speaker crackles at high volume")
    index = index_sync.app_index()
    follower = follow.Follower()
    follower.round(index, now=utcnow())
    before = commits(index)
    voters = [make.user(f"voter{n}") for n in range(5)]
    answer = make.answer(question, body="Turn the bass down below level eight: the crackle goes away.")
    for voter in voters:
        services.cast_vote(voter, answer, 1, now=utcnow())
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) >= 7
    assert follower.round(index, now=utcnow()) == "applied"
    assert ids("bass") == [question.id]
    assert commits(index) == before + 1  # six logged changes, one index commit
    assert follower.round(index, now=utcnow()) == "current"
    assert commits(index) == before + 1


def test_a_deleted_index_folder_is_rebuilt_by_the_next_round(app, make):
    question = make.question(title="Aurora speaker crackles at high volume")
    index = index_sync.app_index()
    follower = follow.Follower()
    follower.round(index, now=utcnow())
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    assert follower.round(index, now=utcnow()) == "rebuilt"
    assert ids("crackles") == [question.id]


def test_the_log_is_pruned_and_an_index_behind_the_pruned_end_is_rebuilt(make):
    start = utcnow()
    first = make.question(title="Aurora speaker crackles at high volume", now=start)
    index = index_sync.app_index()
    follower = follow.Follower(keep_days=7)
    follower.round(index, now=start)  # the host's index is at the first change
    # Ten days on, while this host was away: another thread, and the log's older rows pruned.
    later = start + timedelta(days=10)
    second = make.question(title="Beacon earbuds drop out in one ear", now=later)
    assert follow.prune_log(now=later, keep=timedelta(days=7)) >= 1
    db.session.execute(SearchChange.__table__.insert().values(question_id=second.id, created_at=later))
    db.session.commit()
    assert follower.round(index, now=later) == "rebuilt"
    assert ids("crackles") == [first.id] and ids("beacon") == [second.id]


def test_one_process_of_a_host_follows_at_a_time(app, make):
    make.question(title="Aurora speaker crackles at high volume")
    index = index_sync.app_index()
    index.path.mkdir(parents=True, exist_ok=True)
    with open(index.path / ".follow.lock", "w") as held:  # as another worker of this host holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        assert follow.Follower().round(index, now=utcnow()) == "busy"
    assert follow.Follower().round(index, now=utcnow()) == "rebuilt"


def test_with_the_follower_on_a_request_leaves_the_index_to_it(app, client, make, sign_in):
    """The request only logs its change; the follower thread, woken by the commit, applies it."""
    app.config.update(SEARCH_FOLLOW_IN_PROCESS=True, SEARCH_FOLLOW_SECONDS=30)
    member = make.user("asker")
    sign_in(member)  # the first request starts the thread
    try:
        thread = background.thread_of(app, "search_follow")
        assert thread is not None and thread.started
        response = client.post("/questions/ask", data={"title": "Why does my Aurora speaker crackle?",
                                                       "body": "Above level eight it crackles loudly.",
                                                       "tags": "speakers"})
        assert response.status_code == 302
        deadline = time.monotonic() + 30  # woken by the commit, not after SEARCH_FOLLOW_SECONDS
        while not ids("crackle") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(ids("crackle")) == 1
    finally:
        background.stop_all(app)
