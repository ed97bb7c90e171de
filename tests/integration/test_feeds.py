"""Atom feeds: newest questions, per tag, per question (new answers); valid Atom with the required elements."""
import xml.etree.ElementTree as ET

import feedparser
import pytest
from sqlalchemy import update

from app.clock import utcnow
from app.extensions import db
from app.models import Answer, Question
from app.questions import services
from app.seo import routes
from tests import corpora

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

ATOM = "{http://www.w3.org/2005/Atom}"


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own output, parsed to check it
    check_atom(feed)
    return feed, response


def check_atom(feed):
    """RFC 4287: a feed has id, title, updated, an author (here or in each entry); entries id, title, updated."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text, name
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/")
        assert entry.find(f"{ATOM}content").get("type") == "html"


def titles(feed):
    return [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]


def test_newest_questions_feed(client, make):
    first = make.question(title="First question about the X200 charging case")
    second = make.question(title="Second question about the X200 battery life")
    feed, response = fetch(client, "/feeds/questions.atom")
    assert titles(feed) == [second.title, first.title]
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}id").text == f"http://localhost/questions/{second.id}"
    assert "The left earbud stopped pairing" in entry.find(f"{ATOM}content").text
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["earbuds"]
    assert response.headers["Last-Modified"] and "max-age=300" in response.headers["Cache-Control"]
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo and parsed.version == "atom10" and len(parsed.entries) == 2


def test_the_feed_is_bounded_and_leaves_out_deleted_and_hidden_questions(client, make, monkeypatch):
    monkeypatch.setattr(routes, "FEED_LENGTH", 3)
    author = make.user()
    questions = [make.question() for _ in range(4)]
    deleted = make.question(author)
    services.delete_question(author, deleted, now=utcnow())
    db.session.execute(update(Question).where(Question.id == questions[-1].id).values(hidden_at=utcnow()))
    db.session.commit()
    feed, _ = fetch(client, "/feeds/questions.atom")
    assert titles(feed) == [q.title for q in reversed(questions[:3])]


def test_tag_feed(client, make):
    tagged = make.question(tags=["x200"])
    make.question(tags=["other"])
    feed, _ = fetch(client, "/feeds/tags/X200.atom")
    assert titles(feed) == [tagged.title]
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://localhost/tags/x200"
    assert client.get("/feeds/tags/nothing.atom").status_code == 404


def test_question_feed_lists_new_answers_newest_first(client, make):
    asker = make.user()
    question = make.question(asker)
    old = make.answer(question, make.user("early"))
    new = make.answer(question, make.user("late"))
    removed_author = make.user()
    removed = make.answer(question, removed_author, body="An answer its author deletes again shortly after.")
    services.delete_answer(removed_author, removed, now=utcnow())
    hidden = make.answer(question, make.user("hiddenone"))
    db.session.execute(update(Answer).where(Answer.id == hidden.id).values(hidden_at=utcnow()))
    db.session.commit()
    services.accept_answer(asker, old, now=utcnow())
    feed, _ = fetch(client, f"/feeds/questions/{question.id}.atom")
    assert titles(feed) == ["Answer by late", "Answer by early (accepted)"]
    ids = [entry.find(f"{ATOM}id").text for entry in feed.findall(f"{ATOM}entry")]
    assert ids == [f"http://localhost/answers/{new.id}", f"http://localhost/answers/{old.id}"]
    assert feed.find(f"{ATOM}title").text.startswith(f"Answers to: {question.title}")


def test_an_unanswered_question_has_an_empty_but_valid_feed(client, make):
    question = make.question()
    feed, _ = fetch(client, f"/feeds/questions/{question.id}.atom")
    assert titles(feed) == []


def test_feeds_of_missing_or_deleted_questions_are_404(client, make):
    author = make.user()
    question = make.question(author)
    services.delete_question(author, question, now=utcnow())
    assert client.get(f"/feeds/questions/{question.id}.atom").status_code == 404
    assert client.get("/feeds/questions/999999.atom").status_code == 404


def test_hostile_text_still_makes_well_formed_feeds(client, make):
    """Control characters, markup and odd unicode in titles and bodies never break the XML.

    The naughty-string sample of tests/corpora.py: one in 8 of each of its 14 classes, at least 2 of each.
    """
    made = 0
    for text in corpora.naughty_sample():
        title = ("Feed check " + text.replace("\n", " "))[:150]
        try:
            question = services.ask_question(make.user(), title, "Body " + text + " padded to pass the rules.",
                                             ["x200"], now=utcnow())
        except Exception as error:  # noqa: BLE001 - refused input is not a feed entry
            assert getattr(error, "status", None) in (400, 409, 422, 429), error
            continue
        make.answer(question, body="Answer " + text + " padded to pass the length rules.")
        fetch(client, f"/feeds/questions/{question.id}.atom")
        made += 1
    assert made >= 30
    fetch(client, "/feeds/questions.atom")
    fetch(client, "/feeds/tags/x200.atom")
