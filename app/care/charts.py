"""The dashboard's chart series: the figures of metrics.compute as plain JSON for static/js/care-charts.js.

The page renders these with |tojson inside a data block; the same numbers are in the page's tables.
Labels are plain strings in the reader's language (the chart's own words come from the page, report.html).
"""
from flask_babel import gettext as _

from app.care.models import CATEGORY_LABELS


def _percent(share):
    return None if share is None else round(share * 100, 1)


def _pairs(rows):
    return {"labels": [str(key) for key, _ in rows], "values": [value for _, value in rows]}


def _compliance(rows, labels=None):
    return {"labels": [str((labels or {}).get(row[0], row[0])) for row in rows], "met": [met for _, met, _, _ in rows],
            "decided": [decided for _, _, decided, _ in rows], "percent": [_percent(share) for *_, share in rows]}


def series(figures):
    """Every charted series of the dashboard, keyed by chart."""
    times = [(_("First response (anyone)"), figures["first_response"]),
             (_("First staff response"), figures["first_staff_response"]),
             (_("Resolution of care items"), figures["resolution"])]
    satisfaction = figures["weekly_satisfaction"]
    return {
        "open_by_status": _pairs(figures["open_by_status"]),
        "open_by_team": _pairs(figures["open_by_team"]),
        "open_by_assignee": _pairs(figures["open_by_assignee"]),
        "compliance_category": _compliance(figures["compliance"]["category"], CATEGORY_LABELS),
        "compliance_team": _compliance(figures["compliance"]["team"]),
        "weekly": {"labels": [w["week"].isoformat() for w in figures["weekly"]],
                   "items": [w["item_count"] for w in figures["weekly"]],
                   "complaints": [w["complaints"] for w in figures["weekly"]],
                   "sentiment": [w["sentiment"] for w in figures["weekly"]]},
        "satisfaction": {"labels": [w["week"].isoformat() for w in satisfaction],
                         "rated": [w["rated"] for w in satisfaction],
                         "percent": [_percent(w["share"]) for w in satisfaction]},
        "times": {"labels": [label for label, _ in times],
                  "median": [t["median"] for _, t in times], "p90": [t["p90"] for _, t in times],
                  "count": [t["count"] for _, t in times]},
    }
