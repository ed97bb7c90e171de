"""Measuring care for a date range: response and resolution times, SLA compliance, deflection,
satisfaction, per-agent figures, helpers and knowledge gaps, each figure with the rows behind it for CSV export.

Medians average the two middle values; p90 is the nearest-rank 90th percentile. "Staff" answers and
comments are the official ones, stamped when written, so a later change of role rewrites no figure.
Satisfaction counts every answer the askers gave (one per resolution of an item, CareRating), so a
"no" then a "yes" is 50%: a rating is satisfied at a score of 4 or 5, or, without a score, a "yes".
"""
import csv
import io
import math
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.care import sla
from app.care.models import CATEGORIES, CLOSED_STATUSES, STATUS_LABELS, CareItem
from app.extensions import db
from app.helpfulness import services as helpful
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
    """{question_id: [(at, author_id, official)]} of visible answers and comments, oldest first."""
    found = defaultdict(list)
    if not question_ids:
        return found
    for model in (Answer, Comment):
        rows = db.session.execute(
            select(model.question_id, model.created_at, model.author_id, model.official)
            .where(model.question_id.in_(question_ids), not_deleted(model)))
        for question_id, at, author_id, official in rows:
            found[question_id].append((at, author_id, bool(official)))
    for entries in found.values():
        entries.sort()
    return found


def _answer_authors(question_ids):
    """{question_id: [(answer_id, official)]} of visible answers."""
    rows = db.session.execute(select(Answer.question_id, Answer.id, Answer.official)
                              .where(Answer.question_id.in_(question_ids), not_deleted(Answer))) \
        if question_ids else []
    by_question = defaultdict(list)
    for question_id, answer_id, official in rows:
        by_question[question_id].append((answer_id, bool(official)))
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
    """The items opened in the range, with their assignee and every rating (two queries more, not one per item)."""
    return list(db.session.scalars(select(CareItem).where(CareItem.created_at >= since, CareItem.created_at < until)
                                   .options(selectinload(CareItem.assignee), selectinload(CareItem.ratings))
                                   .order_by(CareItem.id)))


def _first_response_minutes(item):
    """Minutes from entering the queue to the first staff response, or None before one."""
    return _minutes(item.first_response_at - item.created_at) if item.first_response_at is not None else None


def _resolution_minutes(item):
    """Minutes the current episode took to resolve, pauses left out, or None while it is not resolved."""
    if item.resolved_at is None:
        return None
    return _minutes(item.resolved_at - item.opened_at - sla.paused_for(item, item.resolved_at))


def satisfaction(ratings):
    """The satisfaction figures of some ratings: every answer counts, each once."""
    scores = [r.score for r in ratings if r.score is not None]
    satisfied = sum(r.satisfied for r in ratings)
    return {"rated": len(ratings), "satisfied": satisfied, "yes": sum(r.solved for r in ratings),
            "share": _share(satisfied, len(ratings)), "scored": len(scores),
            "average": round(statistics.mean(scores), 2) if scores else None}


def _assignee_name(item):
    return item.assignee.username if item.assignee is not None else ""


def agents(items):
    """Per assignee (the item's assignee now; unassigned last): items, median first response and resolution
    in minutes (from entering the queue; the current episode, pauses left out), and satisfaction."""
    held = defaultdict(list)
    for item in items:
        held[item.assignee_id].append(item)
    rows = []
    for assignee_id, group in held.items():
        first = [m for m in map(_first_response_minutes, group) if m is not None]
        resolution = [m for m in map(_resolution_minutes, group) if m is not None]
        rows.append({
            "assignee_id": assignee_id, "assignee": _assignee_name(group[0]) or _("unassigned"), "items": len(group),
            "first_response": {"median": median(first), "count": len(first)},
            "resolution": {"median": median(resolution), "count": len(resolution)},
            "satisfaction": satisfaction([rating for item in group for rating in item.ratings]),
        })
    return sorted(rows, key=lambda row: (row["assignee_id"] is None, -row["items"], row["assignee"]))


def compute(since, until, now):
    """Every dashboard figure for [since, until), as plain numbers and lists."""
    rows = question_rows(since, until)
    items = _items(since, until)
    first_any = [_minutes(r["first_response"]) for r in rows if r["first_response"] is not None]
    first_staff = [_minutes(r["first_staff_response"]) for r in rows if r["first_staff_response"] is not None]
    resolved_items = [i for i in items if i.resolved_at is not None]
    resolution = [_resolution_minutes(i) for i in resolved_items]

    compliance = defaultdict(lambda: [0, 0])  # (kind, key) -> [met, decided]
    targets = sla.targets_by_category()
    for item in items:
        for clock in sla.clocks(item, now, targets[item.category]):
            if clock.stopped_at is None and not clock.breached:
                continue  # still running in time: not decided yet
            for key in (("category", item.category), ("team", item.team)):
                compliance[key][1] += 1
                compliance[key][0] += clock.met
    week_ago = now - timedelta(days=7)
    breaches_week = [i for i in db.session.scalars(select(CareItem).where(
        (CareItem.first_response_breached_at >= week_ago) | (CareItem.resolution_breached_at >= week_ago)))]

    open_items = list(db.session.scalars(select(CareItem).where(CareItem.is_open)))
    names = dict(db.session.execute(select(User.id, User.username).where(
        User.id.in_({i.assignee_id for i in open_items if i.assignee_id}))).all()) if open_items else {}
    weeks = defaultdict(lambda: {"complaints": 0, "item_count": 0, "sentiment": 0, "ratings": []})
    for item in items:
        week = (item.created_at - timedelta(days=item.created_at.weekday())).date()
        weeks[week]["item_count"] += 1
        weeks[week]["sentiment"] += item.sentiment
        weeks[week]["complaints"] += item.category == "complaint"
        weeks[week]["ratings"].extend(item.ratings)
    weekly = [{"week": week, "complaints": w["complaints"], "item_count": w["item_count"],
               "sentiment": round(w["sentiment"] / w["item_count"], 2)} for week, w in sorted(weeks.items())]
    return {
        "asked": len(rows),
        "community_answered": sum(r["community_answered"] for r in rows),
        "staff_answered": sum(r["staff_answered"] for r in rows),
        "deflected": sum(r["deflected"] for r in rows),
        "deflection_share": _share(sum(r["deflected"] for r in rows), len(rows)),
        "search_deflected": insights.deflected_count(since, until=until, now=now),
        "marked_helpful": helpful.summary(since, until),  # (yes, no, answers): browsers' answers, not people
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
        "clock_rules": clock_rules(targets),
        "open_by_status": _ordered(Counter(i.status for i in open_items), STATUS_LABELS),
        "open_by_team": sorted(Counter(i.team for i in open_items).items()),
        "open_by_assignee": sorted(Counter(names.get(i.assignee_id, _("unassigned")) for i in open_items).items(),
                                   key=lambda pair: (-pair[1], pair[0])),
        "satisfaction": satisfaction([rating for item in items for rating in item.ratings]),
        "agents": agents(items),
        "complaints": sum(i.category == "complaint" for i in items),
        "weekly": weekly,
        "weekly_complaints": [(w["week"].isoformat(), w["complaints"]) for w in weekly],
        # By the week the item was opened, like the other weekly figures.
        "weekly_satisfaction": [{"week": week, **satisfaction(w["ratings"])} for week, w in sorted(weeks.items())],
        "helpers": helpers(since, until),
        "duplicated": most_duplicated(since, until),
        "not_found": insights.top_queries(since, without_results=True, limit=10),
        "categories": CATEGORIES,
    }


def clock_rules(targets=None):
    """The sentences the report states about how its SLA clocks count (sla.py has the rules)."""
    sample = next(iter((targets or sla.targets_by_category()).values()))
    if sample.counted_from == "asked":
        start = _("SLA clocks count from when the customer asked (CARE_SLA_CLOCK_START is asked), even when the "
                  "item entered the care queue later; staff pages show both moments.")
    else:
        start = _("SLA clocks count from when the item entered the care queue, not from when the customer asked "
                  "(set CARE_SLA_CLOCK_START to asked for that); staff pages show both moments.")
    stop = _("A first-response clock stops at the first staff response, or when the item is resolved first: an "
             "item the community resolved before its first response was due counts as met, after it as breached. A "
             "stopped clock no longer moves, and waiting on the customer pauses the clocks.")
    hours = [f"{team}: {calendar.text}" for team, calendar in sorted((sample.calendars or {}).items())]
    calendars = (_("Business hours (%(hours)s) count only while open, pauses too; every other team counts 24/7.",
                   hours="; ".join(hours)) if hours else _("Every team's clocks count 24/7."))
    return [start, stop, calendars]


def _ordered(counter, labels):
    return [(str(label), counter.get(key, 0)) for key, label in labels.items() if key not in CLOSED_STATUSES]


def helpers(since, until, limit=10):
    """Community members with accepted and upvoted answers in the range: the people to thank.

    Only answers that were not official count, whatever the authors' roles are now.
    """
    accepted = Counter(dict(db.session.execute(
        select(Answer.author_id, func.count()).join(Question, Question.id == Answer.question_id)
        .where(Question.accepted_answer_id == Answer.id, Answer.created_at >= since, Answer.created_at < until,
               not_deleted(Answer), Answer.official.is_(False))
        .group_by(Answer.author_id)).all()))
    votes = Counter(dict(db.session.execute(
        select(Answer.author_id, func.count()).join(AnswerVote, AnswerVote.answer_id == Answer.id)
        .where(AnswerVote.value == 1, AnswerVote.created_at >= since, AnswerVote.created_at < until,
               Answer.official.is_(False))
        .group_by(Answer.author_id)).all()))
    ids = set(accepted) | set(votes)
    members = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
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
    yield ["item_id", "question_id", "title", "category", "team", "status", "assignee", "reasons", "created_at",
           "first_response_at", "first_response_met", "resolved_at", "resolved_by", "resolution_met",
           "ratings", "satisfied_ratings", "average_score", "clocks_counted_from", "first_response_due_at",
           "first_response_breached", "resolution_due_at", "resolution_breached"]
    targets = sla.targets_by_category()
    for item in items:
        first, resolution = sla.clocks(item, now, targets[item.category])
        rated = satisfaction(item.ratings)
        yield [item.id, item.question_id, item.question.title, item.category, item.team, item.status,
               _assignee_name(item), " ".join(item.reason_kinds), item.created_at.isoformat(),
               item.first_response_at.isoformat() if item.first_response_at else "", first.met,
               item.resolved_at.isoformat() if item.resolved_at else "", item.resolved_by or "", resolution.met,
               rated["rated"], rated["satisfied"], _blank(rated["average"]), first.counted_from,
               first.due_at.isoformat(), first.breached, resolution.due_at.isoformat(), resolution.breached]


def _blank(value):
    return "" if value is None else value


def _rating_csv(items):
    """One row per answer an asker gave, oldest first."""
    yield ["item_id", "question_id", "title", "assignee", "resolution", "solved", "score", "satisfied", "comment",
           "rated_at"]
    ratings = sorted((rating for item in items for rating in item.ratings), key=lambda r: (r.created_at, r.id))
    for rating in ratings:
        item = rating.item
        yield [item.id, item.question_id, item.question.title, _assignee_name(item), rating.episode, rating.solved,
               _blank(rating.score), rating.satisfied, rating.comment or "", rating.created_at.isoformat()]


def _agent_csv(items):
    yield ["assignee", "items", "first_responses", "median_first_response_minutes", "resolved",
           "median_resolution_minutes", "ratings", "satisfied_ratings", "satisfaction_share", "scores",
           "average_score"]
    for row in agents(items):
        rated = row["satisfaction"]
        yield [row["assignee"], row["items"], row["first_response"]["count"], _blank(row["first_response"]["median"]),
               row["resolution"]["count"], _blank(row["resolution"]["median"]), rated["rated"], rated["satisfied"],
               "" if rated["share"] is None else round(rated["share"], 4), rated["scored"], _blank(rated["average"])]


def _export_rows(figure, since, until, now):
    if figure in ("asked", "community_answered", "staff_answered", "deflected", "first_response"):
        keep = {"asked": lambda r: True, "first_response": lambda r: r["first_response"] is not None}.get(
            figure, lambda r: r[figure])
        return _question_csv(question_rows(since, until), keep)
    items = _items(since, until)
    if figure == "breaches":
        # The same clocks as the compliance figures: a clock stopped in time (resolved by anyone) is no breach.
        targets = sla.targets_by_category()
        items = [i for i in items if any(c.breached for c in sla.clocks(i, now, targets[i.category]))]
    elif figure == "satisfaction":
        return _rating_csv(items)
    elif figure == "agents":
        return _agent_csv(items)
    elif figure == "resolved":
        items = [i for i in items if i.resolved_at is not None]
    if figure == "helpers":
        return [["username", "accepted_answers", "upvotes"],
                *[[u.username, a, v] for u, a, v in helpers(since, until, limit=1000)]]
    return _item_csv(items, now)


EXPORTS = ("asked", "community_answered", "staff_answered", "deflected", "first_response", "items", "resolved",
           "breaches", "satisfaction", "agents", "helpers")


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
