"""Read side of moderation: the queue, a post's review page, members' histories, the flag list."""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Answer, Comment, Question, User
from app.moderation.models import FLAG_STATUSES, Flag, ReviewItem, Suspension
from app.moderation.services import MODELS, flag_records

QUEUE_SORTS = {
    "oldest": (_l("Oldest waiting"), [ReviewItem.created_at, ReviewItem.id]),
    "flags": (_l("Most flagged"), [ReviewItem.flag_count.desc(), ReviewItem.created_at, ReviewItem.id]),
}
QUEUE_STATUSES = ("pending", "decided")


def pending_count():
    """How many items wait in the moderation queue (the count in the staff navigation)."""
    return db.session.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "pending"))


def load_posts(pairs):
    """{(post_type, id): post} for these pairs, one query per type, with authors loaded."""
    wanted = {}
    for post_type, post_id in pairs:
        if post_type not in MODELS:  # private messages are read on their conversation's page, not loaded here
            continue
        wanted.setdefault(post_type, set()).add(post_id)
    posts = {}
    for post_type, ids in wanted.items():
        model = MODELS[post_type]
        for post in db.session.scalars(select(model).where(model.id.in_(ids)).options(joinedload(model.author))):
            posts[(post_type, post.id)] = post
    return posts


@dataclass
class QueueEntry:
    """A review item with its post, its thread, and the records of its flaggers."""

    item: ReviewItem
    post: object
    question: Question
    records: dict = field(default_factory=dict)


def queue(status="pending", sort="oldest", kind=None, page=1, per_page=25):
    """A page of the queue: pending items (or decided ones, newest decision first), with everything shown."""
    query = select(ReviewItem).options(selectinload(ReviewItem.flags).joinedload(Flag.flagger),
                                       joinedload(ReviewItem.author), joinedload(ReviewItem.resolved_by))
    if status == "decided":
        query = query.where(ReviewItem.status != "pending").order_by(ReviewItem.resolved_at.desc(),
                                                                     ReviewItem.id.desc())
    else:
        query = query.where(ReviewItem.status == "pending").order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["oldest"])[1])
    if kind in ("flagged", "held"):
        query = query.where(ReviewItem.kind == kind)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    items = list(pagination.items)
    posts = load_posts((item.post_type, item.post_id) for item in items)
    questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_({item.question_id for item in items})))}
    records = flag_records({flag.flagger_id for item in items for flag in item.flags})
    pagination.entries = [QueueEntry(item, posts.get((item.post_type, item.post_id)), questions.get(item.question_id),
                                     records) for item in items]
    return pagination


@dataclass
class AuthorHistory:
    """What moderators weigh about a post's author."""

    user: User
    questions: int
    answers: int
    comments: int
    flags_received: int
    flags_upheld: int
    hidden_now: int
    suspensions: list
    flag_record: tuple


def author_history(user):
    """A member's record: posts, flags received and upheld, posts hidden now, suspensions, own flag accuracy."""
    def count(model, *conditions):
        return select(func.count()).select_from(model).where(model.author_id == user.id, *conditions).scalar_subquery()

    row = db.session.execute(select(
        count(Question), count(Answer), count(Comment),
        select(func.count()).select_from(Flag).where(Flag.post_author_id == user.id).scalar_subquery(),
        select(func.count()).select_from(Flag).where(Flag.post_author_id == user.id, Flag.status == "agreed")
        .scalar_subquery(),
        count(Question, Question.hidden_at.is_not(None)), count(Answer, Answer.hidden_at.is_not(None)),
        count(Comment, Comment.hidden_at.is_not(None)),
    )).one()
    suspensions = db.session.scalars(select(Suspension).where(Suspension.user_id == user.id)
                                     .options(joinedload(Suspension.moderator))
                                     .order_by(Suspension.starts_at.desc())).all()
    return AuthorHistory(user, row[0], row[1], row[2], row[3], row[4], row[5] + row[6] + row[7], suspensions,
                         flag_records([user.id])[user.id])


@dataclass
class PostReview:
    """Everything a moderator sees about one post: the thread around it, its flags and decisions, its author."""

    post_type: str
    post: object
    question: Question
    parent: object
    neighbours: list
    items: list
    flags: list
    records: dict
    history: AuthorHistory


def post_review(post_type, post):
    """The review page of one post: the question, the parent of a comment, nearby posts, every flag ever."""
    question = post if post_type == "question" else db.session.get(Question, post.question_id)
    parent = None
    if post_type == "comment":
        parent = db.session.get(Answer, post.answer_id) if post.answer_id else question
    if post_type == "comment":
        neighbours = db.session.scalars(
            select(Comment).where(Comment.question_id == question.id, Comment.answer_id == post.answer_id,
                                  Comment.id != post.id).options(joinedload(Comment.author))
            .order_by(Comment.created_at).limit(10)).all()
    elif post_type == "answer":
        neighbours = db.session.scalars(
            select(Answer).where(Answer.question_id == question.id, Answer.id != post.id)
            .options(joinedload(Answer.author)).order_by(Answer.score.desc(), Answer.id).limit(5)).all()
    else:
        neighbours = []
    items = db.session.scalars(select(ReviewItem).where(ReviewItem.post_type == post_type,
                                                        ReviewItem.post_id == post.id)
                               .options(joinedload(ReviewItem.resolved_by)).order_by(ReviewItem.id.desc())).all()
    flags = db.session.scalars(select(Flag).where(Flag.post_type == post_type, Flag.post_id == post.id)
                               .options(joinedload(Flag.flagger)).order_by(Flag.id.desc())).all()
    records = flag_records({flag.flagger_id for flag in flags})
    author = db.session.get(User, post.author_id)
    return PostReview(post_type, post, question, parent, neighbours, items, flags, records, author_history(author))


def flags_list(status=None, page=1, per_page=50):
    """Flags, newest first, optionally with one status: (rows, total)."""
    query = select(Flag).options(joinedload(Flag.flagger)).order_by(Flag.id.desc())
    if status in FLAG_STATUSES:
        query = query.where(Flag.status == status)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return pagination


def my_flags(user, limit=100):
    """A member's own flags, newest first, so they can see what became of them."""
    return db.session.scalars(select(Flag).where(Flag.flagger_id == user.id).order_by(Flag.id.desc())
                              .limit(limit)).all()
