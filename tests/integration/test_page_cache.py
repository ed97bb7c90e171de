"""Visitors' public pages come from a cache that every change they show invalidates, on any host."""
import pytest
from sqlalchemy import func, insert, select, update

from app import page_cache
from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import Question, SearchChange, SearchLog
from app.questions import queries, services
from app.search import index_sync
from tests.integration.test_query_counts import count_queries


def url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


def test_visitor_pages_carry_no_session_cookie_or_csrf_token(client, make):
    question = make.question()
    response = client.get(url(question))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "csrf" not in response.get_data(as_text=True).lower()


def test_a_repeat_visit_is_served_from_the_cache_with_one_query(client, make):
    question = make.question()
    make.answer(question)
    page_url = url(question)
    first = client.get(page_url).get_data(as_text=True)
    with count_queries() as statements:
        second = client.get(page_url).get_data(as_text=True)
    assert second == first
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1


def test_every_change_to_the_thread_shows_at_once(client, make):
    asker = make.user()
    question = make.question(asker)
    client.get(url(question))
    answer = make.answer(question, body="Fresh answer that must show at once after posting.")
    assert "Fresh answer that must show" in client.get(url(question)).get_data(as_text=True)
    make.comment(question, text="A fresh comment appears too")
    assert "A fresh comment appears too" in client.get(url(question)).get_data(as_text=True)
    services.cast_vote(make.user(), answer, 1, now=utcnow())
    page = client.get(url(question)).get_data(as_text=True)
    assert '<span class="score">1<span class="visually-hidden"> vote</span>' in page  # a visitor's vote box
    services.accept_answer(asker, answer, now=utcnow())
    assert "Accepted answer" in client.get(url(question)).get_data(as_text=True)
    services.edit_question(asker, question, question.title, "An edited body that replaces the old one.", ["x"],
                           now=utcnow())
    assert "An edited body" in client.get(url(question)).get_data(as_text=True)


def test_a_deleted_question_is_gone_even_when_cached(client, make):
    author = make.user()
    question = make.question(author)
    assert client.get(url(question)).status_code == 200
    services.delete_question(author, question, now=utcnow())
    assert client.get(url(question)).status_code == 404


def test_a_member_never_gets_a_visitors_page(client, make, sign_in):
    question = make.question()
    client.get(url(question))
    sign_in(make.user("reader"))
    page = client.get(url(question)).get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Your answer" in page and "reader" in page


# Lists, tags, profiles, feeds, sitemaps and search: keyed by the community's version, read from the database.


def test_a_repeat_visit_to_a_list_is_served_from_the_cache_with_one_query(client, make):
    make.question(title="A question on the home list")
    for path in ("/", "/?tab=votes", "/tags/earbuds", "/tags", "/users", "/feeds/questions.atom", "/sitemap.xml"):
        first = client.get(path)
        with count_queries() as statements:
            second = client.get(path)
        assert second.status_code == 200 and second.get_data() == first.get_data(), path
        assert second.mimetype == first.mimetype and second.cache_control == first.cache_control, path
        assert len(statements) == 1, path


def test_every_change_a_list_shows_moves_it(client, make):
    asker = make.user()
    older = make.question(asker, title="The older question about pairing")
    client.get("/")
    newer = make.question(title="A newer question about the charging case")
    assert "A newer question about the charging case" in client.get("/").get_data(as_text=True)
    services.cast_vote(make.user(), older, 1, now=utcnow())
    assert "<strong>1</strong> vote" in client.get("/?tab=votes").get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    assert page.index("A newer question") < page.index("The older question")
    # A comment logs no search change, but it is activity: the active tab moves the thread up.
    make.comment(older, text="Any news on this one?")
    page = client.get("/").get_data(as_text=True)
    assert page.index("The older question") < page.index("A newer question")
    answer = make.answer(older)
    services.accept_answer(asker, answer, now=utcnow())
    assert "The older question" in client.get("/?tab=resolved").get_data(as_text=True)
    services.delete_question(newer.author, newer, now=utcnow())
    assert "A newer question" not in client.get("/").get_data(as_text=True)
    assert "A newer question" not in client.get("/feeds/questions.atom").get_data(as_text=True)


def test_a_change_committed_by_another_host_shows_at_once(client, make, app):
    question = make.question(title="The title before another host's edit")
    assert "before another host" in client.get("/").get_data(as_text=True)
    # Another host's commit: none of this process's code runs, only the database moves (with its change log).
    with db.engine.begin() as connection:
        connection.execute(update(Question).where(Question.id == question.id)
                           .values(title="The title after another host's edit"))
        connection.execute(insert(SearchChange).values(question_id=question.id, created_at=utcnow()))
    assert "after another host" in client.get("/").get_data(as_text=True)


def test_profiles_tags_and_sitemaps_follow_changes(client, make):
    member = make.user("profiled")
    make.question(member, title="The first question of the profiled member")
    profile = f"/users/{member.id}/profiled"
    for path in (profile, "/tags", "/sitemap-questions-1.xml"):
        assert client.get(path).status_code == 200
    second = make.question(member, title="A second question of the profiled member", tags=["battery"])
    assert "A second question" in client.get(profile).get_data(as_text=True)
    assert "/tags/battery" in client.get("/tags").get_data(as_text=True)
    assert f"/questions/{second.id}/" in client.get("/sitemap-questions-1.xml").get_data(as_text=True)


def test_search_results_follow_the_index_and_every_search_is_logged(client, make):
    make.question(title="Earbuds will not pair after the update")
    index_sync.catch_up(now=utcnow())
    first = client.get("/search?q=pair").get_data(as_text=True)
    assert client.get("/search?q=pair").get_data(as_text=True) == first
    assert db.session.scalar(select(func.count()).select_from(SearchLog)) == 2  # the cached visit counted too
    make.question(title="The case will not pair with a new phone")
    index_sync.catch_up(now=utcnow())
    assert "new phone" in client.get("/search?q=pair").get_data(as_text=True)


def test_members_get_a_fresh_list(client, make, sign_in):
    make.question(title="Seen by visitors and members")
    client.get("/")
    sign_in(make.user("reader"))
    page = client.get("/").get_data(as_text=True)
    assert "reader" in page and "Seen by visitors and members" in page


@pytest.mark.postgres_only
def test_a_list_rendered_while_a_write_is_in_flight_is_kept_only_briefly(client, make, monkeypatch):
    question = make.question()
    monkeypatch.setattr(page_cache, "UNSETTLED_SECONDS", -1)  # already past: a repeat visit must render again
    # Another host's transaction has taken an id of the change log and not committed: the heads cannot show it.
    with db.engine.connect() as other_host:
        transaction = other_host.begin()
        other_host.execute(insert(SearchChange).values(question_id=question.id, created_at=utcnow()))
        assert not page_cache.community_version().settled
        client.get("/")
        with count_queries() as statements:
            client.get("/")
        assert len(statements) > 1
        transaction.rollback()


# A list's total: exact while small; a large one is counted at most once a minute per process.


def test_a_small_lists_total_is_exact_after_every_change(client, make):
    make.question()
    assert '<p class="muted">1 question</p>' in client.get("/?tab=newest").get_data(as_text=True)
    make.question()
    assert '<p class="muted">2 questions</p>' in client.get("/?tab=newest").get_data(as_text=True)


def test_a_large_lists_total_is_kept_a_minute_while_the_list_itself_is_current(client, make, monkeypatch):
    moment = [1000.0]
    monkeypatch.setattr(queries.time, "monotonic", lambda: moment[0])
    monkeypatch.setattr(queries, "EXACT_TOTALS_BELOW", 2)  # "large" from two questions up
    for _ in range(2):
        make.question()
    assert '<p class="muted">2 questions</p>' in client.get("/?tab=newest").get_data(as_text=True)
    newest = make.question(title="The newest question shows at once, before its total does")
    with count_queries() as statements:
        page = client.get("/?tab=newest").get_data(as_text=True)
    assert newest.title in page and '<p class="muted">2 questions</p>' in page
    assert not any("count(*)" in statement for statement in statements)
    moment[0] += queries.KEPT_TOTAL_SECONDS + 1
    assert '<p class="muted">3 questions</p>' in client.get("/?tab=newest").get_data(as_text=True)
