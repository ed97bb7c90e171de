"""API v1 endpoints. Reads are public; writes need a bearer token with the `write` scope."""
from flask import current_app, g, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app import badges
from app.api import bp, serializers
from app.auth.bearer import require_scope, token_required
from app.clock import request_now
from app.exceptions import MalformedRequest, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Tag
from app.notifications import tag_follows
from app.questions import queries, services
from app.ratelimits import posting_limit, suggestion_opened_limit, upload_limit
from app.search import insights
from app.search import queries as search_queries
from app.search.routes import request_from_args
from app.uploads import services as uploads
from app.uploads.routes import upload_result
from app.urls import question_url
from app.users import queries as member_queries
from app.validation import MAX_ID, positive_int


def _json_object():
    """The request body as a JSON object, or a 400 telling the client what to send."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedRequest(_("Send a JSON object with Content-Type: application/json."))
    return data


def _page():
    """?page= as a positive int, or a 422 saying what is allowed."""
    page = positive_int(request.args.get("page", "1"), maximum=100000)
    if page is None:
        raise ValidationError({"page": _("page must be a whole number from 1 to 100000.")})
    return page


@bp.get("/questions")
def list_questions():
    """Questions for a tab (newest, active, votes, unanswered, unresolved, resolved), optionally in one tag."""
    tab = request.args.get("tab", queries.DEFAULT_TAB)
    if tab not in queries.TABS:
        raise ValidationError({"tab": _("tab must be one of: %(tabs)s.", tabs=", ".join(queries.TABS))})
    tag = None
    if request.args.get("tag"):
        tag = db.session.scalar(select(Tag).where(Tag.name == request.args["tag"].lower()))
        if tag is None:
            return {"items": [], "page": 1, "pages": 0, "total": 0}
    pagination = queries.paginate_questions(tab, tag, _page(), current_app.config["QUESTIONS_PER_PAGE"])
    return {
        "items": [serializers.question_summary(q) for q in pagination.items],
        "page": pagination.page,
        "pages": pagination.pages,
        "total": pagination.total,
    }


@bp.post("/questions")
@posting_limit
@token_required
def create_question():
    """Ask a question: {title, body, tags} -> 201 with the question."""
    require_scope("write")
    data = _json_object()
    question = services.ask_question(g.api_user, data.get("title"), data.get("body"), data.get("tags"),
                                     now=request_now())
    location = url_for("api.get_question", question_id=question.id)
    return serializers.question_detail(question, []), 201, {"Location": location}


@bp.get("/questions/<id:question_id>")
def get_question(question_id):
    """A question with its body and its answers, accepted first."""
    question = queries.get_question_or_404(question_id)
    thread = queries.load_thread(question)
    return serializers.question_detail(question, thread.answers)


@bp.post("/questions/<id:question_id>/answers")
@posting_limit
@token_required
def create_answer(question_id):
    """Answer a question: {body} -> 201 with the answer."""
    require_scope("write")
    question = queries.get_question_or_404(question_id)
    data = _json_object()
    answer = services.post_answer(g.api_user, question, data.get("body"), now=request_now())
    return serializers.answer(answer), 201


def _vote(post):
    """{value: 1|-1|0} -> {score}."""
    value = _json_object().get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError({"value": _("value must be 1 (up), -1 (down) or 0 (withdraw).")})
    # v1 clients rely on the documented toggle; the web pages set the vote explicitly instead.
    return {"score": services.cast_vote(g.api_user, post, value, now=request_now(), same_again_withdraws=True)}


@bp.post("/questions/<id:question_id>/vote")
@token_required
def vote_question(question_id):
    """Vote on a question."""
    require_scope("write")
    return _vote(queries.get_question_or_404(question_id))


@bp.post("/answers/<id:answer_id>/vote")
@token_required
def vote_answer(answer_id):
    """Vote on an answer."""
    require_scope("write")
    return _vote(queries.get_answer_or_404(answer_id))


@bp.post("/answers/<id:answer_id>/accept")
@token_required
def accept_answer(answer_id):
    """Accept an answer (the asker or staff) -> {accepted_answer_id}."""
    require_scope("write")
    question = services.accept_answer(g.api_user, queries.get_answer_or_404(answer_id), now=request_now())
    return {"accepted_answer_id": question.accepted_answer_id}



def _tag_follow_state(tag, following):
    return {"tag": tag.name, "following": following}


@bp.get("/tags/<name>/follow")
@token_required
def tag_follow_state(name):
    """Whether the token's member follows the tag -> {tag, following}."""
    require_scope("read")
    tag = tag_follows.tag_named(name)
    return _tag_follow_state(tag, tag_follows.is_following_tag(g.api_user, tag))


@bp.put("/tags/<name>/follow")
@token_required
def follow_tag(name):
    """Follow the tag (again is harmless): new questions in it notify the member -> {tag, following}."""
    require_scope("write")
    return _tag_follow_state(tag_follows.follow_tag(g.api_user, name, now=request_now()), True)


@bp.delete("/tags/<name>/follow")
@token_required
def unfollow_tag(name):
    """Stop following the tag (harmless if not followed) -> {tag, following}."""
    require_scope("write")
    return _tag_follow_state(tag_follows.unfollow_tag(g.api_user, name), False)


@bp.get("/users/<id:user_id>/badges")
def user_badges(user_id):
    """The badges a member holds, newest first."""
    user = member_queries.get_user_or_404(user_id)
    return {"items": [serializers.badge_award(award) for award in badges.awards_of(user)]}


@bp.get("/users/<id:user_id>/reputation")
def user_reputation(user_id):
    """A member's reputation and one page of its history, newest first."""
    user = member_queries.get_user_or_404(user_id)
    pagination, entries = member_queries.reputation_history(user, _page())
    return {
        "reputation": user.reputation,
        "points": user.reputation_points,
        "items": [serializers.reputation_entry(entry) for entry in entries],
        "page": pagination.page,
        "pages": pagination.pages,
        "total": pagination.total,
    }


@bp.post("/images")
@uploads.accepts_image_upload
@upload_limit
@token_required
def upload_image():
    """Upload an image (multipart field `image`, optional `alt`) -> 201 with its URL and Markdown."""
    require_scope("write")
    upload = uploads.store_image(g.api_user, request.files.get("image"), now=request_now())
    alt = request.form.get("alt") or uploads.alt_from_filename(request.files["image"].filename)
    return upload_result(upload, alt), 201, {"Location": url_for("uploads.image", name=upload.name)}


@bp.get("/search")
def search():
    """Search results as JSON: the same request and results as the search page."""
    found = search_queries.search(request_from_args(request.args))
    return {
        "items": [{**serializers.question_summary(question), "snippet": snippet} for question, snippet in found.items],
        "page": found.request.page,
        "pages": found.pages,
        "total": found.total,
        "did_you_mean": found.corrected,
        "notice": found.notice,
        "degraded": found.degraded,
    }


@bp.get("/suggest")
def suggest():
    """Existing questions that may answer a draft: {"results": [...]}; a short query gives an empty list."""
    limit = positive_int(request.args.get("limit", "5"), maximum=1000) or 5
    exclude = positive_int(request.args.get("exclude", ""))
    suggestions, degraded = search_queries.suggestions(request.args.get("q", ""), limit=min(limit, 10),
                                                       exclude_id=exclude)
    insights.log_query("suggest", request.args.get("q", ""), len(suggestions), now=request_now())
    return {"degraded": degraded, "results": [{
        "id": s.question.id,
        "title": s.question.title,
        "url": question_url(s.question),
        "resolved": s.question.is_resolved,
        "score": s.question.score,
        "answer_count": s.question.answer_count,
        "snippet": s.snippet,
        "excerpt_of": s.excerpt_of,
    } for s in suggestions]}


@bp.post("/suggest/opened")
@suggestion_opened_limit
def suggestion_opened():
    """The ask form reports that a suggestion was opened during this session's draft {draft, question_id}: 204."""
    data = _json_object()
    token, question_id = data.get("draft"), data.get("question_id")
    # An id beyond what the database holds would overflow the query on PostgreSQL: it is simply not a question.
    if not insights.valid_draft_token(token) or type(question_id) is not int or not 0 < question_id <= MAX_ID:
        raise ValidationError({"draft": _("Send draft (the ask form's draft token) and question_id (a number).")})
    # The session cookie is the proof here, not a bearer token: a token made up elsewhere must not count.
    if token not in insights.session_drafts(session):
        raise PermissionDenied(_("That draft was not started in this browser session: reload the ask form."))
    insights.suggestion_opened(token, queries.get_question_or_404(question_id).id, now=request_now())
    return "", 204
