"""JSON shapes of the API's resources."""

from app.formatting import iso
from app.http_caching import volatile_keys
from app.urls import answer_url, member_url, question_url
from app.visibility import is_public


def author(user):
    """A post's author as the API shows it."""
    return {
        "id": user.id,
        "username": user.username,
        "reputation": user.reputation,
        "is_staff": user.is_staff,
        "url": member_url(user, external=True),
    }


def closing(question):
    """Why and when a question was closed, or None while it is open."""
    if not question.is_closed:
        return None
    return {"reason": question.close_reason, "closed_at": iso(question.closed_at)}


def original_of(question):
    """The question a closed duplicate points to ({id, title, url}), or None (also once the original is removed)."""
    original = question.duplicate_of if question.duplicate_of_id else None
    if original is None or not is_public(original):
        return None
    return {"id": original.id, "title": original.title, "url": question_url(original, external=True)}


def question_summary(question):
    """A question in a list (its view count, buffered per worker, is left out of the response's ETag)."""
    volatile_keys("view_count")
    return {
        "id": question.id,
        "title": question.title,
        "url": question_url(question, external=True),
        "score": question.score,
        "answer_count": question.answer_count,
        "view_count": question.view_count,
        "accepted_answer_id": question.accepted_answer_id,
        "status": question.status,
        "closed": closing(question),
        "duplicate_of": original_of(question),
        "tags": [tag.name for tag in question.tags],
        "author": author(question.author),
        "created_at": iso(question.created_at),
        "last_activity_at": iso(question.last_activity_at),
    }


def answer(item):
    """An answer, with its rendered body."""
    return {
        "id": item.id,
        "question_id": item.question_id,
        "body_html": item.body_html,
        "score": item.score,
        "accepted": item.is_accepted,
        "official": item.official,
        "author": author(item.author),
        "created_at": iso(item.created_at),
        "edited_at": iso(item.edited_at),
    }


def question_detail(question, answers):
    """A question with its body and answers in page order."""
    return {
        **question_summary(question),
        "body_html": question.body_html,
        "edited_at": iso(question.edited_at),
        "answers": [answer(item) for item in answers],
    }


def badge_award(award):
    """A badge a member holds, with when they earned it."""
    badge = award.details
    return {"badge": badge.slug, "name": badge.name, "description": badge.description,
            "awarded_at": iso(award.awarded_at)}


def reputation_entry(entry):
    """One reputation event (a users.queries.HistoryEntry); `post` is null once the post is no longer public."""
    event = entry.event
    post = None
    if entry.answer is not None:
        post = {"type": "answer", "id": entry.answer.id, "question_id": entry.question.id,
                "title": entry.question.title, "url": answer_url(entry.answer, external=True)}
    elif entry.question is not None:
        post = {"type": "question", "id": entry.question.id, "question_id": entry.question.id,
                "title": entry.question.title, "url": question_url(entry.question, external=True)}
    return {"amount": event.amount, "reason": event.reason, "description": event.reason_text,
            "created_at": iso(event.created_at), "post": post}
