"""Comments: blank ones are refused next to their box, they render like posts, and authors edit them for a while."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import models
from app.exceptions import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Comment
from app.questions import services
from tests.builders import PASSWORD

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

REL = "nofollow ugc noopener"
BLANK_TEXTS = ["", "   ", "\n\t \n", "\u00a0\u2003"]
WINDOW = timedelta(minutes=5)  # COMMENT_EDIT_MINUTES by default


def comment_count():
    return db.session.scalar(select(func.count()).select_from(Comment))


def form_after(page, textarea_id):
    """The part of a page from a textarea to the end of its form: where that box's errors must show."""
    found = re.search(rf'<textarea id="{textarea_id}".*?</form>', page, re.DOTALL)
    assert found, f"no textarea {textarea_id} on the page"
    return found.group()


@pytest.fixture
def thread(make, clock):
    """A question with one answer, and a signed-in-ready member who comments."""
    question = make.question()
    return question, make.answer(question), make.user("commenter")


# --- A blank comment is refused where it was typed ------------------------------------------


@pytest.mark.parametrize("text", BLANK_TEXTS)
def test_a_blank_comment_is_refused_by_the_service(thread, text):
    question, answer, member = thread
    for target in (None, answer):
        with pytest.raises(ValidationError) as raised:
            services.add_comment(member, question, text, answer=target, now=question.created_at)
        assert "at least 2 characters" in raised.value.errors["body"]
    assert comment_count() == 0


@pytest.mark.parametrize("text", BLANK_TEXTS)
def test_a_blank_comment_on_the_question_shows_its_error_by_the_questions_comment_box(client, sign_in, thread, text):
    question, answer, member = thread
    sign_in(member)
    response = client.post(f"/questions/{question.id}/comments", data={"body": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert">Comment must be at least 2 characters' in form_after(page, "comment-body-q")
    assert "field-error" not in form_after(page, f"comment-body-{answer.id}")
    assert '<details class="comment-add" open>' in page
    assert comment_count() == 0


@pytest.mark.parametrize("text", BLANK_TEXTS)
def test_a_blank_comment_on_an_answer_shows_its_error_by_the_answers_comment_box(client, sign_in, thread, text):
    question, answer, member = thread
    sign_in(member)
    response = client.post(f"/questions/{question.id}/comments", data={"body": text, "answer_id": str(answer.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert">Comment must be at least 2 characters' in form_after(page, f"comment-body-{answer.id}")
    assert "field-error" not in form_after(page, "comment-body-q")
    assert comment_count() == 0


# --- Comments render like posts --------------------------------------------------------------


def test_comments_and_posts_link_bare_addresses_and_format_inline_markdown_alike(client, make, thread):
    question, _, member = thread
    text = "The fix is at https://example.com/fix, see *step 2* and `reset --hard`."
    asked, comment = make.question(body=text), make.comment(question, member, text=text)
    expected = (f'The fix is at <a href="https://example.com/fix" rel="{REL}">https://example.com/fix</a>, '
                "see <em>step 2</em> and <code>reset --hard</code>.")
    assert asked.body_html == f"<p>{expected}</p>"
    assert comment.body_html == expected
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'<span class="comment-body" dir="auto">{expected}</span>' in page


# --- Authors edit their comment for a few minutes ---------------------------------------------


def revisions_of(comment):
    revision = models.CommentRevision  # looked up here, so the other tests run on code without the table
    return db.session.scalars(select(revision).where(revision.comment_id == comment.id).order_by(revision.id)).all()


def test_the_author_edits_within_the_window_and_the_previous_text_is_kept(make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member, text="Did you try another cable?")
    clock.advance(WINDOW)
    edited = services.edit_comment(member, comment, "Did you try *another* USB-C cable?", now=clock.now)
    assert edited.body == "Did you try *another* USB-C cable?"
    assert edited.body_html == "Did you try <em>another</em> USB-C cable?"
    assert edited.edited_at == clock.now
    clock.advance(timedelta(seconds=1))
    with pytest.raises(PermissionDenied, match="first 5 minutes"):
        services.edit_comment(member, comment, "A third version", now=clock.now)
    [revision] = revisions_of(comment)
    assert (revision.body, revision.editor_id, revision.edited_at) == ("Did you try another cable?", member.id,
                                                                       edited.edited_at)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Did you try *another* USB-C cable?"


def test_after_the_window_the_author_is_refused_and_nothing_changes(make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member, text="Did you try another cable?")
    clock.advance(WINDOW + timedelta(seconds=1))
    with pytest.raises(PermissionDenied) as raised:
        services.edit_comment(member, comment, "Too late to change this", now=clock.now)
    assert "first 5 minutes" in raised.value.message
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Did you try another cable?"
    assert db.session.get(Comment, comment.id).edited_at is None
    assert revisions_of(comment) == []


def test_moderators_edit_any_comment_at_any_time(make, thread, clock):
    question, _, member = thread
    moderator = make.user("moddy", role="moderator")
    comment = make.comment(question, member, text="Call me at 555-0100 for a fix")
    clock.advance(timedelta(days=30))
    services.edit_comment(moderator, comment, "[phone number removed by a moderator]", now=clock.now)
    [revision] = revisions_of(comment)
    assert (revision.body, revision.editor_id) == ("Call me at 555-0100 for a fix", moderator.id)
    assert comment.body == "[phone number removed by a moderator]"


@pytest.mark.parametrize("role", ["member", "agent"])
def test_nobody_else_edits_a_comment(make, thread, clock, role):
    question, _, member = thread
    comment = make.comment(question, member)
    with pytest.raises(PermissionDenied):
        services.edit_comment(make.user(role=role), comment, "Someone else's words", now=clock.now)
    assert revisions_of(comment) == []


@pytest.mark.parametrize("text", BLANK_TEXTS)
def test_an_edit_to_a_blank_comment_is_refused(make, thread, clock, text):
    question, _, member = thread
    comment = make.comment(question, member, text="Did you try another cable?")
    with pytest.raises(ValidationError) as raised:
        services.edit_comment(member, comment, text, now=clock.now)
    assert "body" in raised.value.errors
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Did you try another cable?"
    assert revisions_of(comment) == []


def test_an_edit_that_changes_nothing_keeps_no_revision(make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member, text="Did you try another cable?")
    services.edit_comment(member, comment, "  Did you try another cable?  ", now=clock.now)
    assert revisions_of(comment) == [] and comment.edited_at is None


def test_the_window_is_a_setting(app, make, thread, clock):
    app.config["COMMENT_EDIT_MINUTES"] = 10
    question, _, member = thread
    comment = make.comment(question, member)
    clock.advance(timedelta(minutes=9))
    services.edit_comment(member, comment, "Changed after nine minutes", now=clock.now)
    assert comment.body == "Changed after nine minutes"


def test_a_deleted_comment_cannot_be_edited(make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member)
    services.delete_comment(member, comment, now=clock.now)
    with pytest.raises(NotFound):
        services.edit_comment(member, comment, "Back from the dead", now=clock.now)


def test_the_author_edits_from_the_comment_and_it_shows_edited(client, sign_in, make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member, text="Did you try another cable?")
    sign_in(member)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/comments/{comment.id}/edit"' in page
    clock.advance(timedelta(minutes=2))
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "Did you try a **shorter** cable?"})
    assert response.status_code == 302 and response.location.endswith(f"#comment-{comment.id}")
    page = client.get(response.location).get_data(as_text=True)
    entry = re.search(rf'<li class="comment" id="comment-{comment.id}">.*?</li>', page, re.DOTALL).group()
    assert "Did you try a <strong>shorter</strong> cable?" in entry
    assert 'class="comment-edited' in entry and ">edited<" in entry
    assert [revision.body for revision in revisions_of(comment)] == ["Did you try another cable?"]


def test_after_the_window_the_web_edit_is_refused_with_a_message_by_the_comment(client, sign_in, make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member, text="Did you try another cable?")
    sign_in(member)
    clock.advance(WINDOW + timedelta(minutes=1))
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/comments/{comment.id}/edit"' not in page
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "Too late to change this"})
    assert response.status_code == 403
    box = form_after(response.get_data(as_text=True), f"comment-edit-{comment.id}")
    assert "Too late to change this" in box and 'role="alert">' in box and "first 5 minutes" in box
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Did you try another cable?"


def test_a_blank_web_edit_shows_its_error_by_that_comment(client, sign_in, make, thread, clock):
    question, answer, member = thread
    comment = make.comment(question, member, text="Did you try another cable?", answer=answer)
    sign_in(member)
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'role="alert">Comment must be at least 2 characters' in form_after(page, f"comment-edit-{comment.id}")
    assert "field-error" not in form_after(page, "comment-body-q")
    assert revisions_of(comment) == []


def test_moderators_see_the_edit_form_at_any_time_and_other_members_are_refused(client, sign_in, make, thread, clock):
    question, _, member = thread
    comment = make.comment(question, member)
    clock.advance(timedelta(days=2))
    sign_in(make.user("moddy", role="moderator"))
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/comments/{comment.id}/edit"' in page
    other = make.user("other")
    other_client = client.application.test_client()
    other_client.post("/sign-in", data={"login": other.username, "password": PASSWORD})
    assert other_client.post(f"/comments/{comment.id}/edit", data={"body": "Not my comment"}).status_code == 403
