"""The search page for visitors."""
from flask import Blueprint, render_template, request

from app.search import service
from app.web import page_number

bp = Blueprint("search", __name__)


def request_from_args(args):
    """A SearchRequest from query-string arguments (the page and the API share it)."""
    resolved = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(
        (args.get("resolved") or "").lower())
    return service.parse_request(args.get("q", ""), tag=(args.get("tag") or "").lower() or None, resolved=resolved,
                                 has_answers=(args.get("answered") or "").lower() in ("1", "true", "yes"),
                                 sort=args.get("sort", "relevance"), page=page_number())


@bp.get("/search")
def results():
    """Search results with snippets, filters, sorting and paging."""
    search_request = request_from_args(request.args)
    found = service.search(search_request) if (search_request.text or search_request.tag) else None
    return render_template("search/results.html", found=found, search_request=search_request,
                           q=request.args.get("q", ""))
