"""Moderation in the browser: three members flag a spam answer away, a moderator agrees and suspends the spammer."""
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.questions import services as threads
from tests.e2e.conftest import PASSWORD, sign_in_through_form

pytestmark = pytest.mark.e2e


def test_flags_hide_spam_a_moderator_agrees_and_the_spammer_is_suspended(new_page, live_server):
    token = uuid.uuid4().hex[:8]
    title = f"Aurora lamp loses its schedule after a power cut ({token})"
    spam_text = f"Cheap followers and likes at spam-{token} dot example, best prices online!"
    with live_server.app.app_context():
        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        spammer = accounts.register(f"spammer{token}", f"spammer{token}@example.com", PASSWORD, now=utcnow())
        # Members of a month with a verified address: flagging is earned (app.permissions.trust).
        flaggers = [accounts.register(f"flagger{n}{token}", f"flagger{n}{token}@example.com", PASSWORD, verified=True,
                                      now=utcnow() - timedelta(days=30))
                    for n in range(3)]
        accounts.register(f"mod{token}", f"mod{token}@example.com", PASSWORD, role="moderator", now=utcnow())
        question = threads.ask_question(asker, title, "Every power cut wipes the wake-up schedule I set.",
                                        ["aurora-lamp"], now=utcnow())
        spam = threads.post_answer(spammer, question, spam_text, now=utcnow())
        question_id, spam_id = question.id, spam.id
        flagger_names = [f.username for f in flaggers]

    for number, name in enumerate(flagger_names, start=1):
        page = new_page()
        sign_in_through_form(page, name)
        page.goto(f"/questions/{question_id}")
        answer = page.locator(f"#answer-{spam_id}")
        expect(answer).to_contain_text(spam_text)
        answer.locator(".flag-box summary").click()
        answer.get_by_label("Spam", exact=True).check()
        answer.get_by_role("button", name="Flag answer").click()
        expect(page.get_by_text("Thanks for flagging: a moderator will review it.")).to_be_visible()
        # Hidden at once on the third flag, and not before.
        expect(page.get_by_text(spam_text)).to_have_count(0 if number == 3 else 1)

    visitor = new_page()
    visitor.goto(f"/questions/{question_id}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.get_by_text(spam_text)).to_have_count(0)
    expect(visitor.locator("#answers-heading")).to_have_text("0 Answers")

    moderator = new_page()
    sign_in_through_form(moderator, f"mod{token}")
    moderator.get_by_role("link", name=re.compile(r"^Moderation")).click()
    item = moderator.locator(".review-item", has_text=spam_text)
    expect(item).to_contain_text("3 flags")
    for name in flagger_names:
        expect(item).to_contain_text(name)
    item.get_by_label("Note to the people concerned").fill("Advertising, not an answer")
    item.get_by_role("button", name="Agree: hide").click()
    expect(moderator.get_by_text("Agreed: the post stays hidden")).to_be_visible()
    expect(moderator.locator(".review-item", has_text=spam_text)).to_have_count(0)

    moderator.goto("/moderation?status=decided")
    decided = moderator.locator(".review-item", has_text=spam_text)
    decided.get_by_role("link", name="history").click()
    expect(moderator.get_by_text("we suggest")).to_contain_text("1 day")
    moderator.get_by_label("Reason (the member sees it)").fill("Posting advertisements")
    moderator.get_by_role("button", name="1 day", exact=True).click()
    expect(moderator.get_by_text(f"spammer{token} is suspended until")).to_be_visible()

    offender = new_page()
    sign_in_through_form(offender, f"spammer{token}")
    expect(offender.locator(".suspension-banner")).to_contain_text("Posting advertisements")
    offender.goto(f"/questions/{question_id}")
    # The author still sees their hidden answer, with the moderated note, but cannot post.
    expect(offender.locator(f"#answer-{spam_id} .moderated-note")).to_contain_text("Only you and the moderators")
    expect(offender.get_by_role("button", name="Post your answer")).to_have_count(0)
    offender.get_by_role("link", name="Ask a question").click()
    offender.get_by_label("Title", exact=True).fill(f"Buy cheap followers today, limited offer {token}")
    offender.get_by_label("Details", exact=True).fill("Visit my shop for the best prices on followers.")
    offender.get_by_label("Tags", exact=True).fill("deals")
    with offender.expect_navigation() as navigation:
        offender.get_by_role("button", name="Post your question").click()
    assert navigation.value.status == 403
    expect(offender.get_by_text(re.compile(r"You are suspended until .*Posting advertisements")).first).to_be_visible()
