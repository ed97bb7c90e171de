"""What people look for, what they do not find, and the questions existing answers deflected."""
import re
import secrets
from datetime import timedelta

from sqlalchemy import func, insert, or_, select, update

from app import write_behind
from app.database import begin_write
from app.extensions import db
from app.models import AskDraft, SearchLog

DRAFT_TOKEN = re.compile(r"^[0-9a-f]{16,64}$")
# A draft whose asker opened a suggestion and did not post within this time was answered already.
ABANDONED_AFTER = timedelta(hours=1)
# Draft tokens live in the (signed) session cookie: only the browser session that was given one can report on it.
SESSION_DRAFTS = "ask_drafts"
DRAFTS_KEPT_PER_SESSION = 5  # a few tabs' worth, so the cookie stays small


def _insert_logs(connection, rows):
    connection.execute(insert(SearchLog), rows)


def log_query(kind, text, result_count, *, now):
    """Record a search or suggestion query at `now` (its text and result count only), without waiting on a write."""
    text = " ".join((text or "").split())[:300]
    if text:
        write_behind.record("search_logs", _insert_logs,
                            {"kind": kind, "query": text, "result_count": result_count, "created_at": now})


def valid_draft_token(token):
    """Whether `token` looks like the random id the server gives an ask-form draft."""
    return isinstance(token, str) and bool(DRAFT_TOKEN.match(token))


def session_drafts(session):
    """The draft tokens given to this browser session, newest last."""
    tokens = session.get(SESSION_DRAFTS)
    return [token for token in tokens if valid_draft_token(token)] if isinstance(tokens, list) else []


def _settled(draft, now):
    """Whether a draft's outcome is decided: posted, or abandoned for longer than the window (deflected)."""
    return draft is not None and (draft.posted_at is not None or draft.opened_at <= now - ABANDONED_AFTER)


def draft_for_ask_form(session, *, now):
    """The token the ask form reports with: this session's current draft, or a new one once that one is settled."""
    tokens = session_drafts(session)
    if tokens and not _settled(db.session.get(AskDraft, tokens[-1]), now):
        return tokens[-1]
    token = secrets.token_hex(16)
    session[SESSION_DRAFTS] = [*tokens, token][-DRAFTS_KEPT_PER_SESSION:]
    return token


def suggestion_opened(token, question_id, *, now):
    """Note that, while writing the draft `token`, the asker opened an existing question."""
    begin_write(db.session)
    draft = db.session.get(AskDraft, token)
    if draft is None:
        db.session.add(AskDraft(token=token, question_id=question_id, opened_at=now))
    elif not _settled(draft, now):  # a settled draft keeps its outcome: the figures already counted it
        draft.question_id, draft.opened_at = question_id, now
        draft.opened_count += 1
    db.session.commit()


def session_posted_a_question(session, *, now):
    """This session posted a question: its open drafts were not deflected, whatever token the form sent."""
    tokens = session_drafts(session)
    session.pop(SESSION_DRAFTS, None)
    if not tokens:
        return
    begin_write(db.session)
    # Only drafts still within the window: one abandoned for longer was deflected, and a later post is another question.
    db.session.execute(update(AskDraft).where(
        AskDraft.token.in_(tokens), AskDraft.posted_at.is_(None), AskDraft.opened_at > now - ABANDONED_AFTER,
    ).values(posted_at=now))
    db.session.commit()


def deflected_count(since, *, now, until=None):
    """Drafts since `since` (and before `until`) that opened a suggestion and were not posted within the window."""
    query = select(func.count()).select_from(AskDraft).where(
        AskDraft.opened_at >= since, AskDraft.opened_at <= now - ABANDONED_AFTER,
        or_(AskDraft.posted_at.is_(None), AskDraft.posted_at > now))
    if until is not None:
        query = query.where(AskDraft.opened_at < until)
    return db.session.scalar(query)


def top_queries(since, kind="search", without_results=False, limit=20):
    """The most frequent queries since `since`: [(query, times, average results)]."""
    normalized = func.lower(SearchLog.query)
    query = (select(normalized, func.count(), func.avg(SearchLog.result_count))
             .where(SearchLog.kind == kind, SearchLog.created_at >= since)
             .group_by(normalized).order_by(func.count().desc(), normalized).limit(limit))
    if without_results:
        query = query.where(SearchLog.result_count == 0)
    return [(text, count, float(average or 0)) for text, count, average in db.session.execute(query)]
