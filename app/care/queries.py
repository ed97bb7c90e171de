"""Reading the care queue: items, their clocks and counts, and the status the public thread shows."""
from datetime import timedelta

from sqlalchemy import func, select

from app.care import rules, sla
from app.care.models import CareAgent, CareItem, CareReason, SameProblem
from app.exceptions import must_exist
from app.extensions import db
from app.models import Question, User
from app.visibility import not_deleted


def item_for_question(question_id, lock=False):
    """The care item of a question, or None."""
    query = select(CareItem).where(CareItem.question_id == question_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def get_item_or_404(item_id):
    """An item by id; raises NotFound."""
    return must_exist(db.session.get(CareItem, item_id), "That care item does not exist.")


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
        CareItem.status != "resolved", CareItem.assignee_id.is_not(None)).group_by(CareItem.assignee_id))
    return dict(rows.all())


def open_count():
    """Open items in the queue (the staff navigation badge)."""
    return db.session.scalar(select(func.count()).select_from(CareItem).where(CareItem.status != "resolved"))


def staff_members():
    """Every member of staff, by name."""
    return list(db.session.scalars(select(User).where(User.role.in_(("agent", "moderator", "admin")))
                                   .order_by(User.username)))


def queue(now, team=None, assignee=None, category=None, status=None, reason=None):
    """Items with their clocks, soonest breach first; status "open" (default) means not resolved.

    `assignee` is a user id, "me" is resolved by the caller, "none" means unassigned.
    """
    query = select(CareItem).join(Question, Question.id == CareItem.question_id).where(not_deleted(Question))
    if status in (None, "", "open"):
        query = query.where(CareItem.status != "resolved")
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
    items = list(db.session.scalars(query.limit(2000)))
    far = now + timedelta(days=36500)
    rows = []
    for item in items:
        first, resolution = sla.clocks(item, now)
        rows.append((item, first, resolution, sla.next_due(item, now) or far))
    rows.sort(key=lambda row: (row[3], row[0].id))
    return rows


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
    if item.status == "new":
        return "notified", "Staff notified"
    if item.is_open:
        return "investigating", "Staff investigating"
    if item.resolved_by == "staff":
        return "resolved", "Resolved by staff"
    return None
