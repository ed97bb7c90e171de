"""Search vocabulary: hyphenated words find their joined form, "did you mean" offers real words, -word leaves out."""
import pytest
from whoosh.analysis import StemmingAnalyzer

from app.clock import utcnow
from app.search import index_sync, whoosh_index

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def community(make):
    """Threads that spell Wi-Fi both ways, and a few about batteries and chargers."""
    hyphenated = make.question(title="Wi-Fi drops every evening on the hub", body="The router is two metres away.")
    joined = make.question(title="Hub forgets the wifi password after an update", body="It asks again every day.")
    charger = make.question(title="Battery charger gets hot", body="The charger is warm after an hour.")
    battery = make.question(title="Battery drains overnight", body="From 80% to 10% while I sleep.")
    icon = make.question(title="Battery icon shows the wrong percentage", body="It says full, then empty at once.")
    index_sync.catch_up(now=utcnow())
    return hyphenated, joined, charger, battery, icon


def _search(client, query):
    return client.get("/api/v1/search", query_string={"q": query}).json


def _ids(client, query):
    return {item["id"] for item in _search(client, query)["items"]}


def test_joined_and_hyphenated_spellings_find_each_other(client, community):
    hyphenated, joined, *_ = community
    assert _ids(client, "wifi") == _ids(client, "wi-fi") == _ids(client, "Wi-Fi") == {hyphenated.id, joined.id}
    assert _ids(client, '"wi-fi drops"') == {hyphenated.id}  # a phrase through the joined word
    assert _ids(client, '"wifi drops"') == {hyphenated.id}


def test_the_ask_form_suggests_both_spellings(client, community):
    hyphenated, joined, *_ = community
    found = {item["id"] for item in client.get("/api/v1/suggest", query_string={"q": "wifi "}).json["results"]}
    assert found == {hyphenated.id, joined.id}


def test_did_you_mean_offers_real_frequent_words_that_find_more(client, community):
    body = _search(client, "batery")
    assert body["did_you_mean"] == "battery"  # a word as titles write it, not the stem "batteri"
    assert _search(client, "wrng")["did_you_mean"] is None  # "wrong" is in one title only: not frequent enough
    assert _search(client, "wifi")["did_you_mean"] is None  # found: nothing to correct


@pytest.mark.parametrize("query", ["<script>", "user:demo", "batt*", "zzqx", "charg", "Battery"])
def test_did_you_mean_never_offers_the_query_itself_syntax_or_nonsense(client, community, query):
    assert _search(client, query)["did_you_mean"] is None


def test_a_word_can_be_left_out(client, community):
    _, _, charger, battery, icon = community
    assert _ids(client, "battery") == {charger.id, battery.id, icon.id}
    assert _ids(client, "battery -charger") == {battery.id, icon.id}
    assert _ids(client, "battery NOT charger") == {battery.id, icon.id}
    assert _ids(client, "battery -charger -icon") == {battery.id}


def test_a_search_of_only_left_out_words_is_refused_with_a_reason(client, community):
    body = _search(client, "-battery")
    assert body["items"] == [] and body["total"] == 0
    assert "Add a word to look for" in body["notice"]
    page = client.get("/search", query_string={"q": "NOT battery"}).get_data(as_text=True)
    assert "Add a word to look for" in page


def test_check_asks_for_a_rebuild_of_an_index_from_before_compounds(app, runner, community, monkeypatch):
    with monkeypatch.context() as older_release:  # the analyzer of the release before: no compound words
        older_release.setattr(whoosh_index, "analyzer_for", lambda language: StemmingAnalyzer())
        index_sync.app_index().recreate()
        index_sync.reindex()
    app.extensions.pop("peerdesk_search_index", None)
    assert len(_ids(app.test_client(), "wifi")) == 1
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "built by an older release" in result.output
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert len(_ids(app.test_client(), "wifi")) == 2
