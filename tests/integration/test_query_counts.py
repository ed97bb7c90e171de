"""Pages run a fixed number of SQL queries, whatever the number of answers, comments or rows."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.moderation import holds
from app.questions import services


@pytest.fixture(autouse=True)
def _bulk_content():
    """These tests post many threads as a handful of members: new members' hourly limits would stop them."""
    with holds.trusted_load():
        yield


@contextmanager
def count_queries():
    """Count statements sent to the database inside the block."""
    statements = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT",
                                                      "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def build_thread(make, answers, comments_each, members):
    """A question with `answers` answers, comments on each post, votes and an acceptance."""
    asker = members[0]
    question = make.question(asker, tags=["x200", "battery", "charging"])
    for number in range(answers):
        answer = make.answer(question, members[1 + number % (len(members) - 1)])
        for index in range(comments_each):
            make.comment(question, members[index % len(members)], f"Comment {index} on answer {number}", answer=answer)
        services.cast_vote(asker, answer, 1, now=utcnow())
        if number == answers // 2:
            services.accept_answer(asker, answer, now=utcnow())
    for index in range(comments_each):
        make.comment(question, members[index % len(members)], f"Comment {index} on the question")
    return question


def page_queries(client, url):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("signed_in", [False, True])
def test_question_page_queries_do_not_grow_with_answers_or_comments(client, make, sign_in, signed_in):
    members = [make.user(f"member{number}") for number in range(6)]
    small, large = build_thread(make, 1, 1, members), build_thread(make, 30, 4, members)
    if signed_in:
        sign_in(make.user("reader"))
    db.session.expire_all()
    small_count = page_queries(client, _url(small))
    large_count = page_queries(client, _url(large))
    assert small_count == large_count
    # A visitor: the question, its thread (tags, answers, comments), the care status, the saved settings (the
    # community's brand in the header and footer). A member
    # also: their votes (two), the bell's unread count, whether they follow the thread, which of its tags they follow,
    # the saved settings (whether they have earned flagging), the header's unread private messages.
    assert large_count <= (14 if signed_in else 8)


def _url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


@pytest.mark.parametrize("path", ["/", "/?tab=votes", "/?tab=unanswered", "/tags/x200", "/tags", "/users",
                                  "/api/v1/questions"])
def test_lists_queries_do_not_grow_with_rows(client, make, path):
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 2, 1, members)
    few = page_queries(client, path)
    for _ in range(12):
        build_thread(make, 1, 0, members)
    db.session.expire_all()
    assert page_queries(client, path) == few
    assert few <= 7


def test_profile_queries_are_fixed(client, make):
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 2, 0, members)
    few = page_queries(client, f"/users/{members[1].id}/member1")
    for _ in range(10):
        build_thread(make, 3, 0, members)
    db.session.expire_all()
    assert page_queries(client, f"/users/{members[1].id}/member1") == few
