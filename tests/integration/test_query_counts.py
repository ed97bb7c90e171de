"""Pages run a fixed number of SQL queries, whatever the number of answers, comments or rows."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.moderation import holds
from app.questions import services
from app.search import index_sync
from app.seo import routes as seo_routes


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
    # the saved settings (whether they have earned flagging), the header's unread private messages; and, to look
    # for a kept copy first, the thread's version and what the member wrote, voted and follows there (three).
    assert large_count <= (17 if signed_in else 8)
    if signed_in:
        # The kept copy: the member, the settings, the thread's version, the member's facts (two), the header's
        # two unread counts, and the view count's write after the response. Nothing of the thread itself.
        assert page_queries(client, _url(large)) == page_queries(client, _url(small)) <= 8


def _url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


# Every list a visitor can open: the home list and each tab, a tag page and its tabs, the tag index, members.
LISTS = ["/", "/?tab=newest", "/?tab=votes", "/?tab=unanswered", "/?tab=unresolved", "/?tab=resolved",
         "/tags/x200", "/tags/x200?tab=votes", "/tags/x200?tab=unanswered", "/tags", "/users", "/api/v1/questions"]
FEEDS_AND_SITEMAPS = ["/feeds/questions.atom", "/feeds/tags/x200.atom", "/sitemap.xml", "/sitemap-pages.xml",
                      "/sitemap-questions-1.xml"]


@pytest.mark.parametrize("path", LISTS + FEEDS_AND_SITEMAPS)
def test_lists_queries_do_not_grow_with_rows(client, make, path):
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 2, 1, members)
    few = page_queries(client, path)
    for _ in range(12):
        build_thread(make, 1, 0, members)
    db.session.expire_all()
    # The second visit renders again (the community moved): the page cache cannot hide a count that grew.
    assert page_queries(client, path) == few
    # A visitor: the community's version (the page cache's key), the list and its total, the tags of its
    # rows, the popular tags, the saved settings (the brand).
    assert few <= 8


@pytest.mark.parametrize("path", ["/", "/tags/x200?tab=votes", "/users"])
def test_a_members_lists_queries_do_not_grow_with_rows(client, make, sign_in, path):
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 2, 1, members)
    sign_in(members[0])
    few = page_queries(client, path)
    for _ in range(12):
        build_thread(make, 1, 0, members)
    db.session.expire_all()
    assert page_queries(client, path) == few
    # Beyond a visitor's list (no page cache key): the member, the bell's count, the header's unread messages,
    # whether they follow the tag.
    assert few <= 12


def test_search_results_queries_do_not_grow_with_hits(client, make):
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 2, 1, members)
    index_sync.catch_up(now=utcnow())
    path = "/search?q=reset+earbuds"
    with count_queries() as statements:
        page = client.get(path).get_data(as_text=True)
    assert page.count('class="search-result"') == 1
    few = len(statements)
    for _ in range(12):
        build_thread(make, 2, 0, members)
    index_sync.catch_up(now=utcnow())
    db.session.expire_all()
    with count_queries() as statements:
        page = client.get(path).get_data(as_text=True)
    assert page.count('class="search-result"') == 13  # the hits grew, the statements did not
    assert len(statements) == few
    assert few <= 10


def test_the_sitemap_index_is_one_query_however_many_files(client, make, monkeypatch):
    monkeypatch.setattr(seo_routes, "SITEMAP_PAGE_SIZE", 2)
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 1, 0, members)
    one_file = page_queries(client, "/sitemap.xml")
    for _ in range(9):
        build_thread(make, 1, 0, members)
    with count_queries() as statements:
        index = client.get("/sitemap.xml").get_data(as_text=True)
    assert index.count("/sitemap-questions-") == 5  # ten questions, two a file
    assert len(statements) == one_file


def test_a_question_feed_queries_do_not_grow_with_answers(client, make):
    members = [make.user(f"member{number}") for number in range(6)]
    small, large = build_thread(make, 1, 1, members), build_thread(make, 30, 0, members)
    db.session.expire_all()
    assert page_queries(client, f"/feeds/questions/{small.id}.atom") == page_queries(
        client, f"/feeds/questions/{large.id}.atom")


def test_profile_queries_are_fixed(client, make):
    members = [make.user(f"member{number}") for number in range(3)]
    build_thread(make, 2, 0, members)
    few = page_queries(client, f"/users/{members[1].id}/member1")
    for _ in range(10):
        build_thread(make, 3, 0, members)
    db.session.expire_all()
    assert page_queries(client, f"/users/{members[1].id}/member1") == few
