"""The care report computed from a hand-built set of threads equals hand-computed values."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.care import metrics, services
from app.care.models import CareItem
from app.extensions import db
from app.questions import services as threads

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

T0 = datetime(2026, 10, 5, 9, 0)
SINCE, UNTIL, NOW = T0 - timedelta(days=1), T0 + timedelta(days=2), T0 + timedelta(days=1)


def _item(question):
    db.session.rollback()
    return db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def _first_response(question, moment):
    db.session.execute(update(CareItem).where(CareItem.question_id == question.id).values(first_response_at=moment))
    db.session.commit()


@pytest.fixture
def world(clock, make):
    """Four questions in the range, one before it, and three care items with known clocks.

    Every post is made at its own moment; afterwards the clock (and so every request) shows NOW.
    """
    clock.set(T0 - timedelta(days=60))  # the members joined long before
    helper, voter = make.user("helper"), make.user("voter")
    agent = make.user("agent", role="agent")

    def ask(title):
        return threads.ask_question(make.user(), title, "The device does this every morning after an update.",
                                    ["pulse"], now=T0)

    q1, q2, q3, q4 = (ask(f"Pulse watch question number {n}") for n in range(1, 5))
    old = threads.ask_question(make.user(), "An older question outside the range", "Nothing to see in this range.",
                               ["pulse"], now=T0 - timedelta(days=40))
    a1 = make.answer(q1, author=helper, now=T0 + timedelta(minutes=10))
    threads.accept_answer(q1.author, a1, now=T0 + timedelta(minutes=20))
    threads.cast_vote(voter, a1, 1, now=T0 + timedelta(hours=1))
    a2 = make.answer(q2, author=agent, body="Official: update to firmware 2.1 and restart the watch.",
                     now=T0 + timedelta(minutes=30))
    threads.accept_answer(q2.author, a2, now=T0 + timedelta(minutes=40))
    make.comment(q3, author=helper, now=T0 + timedelta(minutes=50))
    make.comment(q3, author=agent, text="We are checking this with engineering.", now=T0 + timedelta(minutes=90))
    a_old = make.answer(old, author=helper, now=T0 - timedelta(days=39))
    threads.accept_answer(old.author, a_old, now=T0 - timedelta(days=39))

    queued_at = T0 + timedelta(minutes=60)
    for question in (q2, q3, q4):
        services.send_to_queue(agent, question, "", now=queued_at)
    # Item A (q2): answered in 30 min, resolved at 3 h, asker satisfied.
    _first_response(q2, queued_at + timedelta(minutes=30))
    services.set_status(agent, _item(q2), "resolved", now=T0 + timedelta(hours=3))
    services.record_feedback(q2.author, q2, True, now=T0 + timedelta(hours=4))
    # Item B (q3): a complaint, first response after 40 min (target 30), resolved after 5 h (target 4).
    services.triage(agent, _item(q3), category="complaint", now=queued_at)
    _first_response(q3, queued_at + timedelta(minutes=40))
    services.set_status(agent, _item(q3), "resolved", now=T0 + timedelta(hours=6))
    # Item C (q4): open, nobody responded: its first response is overdue at NOW.
    clock.set(NOW)
    return {"questions": (q1, q2, q3, q4), "helper": helper}


def test_question_figures(world):
    figures = metrics.compute(SINCE, UNTIL, NOW)
    assert figures["asked"] == 4
    assert figures["community_answered"] == 1 and figures["staff_answered"] == 1
    assert figures["deflected"] == 1 and figures["deflection_share"] == 0.25
    assert figures["first_response"] == {"median": 30.0, "p90": 50.0, "count": 3}
    assert figures["first_staff_response"] == {"median": 60.0, "p90": 90.0, "count": 2}


def test_care_figures(world):
    figures = metrics.compute(SINCE, UNTIL, NOW)
    assert figures["item_count"] == 3 and figures["resolved_by_staff"] == 2 and figures["resolved_by_community"] == 0
    assert figures["resolution"] == {"median": 210.0, "p90": 300.0, "count": 2}
    assert figures["compliance"]["category"] == [("complaint", 0, 2, 0.0), ("question", 2, 3, 2 / 3)]
    assert figures["compliance"]["team"] == [("customer care", 0, 2, 0.0), ("technical support", 2, 3, 2 / 3)]
    assert figures["breaches_week"] == 1
    assert figures["open_by_status"][0] == ("New", 1) and figures["open_by_assignee"] == [("unassigned", 1)]
    assert figures["satisfaction"] == {"rated": 1, "satisfied": 1, "yes": 1, "share": 1.0, "scored": 0,
                                       "average": None}
    assert figures["complaints"] == 1
    assert figures["weekly"] == [{"week": T0.date(), "complaints": 1, "item_count": 3, "sentiment": 0.0}]
    assert [(user.username, accepted, votes) for user, accepted, votes in figures["helpers"]] == [("helper", 1, 1)]


def test_a_range_without_threads_has_empty_figures(world):
    figures = metrics.compute(T0 + timedelta(days=10), T0 + timedelta(days=11), NOW)
    assert figures["asked"] == 0 and figures["deflection_share"] is None
    assert figures["first_response"]["median"] is None and figures["satisfaction"]["share"] is None


def test_csv_exports_list_the_rows_behind_the_figures(world):
    q1, q2, q3, q4 = world["questions"]
    deflected = metrics.export_csv("deflected", SINCE, UNTIL, NOW).splitlines()
    assert len(deflected) == 2 and deflected[1].startswith(f"{q1.id},")
    breaches = metrics.export_csv("breaches", SINCE, UNTIL, NOW).splitlines()
    assert [line.split(",")[1] for line in breaches[1:]] == [str(q3.id), str(q4.id)]
    assert metrics.export_csv("helpers", SINCE, UNTIL, NOW).splitlines()[1] == "helper,1,1"


def test_csv_cells_cannot_become_formulas(clock, make):
    clock.set(T0)
    threads.ask_question(make.user(), "=HYPERLINK(\"http://evil\") how do I pair", "Body text that is long enough.",
                         ["pulse"], now=T0)
    rows = metrics.export_csv("asked", SINCE, UNTIL, NOW)
    assert "'=HYPERLINK" in rows


def test_the_report_page_shows_the_figures(client, make, sign_in, world):
    sign_in(make.user(role="moderator"))
    page = client.get(f"/staff/care/report?start={SINCE.date()}&end={UNTIL.date()}").get_data(as_text=True)
    assert 'data-figure="asked">4<' in page and 'data-figure="resolution_median">3.5 h<' in page
    assert 'data-figure="satisfaction">100%<' in page and 'data-figure="items">3<' in page
    assert "<td>3</td><td>1</td>" in page  # the week's care items and complaints
    response = client.get(f"/staff/care/report.csv?figure=items&start={SINCE.date()}&end={UNTIL.date()}")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert len(response.get_data(as_text=True).splitlines()) == 4
