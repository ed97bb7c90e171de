"""Suggestions on the ask form: as the title is typed, existing answers appear, by mouse or keyboard."""
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.models import AskDraft
from app.questions import services as threads
from app.search import index_sync
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def answered(live_server):
    """A resolved thread about a draining watch battery, indexed."""
    marker = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        asker = accounts.register(f"asker{marker}", f"asker{marker}@example.com", PASSWORD, now=utcnow())
        helper = accounts.register(f"helper{marker}", f"helper{marker}@example.com", PASSWORD, now=utcnow())
        question = threads.ask_question(asker, f"Pulse watch battery drains overnight {marker}",
                                        "It loses most of its charge while I sleep.", ["pulse"], now=utcnow())
        answer = threads.post_answer(helper, question, "Switch off the always-on display in Settings.", now=utcnow())
        threads.accept_answer(asker, answer, now=utcnow())
        index_sync.catch_up(now=utcnow())
        return question.id, question.title


def test_suggestions_appear_and_work_with_the_keyboard(page, register_member, answered, live_server):
    question_id, title = answered
    register_member(page, "asker")
    page.goto("/questions/ask")
    title_box = page.get_by_role("combobox", name="Title")
    title_box.press_sequentially(f"Pulse watch batt {title.split()[-1][:3]}", delay=20)
    option = page.get_by_role("option").filter(has_text=title)
    expect(option).to_be_visible()
    expect(title_box).to_have_attribute("aria-expanded", "true")
    expect(option).to_contain_text("Resolved")
    expect(option).to_contain_text("always-on display")
    expect(option.locator(".suggestion-source")).to_have_text("Accepted answer:")

    title_box.press("ArrowDown")
    expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    title_box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(title_box).to_have_attribute("aria-expanded", "false")

    page.get_by_label("Details", exact=True).fill("My watch loses its charge overnight, every night.")
    expect(option).to_be_visible()
    title_box.press("ArrowDown")
    with page.expect_navigation():
        title_box.press("Enter")
    assert f"/questions/{question_id}/" in page.url

    page.go_back()
    expect(page.get_by_label("Details", exact=True)).to_have_value("My watch loses its charge overnight, every night.")
    with live_server.app.app_context():
        drafts = db.session.scalars(select(AskDraft).where(AskDraft.question_id == question_id)).all()
        assert len(drafts) == 1 and drafts[0].posted_at is None

    # Asking after all, from the same browser session: the draft was not deflected.
    page.get_by_label("Tags").fill("pulse")
    with page.expect_navigation():
        page.get_by_role("button", name="Post your question").click()
    assert "/questions/ask" not in page.url
    with live_server.app.app_context():
        assert db.session.get(AskDraft, drafts[0].token).posted_at is not None


def test_the_header_search_box_suggests_and_searches(page, answered):
    question_id, title = answered
    page.goto("/")
    search_box = page.get_by_role("combobox", name="Search")
    search_box.press_sequentially("watch battery drai", delay=20)
    option = page.get_by_role("option").filter(has_text=title)
    expect(option).to_be_visible()
    option.click()
    page.wait_for_url(f"**/questions/{question_id}/**")

    page.go_back()
    # Asked in other words (four words or more, so the semantic half joins).
    page.get_by_role("combobox", name="Search").press_sequentially("my smartwatch loses power while sleeping ",
                                                                   delay=10)
    expect(page.get_by_role("option").filter(has_text=title)).to_be_visible()

    page.get_by_role("combobox", name="Search").fill("battery overnight")
    page.get_by_role("combobox", name="Search").press("Enter")
    page.wait_for_url("**/search?q=battery+overnight")
    expect(page.get_by_role("link", name=title)).to_be_visible()
