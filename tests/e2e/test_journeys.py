"""People using the community through the browser: ask, preview, answer, vote, accept, sign in and out."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.questions import services as threads
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _ask(page, title, body, tags):
    """Open the ask form from the header button and fill it in (without submitting)."""
    page.get_by_role("link", name="Ask a question").click()
    expect(page.get_by_role("heading", name="Ask a question")).to_be_visible()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Details", exact=True).fill(body)
    page.get_by_label("Tags", exact=True).fill(tags)


def _reputation_on_profile(page, member):
    """Open the member's profile from the header link and return the Reputation figure locator."""
    page.locator(".account-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.username)
    return page.locator(".profile-stats div", has=page.locator("dt", has_text="Reputation")).locator("dd")


def test_ask_answer_vote_accept(new_page, register_member):
    """A asks, B answers and upvotes, A accepts: resolved everywhere, reputation moves as the rules say."""
    token = uuid.uuid4().hex[:8]
    title = f"Earbuds lose pairing after the firmware update ({token})"
    answer_text = "Hold both buttons for fifteen seconds until the light blinks white, then pair again."

    asker = new_page()
    alice = register_member(asker, "alice")
    _ask(asker, title, "The **bold** move did not help: the left earbud still drops after a minute.",
         "x200-earbuds bluetooth")
    # The live preview renders Markdown on the server, as the post will be saved.
    expect(asker.locator("[data-preview-body] strong")).to_have_text("bold")
    asker.get_by_role("button", name="Post your question").click()
    expect(asker.get_by_role("heading", level=1)).to_have_text(title)
    expect(asker.get_by_text("Your question is posted.")).to_be_visible()
    expect(asker.locator("#question .post-body strong")).to_have_text("bold")
    expect(asker.locator(".thread-meta .badge-open")).to_have_text("Open")
    question_url = asker.url

    helper = new_page()
    bob = register_member(helper, "bob")
    helper.goto(question_url)
    helper.get_by_label("Your answer", exact=True).fill(answer_text)
    helper.get_by_role("button", name="Post your answer").click()
    expect(helper.get_by_text("Thanks for your answer!")).to_be_visible()
    expect(helper.locator(".answer .post-body")).to_have_text(answer_text)

    # The vote goes through fetch: the score changes and this page's JavaScript state survives.
    helper.evaluate("window.__sameDocument = true")
    question_score = helper.locator("#question [data-score]")
    expect(question_score).to_have_text("0")
    upvote = helper.get_by_role("button", name="This question is useful")
    upvote.click()
    expect(question_score).to_have_text("1")
    expect(upvote).to_have_attribute("aria-pressed", "true")
    assert helper.evaluate("window.__sameDocument") is True

    asker.reload()
    expect(asker.locator("#question [data-score]")).to_have_text("1")
    asker.get_by_role("button", name="✓ Accept this answer").click()
    expect(asker.get_by_text("Answer accepted: the question is marked resolved.")).to_be_visible()
    expect(asker.locator(".thread-meta .badge-resolved")).to_have_text("✓ Resolved")
    accepted = asker.locator(".answer.is-accepted")
    expect(accepted.locator(".accepted-label")).to_have_text("✓ Accepted answer")
    expect(accepted.locator(".post-body")).to_have_text(answer_text)

    asker.goto("/?tab=resolved")
    row = asker.locator(".question-row", has=asker.get_by_role("link", name=title))
    expect(row.locator(".badge-resolved")).to_have_text("Resolved")
    expect(row.locator(".stat-resolved")).to_contain_text("1 answer")

    # Alice: 1 to start + 5 for Bob's upvote of her question + 2 for accepting an answer.
    expect(_reputation_on_profile(asker, alice)).to_have_text("8")
    # Bob: 1 to start + 15 for his accepted answer (his own vote earns him nothing).
    expect(_reputation_on_profile(helper, bob)).to_have_text("16")
    expect(helper.locator(".compact-list li", has_text=title).locator(".badge-resolved")).to_have_text("Accepted")


def test_visitor_reads_and_is_offered_sign_in(live_server, page):
    """A visitor reads a thread; the answer form is a sign-in link that leads back to the thread."""
    token = uuid.uuid4().hex[:8]
    title = f"Which charger works with the Lumen lamp? ({token})"
    with live_server.app.app_context():
        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        helper = accounts.register(f"helper{token}", f"helper{token}@example.com", PASSWORD, now=utcnow())
        question = threads.ask_question(asker, title, "I lost the original charger and the shop is far away.",
                                        ["lumen-lamp"], now=utcnow())
        threads.post_answer(helper, question, "Any USB-C charger of 20 W or more works, I use my phone's.",
                            now=utcnow())
        question_id = question.id

    page.goto(f"/questions/{question_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#question .post-body")).to_contain_text("I lost the original charger")
    expect(page.locator(".answer .post-body")).to_contain_text("Any USB-C charger")
    compose = page.locator("#answer-form")
    expect(compose.locator("textarea")).to_have_count(0)
    expect(page.get_by_role("button", name="Post your answer")).to_have_count(0)
    # A visitor sees why they cannot vote: a link that signs them in, not grey arrows.
    expect(page.get_by_role("button", name="This question is useful")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in to vote on this question")).to_be_visible()

    compose.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username or email", exact=True).fill(f"helper{token}")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Back on the thread it came from, now with the answer form.
    expect(page).to_have_url(re.compile(rf"/questions/{question_id}/"))
    expect(page.get_by_label("Your answer", exact=True)).to_be_visible()


def test_form_errors_show_next_to_the_field(page, register_member):
    """A too-short title is explained beside the title field; the draft body is kept."""
    register_member(page, "carol")
    draft = "My X200 case does not charge unless I press the earbuds down hard."
    _ask(page, "Case broken", draft, "x200-case")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Post your question").click()
    assert navigation.value.status == 422

    title = page.get_by_label("Title", exact=True)
    title_field = page.locator(".field", has=title)
    expect(title_field.locator(".field-error")).to_contain_text("Title must be at least 15 characters")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_value("Case broken")
    expect(page.get_by_label("Details", exact=True)).to_have_value(draft)
    expect(page.get_by_label("Tags", exact=True)).to_have_value("x200-case")
    # Only the title is wrong: no other field is flagged.
    expect(page.locator(".field-error")).to_have_count(1)


def test_sign_out_needs_the_form_and_works(page, register_member):
    """A POST without the CSRF token does not sign out; the header's Sign out button does."""
    member = register_member(page, "dave")
    header = page.locator(".account-nav")
    expect(header.locator(".account-link")).to_contain_text(member.username)

    # Same cookies as the page, but no token, as another site would send it: refused.
    forged = page.request.post("/sign-out", max_redirects=0)
    assert forged.status == 400
    assert "Your form expired or was sent from another site" in forged.text()
    page.reload()
    expect(header.locator(".account-link")).to_contain_text(member.username)

    header.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header.get_by_role("link", name="Ask a question")).to_have_count(0)
    page.goto("/questions/ask")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
