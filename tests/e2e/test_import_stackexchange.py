"""A community brought in from Stack Exchange reads, searches and behaves like one grown here."""
import re
import uuid
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _write(folder, name, root, rows):
    element = ET.Element(root)
    for row in rows:
        ET.SubElement(element, "row", {key: str(value) for key, value in row.items()})
    ET.ElementTree(element).write(folder / name, encoding="utf-8", xml_declaration=True)


def test_a_visitor_finds_and_reads_an_imported_thread_and_its_members_cannot_sign_in(page, live_server, tmp_path):
    token = uuid.uuid4().hex[:8]
    word = f"quokka{token}"
    folder = tmp_path / f"journey{token}.stackexchange.com"
    folder.mkdir()
    _write(folder, "Users.xml", "users", [
        {"Id": 1, "DisplayName": f"Asker {token}", "CreationDate": "2013-05-01T00:00:00"},
        {"Id": 2, "DisplayName": f"Helper {token}", "CreationDate": "2013-05-01T00:00:00"}])
    _write(folder, "Posts.xml", "posts", [
        {"Id": 10, "PostTypeId": 1, "CreationDate": "2014-02-03T04:05:06.789", "Score": 42, "ViewCount": 9876,
         "OwnerUserId": 1, "Title": f"Why does my {word} speaker hum when charging?", "Tags": "<aurora><power>",
         "AcceptedAnswerId": 11,
         "Body": f"<p>The <strong>{word}</strong> hums.</p><script>document.title='pwned'</script>"},
        {"Id": 11, "PostTypeId": 2, "ParentId": 10, "CreationDate": "2014-02-04T00:00:00", "Score": 17,
         "OwnerUserId": 2, "Body": "<p>Use the original charger:</p><pre><code>settings &gt; power\n</code></pre>"},
        {"Id": 12, "PostTypeId": 1, "CreationDate": "2014-03-01T00:00:00", "OwnerUserId": 2,
         "Title": f"Humming {word} speaker while it charges", "Tags": "<aurora>", "Body": "<p>Same here.</p>"}])
    _write(folder, "PostLinks.xml", "postlinks", [
        {"Id": 1, "CreationDate": "2014-03-02T00:00:00", "PostId": 12, "RelatedPostId": 10, "LinkTypeId": 3}])

    result = live_server.app.test_cli_runner().invoke(args=["import", "stackexchange", str(folder)])
    assert result.exit_code == 0, result.output
    assert "questions: 2 created" in result.output

    page.goto(f"/search?q={word}")
    page.get_by_role("link", name=f"Why does my {word} speaker hum when charging?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Why does my {word} speaker hum when charging?")
    expect(page.locator(".accepted-label")).to_be_visible()
    expect(page.locator("pre code")).to_have_text("settings > power")
    expect(page.get_by_role("link", name="aurora").first).to_be_visible()
    assert page.title() != "pwned"
    scores = page.locator(".score")  # a visitor's page: the scores beside "Sign in to vote"
    expect(scores.first).to_have_text(re.compile(r"^42\b"))
    expect(scores.nth(1)).to_have_text(re.compile(r"^17\b"))
    expect(page.get_by_text(re.compile(r"Viewed 9,87[67] times"))).to_be_visible()  # this visit may count

    # The duplicate leads to the original.
    page.goto(f"/search?q=humming+{word}")
    expect(page.get_by_role("link", name=f"Why does my {word} speaker hum when charging?")).to_be_visible()

    # An imported member has no password until one is set through a reset.
    page.goto("/sign-in")
    page.locator("input[name=login]").fill(f"Asker-{token}")
    page.locator("input[name=password]").fill("any password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That username or email and password do not match an account.", exact=True)).to_be_visible()
