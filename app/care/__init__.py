"""The care queue: threads the community has not resolved reach brand staff in time, with clocks."""
from datetime import datetime

import click
from flask import Blueprint
from flask.cli import AppGroup
from flask_login import current_user

from app.clock import utcnow

bp = Blueprint("care", __name__)
api_bp = Blueprint("care_api", __name__)
care_cli = AppGroup("care", help="The care queue.")


@care_cli.command("sweep")
@click.option("--now", "now_text", default=None, help="Sweep as of this UTC time (ISO 8601), for replays and tests.")
def sweep_command(now_text):
    """Queue threads that qualify, mark SLA breaches, remind askers: one sweep now, without the in-app sweeper's lease.

    Safe from cron every minute on any host, beside the in-app sweeper: each batch is written under a lock.
    """
    from app.care import sweep

    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text).replace(tzinfo=None)
        except ValueError:
            raise click.BadParameter("Give a time such as 2026-11-22T14:00:00.", param_hint="--now") from None
    click.echo(str(sweep.run(now)))


@care_cli.command("include")
@click.option("--since", "since", required=True, type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Opt in the exempt (imported) questions asked since this UTC date.")
def include_command(since):
    """Let exempt questions (imported history) asked since a date enter the care queue at the next sweep."""
    from app.care import services

    count = services.include_exempt(since, now=utcnow())
    click.echo(f"{count} question(s) asked since {since:%Y-%m-%d %H:%M} may now enter the care queue.")


def care_open_count():
    """Open items in the queue for staff's navigation badge (0 for everyone else)."""
    from app import permissions
    from app.care import queries

    return queries.open_count() if permissions.is_staff(current_user) else 0


def init_app(app):
    """The staff pages and API, the receivers that move the clocks, `flask care`, template helpers.

    The in-app sweep is a background job (app.background, CARE_IN_APP_SWEEP).
    """
    from app.care import alerts, api, events, options, receivers, routes  # noqa: F401  (options defines the settings)
    from app.care.models import CATEGORY_LABELS, PRIORITY_LABELS, RATING_COMMENT_MAX, SCORE_LABELS, STATUS_LABELS
    from app.extensions import csrf

    app.register_blueprint(bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1/care")
    csrf.exempt(api_bp)  # bearer tokens, never cookies, authenticate API writes
    receivers.connect_receivers()
    alerts.connect_receivers()
    events.connect_receivers()
    app.cli.add_command(care_cli)
    app.jinja_env.globals.update(care_open_count=care_open_count, care_thread=routes.care_thread,
                                 care_score_labels=SCORE_LABELS, care_rating_comment_max=RATING_COMMENT_MAX,
                                 care_category_labels=CATEGORY_LABELS, care_priority_labels=PRIORITY_LABELS,
                                 care_status_labels=STATUS_LABELS)
    app.jinja_env.filters.update(care_duration=routes.care_duration, care_local_time=routes.care_local_time,
                                 care_decimal=routes.care_decimal, care_percent=routes.care_percent)
