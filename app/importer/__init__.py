"""Bringing an existing community in: `flask import stackexchange DIR`."""
import json
import sys
import time

import click
from flask.cli import AppGroup

from app import reputation
from app.clock import utcnow
from app.exceptions import DomainError
from app.importer import models  # noqa: F401 - the mapping table belongs to the metadata migrations compare with
from app.importer.stackexchange import (
    BATCH_SIZE,
    SEARCH_MODES,
    DumpError,
    StackExchangeImport,
    give_address,
    imported_vote_points,
)

import_cli = AppGroup("import", help="Bring an existing community in.")

# Imported posts' anonymous votes count towards reputation, also in `flask reputation recompute`.
if imported_vote_points not in reputation.point_sources:
    reputation.point_sources.append(imported_vote_points)


class _ProgressBars:
    """One click progress bar per step of the import, over the bytes of the file it reads."""

    def __init__(self):
        self.label = None
        self.bar = None
        self.started = 0.0
        self.rows = 0

    def __call__(self, label, done, total, rows):
        if label != self.label:
            self.close()
            self.label, self.started, self.rows = label, time.perf_counter(), 0
            self.bar = click.progressbar(length=max(total, 1), label=label.ljust(32), show_percent=True,
                                         item_show_func=self._rate, file=sys.stderr)
            self.bar.__enter__()
        self.rows = rows
        self.bar.update(max(0, done - self.bar.pos), current_item=rows)

    def _rate(self, rows):
        if rows is None:
            return None
        seconds = time.perf_counter() - self.started
        return f"{rows:,} rows, {rows / seconds if seconds else 0:,.0f} rows/s"

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@import_cli.command("stackexchange")
@click.argument("directory", type=click.Path(file_okay=False, path_type=str))
@click.option("--site", help="A name for the source site (default: the directory's name); keys the idempotence.")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000),
              help="Rows written per transaction.")
@click.option("--search", "search", type=click.Choice(SEARCH_MODES), default="auto", show_default=True,
              help="How to update this host's search index at the end: apply the change log, rebuild it, or "
                   "leave it to `flask search catch-up`; auto rebuilds when that is faster (large imports).")
@click.option("--report-json", type=click.Path(dir_okay=False, writable=True),
              help="Also write the report, with every skip reason and examples, to this JSON file.")
@click.option("--care-since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]),
              help="Let questions asked since this UTC date enter the care queue (by default no imported question "
                   "ever does, and none sends a reminder).")
def import_stackexchange(directory, site, batch_size, search, report_json, care_since):
    """Import a Stack Exchange data dump (Posts.xml and, when present, Users, Comments, Votes, PostLinks, Tags)."""
    progress = _ProgressBars()
    try:
        report = StackExchangeImport(directory, site=site, batch_size=batch_size, progress=progress,
                                     search=search, care_since=care_since, now=utcnow()).run()
    except DumpError as error:
        raise click.ClickException(str(error)) from None
    finally:
        progress.close()
    for line in report.lines():
        click.echo(line)
    if report_json:
        with open(report_json, "w", encoding="utf-8") as handle:
            json.dump(report.as_dict(), handle, indent=2, ensure_ascii=False)


@import_cli.command("set-email")
@click.argument("username")
@click.argument("email")
def set_email(username, email):
    """Give an imported member their real EMAIL; they then sign in after "Forgot your password?"."""
    try:
        user = give_address(username, email, now=utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.username} now has the address {user.email}: \"Forgot your password?\" on the sign-in "
               "page sends them a link to set a password.")


def init_app(app):
    """Attach the import commands to the app's CLI."""
    app.cli.add_command(import_cli)
