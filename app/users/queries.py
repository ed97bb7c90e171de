"""Read side of members: a profile's figures and posts in a fixed number of queries."""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.extensions import db
from app.models import Answer, Question, User

PROFILE_LIST_LENGTH = 20


@dataclass
class Profile:
    """What a profile page shows."""

    user: User
    question_count: int
    answer_count: int
    accepted_count: int
    questions: list
    answers: list


def get_user_or_404(user_id):
    """The user with this id; aborts with 404 if there is none."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def load_profile(user):
    """Counts and the latest visible questions and answers of a member (four queries)."""
    visible_question = Question.deleted_at.is_(None) & Question.hidden_at.is_(None)
    visible_answer = Answer.deleted_at.is_(None) & Answer.hidden_at.is_(None)
    counts = db.session.execute(select(
        select(func.count()).where(Question.author_id == user.id, visible_question).scalar_subquery(),
        select(func.count()).select_from(Answer).join(Question, Answer.question_id == Question.id)
        .where(Answer.author_id == user.id, visible_answer, visible_question).scalar_subquery(),
        select(func.count()).select_from(Answer).join(Question, Question.accepted_answer_id == Answer.id)
        .where(Answer.author_id == user.id, visible_answer, visible_question).scalar_subquery(),
    )).one()
    questions = db.session.scalars(
        select(Question).where(Question.author_id == user.id, visible_question)
        .options(selectinload(Question.tags)).order_by(Question.created_at.desc()).limit(PROFILE_LIST_LENGTH)
    ).all()
    answers = db.session.scalars(
        select(Answer).join(Answer.question).where(Answer.author_id == user.id, visible_answer, visible_question)
        .options(contains_eager(Answer.question)).order_by(Answer.score.desc(), Answer.created_at.desc())
        .limit(PROFILE_LIST_LENGTH)
    ).all()
    return Profile(user, *counts, questions=questions, answers=answers)


def top_members(page, per_page):
    """Members by reputation."""
    query = select(User).order_by(User.reputation_points.desc(), User.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
