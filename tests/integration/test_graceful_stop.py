"""A graceful stop (SIGTERM, as a deploy or a scale-down sends) writes the views and search logs still buffered."""
import signal

from sqlalchemy import func, select

from app.extensions import db
from app.formatting import slugify
from app.models import Question, SearchLog
from tests import builders, servers
from tests.migrating import migrated_to

VIEWS, SEARCHES = 40, 15


def test_sigterm_loses_no_buffered_view_or_search_log(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path / "seed"):
        question = builders.question(title="Why does my X200 case blink red?")
        path, question_id = f"/questions/{question.id}/{slugify(question.title)}", question.id
    # An hour between writes: whatever reaches the database was written by the stop, not by a timer.
    env = servers.host_environment(tmp_path, fresh_database_url, WRITE_BEHIND_SECONDS=3600)
    host = servers.Host(env, tmp_path / "gunicorn.log", workers=2)
    try:
        statuses = [host.get(path)[0] for _ in range(VIEWS)]
        statuses += [host.get(f"/search?q=blink+{number}")[0] for number in range(SEARCHES)]
    finally:
        exit_code = host.stop(signal.SIGTERM)
    assert statuses == [200] * (VIEWS + SEARCHES) and exit_code == 0, host.log()
    with migrated_to(fresh_database_url, tmp_path / "check"):
        assert db.session.get(Question, question_id).view_count == VIEWS
        assert db.session.scalar(select(func.count()).select_from(SearchLog)) == SEARCHES
