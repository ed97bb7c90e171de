"""The search page, the search API and suggestions, for visitors without an account."""
import pytest

from app.clock import utcnow
from app.questions import services
from app.search import index_sync


@pytest.fixture
def community(make):
    """A few threads about batteries and pairing, one resolved and one deleted."""
    asker = make.user("asker")
    resolved = make.question(asker, title="Pulse watch battery drains overnight",
                             body="Battery goes from 80% to 10% while I sleep.", tags=["pulse", "battery"])
    fix = make.answer(resolved, body="Turn off the always-on display; it keeps the screen awake all night.")
    services.accept_answer(asker, fix, now=utcnow())
    open_question = make.question(title="Battery icon shows the wrong percentage",
                                  body="The X200 case says full but the earbuds die quickly.", tags=["x200", "battery"])
    pairing = make.question(title="Cannot pair Aurora speaker with my laptop", tags=["aurora", "bluetooth"])
    deleted = make.question(asker, title="Battery question that was deleted later", tags=["battery"])
    services.delete_question(asker, deleted, now=utcnow())
    index_sync.catch_up(now=utcnow())
    return resolved, open_question, pairing, deleted


def test_visitors_search_with_highlighted_snippets(client, community):
    resolved, open_question, _, deleted = community
    page = client.get("/search?q=battery").get_data(as_text=True)
    assert resolved.title in page and open_question.title in page and deleted.title not in page
    assert ">Battery</mark>" in page or ">battery</mark>" in page
    assert "2 results" in page


def test_filters_sorting_and_query_syntax(client, community):
    resolved, open_question, _, _ = community
    assert open_question.title not in client.get("/search?q=battery&resolved=true").get_data(as_text=True)
    page = client.get("/search?q=battery+is:resolved").get_data(as_text=True)
    assert resolved.title in page and open_question.title not in page
    page = client.get("/search?q=battery+tag:x200").get_data(as_text=True)
    assert open_question.title in page and resolved.title not in page
    page = client.get('/search?q="wrong+percentage"').get_data(as_text=True)
    assert open_question.title in page and resolved.title not in page
    assert client.get("/search?q=battery&sort=newest").status_code == 200


def test_did_you_mean_when_little_is_found(client, community):
    page = client.get("/search?q=batery").get_data(as_text=True)
    assert "Did you mean" in page and "battery" in page


@pytest.mark.parametrize("query", ['"unclosed', "tag:", "AND", "((((", "*", "<script>alert(1)</script>", "x" * 5000])
def test_malformed_queries_get_a_page_not_an_error(client, community, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_search_api_returns_the_same_results(client, community):
    resolved, open_question, _, _ = community
    body = client.get("/api/v1/search?q=battery").json
    assert body["total"] == 2 and {item["id"] for item in body["items"]} == {resolved.id, open_question.id}
    assert all("snippet" in item for item in body["items"])
    assert [i["id"] for i in client.get("/api/v1/search?q=battery&resolved=true").json["items"]] == [resolved.id]


def test_suggest_treats_the_last_word_as_a_prefix(client, community):
    resolved = community[0]
    results = client.get("/api/v1/suggest?q=watch+batt").json["results"]
    assert results and results[0]["id"] == resolved.id
    first = results[0]
    assert set(first) == {"id", "title", "url", "resolved", "score", "answer_count", "snippet", "excerpt_of"}
    assert first["resolved"] is True and "always-on" in first["snippet"]
    assert first["excerpt_of"] == "accepted answer"


def test_suggest_short_queries_limits_and_exclusion(client, community):
    resolved = community[0]
    assert client.get("/api/v1/suggest?q=").json == {"results": [], "degraded": False}
    assert client.get("/api/v1/suggest?q=b").json == {"results": [], "degraded": False}
    assert len(client.get("/api/v1/suggest?q=battery&limit=1").json["results"]) == 1
    assert len(client.get("/api/v1/suggest?q=battery&limit=500").json["results"]) <= 10
    ids = [r["id"] for r in client.get(f"/api/v1/suggest?q=battery&exclude={resolved.id}").json["results"]]
    assert resolved.id not in ids


def test_the_header_search_box_is_on_every_page(client, community):
    assert 'action="/search"' in client.get("/").get_data(as_text=True)


def test_searches_reuse_one_searcher_until_the_index_changes(client, community, monkeypatch):
    """Opening a searcher reads every segment (1 s of CPU at a million questions): a search must not open one."""
    from whoosh.index import FileIndex

    opened, open_searcher = [], FileIndex.searcher

    def counted(self, **options):
        opened.append(1)
        return open_searcher(self, **options)

    monkeypatch.setattr(FileIndex, "searcher", counted)
    for query in ("battery", "pairing", "speaker", "battery+drains", "percentage"):
        assert client.get(f"/search?q={query}").status_code == 200
    assert len(opened) <= 1
