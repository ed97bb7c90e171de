"""The header on phones, zoomed screens and wide ones; focus that stays clear of it and shows at 3:1."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.questions import services as threads
from tests.e2e.conftest import PASSWORD, sign_in_through_form
from tests.e2e.keyboard import assert_focus_visible

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
# A 1366x768 screen at 200% and 400% zoom lays pages out at half and a quarter of its CSS pixels.
ZOOM_200 = {"width": 683, "height": 384}
ZOOM_400 = {"width": 341, "height": 192}


@pytest.fixture(scope="module")
def staff_name(live_server):
    """An admin: the longest header there is (Insights, Moderation, Admin, Care queue, Webhooks, Messages, bell)."""
    name = f"admin{uuid.uuid4().hex[:8]}"
    with live_server.app.app_context():
        accounts.register(name, f"{name}@example.com", PASSWORD, role="admin", now=utcnow(), verified=True)
    return name


@pytest.fixture(scope="module")
def long_thread(live_server):
    """A thread with enough answers to scroll: the address of its last answer."""
    marker = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        asker = accounts.register(f"long{marker}", f"long{marker}@example.com", PASSWORD, now=utcnow())
        helper = accounts.register(f"reply{marker}", f"reply{marker}@example.com", PASSWORD, now=utcnow())
        question = threads.ask_question(asker, f"Speaker drops off the network every evening {marker}",
                                        "Every evening around eight it disappears from the app.", ["network"],
                                        now=utcnow())
        answer = None
        for number in range(6):
            answer = threads.post_answer(helper, question, f"Idea {number}: " + "Try a fixed address on the router. "
                                         * 12, now=utcnow())
        return f"/questions/{question.id}", answer.id


def _is_sticky(page):
    return page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).position") == "sticky"


@pytest.mark.parametrize("viewport", [PHONE, ZOOM_200, ZOOM_400], ids=["phone", "zoom-200", "zoom-400"])
def test_the_header_scrolls_away_on_small_and_zoomed_screens(page, viewport, long_thread):
    page.set_viewport_size(viewport)
    page.goto(long_thread[0])
    assert not _is_sticky(page)
    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => window.scrollY > 0")
    assert page.locator(".site-header").bounding_box()["y"] < 0


def test_the_header_is_sticky_on_a_wide_screen_and_anchors_land_below_it(page, long_thread):
    page.set_viewport_size(DESKTOP)
    path, answer_id = long_thread
    page.goto(f"{path}#answer-{answer_id}")
    assert _is_sticky(page)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Tags")).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    target = page.locator(f"#answer-{answer_id}").bounding_box()
    assert target["y"] >= header["y"] + header["height"] - 1, (target, header)


def test_focus_moved_up_the_page_by_keyboard_is_not_hidden_under_the_sticky_header(page, long_thread):
    page.set_viewport_size(DESKTOP)
    path, answer_id = long_thread
    page.goto(f"{path}#answer-{answer_id}")
    page.locator(f"#answer-{answer_id} a").last.focus()
    header = page.locator(".site-header").bounding_box()
    for _ in range(25):  # Shift+Tab back up through the earlier answers' controls
        page.keyboard.press("Shift+Tab")
        assert_focus_visible(page)  # includes: not under the header
        box = page.evaluate("() => { const el = document.activeElement, r = el.getBoundingClientRect(); "
                            "return {y: r.y, height: r.height, inHeader: !!el.closest('header')}; }")
        if box["inHeader"]:
            break
        assert box["y"] >= header["height"] - 1, f"focused element under the header: {box}, header {header}"


def test_on_a_phone_the_navigation_opens_from_the_menu_button(new_page, staff_name):
    page = new_page()
    sign_in_through_form(page, staff_name)
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    expect(page.get_by_role("combobox", name="Search")).to_be_visible()  # search stays out of the menu

    menu.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    reachable = [page.get_by_role("link", name="Settings"), page.get_by_role("button", name="Sign out"),
                 page.get_by_role("link", name=re.compile(r"^Notifications")),
                 page.get_by_role("link", name="Care queue"), page.get_by_role("link", name="Moderation"),
                 page.get_by_role("link", name="Webhooks"), page.get_by_role("link", name="Ask a question")]
    for control in reachable:
        expect(control).to_be_visible()
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] >= 24 and box["width"] >= 24, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Settings").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()


def test_without_javascript_a_phone_shows_the_navigation_and_no_menu_button(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_role("button", name="Menu")).to_have_count(0)  # hidden: out of the accessibility tree
        for name in ("Questions", "Tags", "Members", "Sign in", "Join"):
            expect(page.locator(".site-header").get_by_role("link", name=name, exact=True)).to_be_visible()
        assert not _is_sticky(page)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_is_visible_at_3_to_1_in_both_themes(page, scheme, long_thread):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size(DESKTOP)
    page.goto(long_thread[0])
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.add(assert_focus_visible(page)["what"].split()[0])
    assert {"<a", "<input"} <= seen, seen
