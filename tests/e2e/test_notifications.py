"""Talking to members in the browser: the bell, following, email settings, tokens, password reset by email."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from app import outbox
from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.questions import services as threads
from tests import mailbox as smtp
from tests.e2e.conftest import PASSWORD, sign_in_through_form
from tests.mailbox import body

pytestmark = pytest.mark.e2e


def test_the_bell_leads_to_the_answer_and_settings_are_kept(live_server, new_page, register_member):
    """Bob answers Alice's question: her bell rings, the notification leads to the answer, and she tunes email."""
    token = uuid.uuid4().hex[:8]
    title = f"Lamp flickers at low brightness ({token})"
    asker = new_page()
    alice = register_member(asker, "alice")
    with live_server.app.app_context():
        author = accounts.find_user(alice.username)
        question = threads.ask_question(author, title, "Below 20 percent the Lumen lamp flickers every second.",
                                        ["lumen-lamp"], now=utcnow())
        question_id = question.id
        db.session.remove()

    helper = new_page()
    bob = register_member(helper, "bob")
    helper.goto(f"/questions/{question_id}")
    # Bob follows by answering: the button says so.
    expect(helper.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    helper.get_by_label("Your answer", exact=True).fill(
        f"@{alice.username} update the lamp firmware to 3.2, it fixes the PWM flicker at low levels.")
    helper.get_by_role("button", name="Post your answer").click()
    expect(helper.get_by_text("Thanks for your answer!")).to_be_visible()
    expect(helper.get_by_role("button", name="Unfollow")).to_be_visible()

    asker.goto("/")
    bell = asker.get_by_role("link", name="Notifications: 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(asker.get_by_role("heading", name="Notifications")).to_be_visible()
    item = asker.locator(".notification.is-unread")
    expect(item).to_contain_text(f"{bob.username} answered your question")
    expect(item).to_contain_text(title)
    item.get_by_role("link").click()
    expect(asker).to_have_url(re.compile(rf"/questions/{question_id}/.*#answer-\d+$"))
    expect(asker.get_by_role("link", name="Notifications: 0 unread")).to_be_visible()

    # Email once a day instead of right away.
    asker.get_by_role("link", name="Settings").click()
    asker.get_by_role("link", name="Notifications", exact=True).click()
    asker.get_by_label("Once a day, in a digest").check()
    asker.get_by_role("button", name="Save").click()
    expect(asker.get_by_text("Your notification choices are saved.")).to_be_visible()
    expect(asker.get_by_label("Once a day, in a digest")).to_be_checked()

    # An API token: shown once, then revoked.
    asker.get_by_role("link", name="API tokens").click()
    asker.get_by_label("Token name", exact=True).fill("Home automation")
    asker.get_by_role("button", name="Create token").click()  # no scope chosen: refused, the name kept
    expect(asker.get_by_label("Token name", exact=True)).to_have_value("Home automation")
    asker.get_by_role("checkbox", name=re.compile(r"Ask, answer, vote")).check()
    asker.get_by_role("button", name="Create token").click()
    expect(asker.locator("[data-new-token]")).to_have_text(re.compile(r"^pd_"))
    row = asker.locator("tr", has_text="Home automation")
    asker.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(asker.get_by_text("The token is revoked.")).to_be_visible()
    expect(asker.locator("tr", has_text="Home automation")).to_have_count(0)


def test_forgotten_password_is_reset_from_the_emailed_link(live_server, page):
    """A member who forgot their password gets a link by email, chooses a new one and signs in with it."""
    token = uuid.uuid4().hex[:8]
    username = f"forgetful{token}"
    with live_server.app.app_context():
        accounts.register(username, f"{username}@example.com", PASSWORD, verified=True, now=utcnow())
        db.session.remove()
    with smtp.configured(live_server.app) as box:
        try:
            page.goto("/sign-in")
            page.get_by_role("link", name="Forgot your password?").click()
            page.get_by_label("Email address", exact=True).fill(f"{username}@example.com")
            page.get_by_role("button", name="Send reset link").click()
            expect(page.get_by_text("If an account uses that address")).to_be_visible()
            with live_server.app.app_context():
                outbox.deliver_due(now=utcnow())
                db.session.remove()
            [message] = box.to(f"{username}@example.com")
        finally:
            for name in ("SMTP_HOST", "SMTP_PORT", "SITE_URL"):
                live_server.app.config.pop(name, None)
    link = re.search(r"https?://\S+(/password-reset/\S+)", body(message)).group(1)
    page.goto(link)
    new_password = "Harbour-lights-8812"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat new password", exact=True).fill(new_password)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    sign_in_through_form(page, username, new_password)
    page.goto(link)
    expect(page.get_by_text("already used").first).to_be_visible()  # an error summary may repeat it
