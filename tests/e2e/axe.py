"""axe-core in a Playwright page: the WCAG 2.0, 2.1 and 2.2 A and AA rules, and a readable list of what fails."""
from pathlib import Path

import pytest

# Installed by `make test` (npm ci, pinned in package-lock.json); never fetched at test time.
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

_source = None


def _axe_source():
    global _source
    if _source is None:
        if not AXE_JS.exists():
            pytest.fail(f"{AXE_JS} is missing: run `make test` (or `npm ci --ignore-scripts`) to install axe-core")
        _source = AXE_JS.read_text(encoding="utf-8")
    return _source


def inject(page):
    """Load axe into the page once. Evaluated through the DevTools protocol, which the page's CSP
    (script-src 'self') does not govern: add_script_tag would be an inline script the CSP refuses."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())


def run(page, tags=WCAG_AA_TAGS):
    """axe's violations on the page as it is now (a list of axe result dicts)."""
    inject(page)
    result = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        tags,
    )
    return result["violations"]


def describe(violations, limit_nodes=6):
    """One block per rule: id, impact, help, and for each node its target selector and axe's summary."""
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(f"- {violation['id']} ({violation.get('impact')}, {len(nodes)} nodes): {violation['help']}")
        for node in nodes[:limit_nodes]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").replace("Fix any of the following:", "")
            lines.append(f"    {target}: {summary.strip()[:300]}")
        if len(nodes) > limit_nodes:
            lines.append(f"    ... and {len(nodes) - limit_nodes} more")
    return "\n".join(lines)


def assert_no_violations(page, label=""):
    """Fail with the list of violations (rule, impact, targets, summary) if axe finds any."""
    violations = run(page)
    if violations:
        pytest.fail(f"axe found {sum(len(v['nodes']) for v in violations)} WCAG A/AA violations "
                    f"on {label or page.url}:\n{describe(violations)}", pytrace=False)
