"""Question pages for search engines: QAPage JSON-LD, canonical URL, description, Open Graph and Twitter cards."""
import json
import re
from html.parser import HTMLParser

import pytest

from app.clock import utcnow
from app.formatting import slugify
from app.questions import services


class HeadParser(HTMLParser):
    """Collect <meta>, <link> and the JSON-LD scripts of a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.jsonld, self._in_jsonld = {}, [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld[-1] += data


def parse(page):
    parser = HeadParser()
    parser.feed(page)
    return parser


def url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def check_person(person):
    assert person["@type"] == "Person" and person["name"] and person["url"].startswith("http")


def check_answer(answer, page_url):
    """Google's QAPage guidelines: text is required; upvoteCount, url, dateCreated and author are recommended."""
    assert answer["@type"] == "Answer"
    assert isinstance(answer["text"], str) and answer["text"]
    assert isinstance(answer["upvoteCount"], int)
    assert answer["url"].startswith(page_url + "#answer-")
    assert ISO.match(answer["dateCreated"])
    check_person(answer["author"])


def qapage(client, question):
    page = client.get(url(question)).get_data(as_text=True)
    head = parse(page)
    assert len(head.jsonld) == 1
    return json.loads(head.jsonld[0]), head, page


def test_question_page_carries_a_valid_qapage(client, make):
    asker, voter = make.user("asker"), make.user("voter")
    question = make.question(asker, title="How do I update the firmware of the X200 case?",
                             body="The app says **update available** but the case never updates.")
    accepted = make.answer(question, body="Put both earbuds in the case and keep the lid open for a minute.")
    other = make.answer(question, body="Restarting the phone helped me when the update was stuck.")
    services.cast_vote(voter, accepted, 1, now=utcnow())
    services.cast_vote(voter, question, 1, now=utcnow())
    services.accept_answer(asker, accepted, now=utcnow())
    data, head, _ = qapage(client, question)
    assert data["@context"] == "https://schema.org" and data["@type"] == "QAPage"
    main = data["mainEntity"]
    page_url = "http://localhost" + url(question)
    assert main["@type"] == "Question" and main["name"] == question.title
    assert main["text"] == "The app says update available but the case never updates."
    assert main["answerCount"] == 2 and main["upvoteCount"] == 1
    assert ISO.match(main["dateCreated"]) and main["url"] == page_url
    check_person(main["author"])
    assert main["author"]["name"] == "asker"
    check_answer(main["acceptedAnswer"], page_url)
    assert main["acceptedAnswer"]["url"] == f"{page_url}#answer-{accepted.id}"
    assert main["acceptedAnswer"]["upvoteCount"] == 1
    assert [a["url"] for a in main["suggestedAnswer"]] == [f"{page_url}#answer-{other.id}"]
    for answer in main["suggestedAnswer"]:
        check_answer(answer, page_url)


def test_a_question_without_answers_still_describes_itself(client, make):
    question = make.question()
    main = qapage(client, question)[0]["mainEntity"]
    assert main["answerCount"] == 0 and "acceptedAnswer" not in main and "suggestedAnswer" not in main


def test_deleted_answers_are_not_in_the_structured_data(client, make):
    question = make.question()
    kept = make.answer(question)
    gone_author = make.user()
    gone = make.answer(question, gone_author, body="This answer will be deleted by its author soon.")
    services.delete_answer(gone_author, gone, now=utcnow())
    main = qapage(client, question)[0]["mainEntity"]
    assert main["answerCount"] == 1 and main["suggestedAnswer"][0]["url"].endswith(f"#answer-{kept.id}")


def test_canonical_description_open_graph_and_twitter_card(client, make):
    question = make.question(title="Why does the X200 case blink red three times?",
                             body="After charging overnight the case **blinks red** three times. " + "More. " * 60)
    _, head, _ = qapage(client, question)
    canonical = [link for link in head.links if link.get("rel") == "canonical"]
    assert canonical == [{"rel": "canonical", "href": "http://localhost" + url(question)}]
    description = head.meta["description"]
    assert description.startswith("After charging overnight the case blinks red") and len(description) <= 158
    assert head.meta["og:type"] == "article" and head.meta["og:title"] == question.title
    assert head.meta["og:url"] == "http://localhost" + url(question)
    assert head.meta["og:description"].startswith("After charging") and head.meta["og:site_name"]
    assert head.meta["twitter:card"] == "summary" and head.meta["twitter:title"] == question.title
    assert "robots" not in head.meta
    feeds = [link["href"] for link in head.links if link.get("type") == "application/atom+xml"]
    assert feeds == ["/feeds/questions.atom", f"/feeds/questions/{question.id}.atom"]


def test_a_closed_duplicate_is_not_indexed(client, make):
    moderator = make.user(role="moderator")
    original = make.question()
    duplicate = make.question()
    services.close_question(moderator, duplicate, "duplicate", duplicate_of_id=original.id, now=utcnow())
    head = parse(client.get(url(duplicate)).get_data(as_text=True))
    assert head.meta["robots"] == "noindex"
    assert "robots" not in parse(client.get(url(original)).get_data(as_text=True)).meta


def test_other_pages_have_default_social_tags_and_the_newest_feed(client, make):
    make.question(tags=["x200"])
    head = parse(client.get("/").get_data(as_text=True))
    assert head.meta["og:site_name"] and head.meta["og:title"] and head.meta["twitter:card"] == "summary"
    tag_head = parse(client.get("/tags/x200").get_data(as_text=True))
    feeds = [link["href"] for link in tag_head.links if link.get("type") == "application/atom+xml"]
    assert feeds == ["/feeds/questions.atom", "/feeds/tags/x200.atom"]


@pytest.fixture(scope="module")
def xss_payloads(testdata):
    return [item["payload"] for item in json.loads((testdata / "xss_payloads.json").read_text())]


def test_hostile_titles_and_bodies_cannot_break_out_of_the_json_ld(client, make, xss_payloads):
    """A title containing </script> or <!-- must stay inside the JSON string, and parse back unchanged."""
    chosen = [p for p in xss_payloads if "</script" in p.lower() or "<!--" in p or "\u2028" in p][:25]
    chosen += ["</script><script>alert(1)</script>", "</SCRIPT ><img src=x onerror=alert(1)>", "<!--<script>",
               "\u2028\u2029 line separators", "&lt;/script&gt; & \"quotes\" and 'apostrophes'"]
    checked = 0
    for payload in chosen:
        title = ("Help with " + payload.replace("\n", " "))[:150]
        if len(title.strip()) < 15:
            continue
        try:
            question = services.ask_question(make.user(), title, f"Body text: {payload} padded to length.", ["xss"],
                                             now=utcnow())
        except Exception as error:  # noqa: BLE001 - a payload the validation refuses is not a page to check
            assert getattr(error, "status", None) in (400, 409, 422, 429), error
            continue
        page = client.get(url(question)).get_data(as_text=True)
        start = page.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
        block = page[start:page.index("</script>", start)]
        assert "<" not in block and ">" not in block and "\u2028" not in block
        data = json.loads(block)
        assert data["mainEntity"]["name"] == question.title
        assert page.count("<script") == page.count("</script>")
        checked += 1
    assert checked >= 20
