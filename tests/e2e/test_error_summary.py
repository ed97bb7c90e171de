"""The error summary a form sent back with errors shows (rendered by the server, focused by site.js), and the
words the scripts say in a French browser: the summary, the suggestions' count, the vote announcement."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.questions import services as threads
from app.search import index_sync
from tests.e2e.conftest import PASSWORD, TIMEOUT_MS
from tests.e2e.keyboard import tab_to

pytestmark = pytest.mark.e2e


@pytest.fixture
def french_page(browser, live_server):
    """A page in a fresh browser context whose language is French (Accept-Language: fr-FR)."""
    contexts, js_errors = [], []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        context.set_default_timeout(TIMEOUT_MS)
        context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(error))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not js_errors, f"uncaught JavaScript errors: {js_errors!r}"


@pytest.fixture
def thread(live_server):
    """An asker and a voter (French browsers, no language of their own), and an indexed question by the asker."""
    token = uuid.uuid4().hex[:6]
    now = utcnow()
    names = {role: f"{role}{token}" for role in ("asker", "voter")}
    with live_server.app.app_context():
        users = {role: accounts.register(name, f"{name}@example.com", PASSWORD, now=now, verified=True)
                 for role, name in names.items()}
        question = threads.ask_question(users["asker"], f"Thermostat display stays blank {token}",
                                        "The thermostat display stays blank after the batteries were changed.",
                                        ["thermostat"], now=now)
        question_id = question.id
        index_sync.catch_up(now=utcnow())
        db.session.remove()
    return token, names, question_id


def sign_in(page, username):
    page.goto("/sign-in")
    page.locator("#login").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action^='/sign-in'] button[type=submit]").click()
    expect(page.locator(".account-link")).to_contain_text(username)


def test_a_failed_submit_focuses_the_servers_summary_in_french(french_page):
    page = french_page()
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("#username").fill("camille" + uuid.uuid4().hex[:6])
    page.locator("form[action^='/register'] button[type=submit]").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_count(1)  # the script focuses the server's summary and builds no second one
    expect(summary.get_by_role("heading", level=2)).to_have_text("Ce formulaire comporte des erreurs")
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    expect(links.first).to_have_text(re.compile("^E-mail\u00a0: .+"))

    # Tab reaches the first link; Enter moves the focus to its field.
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#email")).to_be_focused()


def test_one_error_says_une_erreur_and_the_link_focuses_its_field(french_page):
    page = french_page()
    page.goto("/register")
    name = "dominique" + uuid.uuid4().hex[:6]
    page.locator("#username").fill(name)
    page.locator("#email").fill(f"{name}@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD + "x")
    page.locator("form[action^='/register'] button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("Ce formulaire comporte une erreur")
    summary.get_by_role("link").click()
    expect(page.locator("#confirm")).to_be_focused()


def test_a_french_asker_hears_the_suggestions_count_and_the_vote_in_french(french_page, thread, live_server):
    token, names, question_id = thread
    asker = french_page()
    sign_in(asker, names["voter"])
    asker.goto("/questions/ask")
    title = asker.locator("#title")
    title.press_sequentially(f"Thermostat display blank {token}", delay=10)
    expect(asker.get_by_role("option").first).to_be_visible()
    status = asker.locator("[data-suggest-form] [data-suggestions-status]")
    expect(status).to_have_text(re.compile(r"^(\d+ questions? similaires? trouvées?)$"))
    meta = asker.locator(".suggestion-meta").first
    expect(meta).to_have_text(re.compile(r"^\d+ votes? · \d+ réponses?$"))

    # A vote is announced in French.
    asker.goto(f"/questions/{question_id}")
    up = asker.locator(".vote-box .vote-up").first
    tab_to(asker, up, limit=80)
    asker.keyboard.press("Enter")
    expect(asker.locator(".vote-box [data-score]").first).to_have_text("1")
    expect(asker.get_by_role("status").filter(has_text="Score 1")).to_have_text("Score 1. Vous l’avez jugé utile.")
