"""The community's content language: the index stems and drops stop words for it, and says when a rebuild is due."""
import pytest

from app import config as app_config
from app import create_app
from app.clock import utcnow
from app.search import index_sync, queries
from app.search import whoosh_index as search_index_module

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def german(app):
    """The app switched to German content (before its index is first opened)."""
    app.config["SEARCH_LANGUAGE"] = "de"
    app.extensions.pop("peerdesk_search_index", None)
    return app


def _suggested(text):
    index_sync.catch_up(now=utcnow())
    return [suggestion.question.id for suggestion in queries.suggest(text)]


def test_a_german_community_is_stemmed_and_its_stop_words_ignored(german, make):
    asked = make.question(title="Bluetooth Verbindungen brechen ständig ab",
                          body="Die Kopfhörer verlieren jede Stunde den Kontakt zum Laptop.", tags=["kopfhoerer"])
    assert _suggested("Verbindung bricht ") == [asked.id]  # Verbindungen ~ Verbindung
    assert _suggested("die der und das ") == []  # nothing but German stop words
    hits = search_index_module.search(index_sync.app_index(), "Verbindung Kontakte")
    assert hits.ids == [asked.id]
    assert index_sync.app_index().built_language() == "de"


def test_english_stemming_would_not_have_found_it(app, make):
    asked = make.question(title="Bluetooth Verbindungen brechen ständig ab",
                          body="Die Kopfhörer verlieren jede Stunde den Kontakt zum Laptop.", tags=["kopfhoerer"])
    assert asked.id not in _suggested("Verbindung bricht ")


def test_check_asks_for_a_rebuild_when_the_language_changes_and_reindex_switches(app, runner, make):
    make.question(title="Bluetooth Verbindungen brechen ständig ab",
                  body="Die Kopfhörer verlieren jede Stunde den Kontakt zum Laptop.", tags=["kopfhoerer"])
    index_sync.catch_up(now=utcnow())  # built in English
    app.config["SEARCH_LANGUAGE"] = "de"
    app.extensions.pop("peerdesk_search_index", None)
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "Language: de." in result.output
    assert "built for language en, the setting is de. Run `flask search reindex`" in result.output
    assert "the model reads en only and SEARCH_LANGUAGE is de: suggestions are lexical only" in result.output
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert index_sync.app_index().built_language() == "de"
    assert len(_suggested("Verbindung bricht ")) == 1


def test_an_unknown_language_stops_the_app_at_start(database_url, tmp_path):
    config = app_config.testing_config(str(tmp_path / "instance"), database_url, str(tmp_path / "index"))
    config["SEARCH_LANGUAGE"] = "xx"
    with pytest.raises(RuntimeError, match="SEARCH_LANGUAGE='xx' is not one the search can stem: choose one of "):
        create_app(config)


@pytest.mark.parametrize("language", search_index_module.LANGUAGES)
def test_every_offered_language_builds_an_analyzer_that_stems(language):
    analyzer = search_index_module.analyzer_for(language)
    assert search_index_module.language_of(analyzer) == language
    assert [token.text for token in analyzer("")] == []
