"""Visitors' question pages come from a cache that every change to the thread invalidates."""
from app.clock import utcnow
from app.formatting import slugify
from app.questions import services
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


def test_members_never_get_a_cached_page(client, make, sign_in):
    question = make.question()
    client.get(url(question))
    sign_in(make.user("reader"))
    page = client.get(url(question)).get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Your answer" in page and "reader" in page
