"""Command-line tools: `flask users ...`, `flask reputation recompute`, `flask uploads ...`, `seed-demo`."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app import reputation
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import DomainError, ValidationError
from app.extensions import db
from app.models import ROLES, Question, User
from app.search import index_sync
from app.uploads import services as upload_services

users_cli = AppGroup("users", help="Create members and staff, issue API tokens.")
reputation_cli = AppGroup("reputation", help="Reputation maintenance.")
uploads_cli = AppGroup("uploads", help="Stored images.")


def _user_or_fail(username):
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The member's email address.")
@click.option("--password", required=True, help="At least 10 characters, not a common one.")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
def create_user(username, email, password, role):
    """Create a member, agent, moderator or admin."""
    try:
        user = accounts.register(username, email, password, role=role, now=utcnow())
    except ValidationError as error:
        raise click.ClickException("; ".join(f"{field}: {message}" for field, message in error.errors.items()))
    click.echo(f"Created {user.role} {user.username} (id {user.id}).")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label to recognise the token by.")
@click.option("--scope", "scopes", multiple=True,
              help="A scope to give it (repeat for more): read, write, care:read, care:write, moderate. "
                   "Default: every scope the member's role allows.")
@click.option("--days", type=int, default=accounts.DEFAULT_TOKEN_DAYS, show_default=True,
              help=f"Days until it expires, at most {accounts.TOKEN_MAX_DAYS}.")
def create_token(username, name, scopes, days):
    """Print a new API token for USERNAME (shown once; only its digest is stored)."""
    try:
        token = accounts.create_api_token(_user_or_fail(username), name, now=utcnow(), scopes=list(scopes) or None,
                                          days=days)
    except ValidationError as error:
        raise click.ClickException("; ".join(error.errors.values())) from None
    click.echo(token)


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(username, role):
    """Change USERNAME's role."""
    user = _user_or_fail(username)
    accounts.set_role(user, role, now=utcnow())
    click.echo(f"{user.username} is now {role}.")


@reputation_cli.command("recompute")
def recompute_reputation():
    """Recompute every member's reputation from votes and accepted answers."""
    changed = reputation.recompute_all(now=utcnow())
    click.echo(f"Reputation recomputed; {changed} member(s) corrected.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has questions.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for a repeatable community.")
def seed_demo(if_empty, seed):
    """Fill the database with a believable demo community."""
    from app import demo

    if if_empty and db.session.scalar(select(func.count()).select_from(Question)):
        click.echo("The database already has questions; demo data not loaded.")
        return
    if db.session.scalar(select(func.count()).select_from(User)) and not if_empty:
        click.echo("Adding the demo community next to existing data.")
    try:
        summary = demo.seed(seed=seed, now=utcnow())
    except DomainError as error:
        raise click.ClickException(f"Demo data not loaded: {error.message}") from None
    click.echo("Demo community loaded: " + ", ".join(f"{count} {name}" for name, count in summary.items()) + ".")
    click.echo(f"Search index caught up ({index_sync.catch_up(now=utcnow())} logged changes applied).")


@uploads_cli.command("load-folder")
@click.argument("folder", type=click.Path(exists=True, file_okay=False), required=False)
def load_upload_folder(folder):
    """Copy this host's image files the database lacks into it (UPLOADS_DIR unless FOLDER is given)."""
    loaded = upload_services.load_folder(folder or upload_services.uploads_folder())
    click.echo(f"{loaded} image(s) copied into the database.")


def init_app(app):
    """Attach the commands to the app's CLI."""
    app.cli.add_command(users_cli)
    app.cli.add_command(reputation_cli)
    app.cli.add_command(uploads_cli)
    app.cli.add_command(seed_demo)
