"""SLA figures that are true, end to end: a community resolution stops the clocks, stopped clocks are frozen in the
API, the pages and the report's CSV, the start is stated, and teams may count business hours."""
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import settings
from app.auth import services as accounts
from app.care import metrics, services, sweep
from app.care.models import CareItem
from app.exceptions import ValidationError
from app.extensions import db
from app.questions import services as threads

MONDAY = datetime(2031, 3, 3, 8, 0)  # 09:00 in Paris (CET, before the change to summer time on 30 March)
OFFICE = "technical support=Mon-Fri 09:00-17:00 Europe/Paris"


def paris(*args):
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris")).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@pytest.fixture
def agent(make):
    return make.user("agent1", role="agent")


@pytest.fixture
def api(client, agent):
    headers = {"Authorization": f"Bearer {accounts.create_api_token(agent, now=MONDAY - timedelta(days=1))}"}

    def get_clocks(item, at, clock):
        clock.set(at)
        response = client.get(f"/api/v1/care/items/{item.id}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["clocks"]
    return get_clocks


def _item(question):
    db.session.rollback()
    return db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def _queued(make, agent, clock, asked=MONDAY, queued=MONDAY + timedelta(hours=1)):
    """A question asked at `asked` that staff sent to the queue at `queued`; returns (question, item)."""
    clock.set(asked - timedelta(days=30))
    asker, helper = make.user(), make.user()
    clock.set(asked)
    question = make.question(asker, now=asked)
    clock.set(queued)
    services.send_to_queue(agent, question, "", now=queued)
    return question, _item(question), helper


def _community_resolves(make, question, helper, at, clock):
    clock.set(at - timedelta(minutes=5))
    answer = make.answer(question, helper, now=at - timedelta(minutes=5))
    clock.set(at)
    threads.accept_answer(question.author, answer, now=at)
    return _item(question)


def test_a_community_resolution_within_the_clock_is_met_frozen_and_no_breach(make, agent, clock, api, client,
                                                                               sign_in):
    question, item, helper = _queued(make, agent, clock)
    queued = item.created_at
    item = _community_resolves(make, question, helper, queued + timedelta(minutes=40), clock)
    assert item.resolved_by == "community" and item.first_response_closed_at == queued + timedelta(minutes=40)
    for later in (queued + timedelta(hours=3), queued + timedelta(days=2)):
        first = api(item, later, clock)["first_response"]
        assert first["breached"] is False and first["met"] is True and first["stopped_by"] == "resolved"
        assert first["seconds_left"] == 20 * 60  # what was left when it stopped, not still falling
    assert sweep.run(queued + timedelta(days=2)).breaches == []
    assert _item(question).first_response_breached_at is None
    since, until, now = MONDAY - timedelta(days=1), MONDAY + timedelta(days=1), queued + timedelta(days=2)
    assert metrics.export_csv("breaches", since, until, now).splitlines()[1:] == []
    compliance = metrics.compute(since, until, now)["compliance"]["category"]
    assert compliance == [("question", 2, 2, 1.0)]  # both clocks met
    sign_in(agent)
    page = client.get(f"/staff/care/items/{item.id}").get_data(as_text=True)
    assert 'data-clock="first_response" data-state="met"' in page and "resolved before a staff response" in page


def test_a_community_resolution_after_the_due_time_is_breached_everywhere_alike(make, agent, clock, api):
    question, item, helper = _queued(make, agent, clock)
    queued = item.created_at
    item = _community_resolves(make, question, helper, queued + timedelta(minutes=70), clock)
    first = api(item, queued + timedelta(days=1), clock)["first_response"]
    assert first["breached"] is True and first["met"] is False and first["seconds_left"] == -10 * 60
    assert _item(question).first_response_breached_at == queued + timedelta(minutes=70)
    since, until, now = MONDAY - timedelta(days=1), MONDAY + timedelta(days=1), queued + timedelta(days=1)
    rows = list(csv.reader(io.StringIO(metrics.export_csv("breaches", since, until, now))))
    assert len(rows) == 2 and rows[1][rows[0].index("first_response_breached")] == "True"
    assert metrics.compute(since, until, now)["compliance"]["category"] == [("question", 1, 2, 0.5)]


def test_twenty_seconds_late_reads_late_by_20_s(make, agent, clock, client, sign_in):
    question, item, _ = _queued(make, agent, clock)
    late = item.created_at + timedelta(minutes=60, seconds=20)
    clock.set(late)
    make.answer(question, agent, now=late)
    sign_in(agent)
    page = client.get(f"/staff/care/items/{item.id}").get_data(as_text=True)
    assert "Late by 20 s" in page and "Late by 0 min" not in page


def test_asked_and_queued_are_both_shown_and_the_setting_switches_the_start(make, agent, clock, client, sign_in, api,
                                                                             app):
    question, item, _ = _queued(make, agent, clock)
    sign_in(agent)
    clock.set(MONDAY + timedelta(hours=1, minutes=5))
    expected = ("asked <time datetime=\"2031-03-03T08:00:00Z\">1 h 5 min ago</time>\n"
                "    · queued <time datetime=\"2031-03-03T09:00:00Z\">5 min ago</time>\n"
                "    · first response due in 55 min, counted from queuing")
    for path in ("/staff/care", f"/staff/care/items/{item.id}"):
        page = client.get(path).get_data(as_text=True)
        assert expected in page, path
    first = api(item, MONDAY + timedelta(hours=1, minutes=5), clock)["first_response"]
    assert first["asked_at"] == "2031-03-03T08:00:00Z" and first["queued_at"] == "2031-03-03T09:00:00Z"
    assert first["counted_from"] == "queued" and first["due_at"] == "2031-03-03T10:00:00Z"

    app.config["CARE_SLA_CLOCK_START"] = "asked"
    first = api(item, MONDAY + timedelta(hours=1, minutes=5), clock)["first_response"]
    assert first["counted_from"] == "asked" and first["started_at"] == "2031-03-03T08:00:00Z"
    assert first["due_at"] == "2031-03-03T09:00:00Z" and first["breached"] is True
    page = client.get("/staff/care").get_data(as_text=True)
    assert "first response 5 min overdue, counted from asking" in page
    report = client.get("/staff/care/report?start=2031-03-01&end=2031-03-05").get_data(as_text=True)
    assert "SLA clocks count from when the customer asked" in report


def test_the_report_says_the_clocks_count_from_queuing_by_default(make, agent, clock, client, sign_in):
    clock.set(MONDAY)
    sign_in(agent)
    report = client.get("/staff/care/report?start=2031-03-01&end=2031-03-05").get_data(as_text=True)
    assert "SLA clocks count from when the item entered the care queue, not from when the customer asked" in report
    assert "an item the community resolved before its first response was due counts as met" in report
    assert "Every team&#39;s clocks count 24/7." in report


def test_the_sweep_breaches_clocks_counted_from_asking_on_time(make, agent, clock, app):
    app.config["CARE_SLA_CLOCK_START"] = "asked"
    question, item, _ = _queued(make, agent, clock, queued=MONDAY + timedelta(minutes=50))
    assert sweep.run(MONDAY + timedelta(minutes=55)).breaches == []  # a full sweep: the state is new
    result = sweep.run(MONDAY + timedelta(minutes=61))  # incremental: the item itself is only 11 minutes old
    assert (item.id, "first_response") in result.breaches


def test_business_hours_due_times_skip_the_weekend_and_show_in_the_teams_zone(make, agent, clock, client, sign_in,
                                                                                api, app):
    app.config["CARE_BUSINESS_HOURS"] = [OFFICE]
    friday = paris(2031, 3, 7, 16, 30)
    question, item, _ = _queued(make, agent, clock, asked=friday - timedelta(minutes=30), queued=friday)
    first = api(item, friday, clock)["first_response"]
    assert first["due_at"] == "2031-03-10T08:30:00Z"  # Monday 09:30 in Paris: half an hour on Friday, half on Monday
    assert first["time_zone"] == "Europe/Paris" and first["business_hours"] == "Mon-Fri 09:00-17:00 Europe/Paris"
    sign_in(agent)
    assert "Mon 10 Mar 09:30 CET" in client.get("/staff/care").get_data(as_text=True)
    assert sweep.run(paris(2031, 3, 8, 12, 0)).breaches == []  # Saturday: nothing counts
    assert sweep.run(paris(2031, 3, 10, 9, 29)).breaches == []
    assert (item.id, "first_response") in sweep.run(paris(2031, 3, 10, 9, 31)).breaches


def test_a_pause_that_straddles_closing_time_counts_its_open_hours_only(make, agent, clock, app):
    app.config["CARE_BUSINESS_HOURS"] = [OFFICE]
    monday = paris(2031, 3, 3, 9, 0)
    question, item, _ = _queued(make, agent, clock, asked=monday, queued=monday)
    services.set_status(agent, item, "waiting", now=paris(2031, 3, 7, 16, 0))
    services.set_status(agent, _item(question), "in_progress", now=paris(2031, 3, 10, 10, 0))
    item = _item(question)
    assert item.paused_seconds == item.first_response_paused_seconds == 2 * 3600  # Friday 16-17, Monday 9-10


def test_a_malformed_calendar_or_clock_start_is_refused_with_a_message(make, client, sign_in, clock):
    admin = make.user("admin1", role="admin")
    clock.set(MONDAY)
    with pytest.raises(ValidationError) as error:
        settings.change(admin, "CARE_BUSINESS_HOURS", "technical support=Mon-Fri 9-17 Europe/Paris", "office hours",
                        now=MONDAY)
    assert "Line 1" in error.value.errors["CARE_BUSINESS_HOURS"]
    assert "give the hours as HH:MM-HH:MM" in error.value.errors["CARE_BUSINESS_HOURS"]
    sign_in(admin)
    refused = client.post("/admin/settings/CARE_BUSINESS_HOURS",
                          data={"value": "support desk=Mon-Fri 09:00-17:00 Europe/Paris", "reason": "office hours"})
    assert refused.status_code == 422
    assert "“support desk” is not a care team" in refused.get_data(as_text=True)
    refused = client.post("/admin/settings/CARE_SLA_CLOCK_START", data={"value": "whenever", "reason": "x"})
    assert refused.status_code == 422 and "Write queued" in refused.get_data(as_text=True)
    saved = client.post("/admin/settings/CARE_BUSINESS_HOURS", data={"value": OFFICE, "reason": "office hours"})
    assert saved.status_code == 302 and settings.get("CARE_BUSINESS_HOURS") == [OFFICE]
