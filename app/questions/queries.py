"""Read side of questions: lists with tabs and tags, and a thread in a fixed number of queries."""
import time
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext_l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.exceptions import NotFound, must_exist
from app.extensions import db
from app.models import Answer, Comment, Question, Tag
from app.visibility import is_shown_to, is_visible_to, public, shown_to

TABS = {
    "newest": (_l("Newest"), [Question.created_at.desc()]),
    "active": (_l("Active"), [Question.last_activity_at.desc()]),
    "votes": (_l("Top votes"), [Question.score.desc(), Question.created_at.desc()]),
    "unanswered": (_l("Unanswered"), [Question.created_at.desc()]),
    "unresolved": (_l("Unresolved"), [Question.last_activity_at.desc()]),
    # A tab names questions (plural in French), the badge one question: the same English, two messages.
    "resolved": (pgettext_l("question list tab", "Resolved"), [Question.last_activity_at.desc()]),
}
DEFAULT_TAB = "active"


def question_list_query(tab=DEFAULT_TAB, tag=None):
    """A select of visible questions for a tab, optionally within one tag, with authors and tags loaded."""
    if tab not in TABS:
        tab = DEFAULT_TAB
    # The original of a closed duplicate too: each row names it.
    query = (select(Question).where(public(Question))
             .options(joinedload(Question.author), selectinload(Question.tags), joinedload(Question.duplicate_of)))
    if tab == "unanswered":
        query = query.where(Question.answer_count == 0)
    elif tab == "unresolved":
        query = query.where(Question.accepted_answer_id.is_(None) | Question.accepted_answer_hidden)
    elif tab == "resolved":
        query = query.where(Question.accepted_answer_id.is_not(None), ~Question.accepted_answer_hidden)
    if tag is not None:
        query = query.where(Question.tags.any(Tag.id == tag.id))
    return query.order_by(*TABS[tab][1], Question.id.desc())


# Counting a list reads every question in it (0.9 s for the home list at a million questions): a total is exact
# while it is small, and a large one is kept per process for a minute, as lists are rendered again at every write.
EXACT_TOTALS_BELOW = 10_000
KEPT_TOTAL_SECONDS = 60


def paginate_questions(tab, tag, page, per_page):
    """One page of a question list, with its total: counted, or a large count kept less than KEPT_TOTAL_SECONDS ago."""
    kept = current_app.extensions.setdefault("peerdesk_list_totals", {})
    key = (tab, tag.id if tag is not None else None)
    expires, total = kept.get(key, (0, None))
    count = time.monotonic() >= expires
    pagination = db.paginate(question_list_query(tab, tag), page=page, per_page=per_page, error_out=False,
                             count=count)
    if not count:
        pagination.total = total
    elif pagination.total >= EXACT_TOTALS_BELOW:
        kept[key] = (time.monotonic() + KEPT_TOTAL_SECONDS, pagination.total)
    return pagination


def get_question_or_404(question_id, viewer=None):
    """The question with this id; raises NotFound if it does not exist, is deleted (unless moderator) or is
    hidden from `viewer` (only its author and moderators see a hidden or held question)."""
    question = db.session.execute(
        select(Question).where(Question.id == question_id)
        .options(joinedload(Question.author), selectinload(Question.tags), joinedload(Question.duplicate_of))
    ).scalar_one_or_none()
    if question is None or not is_visible_to(question, viewer):
        raise NotFound(_("That question does not exist."))
    return question


def get_answer_or_404(answer_id, viewer=None):
    """The answer with this id on a visible question; raises NotFound otherwise (hidden ones count as
    visible only to their author and moderators)."""
    answer = db.session.get(Answer, answer_id)
    if answer is None or not (is_shown_to(answer, viewer) and is_shown_to(answer.question, viewer)):
        raise NotFound(_("That answer does not exist."))
    return answer


def get_comment_or_404(comment_id):
    """The comment with this id; raises NotFound if it does not exist or is deleted."""
    comment = must_exist(db.session.get(Comment, comment_id), _("That comment does not exist."))
    if comment.is_deleted:
        raise NotFound(_("That comment has been deleted."))
    return comment


@dataclass
class Thread:
    """Everything a question page shows, in display order."""

    question: Question
    answers: list
    question_comments: list
    answer_comments: dict = field(default_factory=dict)


def load_thread(question, viewer=None):
    """Answers (accepted first, then by score, then oldest) and comments: two queries whatever the size.

    Hidden and held posts are left out, except for their authors and moderators (`viewer`).
    """
    order = [Answer.score.desc(), Answer.created_at, Answer.id]
    if question.accepted_answer_id:
        order.insert(0, (Answer.id == question.accepted_answer_id).desc())
    answers = db.session.scalars(
        select(Answer).where(Answer.question_id == question.id, shown_to(Answer, viewer))
        .options(joinedload(Answer.author)).order_by(*order)
    ).all()
    comments = db.session.scalars(
        select(Comment).where(Comment.question_id == question.id, shown_to(Comment, viewer))
        .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id)
    ).all()
    thread = Thread(question=question, answers=answers, question_comments=[])
    for comment in comments:
        if comment.answer_id is None:
            thread.question_comments.append(comment)
        else:
            thread.answer_comments.setdefault(comment.answer_id, []).append(comment)
    return thread


def popular_tags(limit=None):
    """Tags in use, most questions first."""
    query = select(Tag).where(Tag.question_count > 0).order_by(Tag.question_count.desc(), Tag.name)
    return db.session.scalars(query.limit(limit) if limit else query).all()
