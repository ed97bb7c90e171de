"""The care dashboard's charts: vendored Chart.js on that page only, and its data block holds the right figures."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import settings
from app.care import options, services
from app.care.models import CareItem
from app.extensions import db
from app.http_caching import static_version
from app.questions import services as threads

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

T0 = datetime(2026, 10, 5, 9, 0)  # a Monday: the week of every item
RANGE = {"start": "2026-10-04", "end": "2026-10-06"}
HOSTILE_TEAM = "</script><script>alert('team')</script>"
DATA_BLOCK = re.compile(r'<script type="application/json" id="care-chart-data">(.*?)</script>', re.S)


def _item(question):
    db.session.rollback()
    return db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


@pytest.fixture
def world(clock, make):
    """Three care items opened in the week of T0: an open complaint for a team with a hostile name,
    one resolved by an agent with a satisfied asker, and one the agent works on.

    Every step happens at its own moment; afterwards the clock (and every request) shows two days later.
    """
    clock.set(T0 - timedelta(days=30))
    admin, agent = make.user("boss", role="admin"), make.user("agentone", role="agent")
    teams = [*settings.get(options.TEAMS), HOSTILE_TEAM]
    settings.change(admin, options.TEAMS, "\n".join(teams), "a team with a hostile name", now=clock.now)

    def ask(title):
        return threads.ask_question(make.user(), title, "The device does this every morning after an update.",
                                    ["pulse"], now=T0)

    complaint, solved, worked = (ask(f"Pulse watch question number {n}") for n in range(1, 4))
    make.comment(worked, author=agent, text="We are checking this with engineering.", now=T0 + timedelta(minutes=50))
    queued_at = T0 + timedelta(hours=1)
    for question in (complaint, solved, worked):
        services.send_to_queue(agent, question, "", now=queued_at)
    services.triage(agent, _item(complaint), category="complaint", now=queued_at)
    services.triage(agent, _item(complaint), team=HOSTILE_TEAM, now=queued_at)
    services.claim(agent, _item(solved), now=queued_at)
    services.set_status(agent, _item(solved), "resolved", now=queued_at + timedelta(hours=2))
    services.record_feedback(solved.author, solved, True, now=queued_at + timedelta(hours=3))
    services.claim(agent, _item(worked), now=queued_at)
    clock.set(T0 + timedelta(days=2))
    return {"agent": agent}


def _chart_data(page):
    blocks = DATA_BLOCK.findall(page)
    assert len(blocks) == 1, "one chart data block"
    return json.loads(blocks[0])


def test_the_report_loads_vendored_chart_js_with_hashed_urls(client, make, sign_in, world):
    sign_in(world["agent"])
    page = client.get("/staff/care/report", query_string=RANGE).get_data(as_text=True)
    for filename in ("vendor/chart.umd.min.js", "js/care-charts.js"):
        url = f"/static/{filename}?v={static_version(filename)}"
        assert f'<script src="{url}" defer></script>' in page
        script = client.get(url)
        assert script.status_code == 200 and "javascript" in script.mimetype
        assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(f"/static/vendor/chart.umd.min.js?v={static_version('vendor/chart.umd.min.js')}") \
        .get_data(as_text=True).startswith("/*!\n * Chart.js v4.")
    # The charts are drawn into canvases that stay hidden until the script draws them.
    assert page.count('<canvas role="img"') == 8 and page.count("data-chart=") == 8


def test_the_chart_data_block_holds_the_figures(client, make, sign_in, world):
    sign_in(world["agent"])
    data = _chart_data(client.get("/staff/care/report", query_string=RANGE).get_data(as_text=True))
    status = data["open_by_status"]
    assert status == {"labels": ["New", "Acknowledged", "In progress", "Waiting on customer"], "values": [1, 0, 1, 0]}
    assert data["open_by_team"] == {"labels": [HOSTILE_TEAM, "technical support"], "values": [1, 1]}
    assert data["open_by_assignee"] == {"labels": ["agentone", "unassigned"], "values": [1, 1]}
    assert data["weekly"] == {"labels": ["2026-10-05"], "items": [3], "complaints": [1], "sentiment": [0.0]}
    assert data["satisfaction"] == {"labels": ["2026-10-05"], "rated": [1], "percent": [100.0]}
    assert data["times"] == {"labels": ["First response (anyone)", "First staff response", "Resolution of care items"],
                             "median": [50.0, 50.0, 120.0], "p90": [50.0, 50.0, 120.0], "count": [1, 1, 1]}
    # Nobody from staff answered any item after it was queued (the comment came before), so every first
    # response clock breached; the solved item met its resolution clock, the other two are overdue by now.
    assert data["compliance_category"] == {"labels": ["complaint", "question"], "met": [0, 1], "decided": [2, 4],
                                           "percent": [0.0, 25.0]}
    assert data["compliance_team"] == {"labels": [HOSTILE_TEAM, "technical support"], "met": [0, 1],
                                       "decided": [2, 4], "percent": [0.0, 25.0]}


def test_the_data_block_cannot_be_closed_by_a_hostile_name(client, make, sign_in, world):
    sign_in(world["agent"])
    page = client.get("/staff/care/report", query_string=RANGE).get_data(as_text=True)
    block = DATA_BLOCK.search(page).group(1)
    assert "<" not in block and ">" not in block and "'" not in block
    assert "<script>alert(" not in page  # the tables escape it too
    assert json.loads(block)["open_by_team"]["labels"][0] == HOSTILE_TEAM


def test_an_empty_range_has_empty_series_and_no_chart_to_draw(client, make, sign_in, world):
    sign_in(world["agent"])
    data = _chart_data(client.get("/staff/care/report", query_string={"start": "2025-01-01", "end": "2025-01-07"})
                       .get_data(as_text=True))
    assert data["weekly"]["labels"] == [] and data["satisfaction"]["labels"] == []
    assert data["times"]["count"] == [0, 0, 0] and data["compliance_team"]["labels"] == []
    assert data["open_by_team"]["values"] == [1, 1]  # open items are counted whatever the range


@pytest.mark.parametrize("role, status", [("visitor", 404), ("member", 403), ("agent", 200), ("moderator", 200),
                                          ("admin", 200)])
def test_only_staff_get_the_charts(client, make, sign_in, world, role, status):
    if role != "visitor":
        sign_in(make.user(role=role))
    response = client.get("/staff/care/report", query_string=RANGE)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert ("care-chart-data" in page) == (status == 200)
    assert ("chart.umd.min.js" in page) == (status == 200)


def test_other_pages_do_not_load_chart_js(client, make, sign_in, world):
    sign_in(world["agent"])
    for path in ("/", "/staff/care", "/staff/care/agents"):
        page = client.get(path).get_data(as_text=True)
        assert "chart.umd.min.js" not in page and "care-charts.js" not in page


def test_a_week_nobody_rated_has_no_satisfaction_share(client, make, sign_in, world):
    later = threads.ask_question(make.user(), "Pulse watch strap clasp came loose",
                                 "The clasp opens by itself when I run.", ["pulse"], now=T0 + timedelta(days=8))
    services.send_to_queue(world["agent"], later, "", now=T0 + timedelta(days=8, hours=1))
    sign_in(world["agent"])
    page = client.get("/staff/care/report", query_string={"start": "2026-10-04", "end": "2026-10-20"}) \
        .get_data(as_text=True)
    assert _chart_data(page)["satisfaction"] == {"labels": ["2026-10-05", "2026-10-12"], "rated": [1, 0],
                                                 "percent": [100.0, None]}
    row = ('<tr data-satisfaction="2026-10-12"><th scope="row">2026-10-12</th><td>0</td><td>0</td><td>—</td>'
           '<td>—</td></tr>')
    assert row in page
