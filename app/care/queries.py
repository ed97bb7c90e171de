"""Reading the care queue: items, their clocks and counts, and the status the public thread shows."""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from app.care import rules, sla
from app.care.models import CareAgent, CareItem, CareNote, CareReason, SameProblem
from app.exceptions import must_exist
from app.extensions import db
from app.models import Question, User
from app.visibility import public


def item_for_question(question_id, lock=False):
    """The care item of a question, or None."""
    query = select(CareItem).where(CareItem.question_id == question_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def get_item_or_404(item_id):
    """An item by id; raises NotFound."""
    return must_exist(db.session.get(CareItem, item_id), _("That care item does not exist."))


def effective_priority(item):
    """Staff's override, else the computed label."""
    return item.priority_override or rules.priority_label(item.priority_score)


def same_problem_count(question_id):
    """How many people pressed "I have this problem too"."""
    return db.session.scalar(select(func.count()).select_from(SameProblem)
                             .where(SameProblem.question_id == question_id))


def agent_settings(user_id):
    return db.session.get(CareAgent, user_id)


def is_away(user):
    """Whether a staff member marked themselves away."""
    agent = agent_settings(user.id) if user is not None else None
    return bool(agent and agent.is_away)


def open_counts_by_assignee():
    """{user_id: open items} for agent load."""
    rows = db.session.execute(select(CareItem.assignee_id, func.count()).where(
        CareItem.is_open, CareItem.assignee_id.is_not(None)).group_by(CareItem.assignee_id))
    return dict(rows.all())


def open_count():
    """Open items in the queue (the staff navigation badge)."""
    # A question hidden since the last sweep leaves the count at once, as it leaves the queue.
    return db.session.scalar(select(func.count()).select_from(CareItem)
                             .join(Question, Question.id == CareItem.question_id)
                             .where(CareItem.is_open, public(Question)))


def staff_members():
    """Every member of staff, by name."""
    return list(db.session.scalars(select(User).where(User.role.in_(("agent", "moderator", "admin")))
                                   .order_by(User.username)))


def _filtered(query, status=None, team=None, assignee=None, category=None, reason=None):
    """The queue's filters on a query of items joined to their questions."""
    if status in (None, "", "open"):
        # Open items of public questions: one hidden since the last sweep is out of the queue already.
        query = query.where(CareItem.is_open, public(Question))
    elif status != "all":
        query = query.where(CareItem.status == status)
    if team:
        query = query.where(CareItem.team == team)
    if category:
        query = query.where(CareItem.category == category)
    if assignee == "none":
        query = query.where(CareItem.assignee_id.is_(None))
    elif assignee:
        query = query.where(CareItem.assignee_id == assignee)
    if reason:
        query = query.where(CareItem.id.in_(select(CareReason.item_id).where(CareReason.kind == reason)))
    return query


def queue(now, team=None, assignee=None, category=None, status=None, reason=None):
    """Every matching item with its clocks, soonest breach first; status "open" (default) means still in the queue.

    `assignee` is a user id, "me" is resolved by the caller, "none" means unassigned.
    """
    query = _filtered(select(CareItem).join(Question, Question.id == CareItem.question_id), status=status,
                      team=team, assignee=assignee, category=category, reason=reason)
    far = now + timedelta(days=36500)
    rows = []
    for item in db.session.scalars(query):
        first, resolution = sla.clocks(item, now)
        rows.append((item, first, resolution, sla.next_due(item, now) or far))
    rows.sort(key=lambda row: (row[3], row[0].id))
    return rows


def changed(updated_since=None, after=None, limit=100, **filters):
    """Items in the order they last changed (oldest first), from `updated_since` and after the (updated_at, id)
    position `after`: a feed a CRM pages through without missing or repeating an item."""
    query = _filtered(select(CareItem).join(Question, Question.id == CareItem.question_id), **filters)
    if updated_since is not None:
        query = query.where(CareItem.updated_at >= updated_since)
    if after is not None:
        at, item_id = after
        query = query.where(or_(CareItem.updated_at > at, and_(CareItem.updated_at == at, CareItem.id > item_id)))
    return list(db.session.scalars(query.order_by(CareItem.updated_at, CareItem.id).limit(limit)))


def notes_of(item):
    """An item's internal notes, oldest first."""
    return list(db.session.scalars(select(CareNote).where(CareNote.item_id == item.id).order_by(CareNote.id)))


def thread_care(question_id):
    """(same-problem count, care item or None) of a question in one query, for its page."""
    count = (select(func.count()).select_from(SameProblem).where(SameProblem.question_id == question_id)
             .scalar_subquery())
    row = db.session.execute(select(count, CareItem).select_from(Question)
                             .outerjoin(CareItem, CareItem.question_id == Question.id)
                             .where(Question.id == question_id)).one_or_none()
    return (row[0], row[1]) if row is not None else (0, None)


def public_status(question_id):
    """What everyone sees on the thread: ("notified" | "investigating" | "resolved", label) or None."""
    return status_of(item_for_question(question_id))


def status_of(item):
    """The public care status of an item (None for no item, or one the community resolved)."""
    if item is None:
        return None
    if item.status == "withdrawn":
        return None
    if item.status == "new":
        return "notified", _("Staff notified")
    if item.is_open:
        return "investigating", _("Staff investigating")
    if item.resolved_by == "staff":
        return "resolved", _("Resolved by staff")
    return None
