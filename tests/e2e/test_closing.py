"""Closing a duplicate in the browser: the moderator finds the original by title, and the thread then says so."""
import uuid

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.questions import services as threads
from app.search import index_sync
from tests.e2e.conftest import PASSWORD, sign_in_through_form

pytestmark = pytest.mark.e2e


def test_a_moderator_finds_the_original_by_title_and_the_duplicate_then_names_it(new_page, live_server):
    token = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        moderator = accounts.register(f"mod{token}", f"mod{token}@example.com", PASSWORD, role="moderator",
                                      now=utcnow())
        original = threads.ask_question(asker, f"Halo speaker pairing code is rejected {token}",
                                        "The app says the six-digit code is wrong every time.", ["halo"],
                                        now=utcnow())
        duplicate = threads.ask_question(asker, f"My new Aurora lamp will not join the app {token}",
                                         "It blinks red after I type the number from the box.", ["aurora-lamp"],
                                         now=utcnow())
        index_sync.catch_up(now=utcnow())
        original_id, original_title, duplicate_id = original.id, original.title, duplicate.id
        moderator_name = moderator.username

    page = new_page()
    sign_in_through_form(page, moderator_name)
    page.goto(f"/questions/{duplicate_id}")
    page.locator(".close-box summary").click()
    page.get_by_label("Find the original by its title").press_sequentially(f"halo pairing code {token}", delay=10)
    results = page.locator("#duplicate-search-results")
    expect(results).to_be_visible()
    results.get_by_label(original_title).check()
    page.get_by_role("button", name="Close question").click()

    expect(page.get_by_text("The question is closed.")).to_be_visible()
    status = page.locator(".thread-meta .status-duplicate")
    expect(status).to_contain_text(f"Closed as duplicate of {original_title}")
    expect(status.get_by_role("link", name=original_title)).to_have_attribute(
        "href", f"/questions/{original_id}/halo-speaker-pairing-code-is-rejected-{token}")
