"""Fixtures: an app on a throwaway database (SQLite, or PostgreSQL when TEST_POSTGRES_URL is set)."""
import contextvars
import fcntl
import json
import os
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.clock import utcnow
from app.config import testing_config
from app.extensions import db
from tests import builders
from tests.corpora import TESTDATA

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
# Tests of a service the suite cannot start itself: collected only when the variable gives its URL
# (the CI sets them all); set but unreachable is then a failure in the test, never a skip.
OPTIONAL_ENGINES = {
    "postgres_only": ("TEST_POSTGRES_URL", "PostgreSQL"),
    "needs_redis": ("TEST_REDIS_URL", "Redis"),
}


def pytest_report_header(config):
    """Say which optional engines this run uses and which tests it leaves out."""
    lines = []
    for marker, (variable, name) in OPTIONAL_ENGINES.items():
        if os.environ.get(variable):
            lines.append(f"{name}: {variable} is set, tests marked {marker} run")
        else:
            lines.append(f"{name}: {variable} is not set, tests marked {marker} are deselected (not skipped)")
    return lines


def pytest_collection_modifyitems(config, items):
    """Deselect the tests whose optional engine has no URL in the environment."""
    missing = {marker for marker, (variable, _) in OPTIONAL_ENGINES.items() if not os.environ.get(variable)}
    deselected = [item for item in items if any(item.get_closest_marker(marker) for marker in missing)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def _create_database(folder):
    """A new empty database: an SQLite file in `folder`, or a PostgreSQL database of its own."""
    if not POSTGRES_URL:
        return f"sqlite:///{folder / 'peerdesk.db'}"
    name = f"peerdesk_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()


def _drop_database(url):
    """Drop a database made by _create_database (an SQLite file goes with its folder)."""
    if not POSTGRES_URL:
        return
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _admin_engine():
    """An engine on the server's maintenance database; NullPool, so its connection closes when released."""
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@contextmanager
def _own_database(folder):
    """A new empty database: an SQLite file in `folder`, or a PostgreSQL database dropped afterwards."""
    url = _create_database(folder)
    try:
        yield url
    finally:
        _drop_database(url)


TRANSLATIONS = Path(__file__).resolve().parents[1] / "app" / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The .mo files `make test` builds, built here too when pytest runs without make (or after a .po edit).

    Each is written beside and renamed into place, so two xdist workers never read half a file.
    """
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(po, "rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            partial = mo.with_suffix(f".{uuid.uuid4().hex}.tmp")
            with open(partial, "wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The database of this run (of this xdist worker), created now and dropped at the end."""
    with _own_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database for one test that builds its own schema (migrations)."""
    with _own_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the tables once per run (the app itself only ever uses migrations)."""
    folder = tmp_path_factory.mktemp("schema")
    app = create_app(testing_config(str(folder), database_url, str(folder / "index")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()


@pytest.fixture
def app(database_url, _schema, tmp_path):
    """A fresh app for one test; every table is emptied afterwards."""
    app = create_app(testing_config(str(tmp_path / "instance"), database_url, str(tmp_path / "search_index")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables():
    """Delete every row, fast, leaving the schema for the next test."""
    tables = [table.name for table in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))


class IsolatedClient(FlaskClient):
    """A test client whose requests run as in production: each in its own app context, g and session.

    Flask reuses an app context that is already pushed (the `app` fixture's), which would
    share `g` (Flask-Login's cached user) and the database session between requests.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # close the response now: after-response work runs at once
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect that werkzeug follows
            db.session.rollback()  # the test's next read sees what the request committed
        return response


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


class Clock:
    """The test's own clock: frozen at a fixed moment until the test moves it."""

    def __init__(self, traveller):
        self._traveller = traveller

    @property
    def now(self):
        """The moment the clock shows (naive UTC, like every stored timestamp)."""
        return utcnow()

    def advance(self, delta):
        """Move the clock forward by a timedelta; returns the new moment."""
        self._traveller.shift(delta)
        return self.now

    def set(self, moment):
        """Move the clock to a naive UTC datetime; returns it."""
        self._traveller.move_to(moment.replace(tzinfo=UTC))
        return self.now


# Far from any real date, so a rule that read the real clock instead would fail here.
CLOCK_START = datetime(2031, 3, 14, 9, 30)


@pytest.fixture
def clock():
    """Freeze the wall clock at CLOCK_START for this test (requests, builders and services all see it).

    Use it, not a constant date, whenever a test needs a known moment: everything a test does
    then agrees on the time, whichever day the suite runs.
    """
    with time_machine.travel(CLOCK_START.replace(tzinfo=UTC), tick=False) as traveller:
        yield Clock(traveller)


@pytest.fixture
def make(app):
    """Builders for members, questions, answers and comments."""
    return builders


@pytest.fixture
def sign_in(client):
    """Sign a user in on the test client: sign_in(user)."""
    def sign_in_as(user, password=builders.PASSWORD):
        response = client.post("/sign-in", data={"login": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response
    return sign_in_as


@dataclass(frozen=True)
class SeededDemo:
    """The demo community as `flask seed-demo` loaded it, on an app whose database refuses writes."""

    app: Flask
    exit_code: int
    output: str
    started: datetime  # naive UTC, just before the command ran
    finished: datetime  # and just after


@pytest.fixture(scope="session")
def _seeded_demo(tmp_path_factory):
    """`flask seed-demo` once per run, into a database and search index of their own.

    Seeding takes seconds, so the tests that only read the demo share one: the first xdist
    worker that needs it seeds it under a lock, the others wait for it and open it, and the
    last one to finish drops it. Its app connects read-only, so a test that writes fails
    instead of changing what the other tests read.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's own folder, shared by its workers only
    lock, state_file = root / "demo.lock", root / "demo.json"
    with _locked(lock):
        state = json.loads(state_file.read_text()) if state_file.exists() else _seed_demo(root)
        state["users"] = state.get("users", 0) + 1
        state_file.write_text(json.dumps(state))
    folder = Path(state["folder"])
    config = testing_config(str(folder / "instance"), state["url"], str(folder / "search_index"))
    reading = create_app(_read_only(config))
    try:
        yield SeededDemo(reading, state["exit_code"], state["output"],
                         datetime.fromisoformat(state["started"]), datetime.fromisoformat(state["finished"]))
    finally:
        with reading.app_context():
            db.engine.dispose()
        with _locked(lock):
            state = json.loads(state_file.read_text())
            state["users"] -= 1
            if state["users"]:
                state_file.write_text(json.dumps(state))
            else:
                state_file.unlink()
                _drop_database(state["url"])


@contextmanager
def _locked(path):
    """An exclusive lock on a file, between the processes of one run."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _seed_demo(root):
    """Run `flask seed-demo` on a new database; what the shared fixture needs to open it again."""
    folder = Path(tempfile.mkdtemp(prefix="demo-", dir=root))
    url = _create_database(folder)
    try:
        seeding = create_app(testing_config(str(folder / "instance"), url, str(folder / "search_index")))
        with seeding.app_context():
            db.create_all()
            started = utcnow()
            result = seeding.test_cli_runner().invoke(args=["seed-demo"])
            finished = utcnow()
            db.session.remove()
            db.engine.dispose()
        if result.exit_code != 0:
            pytest.fail(f"flask seed-demo failed ({result.exit_code}):\n{result.output}")
    except BaseException:
        _drop_database(url)  # each worker then tries, and fails, on its own
        raise
    return {"folder": str(folder), "url": url, "exit_code": result.exit_code, "output": result.output,
            "started": started.isoformat(), "finished": finished.isoformat()}


def _read_only(config):
    """The same settings, on connections that refuse every write."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    engine_options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if url.get_backend_name() == "sqlite":
        url = url.set(database=f"file:{url.database}", query={"mode": "ro", "uri": "true"})
    else:
        engine_options["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    return {**config, "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options}


@pytest.fixture
def demo_community(_seeded_demo):
    """The seeded demo community, read-only, with its app context pushed for one test."""
    with _seeded_demo.app.app_context():
        yield _seeded_demo
        db.session.remove()


@pytest.fixture(scope="session")
def testdata():
    """The folder of public hostile-input corpora, part of the repository (tests/data/README.md)."""
    if not TESTDATA.is_dir():
        pytest.fail(f"hostile-input corpora not found at {TESTDATA}: they are part of the repository")
    return TESTDATA
