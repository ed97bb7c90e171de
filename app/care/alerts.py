"""Staff are told of their own work: assignments, hand-overs, clocks about to breach or breached, new
complaints in their team and reopened items, in the app and by email as each agent chose.

Receivers of the care signals, inside the transaction that caused them. Nobody is told of their
own action (an agent who claims an item is not notified of it); away agents are not told of new
work, since it goes to their backup.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import i18n, permissions, signals
from app.care.models import CareAgent
from app.extensions import db
from app.models import User
from app.notifications import services as notifications
from app.urls import site_url_for


def _due_soon(clock, title):
    if clock == "first_response":
        return _l("The first response target of “%(title)s” is due soon.", title=title)
    return _l("The resolution target of “%(title)s” is due soon.", title=title)


def _passed(clock, title):
    if clock == "first_response":
        return _l("The first response target of “%(title)s” has passed.", title=title)
    return _l("The resolution target of “%(title)s” has passed.", title=title)


def _item_url(item):
    return site_url_for("care.item", item_id=item.id)


def _tell(user, kind, item, excerpt, actor, now):
    if user is None or (actor is not None and getattr(actor, "id", None) == user.id):
        return
    if not permissions.is_staff(user):
        return
    with i18n.in_language_of(user):
        excerpt = str(excerpt)  # a lazy string, in the recipient's language
    notifications.notify(user, kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
                         question=item.question, excerpt=excerpt, now=now, url=_item_url(item))


def team_agents(team, now):
    """Staff who work in `team` and are not away; everyone on staff who is not away when nobody joined the team."""
    staff = db.session.scalars(select(User).where(User.role.in_(("agent", "moderator", "admin"))).order_by(User.id))
    rows = {row.user_id: row for row in db.session.scalars(select(CareAgent))}
    available = [user for user in staff if not (rows.get(user.id) and rows[user.id].is_away)
                 and not user.is_suspended(now)]
    members = [user for user in available if team in ((rows.get(user.id) and rows[user.id].teams) or [])]
    anyone_in_teams = any(row.teams for row in rows.values())
    return members if members or anyone_in_teams else available


def _owners(item, now):
    """Who an item's news is for: its assignee, else the agents of its team."""
    if item.assignee_id is not None:
        return [db.session.get(User, item.assignee_id)]
    return team_agents(item.team, now)


def on_assigned(actor, item, before, handover_from=None, *, now, **extra):
    if item.assignee_id is None:
        return
    assignee = db.session.get(User, item.assignee_id)
    if handover_from is not None:
        excerpt = _l("%(name)s is away, so their care item “%(title)s” is yours now.", name=handover_from.username,
                     title=item.question.title)
        _tell(assignee, "care_handover", item, excerpt, actor, now)
    else:
        _tell(assignee, "care_assigned", item, _l("The care item “%(title)s” is yours (%(team)s).",
                                                  title=item.question.title, team=item.team), actor, now)


def on_due_soon(actor, item, clock, *, now, **extra):
    excerpt = _due_soon(clock, item.question.title)
    for user in _owners(item, now):
        _tell(user, "care_due_soon", item, excerpt, actor, now)


def on_breached(actor, item, clock, *, now, **extra):
    if not item.is_open:
        return  # a clock that stopped late is a figure for the report, not news to act on
    excerpt = _passed(clock, item.question.title)
    for user in _owners(item, now):
        _tell(user, "care_breached", item, excerpt, actor, now)


def on_created(actor, item, *, now, **extra):
    if item.category != "complaint":
        return
    excerpt = _l("A new complaint for %(team)s: “%(title)s”.", team=item.team, title=item.question.title)
    for user in team_agents(item.team, now):
        _tell(user, "care_complaint", item, excerpt, actor, now)


def on_reopened(actor, item, *, now, **extra):
    excerpt = _l("The care item “%(title)s” is back in the queue.", title=item.question.title)
    for user in _owners(item, now):
        _tell(user, "care_reopened", item, excerpt, actor, now)


def connect_receivers():
    """Listen to the care signals (sent inside each write transaction)."""
    signals.care_item_assigned.connect(on_assigned)
    signals.care_item_due_soon.connect(on_due_soon)
    signals.care_item_breached.connect(on_breached)
    signals.care_item_created.connect(on_created)
    signals.care_item_reopened.connect(on_reopened)
