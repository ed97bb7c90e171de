"""The care queue: threads the community has not resolved reach brand staff in time, with clocks."""
from datetime import datetime

import click
from flask import Blueprint, current_app
from flask.cli import AppGroup
from flask_login import current_user

from app.clock import utcnow

bp = Blueprint("care", __name__)
api_bp = Blueprint("care_api", __name__)
care_cli = AppGroup("care", help="The care queue.")


@care_cli.command("sweep")
@click.option("--now", "now_text", default=None, help="Sweep as of this UTC time (ISO 8601), for replays and tests.")
def sweep_command(now_text):
    """Queue threads that qualify, mark SLA breaches, remind askers (safe from cron every minute)."""
    from app.care import sweep

    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text).replace(tzinfo=None)
        except ValueError:
            raise click.BadParameter("Give a time such as 2026-11-22T14:00:00.", param_hint="--now") from None
    click.echo(str(sweep.run(now)))


def register(app):
    """Receivers, the CLI, the staff navigation count and the lazily started in-app sweep."""
    from app import permissions
    from app.care import options, services, sweep  # noqa: F401  (options defines the settings)

    services.connect_receivers()
    app.cli.add_command(care_cli)

    @app.context_processor
    def care_navigation():
        def care_open_count():
            return services.open_count() if permissions.is_staff(current_user) else 0
        return {"care_open_count": care_open_count}

    @app.before_request
    def start_sweeper():
        # Off in tests unless a test turns it on; a multi-host install uses cron instead.
        if app.config.get("CARE_IN_APP_SWEEP", not app.testing):
            sweep.start_in_app(current_app._get_current_object())


from app.care import api, models, routes  # noqa: E402,F401  (routes attach themselves to the blueprints)
