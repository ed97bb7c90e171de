"""The thread's events move the care clocks: receivers of the questions' signals, inside their transactions."""
import secrets

from app import audit, permissions, settings, signals
from app.care import lexicon, options, rules
from app.care.queries import item_for_question
from app.care.services import (
    QueueEvent,
    enqueue,
    move_status,
    note_breaches,
    question_text,
    reinstate,
    resolve_item,
    thresholds,
    touch_question,
    withdraw,
)
from app.extensions import db
from app.models import Answer, Comment, Question


def _open_item(question_id):
    item = item_for_question(question_id, lock=True)
    return item if item is not None and item.is_open else None


def _staff_responded(actor, item, at):
    if item.first_response_at is None:
        item.first_response_at, item.first_response_by_id = at, actor.id
        note_breaches(item, at)
    if item.status == "new":
        move_status(item, "acknowledged", at)
    item.updated_at = at
    audit.record(actor, "care.respond", "care_item", item.id, now=at)
    touch_question(item.question_id)


def _customer_replied(item, at):
    if item.status == "waiting":
        move_status(item, "in_progress", at)
        item.updated_at = at


def on_answer_posted(actor, answer, question, *, now, **extra):
    """A staff answer is a first response; the asker's reply ends a wait."""
    item = _open_item(question.id)
    if item is None:
        return
    if permissions.is_staff(actor):
        _staff_responded(actor, item, answer.created_at)
    elif actor.id == question.author_id:
        _customer_replied(item, answer.created_at)


def on_comment_posted(actor, comment, question, answer=None, *, now, **extra):
    """Staff comments respond; the asker's "it did not solve it" on a resolved thread reopens it."""
    item = item_for_question(question.id, lock=True)
    if item is not None and item.is_open:
        if permissions.is_staff(actor):
            _staff_responded(actor, item, comment.created_at)
        elif actor.id == question.author_id:
            _customer_replied(item, comment.created_at)
        return
    resolved = question.is_resolved or (item is not None and not item.is_open)
    if not resolved or actor.id != question.author_id:
        return
    phrase = lexicon.says_not_solved(comment.body, settings.get(options.NOT_SOLVED_PHRASES))
    if phrase:
        event = QueueEvent("not_solved", f"comment-{comment.id}", f"The asker commented: \u201c{phrase}\u201d")
        enqueue(question, [event], comment.created_at, actor=actor)


def on_answer_accepted(actor, answer, question, *, now, **extra):
    """An accepted answer resolves the item: by staff when an official answer (stamped when written) solved it."""
    item = _open_item(question.id)
    if item is None:
        return
    resolve_item(item, now, "staff" if answer.official else "community", actor=actor)
    item.updated_at = item.resolved_at
    audit.record(actor, "care.resolve", "care_item", item.id, reason="answer accepted", now=item.resolved_at)


def on_answer_unaccepted(actor, question, *, now, **extra):
    """Withdrawing the accepted answer puts an item it resolved back in the queue."""
    item = item_for_question(question.id, lock=True)
    if item is not None and not item.is_open:
        enqueue(question, [QueueEvent("not_solved", f"unaccepted-{item.reopened_count + 1}",
                                  "The accepted answer was withdrawn")], now, actor=actor)


def _question_of(post):
    if isinstance(post, Question):
        return post
    if isinstance(post, Answer | Comment):
        return db.session.get(Question, post.question_id)
    question_id = getattr(post, "question_id", None)
    return db.session.get(Question, question_id) if question_id else None


def on_post_flagged(actor, flag, post, *, now, **extra):
    """A flag for "needs staff attention" queues the thread, with the flagger's note."""
    if getattr(flag, "reason", None) != "staff":
        return
    question_id = getattr(flag, "question_id", None)
    question = db.session.get(Question, question_id) if question_id else _question_of(post)
    if question is None or question.is_deleted:
        return
    ref = f"flag-{getattr(flag, 'id', None) or secrets.token_hex(6)}"
    enqueue(question, [QueueEvent("flagged", ref, getattr(flag, "text", None) or None)],
            now, actor=actor)


def on_question_asked(actor, question, *, now, **extra):
    """A question that reads as a complaint goes to staff at once, not after the community window."""
    reading = rules.read_text(question_text(question), thresholds())
    if rules.is_complaint(reading, thresholds()):
        enqueue(question, [rules.Reason("complaint", "Matched: " + ", ".join(reading.matched_words))],
                question.created_at)


def on_post_moderated(actor, post, action, *, now, **extra):
    """A question hidden or deleted leaves the queue at once; shown or restored again, it comes back."""
    if not isinstance(post, Question):
        return
    item = item_for_question(post.id, lock=True)
    if item is None:
        return
    if post.deleted_at is not None or post.hidden_at is not None:
        withdraw(item, now, actor=actor)
    else:
        reinstate(item, now, actor=actor)


def connect_receivers():
    """Listen to the thread's signals (sent inside each write transaction)."""
    signals.question_asked.connect(on_question_asked)
    signals.answer_posted.connect(on_answer_posted)
    signals.comment_posted.connect(on_comment_posted)
    signals.answer_accepted.connect(on_answer_accepted)
    signals.answer_unaccepted.connect(on_answer_unaccepted)
    signals.post_flagged.connect(on_post_flagged)
    signals.post_moderated.connect(on_post_moderated)
