"""Reputation: the classic points, applied atomically and recomputable from the votes."""
from sqlalchemy import case, func, select, update

from app.extensions import db
from app.models import Answer, AnswerVote, Question, QuestionVote, User

QUESTION_UPVOTE = 5
ANSWER_UPVOTE = 10
DOWNVOTE = -2
ACCEPTED_ANSWER = 15
ACCEPTING = 2

# Points that history holds outside this database's vote rows (a Stack Exchange import's anonymous
# votes): callables returning (user_id, points) rows, registered by the features that own them.
point_sources = []


def vote_points(post_kind, value):
    """Points a post's author holds from one vote of `value` (-1, 0 or 1)."""
    if value > 0:
        return ANSWER_UPVOTE if post_kind == "answer" else QUESTION_UPVOTE
    if value < 0:
        return DOWNVOTE
    return 0


def acceptance_points(asker_id, answerer_id):
    """Points per user for an accepted answer; accepting your own earns nothing."""
    if asker_id == answerer_id:
        return {}
    return {answerer_id: ACCEPTED_ANSWER, asker_id: ACCEPTING}


def add_points(user_id, points):
    """Add points in one SQL expression, so concurrent changes never overwrite each other."""
    if points:
        db.session.execute(
            update(User).where(User.id == user_id).values(reputation_points=User.reputation_points + points)
        )


def points_from_history():
    """Every user's points as the votes and accepted answers say they should be: {user_id: points}."""
    question_vote_points = (
        select(Question.author_id.label("user_id"),
               func.sum(case((QuestionVote.value > 0, QUESTION_UPVOTE), else_=DOWNVOTE)).label("points"))
        .join(Question, Question.id == QuestionVote.question_id)
        .group_by(Question.author_id)
    )
    answer_vote_points = (
        select(Answer.author_id.label("user_id"),
               func.sum(case((AnswerVote.value > 0, ANSWER_UPVOTE), else_=DOWNVOTE)).label("points"))
        .join(Answer, Answer.id == AnswerVote.answer_id)
        .group_by(Answer.author_id)
    )
    accepted = (
        select(Question.author_id, Answer.author_id)
        .join(Answer, Answer.id == Question.accepted_answer_id)
        .where(Question.author_id != Answer.author_id)
    )
    totals = {}
    for query in (question_vote_points, answer_vote_points):
        for user_id, points in db.session.execute(query):
            totals[user_id] = totals.get(user_id, 0) + int(points)
    for asker_id, answerer_id in db.session.execute(accepted):
        for user_id, points in acceptance_points(asker_id, answerer_id).items():
            totals[user_id] = totals.get(user_id, 0) + points
    for source in point_sources:
        for user_id, points in source():
            totals[user_id] = totals.get(user_id, 0) + int(points or 0)
    return totals


def recompute_all():
    """Reset every user's stored points from history; returns how many users changed."""
    expected = points_from_history()
    changed = 0
    for user_id, stored in db.session.execute(select(User.id, User.reputation_points)).all():
        points = expected.get(user_id, 0)
        if points != stored:
            db.session.execute(update(User).where(User.id == user_id).values(reputation_points=points))
            changed += 1
    db.session.commit()
    return changed
