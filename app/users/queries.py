"""Read side of members: a profile's figures and posts in a fixed number of queries."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import badges
from app.exceptions import must_exist
from app.extensions import db
from app.models import Answer, Question, User
from app.reputation import ReputationEvent
from app.visibility import is_public, public

PROFILE_LIST_LENGTH = 20
HISTORY_PER_PAGE = 30


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
    return must_exist(db.session.get(User, user_id), _("That member does not exist."))


def load_profile(user):
    """Counts and the latest visible questions and answers of a member (four queries)."""
    visible_question = public(Question)
    visible_answer = public(Answer)
    counts = db.session.execute(select(
        select(func.count()).where(Question.author_id == user.id, visible_question).scalar_subquery(),
        select(func.count()).select_from(Answer).join(Question, Answer.question_id == Question.id)
        .where(Answer.author_id == user.id, visible_answer, visible_question).scalar_subquery(),
        # Joined on the answer's own question, by primary key (an accepted answer is always its question's):
        # joined on accepted_answer_id instead, PostgreSQL scans every question (0.5 s at a million).
        select(func.count()).select_from(Answer).join(Question, Question.id == Answer.question_id)
        .where(Answer.author_id == user.id, Question.accepted_answer_id == Answer.id, visible_answer,
               visible_question).scalar_subquery(),
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


@dataclass(frozen=True)
class HistoryEntry:
    """One reputation event as everyone may see it: the post it is about only while that post is public."""

    event: ReputationEvent
    question: Question | None  # set for an event about a question, or about an answer (its thread)
    answer: Answer | None


@dataclass(frozen=True)
class HistoryDay:
    """The events of one day, newest first, and what they added up to."""

    day: date
    total: int
    entries: list


def _shown_entry(event):
    """The event with its post, or without it once the post (or its thread) is deleted or hidden."""
    answer = event.answer
    if answer is not None:
        shown = is_public(answer) and is_public(answer.question)
        return HistoryEntry(event, answer.question if shown else None, answer if shown else None)
    question = event.question
    return HistoryEntry(event, question if question is not None and is_public(question) else None, None)


def reputation_history(user, page, per_page=HISTORY_PER_PAGE):
    """A page of a member's reputation events, newest first: (pagination, [HistoryEntry])."""
    query = (select(ReputationEvent).where(ReputationEvent.user_id == user.id)
             .options(joinedload(ReputationEvent.question),
                      joinedload(ReputationEvent.answer).joinedload(Answer.question))
             .order_by(ReputationEvent.created_at.desc(), ReputationEvent.id.desc()))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return pagination, [_shown_entry(event) for event in pagination.items]


def history_by_day(entries):
    """Entries (newest first) grouped by the day they happened on, newest day first."""
    days = []
    for entry in entries:
        day = entry.event.created_at.date()
        if not days or days[-1].day != day:
            days.append(HistoryDay(day, 0, []))
        days[-1].entries.append(entry)
    return [HistoryDay(d.day, sum(e.event.amount for e in d.entries), d.entries) for d in days]


def badge_catalogue():
    """Every badge with how many members hold it: [(Badge, count)]."""
    counts = badges.holder_counts()
    return [(badge, counts[badge.slug]) for badge in badges.CATALOGUE]
