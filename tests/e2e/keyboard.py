"""Keyboard helpers for the browser tests: Tab to a control; the focus must show (3:1) and not sit under the header."""
import pytest

# The focused element's outline, the first opaque background behind it, and whether the sticky header covers it.
FOCUS_STATE = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  let node = el.parentElement, background = [255, 255, 255];
  for (; node; node = node.parentElement) {
    const parts = rgb(getComputedStyle(node).backgroundColor);
    if (parts.length === 3 || (parts.length === 4 && parts[3] === 1)) { background = parts.slice(0, 3); break; }
  }
  // Covered: what the viewer sees at the element's middle is the header, not the element.
  const header = document.querySelector(".site-header"), box = el.getBoundingClientRect();
  const top = document.elementFromPoint(box.left + box.width / 2, Math.max(box.top + 2, 0));
  const covered = !!(header && top && header.contains(top) && !header.contains(el) && !el.contains(top));
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: rgb(style.outlineColor).slice(0, 3),
          background, covered, what: el.outerHTML.slice(0, 120)};
}"""


def contrast(first, second):
    """WCAG contrast ratio of two sRGB colours given as [r, g, b] 0-255."""
    def luminance(rgb):
        def channel(value):
            value /= 255
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
        red, green, blue = (channel(value) for value in rgb)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_focus_visible(page):
    """The focused element shows an outline of 2px or more at 3:1 on its background, clear of the sticky header."""
    state = page.evaluate(FOCUS_STATE)
    assert state["style"] != "none" and state["width"] >= 2, f"no visible focus outline: {state}"
    assert contrast(state["color"], state["background"]) >= 3, f"focus outline below 3:1: {state}"
    assert not state["covered"], f"the focused element is under the sticky header: {state}"
    return state


def is_focused(locator):
    return locator.evaluate("(el) => el === document.activeElement")


def tab_to(page, locator, limit=60, backwards=False):
    """Press Tab until `locator` has the focus, checking the focus is visible at every stop; returns the presses."""
    # After a keyboard-driven navigation the new page's text can be there before its stylesheet.
    page.wait_for_load_state("load")
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert_focus_visible(page)
        if is_focused(locator):
            return presses
    pytest.fail(f"{locator} not reached in {limit} presses of Tab", pytrace=False)
