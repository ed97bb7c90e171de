"""The care dashboard in a browser: Chart.js draws every chart under the site's CSP, and the tables stay."""
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth import services as accounts
from app.care import services
from app.care.models import CareItem
from app.clock import utcnow
from app.extensions import db
from app.questions import services as threads
from tests.e2e.conftest import PASSWORD, TIMEOUT_MS, sign_in_through_form

pytestmark = pytest.mark.e2e

CHARTS = ("times", "compliance_category", "compliance_team", "open_by_status", "open_by_team", "open_by_assignee",
          "weekly", "satisfaction")

# Runs before any page script (Playwright injects it outside the page's CSP): counts CSP violations.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI}`);
});
"""


def _care_items(app, token):
    """Three queued questions of this week: one resolved with a satisfied asker, one claimed, one a complaint."""
    with app.app_context():
        agent = accounts.register(f"agent{token}", f"agent{token}@example.com", PASSWORD, role="agent", now=utcnow())
        asker = accounts.register(f"asker{token}", f"asker{token}@example.com", PASSWORD, now=utcnow())
        now = utcnow()
        queued = []
        for n, title in enumerate(("Bulb flickers after the update", "Hub loses the schedule overnight",
                                   "Support never called me back as promised")):
            question = threads.ask_question(asker, f"{title} ({token})", "It happens every evening since Monday.",
                                            ["lumen-lamp"], now=now - timedelta(hours=3, minutes=n))
            services.send_to_queue(agent, question, "", now=now - timedelta(hours=2))
            queued.append((question, db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))))
        (solved, solved_item), (_, claimed_item), (_, complaint_item) = queued
        services.claim(agent, solved_item, now=now - timedelta(hours=2))
        services.set_status(agent, solved_item, "resolved", now=now - timedelta(hours=1))
        services.record_feedback(asker, solved, True, now=now - timedelta(minutes=30))
        services.claim(agent, claimed_item, now=now - timedelta(hours=1))
        services.triage(agent, complaint_item, category="complaint", now=now - timedelta(hours=1))
        db.session.remove()
    return f"agent{token}"


def test_the_dashboard_draws_every_chart_without_console_errors_or_csp_violations(live_server, new_page, browser):
    agent_name = _care_items(live_server.app, uuid.uuid4().hex[:8])

    agent = new_page()
    console_errors = []
    agent.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    agent.add_init_script(RECORD_CSP_VIOLATIONS)
    sign_in_through_form(agent, agent_name)
    agent.goto("/staff/care/report")
    expect(agent.get_by_role("heading", level=1)).to_have_text("Measuring care")
    for name in CHARTS:
        canvas = agent.locator(f'[data-chart="{name}"] canvas')
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box["width"] > 100 and box["height"] > 100, (name, box)
        assert "table" in canvas.get_attribute("aria-label")
    # Chart.js keeps one instance per canvas: all eight were built, each with a data set that has points.
    agent.wait_for_function("Object.keys(Chart.instances).length === 8", timeout=TIMEOUT_MS)
    drawn = agent.evaluate("""() => Object.values(Chart.instances).map((chart) => [
        chart.canvas.closest('[data-chart]').dataset.chart,
        chart.data.datasets.reduce((sum, set) => sum + set.data.filter((v) => v !== null).length, 0),
        chart.canvas.width > 0 && chart.canvas.height > 0])""")
    assert sorted(name for name, _, _ in drawn) == sorted(CHARTS)
    assert all(points > 0 and sized for _, points, sized in drawn), drawn
    # The numbers stay on the page as tables next to the charts.
    expect(agent.locator("section", has=agent.get_by_role("heading", name="Agent load")).locator("table")) \
        .to_contain_text(agent_name)
    expect(agent.locator("tr[data-satisfaction]")).to_contain_text("100%")
    expect(agent.locator(f'#agent-figures tr[data-agent="{agent_name}"]')).to_contain_text("100%")
    assert agent.evaluate("window.__cspViolations") == []
    assert console_errors == []

    # Without JavaScript nothing is drawn: the chart boxes stay hidden and the tables carry the numbers.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.set_default_timeout(TIMEOUT_MS)
        sign_in_through_form(plain, agent_name)
        plain.goto("/staff/care/report")
        expect(plain.locator("[data-chart]")).to_have_count(len(CHARTS))
        for name in CHARTS:
            expect(plain.locator(f'[data-chart="{name}"]')).to_be_hidden()
        expect(plain.locator("section", has=plain.get_by_role("heading", name="Agent load")).locator("table")) \
            .to_contain_text(agent_name)
    finally:
        context.close()
