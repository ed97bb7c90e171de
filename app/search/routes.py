"""The search page for visitors."""
from datetime import timedelta

from flask import render_template, request
from flask_login import current_user

from app import page_cache
from app.clock import request_now
from app.helpfulness import services as helpful
from app.search import bp, index_sync, insights, queries
from app.search.whoosh_index import READ_FAILURES
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
    """Search results with snippets, filters, sorting and paging (a visitor's from the page cache)."""
    search_request = request_from_args(request.args)
    page, total, _ = page_cache.remember(_index_position(), lambda: _results_page(search_request),
                                         keep=_unless_degraded)
    if total is not None:  # every search is logged, also one the page cache answered
        insights.log_query("search", request.args.get("q", ""), total, now=request_now())
    return page


def _results_page(search_request):
    """(the rendered results page, how many were found or None when nothing was asked, whether degraded)."""
    found = None
    if search_request.text or search_request.tag:
        found = queries.search(search_request)
    page = render_template("search/results.html", found=found, search_request=search_request,
                           q=request.args.get("q", ""))
    return page, found.total if found else None, bool(found and found.degraded)


def _unless_degraded(value):
    """A degraded page (the database's simpler search) is never kept: the index may be back by the next request."""
    return None if value[2] else value


def _index_position():
    """Where this host's index stands in the change log: results move with it as well as with the database."""
    try:
        return index_sync.app_index().latest_cursor()
    except READ_FAILURES:  # no index here now (deleted, being rebuilt): results come from elsewhere
        return None


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
