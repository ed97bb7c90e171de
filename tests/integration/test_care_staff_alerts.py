"""Staff are told of their own work: assignment, hand-over, a clock about to breach and breached, a new complaint
in their team and a reopen, in the app and by email as each agent chose."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.care import services, sweep
from app.care.models import CareItem
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.outbox import OutboxMessage

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def lead(make):
    return make.user("lead", role="moderator")


@pytest.fixture
def agent(make):
    return make.user("agent1", role="agent")


def _notices(user, kind=None):
    db.session.rollback()
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def _emails_to(user):
    db.session.rollback()
    return [m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email"))
            if m.payload.get("user_id") == user.id]


def _queued(make, lead, clock):
    return services.send_to_queue(lead, make.question(), "A customer phoned about this.", now=clock.now)


def test_an_assignment_tells_the_assignee_in_the_app_and_by_email(make, lead, agent, clock):
    item = _queued(make, lead, clock)
    services.assign(lead, item, agent, now=clock.now)
    [notice] = _notices(agent, "care_assigned")
    assert item.question.title in notice.excerpt and notice.question_id == item.question_id
    [email] = _emails_to(agent)
    assert "/staff/care/items/" in email.payload["text"]
    assert _notices(lead) == []  # nobody is told of their own action


def test_claiming_an_item_notifies_nobody(make, lead, agent, clock):
    item = _queued(make, lead, clock)
    services.claim(agent, item, now=clock.now)
    assert _notices(agent) == []


def test_an_agent_who_chose_no_email_is_told_in_the_app_only(make, lead, agent, clock):
    notifications.set_email_mode(agent, "none", now=clock.now)
    services.assign(lead, _queued(make, lead, clock), agent, now=clock.now)
    assert len(_notices(agent, "care_assigned")) == 1 and _emails_to(agent) == []


def test_going_away_hands_items_to_the_backup_who_is_told(make, lead, agent, clock):
    backup = make.user("backup1", role="agent")
    item = _queued(make, lead, clock)
    services.assign(lead, item, agent, now=clock.now)
    services.set_away(agent, agent, True, backup=backup, now=clock.now)
    [notice] = _notices(backup, "care_handover")
    assert "agent1 is away" in notice.excerpt
    db.session.rollback()
    assert db.session.get(CareItem, item.id).assignee_id == backup.id


def test_the_assignee_is_warned_before_a_breach_and_told_of_it_once(make, lead, agent, clock):
    item = _queued(make, lead, clock)
    services.assign(lead, item, agent, now=clock.now)
    assert sweep.run(clock.now + timedelta(minutes=40)).warnings == 0
    assert sweep.run(clock.now + timedelta(minutes=46)).warnings == 1  # due at 60 min, warned 15 min before
    assert sweep.run(clock.now + timedelta(minutes=50)).warnings == 0
    assert len(_notices(agent, "care_due_soon")) == 1
    sweep.run(clock.now + timedelta(minutes=61))
    sweep.run(clock.now + timedelta(minutes=70))
    [breached] = _notices(agent, "care_breached")
    assert "first response" in breached.excerpt


def test_an_unassigned_item_warns_its_team_or_everyone_when_nobody_joined_a_team(make, lead, agent, clock):
    other = make.user("agent2", role="agent")
    _queued(make, lead, clock)  # "question": technical support
    sweep.run(clock.now + timedelta(minutes=46))
    assert len(_notices(agent, "care_due_soon")) == len(_notices(other, "care_due_soon")) == 1
    # Once agents say which teams they work in, only the team hears of its items.
    services.set_teams(other, other, ["customer care"], now=clock.now)
    services.set_teams(agent, agent, ["technical support"], now=clock.now)
    _queued(make, lead, clock)
    sweep.run(clock.now + timedelta(minutes=47))
    assert len(_notices(agent, "care_due_soon")) == 2 and len(_notices(other, "care_due_soon")) == 1


def test_a_new_complaint_is_announced_to_its_team(make, lead, agent, clock):
    care = make.user("carer", role="agent")
    services.set_teams(care, care, ["customer care"], now=clock.now)
    services.set_teams(agent, agent, ["technical support"], now=clock.now)
    make.question(title="I want a refund for my X200", body="Still broken after two weeks, unacceptable.")
    [notice] = _notices(care, "care_complaint")
    assert "refund" in notice.excerpt
    assert _notices(agent, "care_complaint") == []


def test_a_reopened_item_tells_its_assignee(make, lead, agent, clock):
    item = _queued(make, lead, clock)
    services.assign(lead, item, agent, now=clock.now)
    services.set_status(agent, item, "resolved", now=clock.now)
    services.set_status(lead, item, "in_progress", now=clock.now + timedelta(minutes=5))
    assert len(_notices(agent, "care_reopened")) == 1


def test_a_staff_notice_leads_to_the_care_item(client, make, lead, agent, clock, sign_in):
    item = _queued(make, lead, clock)
    services.assign(lead, item, agent, now=clock.now)
    [notice] = _notices(agent, "care_assigned")
    sign_in(agent)
    response = client.get(f"/notifications/{notice.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/care/questions/"
                                                                                 f"{item.question_id}")
    assert client.get(response.headers["Location"]).headers["Location"].endswith(f"/staff/care/items/{item.id}")


def test_teams_must_be_known_and_only_staff_choose(make, agent, clock):
    from app.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        services.set_teams(agent, agent, ["<script>"], now=clock.now)
    with pytest.raises(ValidationError):
        services.set_teams(agent, agent, [42], now=clock.now)
    with pytest.raises(PermissionDenied):
        services.set_teams(make.user(), agent, ["marketing"], now=clock.now)
    with pytest.raises(PermissionDenied):
        services.set_teams(agent, make.user("agent9", role="agent"), ["marketing"], now=clock.now)


def test_agents_choose_their_teams_on_the_agents_page(client, make, agent, sign_in):
    sign_in(agent)
    response = client.post("/staff/care/agents/teams", data={"agent": agent.id, "team": ["customer care",
                                                                                         "marketing"]})
    assert response.status_code == 302
    page = client.get("/staff/care/agents").get_data(as_text=True)
    assert "customer care, marketing" in page
    response = client.post("/staff/care/agents/teams", data={"agent": agent.id, "team": ["<script>x</script>"]},
                           follow_redirects=True)
    assert "Choose among" in response.get_data(as_text=True) and "<script>x" not in response.get_data(as_text=True)
    other = make.user("agent2", role="agent")
    response = client.post("/staff/care/agents/teams", data={"agent": other.id, "team": ["marketing"]},
                           follow_redirects=True)
    assert "Agents choose their own teams" in response.get_data(as_text=True)
