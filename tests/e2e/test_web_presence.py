"""The public web side in a real browser: a visitor says an answer helped, staff see it; an admin adds a webhook."""
import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.questions import services as threads
from tests.e2e.conftest import PASSWORD, sign_in_through_form

pytestmark = pytest.mark.e2e


def test_a_visitor_says_an_answer_helped_and_staff_see_the_count(live_server, new_page):
    token = uuid.uuid4().hex[:8]
    title = f"How long does the X200 case take to charge? ({token})"
    with live_server.app.app_context():
        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        helper = accounts.register(f"helper{token}", f"helper{token}@example.com", PASSWORD, now=utcnow())
        accounts.register(f"agent{token}", f"agent{token}@example.com", PASSWORD, role="agent", now=utcnow())
        question = threads.ask_question(asker, title, "The light stays orange for hours, is that normal?", ["x200"],
                                        now=utcnow())
        threads.post_answer(helper, question, "About ninety minutes with a 10 W charger; orange means charging.",
                            now=utcnow())
        question_id = question.id

    visitor = new_page()
    visitor.goto(f"/questions/{question_id}")
    structured = json.loads(visitor.locator('script[type="application/ld+json"]').text_content())
    assert structured["mainEntity"]["name"] == title and structured["mainEntity"]["answerCount"] == 1
    box = visitor.locator("[data-helpful]")
    expect(box).to_contain_text("Did this answer help you?")
    visitor.evaluate("window.__samePage = true")
    box.get_by_role("button", name="Yes").click()
    expect(box.get_by_role("status")).to_have_text("Thanks! Your answer helps us improve.")
    expect(box.get_by_role("button")).to_have_count(0)
    assert visitor.evaluate("window.__samePage") is True  # sent by script, without leaving the page

    # The same browser changes its mind: still one answer from this browser.
    visitor.reload()
    visitor.locator("[data-helpful]").get_by_role("button", name="No").click()
    expect(visitor.locator("[data-helpful]").get_by_role("status")).to_contain_text("Thanks.")

    second_visitor = new_page()
    second_visitor.goto(f"/questions/{question_id}")
    second_visitor.locator("[data-helpful]").get_by_role("button", name="Yes").click()
    expect(second_visitor.locator("[data-helpful]").get_by_role("status")).to_contain_text("Thanks!")

    staff = new_page()
    sign_in_through_form(staff, f"agent{token}")
    staff.goto(f"/questions/{question_id}")
    expect(staff.locator("[data-helpful]")).to_have_count(0)
    expect(staff.locator(".helpful-counts")).to_contain_text("1 yes, 1 no")


def test_an_admin_registers_a_webhook_and_sends_a_test_event(live_server, page):
    token = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        accounts.register(f"admin{token}", f"admin{token}@example.com", PASSWORD, role="admin", now=utcnow())
    sign_in_through_form(page, f"admin{token}")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_label("Payload URL").fill("ftp://crm.example.com/hook")
    page.get_by_role("button", name="Add webhook").click()
    # The field's own error (the form's error summary repeats it as a link to the field).
    expect(page.locator(".field-error", has_text="Only http:// and https://")).to_be_visible()
    expect(page.get_by_text("Choose at least one of the listed events.", exact=True)).to_be_visible()

    page.get_by_label("Payload URL").fill(f"https://crm.example.com/hooks/{token}")
    page.get_by_label("Description (optional)").fill("CRM bridge")
    page.get_by_label("A question is asked").check()
    page.get_by_label("A post is flagged").check()
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text("The webhook is registered.")).to_be_visible()
    expect(page.get_by_text(f"https://crm.example.com/hooks/{token}")).to_be_visible()
    page.get_by_text("Show the signing secret").click()
    expect(page.locator("[data-webhook-secret]")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("A test event is queued")).to_be_visible()
    expect(page.locator("table.data-table tbody tr").first).to_contain_text("ping")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete webhook").click()
    expect(page.get_by_text("The webhook is deleted.")).to_be_visible()
    expect(page.get_by_text(f"https://crm.example.com/hooks/{token}")).to_have_count(0)
