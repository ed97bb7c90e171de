"""WCAG 2.2 AA on every page type: axe-core for visitors, members and staff, desktop and phone, light and dark.

One small community is seeded for the module and each role keeps one browser context, so the whole matrix
(page type x role x viewport, both colour schemes on each load) takes a few seconds per page.
"""
import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.care import services as care
from app.clock import utcnow
from app.extensions import db
from app.moderation import services as moderation
from app.questions import services as threads
from app.search import index_sync
from tests.e2e import axe
from tests.e2e.conftest import PASSWORD, TIMEOUT_MS, sign_in_through_form

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")
NARROW = {"width": 320, "height": 640}
ZOOM_200 = {"width": 683, "height": 384}  # 1366x768 at 200%

# The page's width past the viewport, and the elements that stick out furthest (none that scroll inside a parent).
SIDEWAYS = """() => {
  const width = document.documentElement.scrollWidth, viewport = document.documentElement.clientWidth;
  if (width <= viewport) return null;
  const clipped = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > viewport + 1 && !clipped(el))
    .slice(-5).map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")}`);
  return {width, culprits};
}"""


@dataclass
class Community:
    """The seeded threads and people, by the addresses the page states open."""

    token: str
    tag: str
    member: str
    staff: str
    thread: str
    open_thread: str
    title: str
    profile: str
    care_item_of: str


@pytest.fixture(scope="module")
def community(live_server):
    """Two threads (one resolved with comments and votes, one sent to the care queue) and a flag waiting for review."""
    token = uuid.uuid4().hex[:6]
    tag = f"a11y-{token}"
    now = utcnow()
    with live_server.app.app_context():
        member = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=now, verified=True)
        helper = accounts.register(f"helper{token}", f"helper{token}@example.com", PASSWORD, now=now, verified=True)
        staff = accounts.register(f"staff{token}", f"staff{token}@example.com", PASSWORD, role="admin", now=now,
                                  verified=True)
        title = f"Desk lamp flickers when dimmed below half {token}"
        question = threads.ask_question(
            member, title,
            "Since the last update my lamp flickers at low brightness. I tried `reset` and "
            "[the manual](https://example.com/manual), with no luck.\n\n| Setting | Value |\n| --- | --- |\n"
            "| Dimmer | 40% |\n| Firmware | 2.1.0 |", [tag, "lighting"], now=now)
        accepted = threads.post_answer(helper, question, "Turn off **smooth dimming** in the app, then restart the "
                                       "lamp. See [this thread](https://example.com/thread) too.", now=now)
        threads.post_answer(staff, question, "We are looking into low-brightness flicker on firmware 2.1.", now=now)
        threads.add_comment(helper, question, "Which firmware version does the app show?", now=now)
        threads.add_comment(member, question, "Thanks, that fixed it.", answer=accepted, now=now)
        threads.cast_vote(member, accepted, 1, now=now)
        threads.cast_vote(staff, question, 1, now=now)
        threads.accept_answer(member, accepted, now=now)
        moderation.flag_post(staff, question, "other", "Check the firmware number before it goes out.", now=now)
        unanswered = threads.ask_question(member, f"Lamp schedule resets every night {token}",
                                          "The schedule I set in the app is gone every morning, for a week now.",
                                          [tag], now=now)
        care.send_to_queue(staff, unanswered, "A customer waiting since yesterday.", now=now)
        index_sync.catch_up(now=utcnow())
        found = Community(token=token, tag=tag, member=member.username, staff=staff.username,
                          thread=f"/questions/{question.id}", open_thread=f"/questions/{unanswered.id}", title=title,
                          profile=f"/users/{member.id}", care_item_of=f"/staff/care/questions/{unanswered.id}")
        db.session.remove()
    return found


@pytest.fixture(scope="module")
def role_pages(browser, live_server, community):
    """One browser context per role (visitor, member, staff), signed in once; each page records its JS errors."""
    contexts, pages = [], {}
    for role in ("visitor", "member", "staff"):
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["desktop"])
        context.set_default_timeout(TIMEOUT_MS)
        context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.js_errors = errors = []
        # Playwright wraps Python functions only, not a bound list.append
        page.on("pageerror", lambda error, errors=errors: errors.append(error))
        if role != "visitor":
            sign_in_through_form(page, community.member if role == "member" else community.staff)
        pages[role] = page
    yield pages
    for context in contexts:
        context.close()


# Page states: each opens one page type and brings it to the state worth checking.

def _go(path):
    def open_page(page, community):
        page.goto(path.format(c=community))
    return open_page


def _ask_with_suggestions(page, community):
    page.goto("/questions/ask")
    page.get_by_role("combobox", name="Title").press_sequentially(f"Desk lamp flickers {community.token}", delay=10)
    expect(page.get_by_role("option").first).to_be_visible()


def _register_with_errors(page, community):
    page.goto("/register")
    page.get_by_label("Username", exact=True).fill("x")
    page.get_by_label("Email", exact=True).fill("not-an-address")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password", exact=True).fill("different")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-error").first).to_be_visible()


def _menu_open(page, community):
    page.goto("/")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()


def _not_found(page, community):
    response = page.goto("/questions/999999999")
    assert response.status == 404


STATES = {
    "home": ("visitor member staff", _go("/")),
    "tag": ("visitor member", _go("/tags/{c.tag}")),
    "tags": ("visitor", _go("/tags")),
    "members": ("visitor", _go("/users")),
    "thread": ("visitor member staff", _go("{c.thread}")),
    "ask-suggestions": ("member", _ask_with_suggestions),
    "search": ("visitor member", _go("/search?q=lamp+flickers+{c.token}")),
    "search-empty": ("visitor", _go("/search?q=zzqqxxnothingmatches")),
    "sign-in": ("visitor", _go("/sign-in")),
    "register-errors": ("visitor", _register_with_errors),
    "profile": ("visitor member", _go("{c.profile}")),
    "notifications": ("member staff", _go("/notifications")),
    "account-settings": ("member", _go("/account")),
    "api-tokens": ("member", _go("/account/tokens")),
    "care-queue": ("staff", _go("/staff/care")),
    "care-item": ("staff", _go("{c.care_item_of}")),
    "care-report": ("staff", _go("/staff/care/report")),
    "moderation-queue": ("staff", _go("/moderation")),
    "admin-settings": ("staff", _go("/admin/settings")),
    "api-docs": ("visitor", _go("/api/docs")),
    "not-found": ("visitor member", _not_found),
}
# States that exist on one viewport only: the header's menu opens on small screens.
PHONE_STATES = {"menu-open": ("member staff", _menu_open)}

CASES = [pytest.param(name, role, viewport, id=f"{name}-{role}-{viewport}")
         for name, (roles, _) in STATES.items() for role in roles.split() for viewport in VIEWPORTS]
CASES += [pytest.param(name, role, "phone", id=f"{name}-{role}-phone")
          for name, (roles, _) in PHONE_STATES.items() for role in roles.split()]
STATES.update(PHONE_STATES)


@pytest.mark.parametrize(("state", "role", "viewport"), CASES)
def test_page_state_has_no_wcag_violations(role_pages, community, state, role, viewport):
    page = role_pages[role]
    page.set_viewport_size(VIEWPORTS[viewport])
    page.emulate_media(color_scheme="light")
    STATES[state][1](page, community)
    failures = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        violations = axe.run(page)
        if violations:
            count = sum(len(violation["nodes"]) for violation in violations)
            failures.append(f"[{scheme}] {count} nodes:\n{axe.describe(violations)}")
    # Reflow (WCAG 1.4.10): the desktop page at 200% zoom, and the phone one at 320 CSS px (1280 px at 400%),
    # never scrolls sideways; wide tables and code scroll inside themselves.
    narrow = ZOOM_200 if viewport == "desktop" else NARROW
    page.set_viewport_size(narrow)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    overflow = page.evaluate(SIDEWAYS)
    if overflow:
        failures.append(f"[{narrow['width']} px] the page scrolls sideways ({overflow['width']} px wide), "
                        f"widest elements: {overflow['culprits']}")
    errors, page.js_errors[:] = list(page.js_errors), []
    assert not errors, f"uncaught JavaScript errors: {errors!r}"
    if failures:
        pytest.fail(f"axe (WCAG 2.0/2.1/2.2 A and AA) on {state} as {role}, {viewport}:\n" + "\n".join(failures),
                    pytrace=False)


LOCALIZED_STATES = ("home", "thread", "search", "search-empty", "sign-in", "register-errors", "not-found")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_pages_in_french_and_right_to_left_arabic_have_no_wcag_violations(browser, live_server, community, language):
    """Translated pages keep their contrast, names and targets; Arabic lays out right to left without overflow."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"], locale=language,
                                  extra_http_headers={"Accept-Language": language})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    failures = []
    try:
        for state in LOCALIZED_STATES:
            page.set_viewport_size(VIEWPORTS["phone"])
            page.emulate_media(color_scheme="light")
            if state == "register-errors":
                _register_in(page)
            else:
                STATES[state][1](page, community)
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)
                violations = axe.run(page)
                if violations:
                    failures.append(f"{state} [{scheme}]:\n{axe.describe(violations)}")
            page.set_viewport_size(NARROW)
            overflow = page.evaluate(SIDEWAYS)
            if overflow:
                failures.append(f"{state} [320 px] scrolls sideways: {overflow}")
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def _register_in(page):
    """The register form sent with errors, found by its field names (its labels are translated)."""
    page.goto("/register")
    page.locator("#username").fill("x")
    page.locator("#email").fill("not-an-address")
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("different")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".field-error").first).to_be_visible()
