"""Badges: a small, fixed catalogue of milestones, each awarded once per member when it is earned.

The services that change what a badge is about (a vote, an acceptance, a published answer) call
the `after_*` functions below inside their own transaction, so a badge exists exactly when the
change that earned it does. Votes send no signal and the score rules need the score the service
has just written under its row lock, which is why awarding is called from the services rather than
from signal receivers. Each award sends `signals.badge_awarded`, which the notifications turn into
"You earned the badge …" (except while trusted code loads content in bulk).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import signals
from app.extensions import db
from app.models import NEVER_REUSE_IDS, Answer, Question, User


@dataclass(frozen=True)
class Badge:
    """One badge of the catalogue: its key in the database, its name and what earns it.

    `label` and `about` are the English texts marked for translation (lazy strings); `name` and `description`
    read them in the current reader's language, as plain strings (safe in JSON and in stored notices).
    """

    slug: str
    label: object
    about: object

    @property
    def name(self):
        """The badge's name in the reader's language."""
        return str(self.label)

    @property
    def description(self):
        """What earns the badge, in the reader's language."""
        return str(self.about)


CATALOGUE = (
    Badge("helpful", _l("Helpful"), _l("Posted a first answer.")),
    Badge("supporter", _l("Supporter"), _l("Gave a first up vote to another member's post.")),
    Badge("student", _l("Student"), _l("Asked a question that reached a score of 1.")),
    Badge("teacher", _l("Teacher"), _l("Wrote an answer that reached a score of 1.")),
    Badge("scholar", _l("Scholar"), _l("Accepted another member's answer to their own question.")),
    Badge("good-answer", _l("Good answer"), _l("Wrote an answer that reached a score of 10.")),
    Badge("solver", _l("Solver"), _l("Had 10 answers accepted by the members who asked.")),
)
BADGES = {badge.slug: badge for badge in CATALOGUE}

GOOD_ANSWER_SCORE = 10
SOLVER_ACCEPTED_ANSWERS = 10


class BadgeAward(db.Model):
    """A badge a member earned; the unique constraint makes a second award of the same badge impossible."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("user_id", "badge"),
        Index("ix_badge_awards_badge", "badge"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(String(30))  # a slug of CATALOGUE
    # The post that earned it, when one did.
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship()

    @property
    def details(self):
        """The catalogue entry of this award."""
        return BADGES[self.badge]


def award(user, slug, *, now, question_id=None, answer_id=None):
    """Award a badge at `now` unless the member holds it already; returns whether it was new."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    # ON CONFLICT: two racing requests that both earn the badge award it once, and neither fails.
    awarded_id = db.session.execute(
        insert(BadgeAward).values(user_id=user.id, badge=slug, question_id=question_id, answer_id=answer_id,
                                  awarded_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "badge"]).returning(BadgeAward.id)
    ).scalar_one_or_none()
    if awarded_id is None:
        return False
    signals.badge_awarded.send(user, badge=BADGES[slug], question_id=question_id, answer_id=answer_id, now=now)
    return True


def after_vote(voter, post, value, score, *, now):
    """Award what a vote of `value` that left `post` at `score` earns: the voter's first up vote, the author's score."""
    is_answer = isinstance(post, Answer)
    question_id = post.question_id if is_answer else post.id
    answer_id = post.id if is_answer else None
    if value > 0:
        award(voter, "supporter", now=now, question_id=question_id, answer_id=answer_id)
    if score < 1:
        return
    author = db.session.get(User, post.author_id)
    award(author, "teacher" if is_answer else "student", now=now, question_id=question_id, answer_id=answer_id)
    if is_answer and score >= GOOD_ANSWER_SCORE:
        award(author, "good-answer", now=now, question_id=question_id, answer_id=answer_id)


def after_answer_published(answer, *, now):
    """Award what a newly public answer earns: its author's first answer."""
    award(db.session.get(User, answer.author_id), "helpful", now=now, question_id=answer.question_id,
          answer_id=answer.id)


def after_acceptance(accepter, question, answer, *, now):
    """Award what accepting `answer` earns: the asker's first acceptance, the answerer's tenth accepted answer."""
    if answer.author_id == question.author_id:
        return  # accepting your own answer earns nothing, as for reputation
    if accepter.id == question.author_id:  # staff accepting on the asker's behalf is not the asker's doing
        award(accepter, "scholar", now=now, question_id=question.id, answer_id=answer.id)
    accepted = db.session.scalar(
        # On the answer's own question by primary key: on accepted_answer_id, every question is scanned.
        select(func.count()).select_from(Answer).join(Question, Question.id == Answer.question_id)
        .where(Answer.author_id == answer.author_id, Question.accepted_answer_id == Answer.id,
               Question.author_id != answer.author_id, Question.deleted_at.is_(None)))
    if accepted >= SOLVER_ACCEPTED_ANSWERS:
        award(db.session.get(User, answer.author_id), "solver", now=now, question_id=question.id,
              answer_id=answer.id)


def awards_of(user):
    """The badges a member holds, newest first."""
    return list(db.session.scalars(select(BadgeAward).where(BadgeAward.user_id == user.id)
                                   .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())))


def holder_counts():
    """How many members hold each badge: {slug: count}, every badge of the catalogue included."""
    counts = dict(db.session.execute(select(BadgeAward.badge, func.count()).group_by(BadgeAward.badge)).all())
    return {badge.slug: counts.get(badge.slug, 0) for badge in CATALOGUE}
