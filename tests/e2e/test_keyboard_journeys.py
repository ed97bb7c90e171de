"""Keyboard only: ask with the suggestions combobox, answer, vote, accept, flag; an agent claims and answers care.

Every Tab stop on the way must show its focus at 3:1 and stay clear of the sticky header (tests/e2e/keyboard.py).
"""
import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from app.auth import services as accounts
from app.care import services as care
from app.clock import utcnow
from app.extensions import db
from app.models import Question, User
from app.questions import services as threads
from app.search import index_sync
from tests.e2e.conftest import PASSWORD, sign_in_through_form
from tests.e2e.keyboard import assert_focus_visible, tab_to

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_server):
    """An asker, a helper, a member trusted to flag (an old account), an agent, and an indexed resolved thread."""
    token = uuid.uuid4().hex[:6]
    now = utcnow()
    names = {role: f"{role}{token}" for role in ("asker", "helper", "veteran", "agent")}
    with live_server.app.app_context():
        users = {role: accounts.register(name, f"{name}@example.com", PASSWORD, now=now, verified=True,
                                         role="agent" if role == "agent" else "member")
                 for role, name in names.items()}
        db.session.execute(update(User).where(User.id == users["veteran"].id)
                           .values(created_at=now - timedelta(days=400)))
        db.session.commit()
        earlier = threads.ask_question(users["helper"], f"Doorbell chime too quiet in the hallway {token}",
                                       "The chime can hardly be heard upstairs, even at full volume.",
                                       ["doorbell"], now=now)
        answer = threads.post_answer(users["veteran"], earlier, "Raise the chime volume under Sounds, then "
                                     "pair a second chime upstairs.", now=now)
        threads.accept_answer(users["helper"], answer, now=now)
        index_sync.catch_up(now=utcnow())
        db.session.remove()
    return token, names


def test_ask_answer_vote_accept_and_flag_with_the_keyboard_only(new_page, people, live_server):
    token, names = people
    asker = new_page()
    sign_in_through_form(asker, names["asker"])
    asker.goto("/questions/ask")

    # The title is a combobox: suggestions appear and their number is announced politely.
    title = asker.get_by_role("combobox", name="Title")
    tab_to(asker, title)
    title.press_sequentially(f"Doorbell chime quiet {token}", delay=10)
    option = asker.get_by_role("option").first
    expect(option).to_be_visible()
    status = asker.locator("[data-suggest-form] [data-suggestions-status]")
    expect(status).to_have_text(re.compile(r"^\d+ similar questions? found$"))
    expect(status).to_have_attribute("aria-live", "polite")
    expect(option.locator("a, button, input")).to_have_count(0)  # nothing interactive nested in an option

    # Enter with no suggestion highlighted does not post a half-written question.
    asker.keyboard.press("Enter")
    expect(asker).to_have_url(re.compile(r"/questions/ask$"))
    expect(asker.locator(".field-error")).to_have_count(0)
    asker.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(title).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    asker.keyboard.press("Escape")
    expect(title).to_have_attribute("aria-expanded", "false")

    # Posting without details or tags: an error summary takes the focus and links to each field.
    asker.keyboard.press("End")
    asker.keyboard.type(" after the update")
    tab_to(asker, asker.get_by_role("button", name="Post your question"))
    asker.keyboard.press("Enter")
    summary = asker.locator(".error-summary")
    expect(summary).to_be_focused()
    assert_focus_visible(asker)
    expect(summary.get_by_role("link")).to_have_count(2)
    asker.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    asker.keyboard.press("Enter")
    details = asker.get_by_label("Details", exact=True)
    expect(details).to_be_focused()
    expect(details).to_have_attribute("aria-invalid", "true")
    described = details.get_attribute("aria-describedby").split()
    expect(asker.locator(f"#{described[0]}")).to_have_class(re.compile("field-error"))

    asker.keyboard.type("It chimes so quietly nobody upstairs hears the door.")
    tab_to(asker, asker.get_by_label("Tags", exact=True))
    asker.keyboard.type("doorbell")
    tab_to(asker, asker.get_by_role("button", name="Post your question"))
    asker.keyboard.press("Enter")
    expect(asker.get_by_role("heading", level=1)).to_have_text(f"Doorbell chime quiet {token} after the update")
    thread_url = asker.url

    # Another member answers from the keyboard.
    helper = new_page()
    sign_in_through_form(helper, names["helper"])
    helper.goto(thread_url)
    tab_to(helper, helper.get_by_label("Your answer").or_(helper.locator("#answer-form textarea")), limit=80)
    helper.keyboard.type("Hold the chime button for five seconds to reset its volume to the loudest level.")
    tab_to(helper, helper.get_by_role("button", name="Post your answer"))
    helper.keyboard.press("Enter")
    answer = helper.locator("article.answer").last
    expect(answer).to_contain_text("Hold the chime button")
    # A heading per answer, for moving from answer to answer.
    expect(answer.get_by_role("heading", level=3)).to_have_text(f"Answer from {names['helper']}")

    # The asker votes it up: the score changes and is announced politely.
    asker.reload()
    answer = asker.locator("article.answer").last
    up = answer.get_by_role("button", name="This answer is useful")
    tab_to(asker, up, limit=80)
    asker.keyboard.press("Enter")
    expect(answer.locator("[data-score]")).to_have_text("1")
    expect(asker.get_by_role("status").filter(has_text="Score 1")).to_have_count(1)
    expect(up).to_have_attribute("aria-pressed", "true")

    # ...and accepts it; the thread then links to the accepted answer.
    tab_to(asker, answer.get_by_role("button", name="Accept this answer"))
    asker.keyboard.press("Enter")
    expect(asker.get_by_text("Answer accepted: the question is marked resolved.")).to_be_visible()
    asker.goto(thread_url)  # from the top of the thread, as the next reader comes to it
    jump = asker.get_by_role("link", name="Jump to the accepted answer")
    tab_to(asker, jump)
    asker.keyboard.press("Enter")
    expect(asker).to_have_url(re.compile(r"#answer-\d+$"))
    accepted = asker.locator("article.answer.is-accepted")
    expect(accepted.get_by_role("heading", level=3)).to_have_text(f"Accepted answer from {names['helper']}")
    header = asker.locator(".site-header").bounding_box()
    assert accepted.bounding_box()["y"] >= header["y"] + header["height"] - 1

    # A trusted member flags the answer: open the box, pick a reason with the arrows, send.
    veteran = new_page()
    sign_in_through_form(veteran, names["veteran"])
    veteran.goto(thread_url)
    answer = veteran.locator("article.answer").last
    flag = answer.locator(".flag-box summary")
    tab_to(veteran, flag, limit=80)
    veteran.keyboard.press("Enter")
    first_reason = answer.get_by_role("radio").first
    tab_to(veteran, first_reason)
    veteran.keyboard.press("Space")
    expect(first_reason).to_be_checked()
    tab_to(veteran, answer.get_by_role("button", name="Flag answer"))
    veteran.keyboard.press("Enter")
    expect(veteran.locator(".flash-success")).to_be_visible()


def test_an_agent_claims_and_answers_a_care_item_with_the_keyboard_only(new_page, people, live_server):
    token, names = people
    with live_server.app.app_context():
        asker = db.session.scalar(db.select(User).where(User.username == names["asker"]))
        agent = db.session.scalar(db.select(User).where(User.username == names["agent"]))
        question = threads.ask_question(asker, f"Camera stopped recording at night {token}",
                                        "Night recordings stopped two days ago; daytime ones still work.",
                                        ["camera"], now=utcnow())
        care.send_to_queue(agent, question, "Waiting since the weekend.", now=utcnow())
        question_id = question.id
        assert db.session.get(Question, question_id) is not None
        db.session.remove()

    page = new_page()
    sign_in_through_form(page, names["agent"])
    page.goto(f"/staff/care/questions/{question_id}")
    # Claim is a few Tab stops in, by the link to the item's actions; not dozens.
    to_actions = tab_to(page, page.get_by_role("link", name="Claim, assign and triage"))
    page.keyboard.press("Enter")
    presses = tab_to(page, page.get_by_role("button", name="Claim"), limit=15)
    assert to_actions + presses <= 25, (to_actions, presses)
    page.keyboard.press("Enter")
    expect(page.get_by_text("The item is yours.")).to_be_visible()

    tab_to(page, page.get_by_label("Official answer"), limit=80)
    page.keyboard.type("Night mode needs the infrared switch back on: Settings, Camera, Night vision.")
    tab_to(page, page.get_by_role("button", name="Post official answer"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your official answer is posted on the thread.")).to_be_visible()
