"""Read side of members: a profile's figures and posts in a fixed number of queries."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.exceptions import must_exist
from app.extensions import db
from app.models import Answer, Question, User
from app.visibility import public

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
    """The user with this id; raises NotFound if there is none."""
    return must_exist(db.session.get(User, user_id), "That member does not exist.")


def load_profile(user):
    """Counts and the latest visible questions and answers of a member (four queries)."""
    visible_question = public(Question)
    visible_answer = public(Answer)
    counts = db.session.execute(select(
        select(func.count()).where(Question.author_id == user.id, visible_question).scalar_subquery(),
        select(func.count()).select_from(Answer).join(Question, Answer.question_id == Question.id)
        .where(Answer.author_id == user.id, visible_answer, visible_question).scalar_subquery(),
        select(func.count()).select_from(Answer).join(Question, Question.accepted_answer_id == Answer.id)
        .where(Answer.author_id == user.id, visible_answer, visible_question).scalar_subquery(),
    )).one()
    questions = db.session.scalars(
        select(Question).where(Question.author_id == user.id, visible_question)
        .options(selectinload(Question.tags), joinedload(Question.duplicate_of))
        .order_by(Question.created_at.desc()).limit(PROFILE_LIST_LENGTH)
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
