"""Pages and actions of threads: lists, tags, the question page, ask, answer, edit, vote, accept."""
import difflib
from collections import Counter

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update

from app import page_cache, permissions, write_behind
from app.clock import request_now
from app.exceptions import EditConflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.formatting import slugify
from app.forms import ActionForm
from app.models import Question, Revision, Tag
from app.moderation import holds
from app.questions import bp, queries, services
from app.questions.forms import (
    AnswerEditForm,
    AnswerForm,
    CloseForm,
    CommentEditForm,
    CommentForm,
    QuestionEditForm,
    QuestionForm,
    VoteForm,
)
from app.ratelimits import posting_limit
from app.rendering import RenderError, render_markdown
from app.search import insights
from app.urls import answer_url, question_url
from app.validation import positive_int
from app.visibility import is_public
from app.web import page_number, show_errors


def _write_view_counts(connection, question_ids):
    """Add buffered views with one additive UPDATE per question."""
    for question_id, views in sorted(Counter(question_ids).items()):
        connection.execute(update(Question).where(Question.id == question_id)
                           .values(view_count=Question.view_count + views))


# Lists --------------------------------------------------------------------------------


@bp.get("/")
@bp.get("/questions")
@page_cache.public_page
def index():
    """The question list, with tabs."""
    tab = request.args.get("tab", queries.DEFAULT_TAB)
    tab = tab if tab in queries.TABS else queries.DEFAULT_TAB
    pagination = queries.paginate_questions(tab, None, page_number(), current_app.config["QUESTIONS_PER_PAGE"])
    return render_template("questions/index.html", pagination=pagination, tab=tab, tabs=queries.TABS, tag=None,
                           popular_tags=queries.popular_tags(limit=15))


@bp.get("/tags")
@page_cache.public_page
def tags():
    """Every tag in use, with its question count."""
    return render_template("questions/tags.html", tags=queries.popular_tags())


@bp.get("/tags/<name>")
@page_cache.public_page
def tagged(name):
    """Questions carrying one tag, with the same tabs as the home list."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name.lower()))
    if tag is None:
        raise NotFound(_("There is no such tag."))
    tab = request.args.get("tab", queries.DEFAULT_TAB)
    tab = tab if tab in queries.TABS else queries.DEFAULT_TAB
    pagination = queries.paginate_questions(tab, tag, page_number(), current_app.config["QUESTIONS_PER_PAGE"])
    return render_template("questions/index.html", pagination=pagination, tab=tab, tabs=queries.TABS, tag=tag,
                           popular_tags=[])


# The question page --------------------------------------------------------------------


@bp.get("/questions/<id:question_id>")
@bp.get("/questions/<id:question_id>/<slug>")
def show(question_id, slug=None):
    """The thread: question, accepted answer first, answers by score, comments, answer form."""
    now = request_now()
    if (cache := page_cache.for_visitors()) is not None:
        page = _visitor_page(cache, question_id, slug)
    elif (cache := page_cache.for_members(now)) is not None:
        page = _member_page(cache, question_id, slug, now)
    else:
        page = _question_page(question_id, slug)
    if isinstance(page, str):
        write_behind.record("views", _write_view_counts, question_id)
    return page


def _thread_head(question_id):
    """One cheap read that decides whether a kept page may serve: the version moves with anything the page shows."""
    return db.session.execute(select(Question.title, Question.version, Question.deleted_at, Question.hidden_at,
                                     Question.author_id).where(Question.id == question_id)).one_or_none()


def _visitor_page(cache, question_id, slug):
    """The visitor's page, kept for every visitor of the same language until the thread changes."""
    head = _thread_head(question_id)
    if head is None or not is_public(head):
        raise NotFound(_("That question does not exist."))
    key = (question_id, head.version, request.full_path)
    page = cache.get(key) if slug == slugify(head.title) else None
    if page is None:
        page = _question_page(question_id, slug)
        if isinstance(page, str):
            cache.put(key, page)
    return page


def _member_page(cache, question_id, slug, now):
    """A member's page, kept for every member who stands where they stand in the thread (see page_cache).

    The asker's page is never kept: what it shows them alone (the care follow-up, reminders) has no facts here.
    """
    head = _thread_head(question_id)
    if head is None or not is_public(head) or head.author_id == current_user.id or slug != slugify(head.title):
        return _question_page(question_id, slug)  # a 404, the asker's page, a redirect to the canonical URL
    key = (question_id, head.version, request.full_path, page_cache.member_facts(question_id, now))
    kept = cache.get(key)
    if kept is not None:
        return page_cache.with_personal(kept)
    page = _question_page(question_id, slug)
    if isinstance(page, str) and (kept := page_cache.without_personal(page)) is not None:
        cache.put(key, kept)
    return page


def _question_page(question_id, slug):
    """Render the question page (or the redirect to its canonical URL)."""
    question = queries.get_question_or_404(question_id, current_user)
    if slug != slugify(question.title):
        return redirect(question_url(question), code=301)
    thread = queries.load_thread(question, current_user)
    question_votes, answer_votes = services.user_votes(current_user, [question], thread.answers)
    return render_template(
        "questions/show.html", thread=thread, question=question,
        question_vote=question_votes.get(question.id, 0), answer_votes=answer_votes,
        answer_form=AnswerForm(), comment_form=CommentForm(), action_form=ActionForm(), close_form=CloseForm(),
    )


@bp.get("/answers/<id:answer_id>")
def answer_link(answer_id):
    """A short link to an answer: redirects to its place on the question page."""
    return redirect(answer_url(queries.get_answer_or_404(answer_id, current_user)))


# Asking, answering, commenting ----------------------------------------------------------


@bp.route("/questions/ask", methods=["GET", "POST"])
@login_required
@posting_limit
def ask():
    """The ask form; on success, the new question's page."""
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.ask_question(current_user, form.title.data, form.body.data, form.tags.data,
                                             now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            insights.session_posted_a_question(session, now=request_now())
            if question.is_hidden:
                flash(_("Thanks! A moderator will look at your question before others can see it."), "info")
            else:
                flash(_("Your question is posted. You will see answers here."), "success")
            return redirect(question_url(question))
    # The server gives the draft its token, tied to this session, whatever a previous page sent.
    form.draft.data = insights.draft_for_ask_form(session, now=request_now())
    return render_template("questions/ask.html", form=form), 422 if form.errors else 200


@bp.post("/questions/<id:question_id>/answers")
@login_required
@posting_limit
def answer(question_id):
    """Post an answer; on an error, the question page again with the draft and the message."""
    question = queries.get_question_or_404(question_id, current_user)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            answer = services.post_answer(current_user, question, form.body.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            flash(_("Thanks! A moderator will look at your answer before others can see it.") if answer.is_hidden
                  else _("Thanks for your answer!"), "info" if answer.is_hidden else "success")
            return redirect(answer_url(answer))
    return _show_with_forms(question, answer_form=form)


@bp.post("/questions/<id:question_id>/comments")
@login_required
@posting_limit
def comment(question_id):
    """Comment on the question or (with answer_id) on one of its answers."""
    question = queries.get_question_or_404(question_id, current_user)
    form = CommentForm()
    target = None
    if form.answer_id.data:
        answer_id = positive_int(form.answer_id.data)
        if answer_id is None:
            abort(400)
        target = queries.get_answer_or_404(answer_id, current_user)
    if form.validate_on_submit():
        try:
            comment = services.add_comment(current_user, question, form.body.data, answer=target, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect(question_url(question, _anchor=f"comment-{comment.id}"))
    return _show_with_forms(question, comment_form=form)


def _show_with_forms(question, answer_form=None, comment_form=None, edited_comment=None, status=422):
    """Re-render the question page with a failed form's input and errors kept (422 unless told).

    `edited_comment` is (comment id, its edit form) when a comment's edit failed: its box shows them.
    """
    question = queries.get_question_or_404(question.id, current_user)
    thread = queries.load_thread(question, current_user)
    question_votes, answer_votes = services.user_votes(current_user, [question], thread.answers)
    edited_comment_id, comment_edit_form = edited_comment or (None, None)
    return render_template(
        "questions/show.html", thread=thread, question=question,
        question_vote=question_votes.get(question.id, 0), answer_votes=answer_votes,
        answer_form=answer_form or AnswerForm(formdata=None), comment_form=comment_form or CommentForm(formdata=None),
        action_form=ActionForm(), close_form=CloseForm(formdata=None),
        edited_comment_id=edited_comment_id, comment_edit_form=comment_edit_form,
    ), status


@bp.post("/preview")
@login_required
def preview():
    """Live preview of a Markdown body: the HTML it will be saved as."""
    source = request.form.get("body", "")
    if len(source) > 2 * 30000:
        return jsonify(error={"code": "too_long", "message": _("Too long to preview.")}), 413
    try:
        return jsonify(html=render_markdown(source))
    except RenderError as error:
        return jsonify(error={"code": "invalid", "message": str(error)}), 422


# Editing and deleting ------------------------------------------------------------------


def _edit_summary(form):
    """The optional "what changed" note of an edit form, or None."""
    return (form.reason.data or "").strip()[:300] or None


def _base_revision(form):
    """The revision an edit form was opened at; None from a page served before forms carried it; 400 if garbled."""
    value = (form.base_revision.data or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        abort(400)
    return int(value)


def _edit_page_status(form, conflict):
    """409 when someone saved in between, 422 for field errors, else 200."""
    return 409 if conflict else 422 if form.errors else 200


@bp.route("/questions/<id:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(question_id):
    """Edit a question's title, body and tags."""
    question = queries.get_question_or_404(question_id, current_user)
    if not permissions.can_edit(current_user, question, now=request_now()):
        holds.refuse_if_suspended(current_user, now=request_now())  # a 403 that says why and until when
        abort(403)
    form, conflict = QuestionEditForm(), None
    if request.method == "GET":
        form.title.data, form.body.data = question.title, question.body_source
        form.tags.data = " ".join(t.name for t in question.tags)
        form.base_revision.data = str(services.revision_number(question))
    if form.validate_on_submit():
        try:
            services.edit_question(current_user, question, form.title.data, form.body.data, form.tags.data,
                                   reason=_edit_summary(form), base_revision=_base_revision(form), now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        except EditConflict as error:
            conflict = error
            # The member merges against the version shown, so their next save starts from it.
            form.base_revision.data = str(error.current.revision)
        else:
            flash(_("Your edit is saved."), "success")
            return redirect(question_url(question))
    return (render_template("questions/edit_question.html", form=form, question=question, conflict=conflict),
            _edit_page_status(form, conflict))


@bp.route("/answers/<id:answer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_answer(answer_id):
    """Edit an answer's body."""
    answer = queries.get_answer_or_404(answer_id, current_user)
    if not permissions.can_edit(current_user, answer, now=request_now()):
        holds.refuse_if_suspended(current_user, now=request_now())
        abort(403)
    form, conflict = AnswerEditForm(), None
    if request.method == "GET":
        form.body.data = answer.body_source
        form.base_revision.data = str(services.revision_number(answer))
    if form.validate_on_submit():
        try:
            services.edit_answer(current_user, answer, form.body.data, reason=_edit_summary(form),
                                 base_revision=_base_revision(form), now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        except EditConflict as error:
            conflict = error
            form.base_revision.data = str(error.current.revision)  # as for questions
        else:
            flash(_("Your edit is saved."), "success")
            return redirect(answer_url(answer))
    return (render_template("questions/edit_answer.html", form=form, answer=answer, conflict=conflict),
            _edit_page_status(form, conflict))


@bp.post("/questions/<id:question_id>/delete")
@login_required
def delete_question(question_id):
    """Soft-delete a question."""
    question = queries.get_question_or_404(question_id, current_user)
    if ActionForm().validate_on_submit():
        services.delete_question(current_user, question, now=request_now())
        flash(_("Your question was deleted."), "success")
    return redirect(url_for("questions.index"))


@bp.post("/answers/<id:answer_id>/delete")
@login_required
def delete_answer(answer_id):
    """Soft-delete an answer."""
    answer = queries.get_answer_or_404(answer_id, current_user)
    if ActionForm().validate_on_submit():
        services.delete_answer(current_user, answer, now=request_now())
        flash(_("The answer was deleted."), "success")
    return redirect(question_url(answer.question))


@bp.post("/comments/<id:comment_id>/edit")
@login_required
def edit_comment(comment_id):
    """Change a comment's text from the edit box under it; a refusal or an error shows in that box."""
    comment = queries.get_comment_or_404(comment_id)
    question = queries.get_question_or_404(comment.question_id, current_user)
    form, status = CommentEditForm(), 422
    if form.validate_on_submit():
        try:
            services.edit_comment(current_user, comment, form.body.data, now=request_now())
        except ValidationError as error:
            show_errors(form, error)
        except PermissionDenied as error:  # the edit window has closed (or it is not theirs): say so by the text
            form.body.errors = [*form.body.errors, error.message]
            status = 403
        else:
            return redirect(question_url(question, _anchor=f"comment-{comment.id}"))
    return _show_with_forms(question, edited_comment=(comment.id, form), status=status)


@bp.post("/comments/<id:comment_id>/delete")
@login_required
def delete_comment(comment_id):
    """Soft-delete a comment."""
    comment = queries.get_comment_or_404(comment_id)
    if ActionForm().validate_on_submit():
        services.delete_comment(current_user, comment, now=request_now())
    return redirect(question_url(queries.get_question_or_404(comment.question_id, current_user)))


@bp.get("/questions/<id:question_id>/revisions")
def question_revisions(question_id):
    """Every saved version of a question, each with what changed from the one before."""
    question = queries.get_question_or_404(question_id, current_user)
    revisions = _revisions(Revision.question_id == question.id)
    return render_template("questions/revisions.html", post=question, question=question, revisions=revisions)


@bp.get("/answers/<id:answer_id>/revisions")
def answer_revisions(answer_id):
    """Every saved version of an answer, each with what changed from the one before."""
    answer = queries.get_answer_or_404(answer_id, current_user)
    revisions = _revisions(Revision.answer_id == answer.id)
    return render_template("questions/revisions.html", post=answer, question=answer.question, revisions=revisions)


def _revisions(owner):
    """Revisions newest first, each paired with a line diff against its predecessor."""
    rows = db.session.scalars(select(Revision).where(owner).order_by(Revision.number)).all()
    paired, previous = [], None
    for revision in rows:
        paired.append((revision, _diff(previous, revision) if previous else None))
        previous = revision
    return list(reversed(paired))


def _diff(old, new):
    """Lines removed and added between two revisions, title and tags included."""
    def lines(revision):
        head = ([_("Title: %(title)s", title=revision.title), _("Tags: %(tags)s", tags=revision.tags), ""]
                if revision.title is not None else [])
        return head + revision.body_source.splitlines()
    return [line for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=1)][2:]


# Votes and acceptance ----------------------------------------------------------------------


def _vote(post):
    """Set the member's vote as asked (1, -1 or 0): JSON of the vote and score for scripts, None for plain forms."""
    form = VoteForm()
    # The form names the vote wanted, never "the other one": a tab showing stale state asks for what it shows.
    if not form.validate_on_submit() or form.value.data is None:
        abort(400)
    score = services.cast_vote(current_user, post, form.value.data, now=request_now())
    if request.accept_mimetypes.best == "application/json":
        return jsonify(score=score, vote=form.value.data)
    return None  # the page the caller redirects to shows the vote and score as they now stand


@bp.post("/questions/<id:question_id>/vote")
@login_required
def vote_question(question_id):
    """Vote on a question."""
    question = queries.get_question_or_404(question_id, current_user)
    return _vote(question) or redirect(question_url(question))


@bp.post("/answers/<id:answer_id>/vote")
@login_required
def vote_answer(answer_id):
    """Vote on an answer."""
    answer = queries.get_answer_or_404(answer_id, current_user)
    return _vote(answer) or redirect(answer_url(answer))


@bp.post("/answers/<id:answer_id>/accept")
@login_required
def accept(answer_id):
    """Accept an answer: the question is resolved."""
    answer = queries.get_answer_or_404(answer_id, current_user)
    if ActionForm().validate_on_submit():
        question = services.accept_answer(current_user, answer, now=request_now())
        if question.author_id == current_user.id:
            flash(_("Answer accepted: the question is marked resolved."), "success")
        else:
            flash(_("Answer accepted on the asker's behalf: they have been told, and they can still choose another."),
                  "success")
    return redirect(answer_url(answer))


@bp.post("/questions/<id:question_id>/close")
@login_required
def close(question_id):
    """A moderator closes a question (as a duplicate of another, off-topic, or resolved elsewhere)."""
    question = queries.get_question_or_404(question_id, current_user)
    form = CloseForm()
    if form.validate_on_submit():
        original = form.duplicate_of.data or form.candidate.data  # a typed id wins over a ticked candidate
        services.close_question(current_user, question, form.reason.data, duplicate_of_id=original,
                                now=request_now())
        flash(_("The question is closed."), "success")
    elif form.errors:
        flash(_("Give the original question's id as a number."), "error")
    return redirect(question_url(question))


@bp.post("/questions/<id:question_id>/reopen")
@login_required
def reopen(question_id):
    """A moderator reopens a closed question."""
    question = queries.get_question_or_404(question_id, current_user)
    if ActionForm().validate_on_submit():
        services.reopen_question(current_user, question, now=request_now())
        flash(_("The question is open again."), "success")
    return redirect(question_url(question))


@bp.post("/questions/<id:question_id>/unaccept")
@login_required
def unaccept(question_id):
    """Withdraw the acceptance."""
    question = queries.get_question_or_404(question_id, current_user)
    if ActionForm().validate_on_submit():
        services.unaccept_answer(current_user, question, now=request_now())
    return redirect(question_url(question))

