"""/sitemap.xml (an index and pages of at most SITEMAP_PAGE_SIZE URLs) and /robots.txt."""
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import Question
from app.questions import services
from app.seo import routes

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)  # noqa: S314 - our own output, parsed to check it


def all_question_urls(client):
    """Every <loc> of every question file listed by the index, with its lastmod."""
    index = fetch(client, "/sitemap.xml")
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    urls = {}
    for sitemap in index.findall("sm:sitemap", NS):
        loc = sitemap.find("sm:loc", NS).text
        path = loc.removeprefix("http://localhost")
        urlset = fetch(client, path)
        assert urlset.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        assert len(urlset) <= routes.SITEMAP_PAGE_SIZE
        if "questions" in path:
            for url in urlset.findall("sm:url", NS):
                urls[url.find("sm:loc", NS).text] = url.find("sm:lastmod", NS).text
    return urls


def page_url(question):
    return f"http://localhost/questions/{question.id}/{slugify(question.title)}"


def test_the_index_splits_questions_into_pages_with_lastmod(client, make, monkeypatch):
    monkeypatch.setattr(routes, "SITEMAP_PAGE_SIZE", 2)
    questions = [make.question() for _ in range(5)]
    long_ago = utcnow() - timedelta(days=400)
    db.session.execute(update(Question).where(Question.id == questions[0].id).values(last_activity_at=long_ago))
    db.session.commit()
    index = fetch(client, "/sitemap.xml")
    locs = [s.find("sm:loc", NS).text for s in index.findall("sm:sitemap", NS)]
    assert locs == ["http://localhost/sitemap-pages.xml"] + [
        f"http://localhost/sitemap-questions-{n}.xml" for n in (1, 2, 3)]
    first_file = index.findall("sm:sitemap", NS)[1]
    assert first_file.find("sm:lastmod", NS).text.endswith("Z")
    urls = all_question_urls(client)
    assert set(urls) == {page_url(q) for q in questions}
    assert urls[page_url(questions[0])] == long_ago.replace(microsecond=0).isoformat() + "Z"
    assert client.get("/sitemap-questions-4.xml").status_code == 404
    assert client.get("/sitemap-questions-0.xml").status_code == 404


def test_an_empty_site_still_has_a_valid_index(client):
    index = fetch(client, "/sitemap.xml")
    assert len(index.findall("sm:sitemap", NS)) == 2
    assert fetch(client, "/sitemap-questions-1.xml").findall("sm:url", NS) == []


def test_the_pages_file_lists_the_home_page_and_tags_in_use(client, make):
    make.question(tags=["x200", "charging"])
    urlset = fetch(client, "/sitemap-pages.xml")
    locs = [u.find("sm:loc", NS).text for u in urlset.findall("sm:url", NS)]
    assert locs == ["http://localhost/questions", "http://localhost/tags", "http://localhost/tags/charging",
                    "http://localhost/tags/x200"]


def test_deleted_hidden_and_duplicate_questions_stay_out(client, make):
    moderator = make.user(role="moderator")
    author = make.user()
    kept = make.question()
    deleted = make.question(author)
    services.delete_question(author, deleted, now=utcnow())
    duplicate = make.question()
    services.close_question(moderator, duplicate, "duplicate", duplicate_of_id=kept.id, now=utcnow())
    off_topic = make.question()
    services.close_question(moderator, off_topic, "off-topic", now=utcnow())
    hidden = make.question()
    db.session.execute(update(Question).where(Question.id == hidden.id).values(hidden_at=utcnow(),
                                                                              hidden_reason="moderator"))
    db.session.commit()
    assert set(all_question_urls(client)) == {page_url(kept), page_url(off_topic)}


def test_robots_keeps_crawlers_out_of_private_paths_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    assert {"/staff/", "/admin/", "/account", "/api/", "/moderation"} <= disallowed
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "public" in response.headers["Cache-Control"]


def test_every_staff_admin_and_account_page_is_disallowed(app):
    """Robots.txt keeps up with the app: no staff, admin, account or API route escapes the Disallow lines."""
    private = [rule.rule for rule in app.url_map.iter_rules()
               if rule.rule.startswith(("/staff", "/admin", "/account", "/api", "/moderation", "/notifications",
                                        "/email", "/password-reset", "/flags", "/sign-in", "/register"))]
    assert private
    for rule in private:
        assert any(rule.startswith(prefix) for prefix in routes.DISALLOWED_PATHS), rule
