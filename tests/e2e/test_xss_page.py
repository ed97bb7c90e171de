"""Pages full of public XSS payloads, loaded in a real browser: no script of theirs runs or even reaches the DOM."""
import itertools
import random
import re
from collections import defaultdict

import pytest
from playwright.sync_api import expect

from app.auth import services as accounts
from app.clock import utcnow
from app.moderation import holds
from app.questions import services as threads
from tests import corpora
from tests.e2e.conftest import PASSWORD, sign_in_through_form, unique_name

pytestmark = pytest.mark.e2e

# About three payloads of each of the corpus's 25 sources (the whole corpus goes through the
# renderer in tests/unit/test_rendering.py; here the browser checks what pages make of a sample).
SAMPLE_SIZE = 75
# What rendered Markdown may contain, written out here rather than imported: if the sanitizer's
# allow-list ever grows (an <iframe>, say), this test should notice.
POST_TAGS = sorted({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr",
    "th", "td", "sup", "sub", "kbd",
})
# Payloads that try to run script are sampled first; the event handlers after the first five
# fire with no user action at all (autofocus, <details open>, SVG animations, CSS animations).
PRIORITY = re.compile(r"javascript:|onerror|<script|<svg|<iframe|onload|onfocus|ontoggle|onbegin|onanimation", re.I)
# Payloads that close a raw-text element (<textarea>, <title>, <style>...) to escape from it.
BREAKOUT = re.compile(r"</?(textarea|pre|title|noscript|style|xmp)", re.I)
# Runs in every frame before the page's own content: a payload calling one of these is
# recorded instead of opening a dialog, and CSP refusals (a payload that got into the DOM
# but was stopped by the policy) are recorded too.
DETECTOR = """
window.__xss = [];
window.__csp = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(`${name}(${args.join(', ')})`); };
}
document.addEventListener('securitypolicyviolation', (event) => {
  window.__csp.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
# One round trip per page: everything that would show a payload escaped the templates or the sanitizer.
INSPECT = """
(allowedInPosts) => {
  const found = [];
  for (const script of document.querySelectorAll('script')) {  // HTML and SVG <script> alike
    // Ours: a versioned file of /static/js/, the QAPage data block or the scripts' strings, all in <head>.
    const inHead = script.parentElement === document.head;
    const source = script.src ? new URL(script.src) : null;
    const ourFile = source && source.origin === location.origin && source.pathname.startsWith('/static/js/');
    const structuredData = !script.src && script.type === 'application/ld+json';
    const scriptStrings = !script.src && script.type === 'application/json' && script.id === 'pd-strings';
    const ours = ourFile || structuredData || scriptStrings;
    if (!inHead || !ours) found.push(`script: ${script.outerHTML.slice(0, 120)}`);
  }
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'srcdoc'];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const shown = `<${element.localName} ${attribute.name}="${attribute.value.slice(0, 80)}">`;
      if (attribute.name.startsWith('on')) found.push(`handler: ${shown}`);
      if (!urlAttributes.includes(attribute.name)) continue;
      let scheme = '';
      // The URL parser drops tabs and newlines, as browsers do: "java\tscript:" is javascript:.
      try { scheme = new URL(attribute.value, location.href).protocol; } catch (error) { continue; }
      if (['javascript:', 'vbscript:', 'data:'].includes(scheme)) found.push(`url: ${shown}`);
    }
  }
  for (const element of document.querySelectorAll('.post-body *, [data-preview-body] *')) {
    if (!allowedInPosts.includes(element.localName)) found.push(`tag in a post: <${element.localName}>`);
  }
  for (const element of document.querySelectorAll('.comment-body *')) {  // inline Markdown only
    const inline = ['a', 'code', 'em', 'strong'].includes(element.localName);
    if (!inline) found.push(`tag in a comment: <${element.localName}>`);
  }
  return {calls: window.__xss, csp: window.__csp, found};
}
"""


def _sample(payloads, size=SAMPLE_SIZE):
    """A fixed sample spread over the sources: script-running payloads first, round-robin by source.

    Every source has script-running payloads, so the first 25 are one of each; a source with fewer
    of them than the rounds leaves its turn to the next.
    """
    tiers = (defaultdict(list), defaultdict(list))
    for item in payloads:
        tiers[0 if PRIORITY.search(item["payload"]) else 1][item["source"]].append(item)
    chosen = []
    for tier in tiers:
        shuffled = []
        for number, source in enumerate(sorted(tier)):
            items = list(tier[source])
            random.Random(number).shuffle(items)  # seeded: the same sample on every run
            shuffled.append(items)
        for row in itertools.zip_longest(*shuffled):
            chosen.extend(item for item in row if item is not None)
    return chosen[:size]


def _title(number, payload):
    """15-150 characters: a numbered prefix, then as much of the payload as fits."""
    return f"XSS probe number {number:03d}: {' '.join(payload.split())}"[:150]


def _body(number, payload):
    """The whole payload as Markdown, with a closing line that makes every body long enough."""
    return f"{payload}\n\nEnd of XSS probe {number:03d}."


def _comment(payload):
    """The payload cut to a comment's 600 characters, lengthened when it is (nearly) blank."""
    text = payload.strip()[:600]
    return text if len(text) >= 2 else f"{text}!!"


@pytest.fixture(scope="module")
def payload_sample():
    """The sampled payloads from the hostile-input corpus of tests/data: every source is in it."""
    payloads = corpora.load("xss_payloads.json")
    sample = _sample(payloads)
    assert len(sample) == SAMPLE_SIZE
    assert {item["source"] for item in sample} == {item["source"] for item in payloads}
    return sample


@pytest.fixture(scope="module")
def hostile_threads(live_server, payload_sample):
    """One question per payload (payload in title, body and a comment), by one author: (username, [(id, item)])."""
    # Trusted content: one author posts every payload, past new members' hourly limits and link holds.
    with live_server.app.app_context(), holds.trusted_load():
        username = unique_name("xss")
        author = accounts.register(username, f"{username}@example.com", PASSWORD, now=utcnow())
        posted = []
        for number, item in enumerate(payload_sample, 1):
            question = threads.ask_question(author, _title(number, item["payload"]),
                                            _body(number, item["payload"]), ["xss"], now=utcnow())
            threads.add_comment(author, question, _comment(item["payload"]), now=utcnow())
            posted.append((question.id, item))
        return username, posted


class Watcher:
    """Dialogs and console errors of one page, and the checks run on every page it loads."""

    def __init__(self, page):
        self.page = page
        self.dialogs, self.console = [], []
        page.add_init_script(DETECTOR)
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message):
        # Aborted requests (payload images on other hosts) are expected; anything else is news.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console.append(message.text)

    def visit(self, path, what):
        """Load a page and return what went wrong on it, as readable strings."""
        response = self.page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        return self.check(path, what, response)

    def check(self, path, what, response=None):
        """Inspect the page as it is now."""
        problems = []
        if response is not None:
            policy = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in policy or "unsafe-inline" in policy:
                problems.append(f"weak or missing Content-Security-Policy: {policy!r}")
        result = self.page.evaluate(INSPECT, POST_TAGS)
        problems += [f"called {call}" for call in result["calls"]]
        problems += [f"CSP blocked {entry}" for entry in result["csp"]]
        problems += result["found"]
        problems += [f"dialog {d}" for d in self.dialogs] + [f"console {c}" for c in self.console]
        self.dialogs.clear()
        self.console.clear()
        return [f"{path} ({what}): {problem}" for problem in problems]


def test_no_payload_runs(page, hostile_threads):
    """Thread, edit, revision, list and profile pages of hostile posts: no script, handler or dialog."""
    username, posted = hostile_threads
    watcher = Watcher(page)
    sign_in_through_form(page, username)
    problems = []

    for question_id, item in posted:
        what = f"{item['source']}: {item['payload'][:60]!r}"
        problems += watcher.visit(f"/questions/{question_id}", what)
    # Edit forms and revision pages show the raw source in <textarea>, <input> and <pre>: safe by
    # escaping, not sanitizing. Payloads that try to close such elements, and every 15th other.
    for index, (question_id, item) in enumerate(posted):
        if index % 15 and not BREAKOUT.search(item["payload"]):
            continue
        what = f"{item['source']}: {item['payload'][:60]!r}"
        problems += watcher.visit(f"/questions/{question_id}/edit", what)
        problems += watcher.visit(f"/questions/{question_id}/revisions", what)

    for number in itertools.count(1):
        problems += watcher.visit(f"/?tab=newest&page={number}", f"question list, page {number}")
        if not page.get_by_role("link", name="Next ›").count():
            break
    assert number >= SAMPLE_SIZE // 30, "the pager should lead through every page of hostile titles"
    problems += watcher.visit(page.locator(".account-link").get_attribute("href"), "the author's profile")
    problems += watcher.visit("/tags/xss", "tag page")

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def test_preview_renders_payloads_inertly(page, payload_sample, register_member):
    """The live preview writes server HTML into the page with innerHTML: payloads stay inert there too."""
    watcher = Watcher(page)
    register_member(page, "previewer")
    page.goto("/questions/ask")
    body = page.get_by_label("Details", exact=True)
    problems = []
    chunk = 25
    for start in range(0, len(payload_sample), chunk):
        marker = f"previewed-chunk-{start}"
        text = "\n\n".join(item["payload"] for item in payload_sample[start:start + chunk])
        body.fill(f"{text}\n\n{marker}")
        expect(page.locator("[data-preview-body]")).to_contain_text(marker)
        problems += watcher.check(page.url, f"preview of payloads {start + 1}-{start + chunk}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
