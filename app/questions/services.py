"""Services for questions, answers and comments: every write to a thread goes through here."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import DateTime, Integer, cast, literal, null, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from app import audit, badges, permissions, reputation, settings, signals, validation
from app.audit import AuditEntry
from app.database import begin_write
from app.exceptions import Conflict, EditConflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import (
    CLOSE_REASONS,
    Answer,
    AnswerVote,
    Comment,
    CommentRevision,
    Question,
    QuestionVote,
    Revision,
    Tag,
)
from app.moderation import holds
from app.moderation.services import flag_trust_rule
from app.rendering import RenderError, render_comment, render_markdown
from app.thread_writes import lock_row, mark_changed, set_accepted

COMMENT_EDIT_MINUTES = settings.define(
    "COMMENT_EDIT_MINUTES", int, 5, _l("Minutes after posting a comment during which its author may still edit it "
                                       "(moderators edit comments at any time)"),
    minimum=0, label=_l("Comment edit minutes"))


def _clean_and_render(body, minimum=validation.BODY_MIN):
    """Check a Markdown body and render it at save time: (source, safe HTML)."""
    source = validation.clean_body(body, minimum=minimum)
    try:
        return source, render_markdown(source)
    except RenderError as error:
        raise ValidationError({"body": str(error)}) from None


def _tags_named(names):
    """The Tag rows for these names, creating missing ones even when another request races us."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    existing = {tag.name for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    missing = [name for name in names if name not in existing]
    if missing:
        db.session.execute(insert(Tag).values([{"name": n, "question_count": 0} for n in missing])
                           .on_conflict_do_nothing(index_elements=["name"]))
    by_name = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [by_name[name] for name in names]


def _count_tags(tags, step):
    """Move the question counts of these tags by `step` in one statement."""
    if tags:
        db.session.execute(
            update(Tag).where(Tag.id.in_([t.id for t in tags])).values(question_count=Tag.question_count + step)
        )


def _latest_revision(post):
    """The newest revision of a question or answer, or None when it has none."""
    owner = Revision.question_id == post.id if isinstance(post, Question) else Revision.answer_id == post.id
    return db.session.scalars(select(Revision).where(owner).order_by(Revision.number.desc()).limit(1)).first()


def revision_number(post):
    """The number of a post's newest revision (0 when it has none): what an edit form says it started from."""
    latest = _latest_revision(post)
    return latest.number if latest else 0


@dataclass(frozen=True)
class SavedVersion:
    """A post as saved at one revision, shown beside a member's own text when their edit conflicts with it."""

    revision: int
    body_source: str
    body_html: str
    editor_name: str | None
    saved_at: datetime | None
    title: str | None = None  # questions only, like tags
    tags: str | None = None


def _refuse_stale_edit(post, base_revision):
    """Refuse an edit begun from another revision than the newest: saving it would silently undo that save.

    Call with the post's row locked, so no save can land between this check and the caller's own.
    """
    latest = _latest_revision(post)
    number = latest.number if latest else 0
    if base_revision is None or base_revision == number:
        return
    is_question = isinstance(post, Question)
    current = SavedVersion(
        revision=number, body_source=post.body_source, body_html=post.body_html,
        editor_name=latest.editor.username if latest else None, saved_at=latest.created_at if latest else None,
        title=post.title if is_question else None,
        tags=" ".join(t.name for t in post.tags) if is_question else None,
    )
    db.session.rollback()
    raise EditConflict(_("Someone saved a newer version of this post while you were editing. Nothing was "
                         "overwritten: compare it with your text, merge what you need and save again."), current)


def _add_revision(editor, *, now, question=None, answer=None, reason=None):
    """Snapshot a post after a save; revision 1 is the original."""
    post = question or answer
    db.session.add(Revision(
        question_id=question.id if question else None,
        answer_id=answer.id if answer else None,
        number=revision_number(post) + 1,
        editor_id=editor.id,
        title=question.title if question else None,
        tags=" ".join(t.name for t in question.tags) if question else None,
        body_source=post.body_source,
        reason=reason,
        created_at=now,
    ))


def _visible_question(question_id, viewer=None):
    """A question that is not deleted (nor hidden from `viewer`, when given), locked for update."""
    question = lock_row(Question, question_id)
    if question.is_deleted:
        raise NotFound(_("That question has been deleted."))
    if viewer is not None and question.is_hidden and not permissions.can_see_hidden(viewer, question):
        raise NotFound(_("That question is not available."))
    return question


def _refuse_on_locked(question):
    """A locked thread takes no new answers or comments."""
    if question.is_locked:
        raise Conflict(_("This thread is locked by a moderator: it takes no new answers or comments."))


# Questions ---------------------------------------------------------------------------


def ask_question(author, title, body, tags, *, now):
    """Post a new question at `now`; returns it."""
    if not permissions.can_ask(author, now=now):
        holds.refuse_if_suspended(author, now=now)
        raise PermissionDenied(_("Sign in to ask a question."))
    fields = _validated_question_fields(title, body, tags)
    begin_write(db.session)
    holds.check_posting_limit(author, "question", now=now)
    source, html = fields["body"]
    verdict = holds.screen(author, f"{fields['title']}\n{source}")
    question = Question(author_id=author.id, title=fields["title"], body_source=source, body_html=html,
                        created_at=now, last_activity_at=now)
    question.tags = _tags_named(fields["tags"])
    db.session.add(question)
    db.session.flush()
    if verdict is None:
        _count_tags(question.tags, +1)
    else:
        holds.hold(question, "question", question.id, verdict, now=now)
    _add_revision(author, question=question, now=now)
    mark_changed(question.id)
    if verdict is None:  # a held question is announced when a moderator approves it
        signals.question_asked.send(author, question=question, now=now)
    db.session.commit()
    return question


def _validated_question_fields(title, body, tags):
    """Check and render every question field, reporting all field errors at once."""
    return validation.clean_all({
        "title": (validation.clean_title, title),
        "body": (_clean_and_render, body),
        "tags": (validation.clean_tags, tags),
    })


def edit_question(editor, question, title, body, tags, reason=None, *, now, base_revision=None):
    """Change a question's title, body and tags at `now`, keeping a revision; returns it.

    With `base_revision` (the revision the edit started from), an edit that would overwrite a newer save
    raises EditConflict instead; the same edit again (a double submit) saves nothing and succeeds.
    """
    holds.refuse_if_suspended(editor, now=now)
    fields = _validated_question_fields(title, body, tags)
    begin_write(db.session)
    question = _visible_question(question.id)
    if not permissions.can_edit(editor, question, now=now):
        raise PermissionDenied(_("You can only edit your own posts."))
    source, html = fields["body"]
    verdict = holds.screen(editor, f"{fields['title']}\n{source}", new_post=False)
    old_tags = list(question.tags)
    if (question.title, question.body_source, [t.name for t in old_tags]) == (fields["title"], source, fields["tags"]):
        db.session.rollback()
        return question
    _refuse_stale_edit(question, base_revision)
    new_tags = _tags_named(fields["tags"])
    _count_tags([t for t in old_tags if t not in new_tags], -1)
    _count_tags([t for t in new_tags if t not in old_tags], +1)
    question.title, question.body_source, question.body_html = fields["title"], source, html
    question.tags = new_tags
    question.edited_at = question.last_activity_at = now
    if verdict is not None and not question.is_hidden:
        holds.hold(question, "question", question.id, verdict, now=now, counted=True)
    _add_revision(editor, question=question, reason=reason, now=now)
    mark_changed(question.id)
    signals.question_edited.send(editor, question=question, now=now)
    db.session.commit()
    return question


def delete_question(actor, question, *, now):
    """Soft-delete a question at `now` (its author only while it has no answers)."""
    holds.refuse_if_suspended(actor, now=now)
    begin_write(db.session)
    question = _visible_question(question.id)
    if not permissions.can_delete_question(actor, question, now=now):
        if question.author_id == actor.id and question.answer_count:
            raise Conflict(_("A question that has answers cannot be deleted: the answers would be lost too."))
        raise PermissionDenied(_("You can only delete your own questions."))
    if not question.is_hidden:  # a hidden question was already taken out of the counts
        _count_tags(question.tags, -1)
    question.deleted_at, question.deleted_by_id = now, actor.id
    mark_changed(question.id)
    db.session.commit()


def close_question(actor, question, reason, duplicate_of_id=None, *, now):
    """Close a question; a duplicate points to its original, which search and suggestions then show instead."""
    if reason not in CLOSE_REASONS:
        raise ValidationError({"reason": _("Choose a reason: %(reasons)s.", reasons=", ".join(CLOSE_REASONS))})
    begin_write(db.session)
    question = _visible_question(question.id)
    if not permissions.can_close(actor, question, now=now):
        raise PermissionDenied(_("Only moderators close questions."))
    original = None
    if reason == "duplicate":
        original = db.session.get(Question, duplicate_of_id) if type(duplicate_of_id) is int else None
        if original is None or original.is_deleted or original.id == question.id:
            raise ValidationError({"duplicate_of": _("Pick the original (find it by its title) or give the id of "
                                                    "another, visible question.")})
        if original.duplicate_of_id is not None:
            original = db.session.get(Question, original.duplicate_of_id)  # point at the root, never a chain
    question.closed_at, question.closed_by_id, question.close_reason = now, actor.id, reason
    question.duplicate_of_id = original.id if original else None
    mark_changed(question.id)
    signals.question_closed.send(actor, question=question, now=now)
    db.session.commit()
    return question


def reopen_question(actor, question, *, now):
    """Reopen a closed question."""
    begin_write(db.session)
    question = _visible_question(question.id)
    if not permissions.can_close(actor, question, now=now):
        raise PermissionDenied(_("Only moderators reopen questions."))
    question.closed_at = question.closed_by_id = question.close_reason = question.duplicate_of_id = None
    mark_changed(question.id)
    signals.question_reopened.send(actor, question=question, now=now)
    db.session.commit()
    return question


# Answers -----------------------------------------------------------------------------


def post_answer(author, question, body, *, now):
    """Answer a question at `now`; returns the answer."""
    holds.refuse_if_suspended(author, now=now)
    source, html = _clean_and_render(body, minimum=validation.ANSWER_MIN)
    begin_write(db.session)
    question = _visible_question(question.id, viewer=author)
    if question.is_closed:
        raise Conflict(_("This question is closed: it takes no new answers."))
    _refuse_on_locked(question)
    if not permissions.can_answer(author, question, now=now):
        raise PermissionDenied(_("Sign in to answer."))
    holds.check_posting_limit(author, "answer", now=now)
    verdict = holds.screen(author, source)
    answer = Answer(question_id=question.id, author_id=author.id, body_source=source, body_html=html,
                    created_at=now, official=permissions.is_staff(author))
    db.session.add(answer)
    db.session.flush()
    if verdict is None:
        db.session.execute(update(Question).where(Question.id == question.id)
                           .values(answer_count=Question.answer_count + 1, last_activity_at=now))
    else:
        holds.hold(answer, "answer", question.id, verdict, now=now)
    _add_revision(author, answer=answer, now=now)
    mark_changed(question.id)
    if verdict is None:  # a held answer is announced, and earns its badge, when a moderator approves it
        badges.after_answer_published(answer, now=now)
        signals.answer_posted.send(author, answer=answer, question=question, now=now)
    db.session.commit()
    return answer


def edit_answer(editor, answer, body, reason=None, *, now, base_revision=None):
    """Change an answer's body at `now`, keeping a revision; returns it (`base_revision` as for edit_question)."""
    holds.refuse_if_suspended(editor, now=now)
    source, html = _clean_and_render(body, minimum=validation.ANSWER_MIN)
    begin_write(db.session)
    answer = lock_row(Answer, answer.id)
    if answer.is_deleted or answer.question.is_deleted:
        raise NotFound(_("That answer has been deleted."))
    if not permissions.can_edit(editor, answer, now=now):
        raise PermissionDenied(_("You can only edit your own posts."))
    if answer.body_source == source:
        db.session.rollback()
        return answer
    _refuse_stale_edit(answer, base_revision)
    verdict = holds.screen(editor, source, new_post=False)
    answer.body_source, answer.body_html, answer.edited_at = source, html, now
    answer.question.last_activity_at = now
    if verdict is not None and not answer.is_hidden:
        holds.hold(answer, "answer", answer.question_id, verdict, now=now, counted=True)
    _add_revision(editor, answer=answer, reason=reason, now=now)
    mark_changed(answer.question_id)
    signals.answer_edited.send(editor, answer=answer, question=answer.question, now=now)
    db.session.commit()
    return answer


def delete_answer(actor, answer, *, now):
    """Soft-delete an answer at `now` (not the accepted one, unless a moderator does it)."""
    holds.refuse_if_suspended(actor, now=now)
    begin_write(db.session)
    answer = lock_row(Answer, answer.id)
    question = lock_row(Question, answer.question_id)
    if not permissions.can_delete_answer(actor, answer, now=now):
        if answer.author_id == actor.id and answer.is_accepted:
            raise Conflict(_("The accepted answer cannot be deleted."))
        raise PermissionDenied(_("You can only delete your own answers."))
    if question.accepted_answer_id == answer.id:
        set_accepted(question, None, now=now)
    if not answer.is_hidden:  # a hidden answer was already taken out of the count
        db.session.execute(update(Question).where(Question.id == question.id)
                           .values(answer_count=Question.answer_count - 1))
    answer.deleted_at, answer.deleted_by_id = now, actor.id
    mark_changed(question.id)
    db.session.commit()


# Comments ----------------------------------------------------------------------------


def _clean_and_render_comment(text):
    """Check a comment and render it at save time: (text, safe HTML)."""
    body = validation.clean_comment(text)
    try:
        return body, render_comment(body)
    except RenderError as error:
        raise ValidationError({"body": str(error)}) from None


def comment_edit_window():
    """How long after posting a comment its author may still edit it."""
    return timedelta(minutes=settings.get(COMMENT_EDIT_MINUTES))


def add_comment(author, question, text, answer=None, *, now):
    """Comment on a question, or on one of its answers, at `now`; returns the comment."""
    holds.refuse_if_suspended(author, now=now)
    body, html = _clean_and_render_comment(text)
    begin_write(db.session)
    question = _visible_question(question.id, viewer=author)
    if answer is not None:
        answer = db.session.get(Answer, answer.id)
        if (answer is None or answer.question_id != question.id or answer.is_deleted
                or (answer.is_hidden and not permissions.can_see_hidden(author, answer))):
            raise NotFound(_("That answer does not exist."))
    _refuse_on_locked(question)
    if not permissions.can_comment(author, question, now=now):
        raise PermissionDenied(_("Sign in to comment."))
    verdict = holds.screen(author, body)
    comment = Comment(question_id=question.id, answer_id=answer.id if answer else None, author_id=author.id,
                      body=body, body_html=html, created_at=now, official=permissions.is_staff(author))
    db.session.add(comment)
    question.last_activity_at = now
    mark_changed(question.id, searchable=False)
    db.session.flush()
    if verdict is not None:
        holds.hold(comment, "comment", question.id, verdict, now=now)
    else:  # a held comment is announced when a moderator approves it
        signals.comment_posted.send(author, comment=comment, question=question, answer=answer, now=now)
    db.session.commit()
    return comment


def edit_comment(editor, comment, text, *, now):
    """Change a comment's text at `now`, keeping the text it replaces as a revision; returns the comment."""
    holds.refuse_if_suspended(editor, now=now)
    body, html = _clean_and_render_comment(text)
    begin_write(db.session)
    comment = lock_row(Comment, comment.id)
    if comment.is_deleted or db.session.get(Question, comment.question_id).is_deleted:
        raise NotFound(_("That comment has been deleted."))
    if not permissions.can_edit_comment(editor, comment, comment_edit_window, now=now):
        if comment.author_id == editor.id:
            minutes = settings.get(COMMENT_EDIT_MINUTES)
            raise PermissionDenied(ngettext(
                "A comment can be edited only in the first %(num)d minute after it is posted. Delete it and comment "
                "again if it needs to change.",
                "A comment can be edited only in the first %(num)d minutes after it is posted. Delete it and comment "
                "again if it needs to change.", minutes))
        raise PermissionDenied(_("You can only edit your own comments."))
    if comment.body == body:
        db.session.rollback()
        return comment
    verdict = holds.screen(editor, body, new_post=False)
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body, edited_at=now, editor_id=editor.id))
    comment.body, comment.body_html, comment.edited_at = body, html, now
    if verdict is not None and not comment.is_hidden:
        holds.hold(comment, "comment", comment.question_id, verdict, now=now, counted=True)
    mark_changed(comment.question_id, searchable=False)
    db.session.commit()
    return comment


def delete_comment(actor, comment, *, now):
    """Soft-delete a comment at `now`."""
    holds.refuse_if_suspended(actor, now=now)
    begin_write(db.session)
    comment = db.session.get(Comment, comment.id)
    if not permissions.can_delete_comment(actor, comment, now=now):
        raise PermissionDenied(_("You can only delete your own comments."))
    comment.deleted_at = now
    mark_changed(comment.question_id, searchable=False)
    db.session.commit()


# Votes and acceptance ----------------------------------------------------------------

_VOTES = {
    Question: (QuestionVote, "question_id", "question"),
    Answer: (AnswerVote, "answer_id", "answer"),
}


def cast_vote(user, post, value, *, now, same_again_withdraws=False):
    """Set the user's vote on a question or answer (1 up, -1 down, 0 none); returns the post's new score.

    Setting, not toggling, makes a repeated request (a second tab, a retry) harmless; the API keeps its
    documented toggle, the same vote again withdrawing it, through `same_again_withdraws`. The post row
    is locked and the score and reputation change by SQL expressions in one transaction, so concurrent
    votes all count.
    """
    if type(value) is not int or value not in (-1, 0, 1):
        raise ValidationError({"value": _("A vote is 1 (up), -1 (down) or 0 (withdraw).")})
    model = type(post)
    vote_model, post_column, kind = _VOTES[model]
    holds.refuse_if_suspended(user, now=now)
    begin_write(db.session)
    post = lock_row(model, post.id)
    if post.is_hidden and not permissions.can_see_hidden(user, post):
        raise NotFound(_("That question is not available.") if kind == "question"
                       else _("That answer is not available."))
    if post.author_id == user.id:
        raise PermissionDenied(_("You cannot vote on your own post."))
    if not permissions.can_vote(user, post, now=now) or (kind == "answer" and post.question.is_deleted):
        raise NotFound(_("That question has been deleted.") if kind == "question"
                       else _("That answer has been deleted."))
    vote = db.session.get(vote_model, (user.id, post.id))
    old = vote.value if vote else 0
    new = 0 if same_again_withdraws and value == old else value
    if new == old:
        db.session.rollback()
        return post.score
    if vote is None:
        db.session.add(vote_model(user_id=user.id, value=new, created_at=now, **{post_column: post.id}))
    elif new == 0:
        db.session.delete(vote)
    else:
        vote.value = new
    score = db.session.execute(
        update(model).where(model.id == post.id).values(score=model.score + (new - old)).returning(model.score)
    ).scalar_one()
    reputation.record_vote_change(post.author_id, kind, old, new, now=now,
                                  question_id=post.id if kind == "question" else post.question_id,
                                  answer_id=post.id if kind == "answer" else None)
    badges.after_vote(user, post, new, score, now=now)
    mark_changed(post.id if kind == "question" else post.question_id)
    db.session.commit()
    return score


def member_thread_facts(member, question_id, *, now):
    """What a thread's page shows `member` alone, in one statement: their posts, their votes, what they may flag.

    Returns the answers they wrote, the comments they wrote with whether they may still edit each, their votes
    on the question and its answers, and their standing for flagging. Hidden posts they wrote are among them:
    their pages show them, and no one else's do.
    """
    # The branches share columns (kind, id, value, at); PostgreSQL wants each NULL typed.
    number, moment = cast(null(), Integer), cast(null(), DateTime)
    rows = db.session.execute(union_all(
        select(literal("answer").label("kind"), Answer.id.label("id"), number.label("value"), moment.label("at"))
        .where(Answer.question_id == question_id, Answer.author_id == member.id),
        select(literal("comment"), Comment.id, number, Comment.created_at)
        .where(Comment.question_id == question_id, Comment.author_id == member.id),
        select(literal("question vote"), QuestionVote.question_id, QuestionVote.value, moment)
        .where(QuestionVote.question_id == question_id, QuestionVote.user_id == member.id),
        select(literal("answer vote"), AnswerVote.answer_id, AnswerVote.value, moment)
        .join(Answer, Answer.id == AnswerVote.answer_id)
        .where(Answer.question_id == question_id, AnswerVote.user_id == member.id),
    )).all()
    window, rule = comment_edit_window(), flag_trust_rule()
    return (
        frozenset(row.id for row in rows if row.kind == "answer"),
        frozenset((row.id, now - row.at <= window) for row in rows if row.kind == "comment"),
        frozenset((row.kind, row.id, row.value) for row in rows if row.kind.endswith("vote")),
        (rule, permissions.is_email_verified(member), permissions.has_earned_trust(member, rule, now=now)),
    )


def user_votes(user, questions=(), answers=()):
    """The user's votes on these posts: ({question_id: value}, {answer_id: value}), two queries at most."""
    if not (user and user.is_authenticated):
        return {}, {}
    result = []
    for vote_model, column, posts in ((QuestionVote, QuestionVote.question_id, questions),
                                      (AnswerVote, AnswerVote.answer_id, answers)):
        ids = [p.id for p in posts]
        rows = db.session.execute(select(column, vote_model.value)
                                  .where(vote_model.user_id == user.id, column.in_(ids))).all() if ids else []
        result.append(dict(rows))
    return tuple(result)


# Staff may choose the accepted answer for an asker; the asker's own choice wins over theirs.
ACCEPTANCE_ACTIONS = ("question.accept", "question.unaccept")
ASKERS_CHOICE_STANDS = _l("The asker accepted this answer themselves, and their choice counts: staff cannot replace "
                          "or withdraw it. A moderator can still hide or delete a post that breaks the rules.")


def _latest_acceptance_entry(question):
    return db.session.scalar(select(AuditEntry).where(AuditEntry.target_type == "question",
                                                      AuditEntry.target_id == str(question.id),
                                                      AuditEntry.action.in_(ACCEPTANCE_ACTIONS))
                             .order_by(AuditEntry.id.desc()).limit(1))


def who_accepted(question):
    """Who chose the accepted answer: "asker", "staff", or None while there is none.

    Read from the audit log: every staff choice is audited, and so is the asker's first change after one,
    so the newest acceptance entry names who set the current answer. Without any (acceptances from before
    staff choices were audited), the choice is the asker's.
    """
    if question.accepted_answer_id is None:
        return None
    latest = _latest_acceptance_entry(question)
    if latest is None or latest.actor_id == question.author_id:
        return "asker"
    return "staff" if (latest.after or {}).get("accepted_answer_id") == question.accepted_answer_id else "asker"


def _audit_acceptance(user, question, before_id, now):
    """Audit a staff member's choice, and the asker's change that follows one (so who_accepted stays right)."""
    if user.id == question.author_id:
        latest = _latest_acceptance_entry(question)
        if latest is None or latest.actor_id == question.author_id:
            return
        reason = "the asker's own choice, in place of a staff choice"
    else:
        reason = "on the asker's behalf"
    after_id = question.accepted_answer_id
    audit.record(user, "question.accept" if after_id else "question.unaccept", "question", question.id, reason,
                 before={"accepted_answer_id": before_id}, after={"accepted_answer_id": after_id}, now=now)


def _refuse_to_override_the_asker(user, question):
    if user.id != question.author_id and who_accepted(question) == "asker":
        raise Conflict(str(ASKERS_CHOICE_STANDS))


def accept_answer(user, answer, *, now):
    """Accept an answer at `now`, switching from any earlier one; the question becomes resolved.

    Staff may accept for the asker (audited, the asker told), but never in place of the asker's own choice.
    """
    holds.refuse_if_suspended(user, now=now)
    begin_write(db.session)
    answer = lock_row(Answer, answer.id)
    question = lock_row(Question, answer.question_id)
    if answer.is_deleted or question.is_deleted:
        raise NotFound(_("That answer has been deleted."))
    if answer.is_hidden or (question.is_hidden and not permissions.can_see_hidden(user, question)):
        raise NotFound(_("That answer is not available."))
    if not permissions.can_accept(user, question, now=now):
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    if question.accepted_answer_id == answer.id:
        db.session.rollback()
        return question
    _refuse_to_override_the_asker(user, question)
    before_id = question.accepted_answer_id
    set_accepted(question, answer, now=now)
    question.last_activity_at = now
    _audit_acceptance(user, question, before_id, now)
    badges.after_acceptance(user, question, answer, now=now)
    signals.answer_accepted.send(user, answer=answer, question=question, now=now)
    db.session.commit()
    return question


def unaccept_answer(user, question, *, now):
    """Withdraw the acceptance at `now`: the question is unresolved again (staff only withdraw a staff choice)."""
    holds.refuse_if_suspended(user, now=now)
    begin_write(db.session)
    question = _visible_question(question.id)
    if not permissions.can_accept(user, question, now=now):
        raise PermissionDenied(_("Only the person who asked can change the accepted answer."))
    if question.accepted_answer_id is not None:
        _refuse_to_override_the_asker(user, question)
        before_id = question.accepted_answer_id
        set_accepted(question, None, now=now)
        _audit_acceptance(user, question, before_id, now)
        signals.answer_unaccepted.send(user, question=question, now=now)
        db.session.commit()
    return question
