"""Whether this host should get traffic: its database answers, its schema is current, its index keeps up."""
from functools import lru_cache

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from whoosh.index import EmptyIndexError

from app.config import REPO_ROOT
from app.extensions import db
from app.search.index_sync import index_lag


@lru_cache(maxsize=1)
def _migration_scripts():
    """This code's migrations (read once: the code does not change while it runs)."""
    return ScriptDirectory(str(REPO_ROOT / "migrations"))


def migration_heads():
    """The revisions this code's migrations end in."""
    return frozenset(_migration_scripts().get_heads())


def _known(revision):
    try:
        return _migration_scripts().get_revision(revision) is not None
    except CommandError:
        return False


def _database():
    db.session.execute(text("SELECT 1"))
    return "reachable"


def _migrations():
    """Current, or ahead: a revision this code has never heard of is a newer release's, applied by `flask db upgrade`
    while this host still serves (a rolling upgrade; migrations only add until every host runs the new code)."""
    applied = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    if applied == migration_heads():
        return "current"
    if applied and not any(_known(revision) for revision in applied):
        return f"ahead: the database is at {', '.join(sorted(applied))}, a newer release's schema"
    raise RuntimeError(f"the database is at {', '.join(sorted(applied)) or 'no revision'}, the code expects "
                       f"{', '.join(sorted(migration_heads()))}: run `flask db upgrade`")


def _index(now, bound):
    pending, lag = index_lag(now)
    if lag > bound:
        raise RuntimeError(f"{pending} changes behind, the oldest logged {lag:.0f} s ago (bound {bound} s)")
    return f"{pending} changes behind" if pending else "caught up"


def checks(now, index_lag_bound):
    """{name: (ok, what was found)} for the database, the migrations and the search index, as of `now`.

    A check after a failed one still runs (each in its own transaction), so the answer names every
    problem at once; a database that does not answer fails the other two as well.
    """
    results = {}
    for name, check in (("database", _database), ("migrations", _migrations),
                        ("search_index", lambda: _index(now, index_lag_bound))):
        try:
            results[name] = (True, check())
        except (SQLAlchemyError, OSError, EmptyIndexError, RuntimeError) as error:
            results[name] = (False, str(error).splitlines()[0] if str(error) else type(error).__name__)
        finally:
            db.session.rollback()
    return results
