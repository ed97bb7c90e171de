"""What people look for, what they do not find, and the questions existing answers deflected."""
import re
from datetime import timedelta

from sqlalchemy import func, insert, select

from app import write_behind
from app.database import begin_write
from app.extensions import db
from app.models import AskDraft, SearchLog

DRAFT_TOKEN = re.compile(r"^[0-9a-f]{16,64}$")
# A draft whose asker opened a suggestion and did not post within this time was answered already.
ABANDONED_AFTER = timedelta(hours=1)


def _insert_logs(connection, rows):
    connection.execute(insert(SearchLog), rows)


def log_query(kind, text, result_count, *, now):
    """Record a search or suggestion query at `now` (its text and result count only), without waiting on a write."""
    text = " ".join((text or "").split())[:300]
    if text:
        write_behind.record("search_logs", _insert_logs,
                            {"kind": kind, "query": text, "result_count": result_count, "created_at": now})


def valid_draft_token(token):
    """Whether `token` looks like the random id the ask form makes for a draft."""
    return isinstance(token, str) and bool(DRAFT_TOKEN.match(token))


def suggestion_opened(token, question_id, *, now):
    """Note that, while writing the draft `token`, the asker opened an existing question."""
    begin_write(db.session)
    draft = db.session.get(AskDraft, token)
    if draft is None:
        db.session.add(AskDraft(token=token, question_id=question_id, opened_at=now))
    elif draft.posted_at is None:
        draft.question_id, draft.opened_at = question_id, now
        draft.opened_count += 1
    db.session.commit()


def draft_posted(token, *, now):
    """The draft became a question after all: it was not deflected."""
    if not valid_draft_token(token):
        return
    begin_write(db.session)
    draft = db.session.get(AskDraft, token)
    if draft is not None and draft.posted_at is None:
        draft.posted_at = now
    db.session.commit()


def deflected_count(since, *, now):
    """Drafts since `since` that opened a suggestion and were then abandoned."""
    return db.session.scalar(select(func.count()).select_from(AskDraft).where(
        AskDraft.opened_at >= since, AskDraft.opened_at <= now - ABANDONED_AFTER, AskDraft.posted_at.is_(None)))


def top_queries(since, kind="search", without_results=False, limit=20):
    """The most frequent queries since `since`: [(query, times, average results)]."""
    normalized = func.lower(SearchLog.query)
    query = (select(normalized, func.count(), func.avg(SearchLog.result_count))
             .where(SearchLog.kind == kind, SearchLog.created_at >= since)
             .group_by(normalized).order_by(func.count().desc(), normalized).limit(limit))
    if without_results:
        query = query.where(SearchLog.result_count == 0)
    return [(text, count, float(average or 0)) for text, count, average in db.session.execute(query)]
