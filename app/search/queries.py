"""Searching for visitors and suggestions for askers: index ids in, visible questions out.

While this host's index cannot serve (missing, empty, rebuilding: app/search/fallback.py), both come
from a simpler database search instead, and say so (`degraded`); never an error, never a silent nothing.
"""
import logging
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import settings
from app.extensions import db
from app.models import Answer, Question
from app.rendering import html_to_text
from app.search import fallback, semantic
from app.search import whoosh_index as search_index
from app.search.index_sync import app_index
from app.visibility import public

logger = logging.getLogger(__name__)
SYNONYMS = settings.define(
    "SEARCH_SYNONYMS", list, [],
    _l("Words that mean the same for suggestions, one group a line (e.g. what customers call your products: "
       "'buds earbuds'); none are built in"), label=_l("Synonyms"))
PER_PAGE = 20
MAX_QUERY_LENGTH = 300
_IS_FILTER = re.compile(r"(?<!\S)(is:resolved|is:unresolved|has:answers?)(?!\S)", re.IGNORECASE)
_TAG_FILTER = re.compile(r"(?<!\S)tags?:([a-z0-9-]+)(?!\S)", re.IGNORECASE)


@dataclass
class SearchRequest:
    """What the visitor asked for, from the query text and the filter controls."""

    text: str = ""
    tag: str | None = None
    resolved: bool | None = None
    has_answers: bool = False
    sort: str = "relevance"
    page: int = 1


@dataclass
class SearchResults:
    """A page of visible questions with their snippets."""

    request: SearchRequest
    items: list = field(default_factory=list)
    total: int = 0
    corrected: str | None = None
    notice: str | None = None  # why the query as typed could not be run, or that the results are degraded
    degraded: bool = False  # from the database's simpler search: the index could not serve

    @property
    def pages(self):
        """Number of result pages."""
        return max(1, -(-self.total // PER_PAGE))


def parse_request(text, tag=None, resolved=None, has_answers=False, sort="relevance", page=1):
    """Lift `tag:x`, `is:resolved` and `has:answers` out of the text into filters."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    request = SearchRequest(tag=(tag or None), resolved=resolved, has_answers=has_answers,
                            sort=sort if sort in search_index.SORTS else "relevance", page=page)
    for match in _IS_FILTER.findall(text):
        word = match.lower()
        if word == "is:resolved":
            request.resolved = True
        elif word == "is:unresolved":
            request.resolved = False
        else:
            request.has_answers = True
    tags = _TAG_FILTER.findall(text)
    if tags:
        request.tag = tags[-1].lower()
    request.text = " ".join(_TAG_FILTER.sub(" ", _IS_FILTER.sub(" ", text)).split())
    return request


def _visible_questions(ids, with_people_and_tags=True):
    """The questions with these ids that anyone may see, in order; a closed duplicate gives way to its original.

    Suggestions show neither authors nor tags: loading them costs 1-2 ms a keystroke at 100,000 questions.
    """
    if not ids:
        return []
    options = (joinedload(Question.author), selectinload(Question.tags)) if with_people_and_tags else ()
    visible = public(Question)
    rows = db.session.scalars(select(Question).where(Question.id.in_(ids), visible).options(*options)).all()
    by_id = {question.id: question for question in rows}
    originals = {q.duplicate_of_id for q in rows if q.duplicate_of_id and q.duplicate_of_id not in by_id}
    if originals:
        by_id.update({q.id: q for q in db.session.scalars(
            select(Question).where(Question.id.in_(originals), visible).options(*options))})
    ordered, seen = [], set()
    for question_id in ids:
        question = by_id.get(question_id)
        if question is not None and question.duplicate_of_id:
            question = by_id.get(question.duplicate_of_id)
        if question is not None and question.id not in seen:
            seen.add(question.id)
            ordered.append(question)
    return ordered


def _index_serving():
    """This host's index when it can answer now, else None (the reason is logged: the follower is rebuilding it)."""
    index = app_index()
    try:
        reason = fallback.unavailable_reason(index)
    except search_index.READ_FAILURES as error:  # deleted or replaced between the folder's listing and the read
        reason = f"unreadable ({error})"
    if reason is None:
        return index
    logger.info("The search index cannot serve (%s): searching the database instead", reason)
    return None


def search(request):
    """Run a search request against the index and the database's visibility rules (the database alone, degraded)."""
    index = _index_serving()
    if index is not None:
        try:
            return _indexed_search(index, request)
        except search_index.READ_FAILURES:
            logger.warning("The search index failed under a search: searching the database instead", exc_info=True)
    return _database_search(request)


def _indexed_search(index, request):
    hits = search_index.search(index, request.text, tag=request.tag, resolved=request.resolved,
                               has_answers=request.has_answers, sort=request.sort, page=request.page,
                               per_page=PER_PAGE)
    questions = _visible_questions(hits.ids)
    analyzer = index.analyzer
    items = [(question, search_index.snippet(html_to_text(question.body_html), hits.terms, analyzer=analyzer))
             for question in questions]
    return SearchResults(request, items, hits.total, hits.corrected, hits.notice)


def _database_search(request):
    found = fallback.search(request.text, tag=request.tag, resolved=request.resolved,
                            has_answers=request.has_answers, sort=request.sort, page=request.page,
                            per_page=PER_PAGE)
    notice = str(fallback.DEGRADED_NOTICE)  # a plain str: the API serialises it
    if found is None:
        found, notice = ([], 0), f"{notice} {fallback.TOO_SLOW_NOTICE}"
    ids, total = found
    analyzer = _fallback_analyzer()
    terms = tuple(token.text for token in analyzer(request.text))
    items = [(question, search_index.snippet(html_to_text(question.body_html), terms, analyzer=analyzer))
             for question in _visible_questions(ids)]
    return SearchResults(request, items, total, notice=notice, degraded=True)


def _fallback_analyzer():
    return fallback.analyzer(current_app.config["SEARCH_LANGUAGE"])


@dataclass
class Suggestion:
    """A question that may already answer what someone is typing, with an excerpt of what would help most."""

    question: Question
    snippet: str
    excerpt_of: str = "question"  # "accepted answer", "top answer" or "question": where the snippet comes from


def suggest(text, limit=5, exclude_id=None):
    """Up to `limit` visible questions for a draft, lexical and semantic; empty under two characters.

    A solved question's excerpt is its accepted answer: the asker may need nothing more.
    """
    return suggestions(text, limit, exclude_id)[0]


def suggestions(text, limit=5, exclude_id=None):
    """(the suggestions of `suggest`, whether they came from the database's title match: the index could not serve)."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    if len(text.strip()) < 2:
        return [], False
    index = _index_serving()
    if index is not None:
        try:
            return _indexed_suggestions(index, text, limit, exclude_id), False
        except search_index.READ_FAILURES:
            logger.warning("The search index failed under a suggestion: matching titles instead", exc_info=True)
    ids = fallback.suggest(text, limit=limit + 2, exclude_id=exclude_id)
    questions = [q for q in _visible_questions(ids, with_people_and_tags=False) if q.id != exclude_id][:limit]
    analyzer = _fallback_analyzer()
    return _with_excerpts(questions, tuple(token.text for token in analyzer(text)), analyzer), True


def _indexed_suggestions(index, text, limit, exclude_id):
    lexical, terms = search_index.suggest(index, text, limit=limit + 2, exclude_id=exclude_id,
                                          synonym_groups=settings.get(SYNONYMS))
    ids = semantic.hybrid(lexical, text, exclude_id=exclude_id)[:limit + 2]
    questions = [q for q in _visible_questions(ids, with_people_and_tags=False) if q.id != exclude_id][:limit]
    return _with_excerpts(questions, terms, index.analyzer)


def _with_excerpts(questions, terms, analyzer):
    """Suggestions of these questions, each with an excerpt of its accepted or best answer, else of itself."""
    best = _best_answers(questions)
    found = []
    for question in questions:
        answer = best.get(question.id)
        source = answer.body_html if answer is not None else question.body_html
        excerpt_of = ("question" if answer is None else
                      "accepted answer" if answer.id == question.accepted_answer_id else "top answer")
        found.append(Suggestion(question, search_index.snippet(html_to_text(source), terms, length=160,
                                                               analyzer=analyzer), excerpt_of))
    return found


def duplicate_candidates(question, query=None, limit=5):
    """The visible questions most like this one (or like `query`, what the moderator typed), best first, never itself.

    What a moderator closing it as a duplicate picks from: the ask form's ranking, given whole
    words (the trailing space marks the last one complete, so the semantic half joins).
    """
    text = (query or "").strip() or question.title
    return [suggestion.question for suggestion in suggest(f"{text} ", limit=limit, exclude_id=question.id)]


def _best_answers(questions):
    """{question_id: the accepted answer, else the highest-scored one} in one query."""
    if not questions:
        return {}
    accepted = {q.id: q.accepted_answer_id for q in questions}
    best = {}
    for answer in db.session.scalars(select(Answer).where(Answer.question_id.in_(list(accepted)),
                                                          public(Answer))
                                     .order_by(Answer.score.desc(), Answer.id)):
        current = best.get(answer.question_id)
        if current is None or answer.id == accepted[answer.question_id]:
            best[answer.question_id] = answer
    return best
