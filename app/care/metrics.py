"""Measuring care for a date range: response and resolution times, SLA compliance, deflection,
satisfaction, helpers and knowledge gaps, each figure with the rows behind it for CSV export.

Medians average the two middle values; p90 is the nearest-rank 90th percentile.
"""
import csv
import io
import math
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from app.care import sla
from app.care.models import CATEGORIES, STATUS_LABELS, CareItem
from app.extensions import db
from app.models import Answer, AnswerVote, Comment, Question, User
from app.search import insights
from app.visibility import not_deleted


def median(values):
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def p90(values):
    """Nearest-rank 90th percentile, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _share(part, whole):
    return part / whole if whole else None


def _questions(since, until):
    return list(db.session.scalars(select(Question).where(
        Question.created_at >= since, Question.created_at < until, not_deleted(Question))
        .order_by(Question.id)))


def _responses(question_ids):
    """{question_id: [(at, author_id, is_staff)]} of visible answers and comments, oldest first."""
    found = defaultdict(list)
    if not question_ids:
        return found
    staff = User.role.in_(("agent", "moderator", "admin"))
    for model in (Answer, Comment):
        rows = db.session.execute(
            select(model.question_id, model.created_at, model.author_id, staff).join(User, User.id == model.author_id)
            .where(model.question_id.in_(question_ids), not_deleted(model)))
        for question_id, at, author_id, is_staff in rows:
            found[question_id].append((at, author_id, bool(is_staff)))
    for entries in found.values():
        entries.sort()
    return found


def _answer_authors(question_ids):
    rows = db.session.execute(select(Answer.question_id, Answer.id, User.role).join(User, User.id == Answer.author_id)
                              .where(Answer.question_id.in_(question_ids), not_deleted(Answer))) \
        if question_ids else []
    by_question = defaultdict(list)
    for question_id, answer_id, role in rows:
        by_question[question_id].append((answer_id, role != "member"))
    return by_question


def _minutes(delta):
    return round(delta.total_seconds() / 60, 1)


def question_rows(since, until):
    """One row per question asked in the range, with everything the question figures need."""
    questions = _questions(since, until)
    ids = [q.id for q in questions]
    responses, answers = _responses(ids), _answer_authors(ids)
    rows = []
    for question in questions:
        others = [r for r in responses.get(question.id, []) if r[1] != question.author_id]
        staff = [r for r in others if r[2]]
        accepted_by_staff = any(a == question.accepted_answer_id and s for a, s in answers.get(question.id, []))
        rows.append({
            "question": question,
            "community_answered": any(not s for _, s in answers.get(question.id, [])),
            "staff_answered": any(s for _, s in answers.get(question.id, [])),
            "deflected": question.is_resolved and not accepted_by_staff and not staff,
            "first_response": (others[0][0] - question.created_at) if others else None,
            "first_staff_response": (staff[0][0] - question.created_at) if staff else None,
        })
    return rows


def _items(since, until):
    return list(db.session.scalars(select(CareItem).where(CareItem.created_at >= since, CareItem.created_at < until)
                                   .order_by(CareItem.id)))


def compute(since, until, now):
    """Every dashboard figure for [since, until), as plain numbers and lists."""
    rows = question_rows(since, until)
    items = _items(since, until)
    first_any = [_minutes(r["first_response"]) for r in rows if r["first_response"] is not None]
    first_staff = [_minutes(r["first_staff_response"]) for r in rows if r["first_staff_response"] is not None]
    resolved_items = [i for i in items if i.resolved_at is not None]
    resolution = [_minutes(i.resolved_at - i.opened_at - sla.paused_for(i, i.resolved_at)) for i in resolved_items]

    compliance = defaultdict(lambda: [0, 0])  # (kind, key) -> [met, decided]
    for item in items:
        for clock in sla.clocks(item, now):
            if clock.stopped_at is None and not clock.breached:
                continue  # still running in time: not decided yet
            for key in (("category", item.category), ("team", item.team)):
                compliance[key][1] += 1
                compliance[key][0] += clock.met
    week_ago = now - timedelta(days=7)
    breaches_week = [i for i in db.session.scalars(select(CareItem).where(
        (CareItem.first_response_breached_at >= week_ago) | (CareItem.resolution_breached_at >= week_ago)))]

    open_items = list(db.session.scalars(select(CareItem).where(CareItem.status != "resolved")))
    names = dict(db.session.execute(select(User.id, User.username).where(
        User.id.in_({i.assignee_id for i in open_items if i.assignee_id}))).all()) if open_items else {}
    rated = [i for i in items if i.satisfied is not None]
    weeks = defaultdict(lambda: {"complaints": 0, "item_count": 0, "sentiment": 0, "rated": 0, "yes": 0})
    for item in items:
        week = (item.created_at - timedelta(days=item.created_at.weekday())).date()
        weeks[week]["item_count"] += 1
        weeks[week]["sentiment"] += item.sentiment
        weeks[week]["complaints"] += item.category == "complaint"
        if item.satisfied is not None:
            weeks[week]["rated"] += 1
            weeks[week]["yes"] += bool(item.satisfied)
    weekly = [{"week": week, "complaints": w["complaints"], "item_count": w["item_count"],
               "sentiment": round(w["sentiment"] / w["item_count"], 2)} for week, w in sorted(weeks.items())]
    return {
        "asked": len(rows),
        "community_answered": sum(r["community_answered"] for r in rows),
        "staff_answered": sum(r["staff_answered"] for r in rows),
        "deflected": sum(r["deflected"] for r in rows),
        "deflection_share": _share(sum(r["deflected"] for r in rows), len(rows)),
        "search_deflected": insights.deflected_count(since, now=now),
        "first_response": {"median": median(first_any), "p90": p90(first_any), "count": len(first_any)},
        "first_staff_response": {"median": median(first_staff), "p90": p90(first_staff), "count": len(first_staff)},
        "resolution": {"median": median(resolution), "p90": p90(resolution), "count": len(resolution)},
        "item_count": len(items),
        "resolved_by_staff": sum(i.resolved_by == "staff" for i in resolved_items),
        "resolved_by_community": sum(i.resolved_by == "community" for i in resolved_items),
        "compliance": {kind: sorted(((key[1], met, decided, _share(met, decided))
                                     for key, (met, decided) in compliance.items() if key[0] == kind))
                       for kind in ("category", "team")},
        "breaches_week": len(breaches_week),
        "open_by_status": _ordered(Counter(i.status for i in open_items), STATUS_LABELS),
        "open_by_team": sorted(Counter(i.team for i in open_items).items()),
        "open_by_assignee": sorted(Counter(names.get(i.assignee_id, "unassigned") for i in open_items).items(),
                                   key=lambda pair: (-pair[1], pair[0])),
        "satisfaction": {"rated": len(rated), "yes": sum(bool(i.satisfied) for i in rated),
                         "share": _share(sum(bool(i.satisfied) for i in rated), len(rated))},
        "complaints": sum(i.category == "complaint" for i in items),
        "weekly": weekly,
        "weekly_complaints": [(w["week"].isoformat(), w["complaints"]) for w in weekly],
        # By the week the item was opened, like the other weekly figures.
        "weekly_satisfaction": [{"week": week, "rated": w["rated"], "yes": w["yes"],
                                 "share": _share(w["yes"], w["rated"])} for week, w in sorted(weeks.items())],
        "helpers": helpers(since, until),
        "duplicated": most_duplicated(since, until),
        "not_found": insights.top_queries(since, without_results=True, limit=10),
        "categories": CATEGORIES,
    }


def _ordered(counter, labels):
    return [(label, counter.get(key, 0)) for key, label in labels.items() if key != "resolved"]


def helpers(since, until, limit=10):
    """Members (not staff) with accepted answers and upvotes in the range: the people to thank."""
    accepted = Counter(dict(db.session.execute(
        select(Answer.author_id, func.count()).join(Question, Question.accepted_answer_id == Answer.id)
        .where(Answer.created_at >= since, Answer.created_at < until, not_deleted(Answer))
        .group_by(Answer.author_id)).all()))
    votes = Counter(dict(db.session.execute(
        select(Answer.author_id, func.count()).join(AnswerVote, AnswerVote.answer_id == Answer.id)
        .where(AnswerVote.value == 1, AnswerVote.created_at >= since, AnswerVote.created_at < until)
        .group_by(Answer.author_id)).all()))
    ids = set(accepted) | set(votes)
    members = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids), User.role == "member"))} \
        if ids else {}
    ranked = sorted(members.values(), key=lambda u: (-accepted[u.id], -votes[u.id], u.username))
    return [(user, accepted[user.id], votes[user.id]) for user in ranked[:limit]]


def most_duplicated(since, until, limit=10):
    """Originals that the most questions asked in the range were closed as duplicates of."""
    rows = db.session.execute(
        select(Question.duplicate_of_id, func.count()).where(
            Question.duplicate_of_id.is_not(None), Question.created_at >= since, Question.created_at < until)
        .group_by(Question.duplicate_of_id).order_by(func.count().desc(), Question.duplicate_of_id).limit(limit)).all()
    originals = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_([r[0] for r in rows])))} \
        if rows else {}
    return [(originals[qid], count) for qid, count in rows if qid in originals]


# CSV exports: the rows behind each figure -------------------------------------------------

def _question_csv(rows, keep):
    yield ["question_id", "title", "asked_at", "first_response_minutes", "first_staff_response_minutes",
           "community_answered", "staff_answered", "resolved", "deflected"]
    for r in rows:
        if keep(r):
            q = r["question"]
            yield [q.id, q.title, q.created_at.isoformat(),
                   _minutes(r["first_response"]) if r["first_response"] is not None else "",
                   _minutes(r["first_staff_response"]) if r["first_staff_response"] is not None else "",
                   r["community_answered"], r["staff_answered"], q.is_resolved, r["deflected"]]


def _item_csv(items, now):
    yield ["item_id", "question_id", "title", "category", "team", "status", "reasons", "created_at",
           "first_response_at", "first_response_met", "resolved_at", "resolved_by", "resolution_met", "satisfied"]
    for item in items:
        first, resolution = sla.clocks(item, now)
        yield [item.id, item.question_id, item.question.title, item.category, item.team, item.status,
               " ".join(item.reason_kinds), item.created_at.isoformat(),
               item.first_response_at.isoformat() if item.first_response_at else "", first.met,
               item.resolved_at.isoformat() if item.resolved_at else "", item.resolved_by or "", resolution.met,
               "" if item.satisfied is None else item.satisfied]


def _export_rows(figure, since, until, now):
    if figure in ("asked", "community_answered", "staff_answered", "deflected", "first_response"):
        keep = {"asked": lambda r: True, "first_response": lambda r: r["first_response"] is not None}.get(
            figure, lambda r: r[figure])
        return _question_csv(question_rows(since, until), keep)
    items = _items(since, until)
    if figure == "breaches":
        items = [i for i in items if any(c.breached for c in sla.clocks(i, now))]
    elif figure == "satisfaction":
        items = [i for i in items if i.satisfied is not None]
    elif figure == "resolved":
        items = [i for i in items if i.resolved_at is not None]
    if figure == "helpers":
        return [["username", "accepted_answers", "upvotes"],
                *[[u.username, a, v] for u, a, v in helpers(since, until, limit=1000)]]
    return _item_csv(items, now)


EXPORTS = ("asked", "community_answered", "staff_answered", "deflected", "first_response", "items", "resolved",
           "breaches", "satisfaction", "helpers")


def _safe_cell(value):
    """Spreadsheets run cells that start with = + - @ as formulas: quote them."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(figure, since, until, now):
    """The rows behind a figure as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _export_rows(figure, since, until, now):
        writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()
