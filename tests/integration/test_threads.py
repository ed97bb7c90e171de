"""Asking, answering, commenting, editing and deleting through the services."""
import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Revision, Tag
from app.questions import services

GOOD_TITLE = "Why does my X200 speaker keep disconnecting?"
GOOD_BODY = "It drops the Bluetooth connection every ten minutes or so."


@pytest.mark.parametrize("title, ok", [("a" * 14, False), ("a" * 15, True), ("a" * 150, True), ("a" * 151, False),
                                       ("   " + "a" * 14 + "   ", False), (None, False), (42, False)])
def test_title_length_and_type(make, title, ok):
    author = make.user()
    if ok:
        assert services.ask_question(author, title, GOOD_BODY, ["speaker"], now=utcnow()).title == title.strip()
    else:
        with pytest.raises(ValidationError) as raised:
            services.ask_question(author, title, GOOD_BODY, ["speaker"], now=utcnow())
        assert "title" in raised.value.errors


@pytest.mark.parametrize("body, ok", [("b" * 19, False), ("b" * 20, True), ("b" * 30000, True), ("b" * 30001, False),
                                      (" " * 40, False), ("", False), ({"x": 1}, False)])
def test_body_length_and_type(make, body, ok):
    author = make.user()
    if ok:
        assert services.ask_question(author, GOOD_TITLE, body, ["speaker"], now=utcnow()).body_source == body
    else:
        with pytest.raises(ValidationError) as raised:
            services.ask_question(author, GOOD_TITLE, body, ["speaker"], now=utcnow())
        assert "body" in raised.value.errors


@pytest.mark.parametrize("tags, expected", [
    ("speaker", ["speaker"]),
    ("Speaker, X200  bluetooth", ["speaker", "x200", "bluetooth"]),
    (["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e"]),
    ("speaker speaker", ["speaker"]),
    ("x200-pro", ["x200-pro"]),
])
def test_valid_tags_are_normalised(make, tags, expected):
    question = services.ask_question(make.user(), GOOD_TITLE, GOOD_BODY, tags, now=utcnow())
    assert [t.name for t in question.tags] == sorted(expected)


@pytest.mark.parametrize("tags", ["", [], "a b c d e f", "bad_tag", "-lead", "trail-", "double--hyphen", "ü",
                                  "<script>", "t" * 36, [1, 2], {"a": 1}, None])
def test_invalid_tags_are_refused(make, tags):
    with pytest.raises(ValidationError) as raised:
        services.ask_question(make.user(), GOOD_TITLE, GOOD_BODY, tags, now=utcnow())
    assert "tags" in raised.value.errors


def test_all_field_errors_are_reported_together(make):
    with pytest.raises(ValidationError) as raised:
        services.ask_question(make.user(), "short", "short", "", now=utcnow())
    assert set(raised.value.errors) == {"title", "body", "tags"}


def test_markdown_is_rendered_once_at_save_and_sanitized(make):
    question = services.ask_question(make.user(), GOOD_TITLE, "Try **this**:\n\n<script>alert(1)</script>\n", "x",
                                     now=utcnow())
    assert "<strong>this</strong>" in question.body_html
    assert "<script" not in question.body_html
    assert question.body_source.endswith("</script>")


def test_nul_bytes_and_control_characters_are_dropped(make):
    question = services.ask_question(make.user(), "Title with a NUL\x00 byte inside",
                                     "Body\x00 with\x07 control bytes.", "x", now=utcnow())
    assert "\x00" not in question.title + question.body_source and "\x07" not in question.body_source


def test_tag_counts_follow_asking_retagging_and_deleting(make):
    author = make.user()
    question = make.question(author, tags=["battery", "x200"])
    make.question(tags=["battery"])
    counts = lambda: {t.name: t.question_count for t in db.session.scalars(select(Tag))}  # noqa: E731
    assert counts() == {"battery": 2, "x200": 1}
    services.edit_question(author, question, question.title, question.body_source, ["x200", "charging"], now=utcnow())
    assert counts() == {"battery": 1, "x200": 1, "charging": 1}
    services.delete_question(author, question, now=utcnow())
    assert counts() == {"battery": 1, "x200": 0, "charging": 0}


def test_every_save_keeps_a_revision(make):
    author = make.user()
    question = make.question(author)
    services.edit_question(author, question, question.title + " (solved?)", question.body_source, ["earbuds"],
                           reason="clarified the title", now=utcnow())
    services.edit_question(author, question, question.title, question.body_source, ["earbuds"],
                           now=utcnow())  # no change
    answer = make.answer(question)
    services.edit_answer(answer.author, answer, answer.body_source + "\n\nAlso update the app.", now=utcnow())
    revisions = db.session.scalars(select(Revision).order_by(Revision.id)).all()
    assert [(r.question_id is not None, r.number) for r in revisions] == [(True, 1), (True, 2), (False, 1), (False, 2)]
    assert revisions[1].reason == "clarified the title" and revisions[1].editor_id == author.id
    assert question.edited_at is not None


def test_only_the_author_or_a_moderator_edits(make):
    question = make.question()
    with pytest.raises(PermissionDenied):
        services.edit_question(make.user(), question, GOOD_TITLE, GOOD_BODY, "x", now=utcnow())
    with pytest.raises(PermissionDenied):
        services.edit_question(make.user(role="agent"), question, GOOD_TITLE, GOOD_BODY, "x", now=utcnow())
    services.edit_question(make.user(role="moderator"), question, GOOD_TITLE, GOOD_BODY, "x", now=utcnow())
    assert question.title == GOOD_TITLE


def test_an_asker_deletes_only_while_there_are_no_answers(make):
    author = make.user()
    lonely, answered = make.question(author), make.question(author)
    make.answer(answered)
    services.delete_question(author, lonely, now=utcnow())
    assert lonely.is_deleted and lonely.deleted_by_id == author.id
    with pytest.raises(Conflict):
        services.delete_question(author, answered, now=utcnow())
    with pytest.raises(PermissionDenied):
        services.delete_question(make.user(), make.question(), now=utcnow())


def test_deleted_questions_take_no_answers_or_comments(make):
    author = make.user()
    question = make.question(author)
    services.delete_question(author, question, now=utcnow())
    with pytest.raises(NotFound):
        make.answer(question)
    with pytest.raises(NotFound):
        make.comment(question)


def test_answers_count_and_bump_activity(make):
    question = make.question()
    before = question.last_activity_at
    make.answer(question)
    make.answer(question)
    db.session.expire_all()
    assert question.answer_count == 2 and question.last_activity_at >= before


def test_comments_link_urls_and_escape_html(make):
    question = make.question()
    comment = make.comment(question, text="See https://example.com/fix <b>now</b>")
    assert '<a href="https://example.com/fix"' in comment.body_html and "nofollow" in comment.body_html
    assert "<b>" not in comment.body_html


@pytest.mark.parametrize("text", ["", "x", "c" * 601, None, 5])
def test_comment_length_and_type(make, text):
    with pytest.raises(ValidationError):
        make.comment(make.question(), text=text)


def test_a_comment_cannot_target_another_threads_answer(make):
    question, other = make.question(), make.question()
    foreign_answer = make.answer(other)
    with pytest.raises(NotFound):
        make.comment(question, answer=foreign_answer)


def test_only_authors_and_moderators_delete_comments(make):
    comment = make.comment(make.question())
    with pytest.raises(PermissionDenied):
        services.delete_comment(make.user(), comment, now=utcnow())
    services.delete_comment(make.user(role="moderator"), comment, now=utcnow())
    assert comment.deleted_at is not None
