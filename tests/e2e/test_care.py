"""The care queue in a browser: nobody answers, the sweep queues the thread, an agent answers from the queue."""
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from app.auth import services as accounts
from app.care import sweep
from app.clock import utcnow
from app.database import begin_write
from app.extensions import db
from app.models import Question
from tests.e2e.conftest import PASSWORD, sign_in_through_form

pytestmark = pytest.mark.e2e


def test_unanswered_question_is_queued_answered_by_an_agent_and_resolved_within_sla(live_server, new_page,
                                                                                  register_member):
    token = uuid.uuid4().hex[:8]
    title = f"Lamp timer resets every night ({token})"

    customer = new_page()
    register_member(customer, "cust")
    customer.get_by_role("link", name="Ask a question").click()
    customer.get_by_label("Title", exact=True).fill(title)
    customer.get_by_label("Details", exact=True).fill("The schedule I set in the app is gone every morning.")
    customer.get_by_label("Tags", exact=True).fill("lumen-lamp")
    customer.get_by_role("button", name="Post your question").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(title)
    question_url = customer.url
    question_id = int(question_url.split("/questions/")[1].split("/")[0])

    # Nobody answers for two hours; then the cron sweep runs.
    with live_server.app.app_context():
        # The server may still be writing after its response: take SQLite's write lock before reading, as
        # services do (a read transaction cannot become a write once another connection has committed).
        begin_write(db.session)
        question = db.session.get(Question, question_id)
        earlier = question.created_at - timedelta(hours=2)
        db.session.execute(update(Question).where(Question.id == question_id)
                           .values(created_at=earlier, last_activity_at=earlier))
        db.session.commit()
        assert sweep.run(utcnow()).created >= 1
        agent_name = f"agent{token}"
        accounts.register(agent_name, f"{agent_name}@example.com", PASSWORD, role="agent", now=utcnow())
        db.session.remove()

    customer.reload()
    expect(customer.locator(".care-status")).to_contain_text("Staff notified")

    agent = new_page()
    sign_in_through_form(agent, agent_name)
    agent.get_by_role("link", name="Care queue").click()
    row = agent.locator(".care-row", has=agent.get_by_role("link", name=title))
    expect(row).to_contain_text("No answer yet")
    expect(row).to_contain_text("left")
    row.get_by_role("link", name=title).click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.get_by_text("The item is yours.")).to_be_visible()
    expect(agent.locator("[data-status]")).to_have_text("In progress")
    agent.get_by_label("Official answer").fill("Turn off 'Reset at midnight' under Schedule, then save it again.")
    agent.get_by_role("button", name="Post official answer").click()
    expect(agent.get_by_text("Your official answer is posted on the thread.")).to_be_visible()
    expect(agent.locator(".care-facts")).to_contain_text("Met")

    customer.reload()
    expect(customer.locator(".care-status")).to_contain_text("Staff investigating")
    official = customer.locator(".answer.is-staff")
    expect(official.locator(".official-label")).to_contain_text("Official answer")
    official.get_by_role("button", name="✓ Accept this answer").click()
    expect(customer.get_by_text("Did this solve your problem?")).to_be_visible()
    customer.get_by_role("button", name="Yes, it is solved").click()
    expect(customer.get_by_text("Thanks! Glad it is solved.")).to_be_visible()
    expect(customer.locator(".care-status")).to_contain_text("Resolved by staff")
    expect(customer.get_by_text("Did this solve your problem?")).to_have_count(0)

    agent.goto("/staff/care/report")
    expect(agent.locator('[data-figure="resolved_by_staff"]')).not_to_have_text("0")
    question_row = agent.locator('[data-compliance="category-question"]')
    expect(question_row).to_contain_text("100%")
    expect(agent.locator('[data-figure="satisfaction"]')).to_have_text("100%")


def test_a_visitor_presses_i_have_this_problem_too_once(live_server, page):
    token = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        from app.questions import services as threads

        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        question = threads.ask_question(asker, f"Earbud case lid squeaks ({token})", "It started after a week.",
                                        ["x200-case"], now=utcnow())
        question_id = question.id
        db.session.remove()
    page.goto(f"/questions/{question_id}")
    expect(page.locator("[data-same-count]")).to_be_hidden()
    page.evaluate("window.__samePage = true")
    # The first press brings no visitor cookie and counts nothing; the script presses once more with it.
    page.get_by_role("button", name="I have this problem too").click()
    expect(page.locator("[data-same-count]")).to_have_text("1 person has this problem")
    expect(page.locator("[data-same-problem-status]")).to_have_text(
        "Thanks: staff see how many people have this problem.")
    assert page.evaluate("window.__samePage") is True  # sent by script, without leaving the page
    page.reload()
    page.get_by_role("button", name="I have this problem too").click()
    expect(page.locator("[data-same-problem-status]")).to_have_text("You are already counted for this problem.")
    expect(page.locator("[data-same-count]")).to_have_text("1 person has this problem")


def test_without_script_a_visitor_is_told_to_press_once_more(live_server, browser):
    token = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        from app.questions import services as threads

        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        question_id = threads.ask_question(asker, f"Charging case blinks red ({token})",
                                           "It started right after the update.", ["x200-case"], now=utcnow()).id
        db.session.remove()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/questions/{question_id}")
        page.get_by_role("button", name="I have this problem too").click()
        expect(page.get_by_role("heading", name="Not counted yet: press once more")).to_be_visible()
        page.get_by_role("button", name="I have this problem too").click()
        expect(page.locator("[data-same-count]")).to_have_text("1 person has this problem")
    finally:
        context.close()
