"""End-to-end fixtures: the real app served over HTTP, a headless Chromium, and a UI sign-up helper."""
import re
import shutil
import threading
import uuid
from dataclasses import dataclass

import pytest
from flask import got_request_exception
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.config import testing_config
from app.extensions import db

# A password of ten characters or more that contains no generated username.
PASSWORD = "Lantern-orbit-4417"

# A safety net, not a wait: auto-waiting assertions and actions return as soon as the page is ready
# (local pages answer in milliseconds); the bound matters only on a heavily loaded machine.
TIMEOUT_MS = 30_000

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    """The app under test, its base URL and the server-side exceptions it raised."""

    app: object
    url: str
    errors: list


@dataclass
class Member:
    """An account made through the UI, with the password typed to create it."""

    username: str
    password: str


class _QuietHandler(WSGIRequestHandler):
    """Request handler that logs errors but not every request line, to keep failure output readable."""

    def log_request(self, *args, **kwargs):
        pass


def _closed_before_written(app):
    """The app's responses read whole and closed before the server writes them (no endpoint streams).

    Werkzeug's development server closes a response only after draining the socket it wrote to;
    when the browser has already dropped that connection (a navigation cancelling a script's
    download), the read raises first, the response (an open static file) is left to the garbage
    collector, and its ResourceWarning fails whichever test is running then.
    """
    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
    return wsgi


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's chromium: Playwright cannot download its own browsers here. Missing, it fails the browser tests."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium not found on PATH: install it with `make system-packages` (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app on a free port, in a thread, on a SQLite file of its own (not the suite's database)."""
    folder = tmp_path_factory.mktemp("e2e")
    config = testing_config(str(folder / "instance"), f"sqlite:///{folder / 'e2e.db'}", str(folder / "search_index"))
    # testing_config turns CSRF off for the test client; a real browser must prove it works.
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    with app.app_context():
        db.create_all()

    errors = []

    def record(sender, exception, **extra):
        errors.append(exception)

    got_request_exception.connect(record, app)
    server = make_server("127.0.0.1", 0, _closed_before_written(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", errors=errors)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(live_server):
    """Fail the test whose requests made the server raise (the browser only sees a 500 page)."""
    seen = len(live_server.errors)
    yield
    new = live_server.errors[seen:]
    assert not new, f"the server raised during this test: {new!r}"


@pytest.fixture(scope="session")
def browser(chromium_path, live_server):
    """One headless Chromium for the run; it depends on the server so it closes first."""
    # launch() always starts Chromium on a fresh temporary profile (it refuses --user-data-dir),
    # and unlike launch_persistent_context it gives isolated contexts: one per person in a test.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout():
    """Auto-waiting assertions wait up to TIMEOUT_MS (Playwright's default is 5 s): room for a busy machine."""
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies): new_page() -> Page, closed after the test."""
    contexts, js_errors = [], []

    def open_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        # Hermetic: the browser talks to our server only (payload images point at real hosts).
        # A pattern (not a Python predicate) is matched inside the browser driver, so our own
        # requests never wait on a round trip to Python.
        context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(error))  # Playwright wraps only Python functions
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not js_errors, f"uncaught JavaScript errors: {js_errors!r}"


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context."""
    return new_page()


def unique_name(prefix):
    """A username no other test uses: 3-30 letters and digits."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def register(page, prefix="member"):
    """Create an account through the /register form; the page is left signed in. Returns the Member."""
    member = Member(unique_name(prefix), PASSWORD)
    page.goto("/register")
    page.get_by_label("Username", exact=True).fill(member.username)
    page.get_by_label("Email", exact=True).fill(f"{member.username}@example.com")
    page.get_by_label("Password", exact=True).fill(member.password)
    page.get_by_label("Repeat password", exact=True).fill(member.password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Welcome to the community, {member.username}!")).to_be_visible()
    return member


def sign_in_through_form(page, username, password=PASSWORD):
    """Sign in through the form and wait until the header shows the account."""
    page.goto("/sign-in")
    page.get_by_label("Username or email", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".account-link")).to_contain_text(username)


@pytest.fixture
def register_member():
    """register(page, prefix) as a fixture, for tests that prefer injection to an import."""
    return register
