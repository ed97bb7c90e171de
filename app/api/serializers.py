"""JSON shapes of the API's resources."""

from app.formatting import iso
from app.urls import member_url, question_url


def author(user):
    """A post's author as the API shows it."""
    return {
        "id": user.id,
        "username": user.username,
        "reputation": user.reputation,
        "is_staff": user.is_staff,
        "url": member_url(user, external=True),
    }


def question_summary(question):
    """A question in a list."""
    return {
        "id": question.id,
        "title": question.title,
        "url": question_url(question, external=True),
        "score": question.score,
        "answer_count": question.answer_count,
        "view_count": question.view_count,
        "accepted_answer_id": question.accepted_answer_id,
        "status": question.status,
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
