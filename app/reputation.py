"""Reputation: the classic points, applied atomically, recorded as events and recomputable from the votes."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, case, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import begin_write
from app.extensions import db
from app.models import NEVER_REUSE_IDS, Answer, AnswerVote, Question, QuestionVote, User

QUESTION_UPVOTE = 5
ANSWER_UPVOTE = 10
DOWNVOTE = -2
ACCEPTED_ANSWER = 15
ACCEPTING = 2

# Points that history holds outside this database's vote rows (a Stack Exchange import's anonymous
# votes): callables returning (user_id, points) rows, registered by the features that own them.
point_sources = []


# Why a member's points moved, as their history says it; each change writes one event with one of these.
REASONS = {
    "question_upvoted": _l("Up vote on your question"),
    "answer_upvoted": _l("Up vote on your answer"),
    "question_downvoted": _l("Down vote on your question"),
    "answer_downvoted": _l("Down vote on your answer"),
    "vote_withdrawn": _l("A vote on your post was withdrawn"),
    "answer_accepted": _l("Your answer was accepted"),
    "acceptance_withdrawn": _l("Your answer is no longer the accepted one"),
    "accepted_an_answer": _l("You accepted an answer to your question"),
    "unaccepted_an_answer": _l("You withdrew the acceptance of an answer"),
    "before_history": _l("Reputation before history was kept"),
    "recomputed": _l("Correction when reputation was recomputed from the votes"),
}


class ReputationEvent(db.Model):
    """One change of a member's points, written with the change: a member's events sum to their points."""

    __tablename__ = "reputation_events"
    __table_args__ = (
        Index("ix_reputation_events_user_created", "user_id", "created_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    amount: Mapped[int]
    reason: Mapped[str] = mapped_column(String(30))  # a key of REASONS
    # The post it is about; none for corrections and the reputation from before history was kept.
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()

    question: Mapped[Question | None] = relationship()
    answer: Mapped[Answer | None] = relationship()

    @property
    def reason_text(self):
        """The reason in words, in the reader's language (a plain str, safe to put in JSON)."""
        return str(REASONS.get(self.reason, _l("Reputation change")))


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


def add_points(user_id, points, reason, *, now, question_id=None, answer_id=None):
    """Add points in one SQL expression, so concurrent changes never overwrite each other, and record why."""
    if points:
        db.session.execute(
            update(User).where(User.id == user_id).values(reputation_points=User.reputation_points + points)
        )
        db.session.add(ReputationEvent(user_id=user_id, amount=points, reason=reason, question_id=question_id,
                                       answer_id=answer_id, created_at=now))


def record_vote_change(author_id, post_kind, old, new, *, now, question_id, answer_id=None):
    """Move the author's points for one voter's vote going from `old` to `new` (-1, 0 or 1)."""
    # A changed vote is a withdrawal and a new vote, so the history names both and still sums up.
    if old:
        add_points(author_id, -vote_points(post_kind, old), "vote_withdrawn", now=now, question_id=question_id,
                   answer_id=answer_id)
    if new:
        add_points(author_id, vote_points(post_kind, new), f"{post_kind}_{'up' if new > 0 else 'down'}voted",
                   now=now, question_id=question_id, answer_id=answer_id)


def record_acceptance(question, answer, accepted, *, now):
    """Move the points of an answer becoming (`accepted`) or ceasing to be the question's accepted one."""
    for user_id, points in acceptance_points(question.author_id, answer.author_id).items():
        if user_id == answer.author_id:
            reason = "answer_accepted" if accepted else "acceptance_withdrawn"
        else:
            reason = "accepted_an_answer" if accepted else "unaccepted_an_answer"
        add_points(user_id, points if accepted else -points, reason, now=now, question_id=question.id,
                   answer_id=answer.id)


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


def recompute_all(*, now):
    """Reset every user's stored points from history at `now`; returns how many changed.

    It reads everything before it writes, so on SQLite it takes the write lock first: a deferred
    transaction could not upgrade once a live site's request had committed ("database is locked").
    """
    begin_write(db.session)
    expected = points_from_history()
    changed = 0
    for user_id, stored in db.session.execute(select(User.id, User.reputation_points)).all():
        points = expected.get(user_id, 0)
        if points != stored:
            # Through add_points, so the correction is an event and the history still sums to the points.
            add_points(user_id, points - stored, "recomputed", now=now)
            changed += 1
    db.session.commit()
    return changed
