"""Search and suggestions from the database while this host's index cannot serve them: missing, empty or rebuilding.

Every process of a host reads the same signs from the index folder, so all of them degrade and
recover together: no commit there (the folder was deleted), the rebuild lock held (a flock the
kernel drops with a dead rebuilder), or no question in it while the database has public ones (a
new host before its first build). The queries are deliberately simple and bounded: the words
matched literally (LIKE's wildcards escaped), newest first, at most MAX_RESULTS matches counted,
and on PostgreSQL a statement timeout, because every host of a deployment shares the database.
"""
import functools
import logging
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, not_, or_, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Question, Tag
from app.search import index_sync
from app.search import whoosh_index as search_index
from app.visibility import public

logger = logging.getLogger(__name__)

DEGRADED_NOTICE = _l("Search is being rebuilt; these results come from a simpler search (your words as typed, "
                     "in titles and question text, newest first) until it is back.")
TOO_SLOW_NOTICE = _l("The simpler search took too long for these words: add a more specific word, or try again "
                     "in a few minutes.")
MAX_RESULTS = 200  # ten pages: a page scans the table until it has its rows, so deep pages cost the most
MAX_WORDS = 8
MIN_WORD_LENGTH = 2
STATEMENT_TIMEOUT_MS = 3000  # PostgreSQL only: a rare word at a million questions scans every row
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_OPERATORS = {"AND", "OR"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL's text cannot hold NUL; none of them is a word


def unavailable_reason(index):
    """Why this host's index cannot answer now ("missing", "rebuilding", "empty"), or None when it can."""
    if not index.is_present():
        return "missing"
    if index.is_rebuilding():
        return "rebuilding"
    if not index.holds_questions() and index_sync.has_public_questions():
        return "empty"
    return None


def terms_of(query):
    """(words to find, words to leave out) of a query: "phrases" kept whole, -word and NOT word left out."""
    found, left_out, negate = [], [], False
    for phrase, word in _TERM.findall(_CONTROL.sub(" ", query)):
        if not phrase and word in _OPERATORS:
            continue
        if not phrase and word == "NOT":
            negate = True
            continue
        term = phrase.strip() if phrase else word
        if not phrase and term.startswith("-") and len(term) > 1:
            term, negate = term[1:], True
        if len(term) >= MIN_WORD_LENGTH:
            (left_out if negate else found).append(term)
        negate = False
    return found[:MAX_WORDS], left_out[:MAX_WORDS]


def _pattern(term, before="%"):
    """A LIKE pattern (escape character /) that matches `term` literally after `before`."""
    return before + term.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _holds(term):
    """SQL: the question's title or text holds `term` as typed (case aside, LIKE's %, _ and escapes literal).

    ILIKE on PostgreSQL (lower() on both sides elsewhere): lower() on every body costs PostgreSQL twice the time.
    """
    pattern = _pattern(term)
    return or_(Question.title.ilike(pattern, escape="/"), Question.body_source.ilike(pattern, escape="/"))


def search(query, *, tag=None, resolved=None, has_answers=False, sort="relevance", page=1, per_page=20):
    """(ids of one page, how many match, at most MAX_RESULTS) of the public questions holding every word.

    Returns None when the database gave up (PostgreSQL's statement timeout).
    """
    found, left_out = terms_of(query)
    filtered = bool(tag) or resolved is not None or has_answers
    if not found and not filtered:  # nothing to look for (as the index: only left-out words list nothing)
        return [], 0
    conditions = [public(Question), *map(_holds, found), *(not_(_holds(term)) for term in left_out)]
    if tag:
        conditions.append(Question.tags.any(Tag.name == _CONTROL.sub("", tag)))
    if resolved is not None:
        resolved_rule = Question.accepted_answer_id.is_not(None)
        conditions.append(resolved_rule if resolved else not_(resolved_rule))
    if has_answers:
        conditions.append(Question.answer_count > 0)
    order = (Question.score.desc(), Question.id.desc()) if sort == "votes" else (Question.id.desc(),)
    matching = select(Question.id).where(*conditions)
    offset = (max(page, 1) - 1) * per_page

    def run():
        total = db.session.scalar(select(func.count()).select_from(matching.limit(MAX_RESULTS).subquery()))
        if offset >= MAX_RESULTS:
            return [], total
        ids = db.session.scalars(matching.order_by(*order).offset(offset)
                                 .limit(min(per_page, MAX_RESULTS - offset))).all()
        return ids, total

    return _bounded(run)


def suggest(draft, *, limit=5, exclude_id=None):
    """Ids of public questions whose title has a word starting with each typed word, newest first."""
    words = [word for word in _CONTROL.sub(" ", draft).split() if len(word) >= MIN_WORD_LENGTH][:MAX_WORDS]
    if not words:
        return []
    conditions = [public(Question)]
    for word in words:
        conditions.append(or_(Question.title.ilike(_pattern(word, before=""), escape="/"),
                              Question.title.ilike(_pattern(word, before="% "), escape="/")))
    if exclude_id is not None:
        conditions.append(Question.id != exclude_id)
    return _bounded(lambda: db.session.scalars(select(Question.id).where(*conditions)
                                               .order_by(Question.id.desc()).limit(limit)).all()) or []


@functools.lru_cache(maxsize=8)
def analyzer(language):
    """The index's analysis for `language`, to mark the typed words in snippets without opening the index."""
    return search_index.analyzer_for(language)


def _bounded(run):
    """`run()` under a statement timeout on PostgreSQL; None when the database cancelled it (rolled back)."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    try:
        if postgres:
            db.session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        result = run()
        if postgres:
            db.session.execute(text("SET LOCAL statement_timeout TO DEFAULT"))
        return result
    except OperationalError as error:
        if not postgres or getattr(error.orig, "sqlstate", None) != "57014":  # 57014: query_canceled
            raise
        logger.warning("The database search gave up after %s ms", STATEMENT_TIMEOUT_MS)
        db.session.rollback()
        return None
