"""The search page for visitors."""
from datetime import timedelta

from flask import render_template, request
from flask_login import current_user

from app.clock import request_now
from app.helpfulness import services as helpful
from app.search import bp, insights, queries
from app.web import page_number, refuse_unless_staff


def request_from_args(args):
    """A SearchRequest from query-string arguments (the page and the API share it)."""
    resolved = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(
        (args.get("resolved") or "").lower())
    return queries.parse_request(args.get("q", ""), tag=(args.get("tag") or "").lower() or None, resolved=resolved,
                                 has_answers=(args.get("answered") or "").lower() in ("1", "true", "yes"),
                                 sort=args.get("sort", "relevance"), page=page_number())


@bp.get("/search")
def results():
    """Search results with snippets, filters, sorting and paging."""
    search_request = request_from_args(request.args)
    found = None
    if search_request.text or search_request.tag:
        found = queries.search(search_request)
        insights.log_query("search", request.args.get("q", ""), found.total, now=request_now())
    return render_template("search/results.html", found=found, search_request=search_request,
                           q=request.args.get("q", ""))


@bp.get("/staff/search")
def staff_insights():
    """For staff: what people search for, what finds nothing, and questions deflected by existing answers."""
    refuse_unless_staff(current_user)
    days = 30
    now = request_now()
    since = now - timedelta(days=days)
    return render_template(
        "search/insights.html", days=days, deflected=insights.deflected_count(since, now=now),
        helpful=helpful.summary(since),
        top=insights.top_queries(since), not_found=insights.top_queries(since, without_results=True),
        suggest_not_found=insights.top_queries(since, kind="suggest", without_results=True))
