"""Search: the Whoosh index kept in step with the database, and the commands that tend it."""
import time

import click
from flask import Blueprint, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.clock import utcnow
from app.config import switched_on
from app.extensions import db
from app.models import Question
from app.search import follow, index_sync
from app.visibility import public

bp = Blueprint("search", __name__)
search_cli = AppGroup("search", help="Build and check the search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the whole index from the database (stored vectors are reused, missing ones computed)."""
    total = db.session.scalar(select(func.count()).select_from(Question)
                              .where(public(Question)))
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexing questions", show_pos=True) as bar:
        count = index_sync.reindex(progress=bar.update)
    seconds = time.perf_counter() - started
    click.echo(f"Indexed {count} questions in {seconds:.1f} s ({count / seconds if seconds else 0:.0f} docs/s).")


@search_cli.command("catch-up")
def catch_up_command():
    """Apply logged changes that are not in the index yet."""
    click.echo(f"Applied {index_sync.catch_up(now=utcnow())} logged change(s).")


@search_cli.command("check")
def check_command():
    """Say how far the index lags the change log, then compare it with the database; exit 1 on drift or lag.

    The lag is read before catching up: a host whose index was further behind than READY_INDEX_LAG_SECONDS
    is not following the log (its follower is off or failing), which a comparison after the catch-up hides.
    """
    now = utcnow()
    index = index_sync.app_index()
    click.echo(f"Language: {index.language}. Semantic suggestions: {index_sync.semantic_status()[1]}.")
    stale = index.needs_rebuild()
    if stale:
        click.echo(f"The index must be rebuilt: {stale}. Run `flask search reindex`.")
        raise SystemExit(1)
    pending, lag = index_sync.index_lag(now, index)
    bound = current_app.config["READY_INDEX_LAG_SECONDS"]
    if pending:
        click.echo(f"Behind the change log: {pending} change(s), the oldest logged {lag:.0f} s ago.")
    index_sync.catch_up(now=now)
    found = index_sync.differences()
    if lag > bound:
        click.echo(f"The index was more than {bound} s behind the log: is this host following it "
                   "(SEARCH_FOLLOW_IN_PROCESS)? Caught up now.")
    if not any(found.values()):
        click.echo("The index matches the database.")
        if lag > bound:
            raise SystemExit(1)
        return
    for kind, ids in found.items():
        if ids:
            shown = ", ".join(map(str, ids[:50])) + (" ..." if len(ids) > 50 else "")
            click.echo(f"{kind}: {len(ids)} question(s): {shown}")
    raise SystemExit(1)


def _catch_up_after(app):
    """Bring the index up to date after a response that changed searchable content."""
    with app.app_context():
        try:
            index_sync.catch_up(now=utcnow())
        except Exception:  # the next catch-up repairs whatever this one missed
            app.logger.exception("Search index catch-up failed")


def init_app(app):
    """The search page, the commands, and the catch-up after a response that changed searchable content."""
    from app.search import routes  # noqa: F401  (routes attach themselves to bp)
    from app.search.whoosh_index import LANGUAGES

    if app.config["SEARCH_LANGUAGE"] not in LANGUAGES:
        raise RuntimeError(f"SEARCH_LANGUAGE={app.config['SEARCH_LANGUAGE']!r} is not one the search can stem: "
                           f"choose one of {', '.join(LANGUAGES)}.")

    app.register_blueprint(bp)
    app.cli.add_command(search_cli)

    @app.after_request
    def catch_up_when_changed(response):
        # With the follower thread on, the index follows the log by itself: nothing on the request's path.
        if db.session.info.pop("search_changed", False) and not switched_on(app, follow.SWITCH):
            response.call_on_close(lambda: _catch_up_after(app))
        return response

