"""Sitemaps, robots.txt and Atom feeds: what search engines and feed readers fetch."""
import re

from flask import Response, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app import page_cache
from app.clock import request_now
from app.exceptions import NotFound
from app.extensions import db
from app.formatting import iso
from app.http_caching import cache_for
from app.models import Answer, Question, Tag
from app.seo import bp
from app.urls import question_url
from app.visibility import public

# At most 50,000 URLs per sitemap file (sitemaps.org); tests lower it to see the split.
SITEMAP_PAGE_SIZE = 50_000
FEED_LENGTH = 30
SITEMAP_SECONDS = 3600
FEED_SECONDS = 300

# Paths no crawler should spend time on: staff and admin pages, accounts, the API, forms.
DISALLOWED_PATHS = ("/staff/", "/admin/", "/moderation", "/care", "/account", "/notifications", "/flags/", "/api/",
                    "/sign-in", "/sign-out", "/register", "/password-reset", "/email/", "/questions/ask", "/search",
                    "/preview")

# Characters XML 1.0 forbids even escaped; hostile titles may carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xmlsafe(text):
    """Text with the characters XML cannot carry removed (the template escapes the rest)."""
    return _XML_INVALID.sub("", text or "")



def visible_questions():
    """Conditions for a question anyone may read: not deleted, not hidden or held by moderation."""
    return [public(Question)]


def visible_answers():
    """Conditions for an answer anyone may read."""
    return [public(Answer)]


def indexable_questions():
    """What search engines should index: visible questions that are not closed as duplicates."""
    return [*visible_questions(),
            (Question.close_reason.is_(None)) | (Question.close_reason != "duplicate")]


def _xml(template, **context):
    return Response(render_template(template, **context), mimetype="application/xml")


# Sitemaps --------------------------------------------------------------------------------


@bp.get("/sitemap.xml")
@page_cache.public_page
def sitemap_index():
    """The sitemap index: one file for the lists and tags, then question files of SITEMAP_PAGE_SIZE URLs."""
    # Each question's file by its place in id order, and each file's latest change: one statement at any size.
    numbered = (select(Question.last_activity_at,
                       ((func.row_number().over(order_by=Question.id) - 1) // SITEMAP_PAGE_SIZE).label("file"))
                .where(*indexable_questions()).subquery())
    latest = dict(db.session.execute(select(numbered.c.file, func.max(numbered.c.last_activity_at))
                                     .group_by(numbered.c.file)).all())
    files = [(url_for("seo.sitemap_pages", _external=True), None)]
    for number in range(1, max(1, len(latest)) + 1):
        files.append((url_for("seo.sitemap_questions", number=number, _external=True), iso(latest.get(number - 1))))
    cache_for(SITEMAP_SECONDS)
    return _xml("seo/sitemap_index.xml", files=files)


@bp.get("/sitemap-pages.xml")
@page_cache.public_page
def sitemap_pages():
    """The home list, the tag list and every tag in use."""
    latest = db.session.scalar(select(func.max(Question.last_activity_at)).where(*indexable_questions()))
    urls = [(url_for("questions.index", _external=True), iso(latest)),
            (url_for("questions.tags", _external=True), None)]
    tags = db.session.scalars(select(Tag.name).where(Tag.question_count > 0).order_by(Tag.name)
                              .limit(SITEMAP_PAGE_SIZE - len(urls)))
    urls += [(url_for("questions.tagged", name=name, _external=True), None) for name in tags]
    cache_for(SITEMAP_SECONDS)
    return _xml("seo/sitemap.xml", urls=urls)


@bp.get("/sitemap-questions-<int:number>.xml")
@page_cache.public_page
def sitemap_questions(number):
    """One file of question URLs in id order, each with the time its thread last changed."""
    if number < 1:
        raise NotFound(_("There is no such sitemap."))
    rows = db.session.execute(
        select(Question.id, Question.title, Question.last_activity_at, Question.edited_at)
        .where(*indexable_questions()).order_by(Question.id)
        .offset((number - 1) * SITEMAP_PAGE_SIZE).limit(SITEMAP_PAGE_SIZE)).all()
    if not rows and number > 1:
        raise NotFound(_("There is no such sitemap."))
    urls = [(question_url(row, external=True),
             iso(max(filter(None, (row.last_activity_at, row.edited_at))))) for row in rows]
    cache_for(SITEMAP_SECONDS)
    return _xml("seo/sitemap.xml", urls=urls)


@bp.get("/robots.txt")
def robots():
    """Crawl everything public; keep out of staff, account and API paths; here is the sitemap."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED_PATHS), "Allow: /", "",
             f"Sitemap: {url_for('seo.sitemap_index', _external=True)}", ""]
    cache_for(SITEMAP_SECONDS)
    return Response("\n".join(lines), mimetype="text/plain")


# Atom feeds ------------------------------------------------------------------------------


def _question_entries(query):
    questions = db.session.scalars(
        query.where(*visible_questions()).options(joinedload(Question.author), selectinload(Question.tags))
        .order_by(Question.created_at.desc(), Question.id.desc()).limit(FEED_LENGTH)).all()
    return [{
        "id": url_for("questions.show", question_id=q.id, _external=True),  # without the slug: a retitle keeps it
        "title": q.title,
        "link": question_url(q, external=True),
        "published": q.created_at,
        "updated": q.edited_at or q.created_at,
        "author": q.author.username,
        "categories": [tag.name for tag in q.tags],
        "content": q.body_html,
    } for q in questions]


def _feed(title, self_url, alternate_url, entries, subtitle=None, since=None):
    updated = max((entry["updated"] for entry in entries), default=since)
    cache_for(FEED_SECONDS, last_modified=updated)
    updated = updated or request_now()  # an empty feed still needs <updated>
    body = render_template("seo/feed.xml", title=title, subtitle=subtitle, self_url=self_url,
                           alternate_url=alternate_url, entries=entries, updated=updated)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/feeds/questions.atom")
@page_cache.public_page
def questions_feed():
    """The newest questions."""
    return _feed(_("Newest questions"), url_for("seo.questions_feed", _external=True),
                 url_for("questions.index", tab="newest", _external=True), _question_entries(select(Question)))


@bp.get("/feeds/tags/<name>.atom")
@page_cache.public_page
def tag_feed(name):
    """The newest questions carrying one tag."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name.lower()))
    if tag is None:
        raise NotFound(_("There is no such tag."))
    entries = _question_entries(select(Question).where(Question.tags.any(Tag.id == tag.id)))
    return _feed(_("Newest questions tagged %(tag)s", tag=tag.name),
                 url_for("seo.tag_feed", name=tag.name, _external=True),
                 url_for("questions.tagged", name=tag.name, _external=True), entries)


@bp.get("/feeds/questions/<id:question_id>.atom")
@page_cache.public_page
def question_feed(question_id):
    """New answers to one question, newest first."""
    question = db.session.scalar(select(Question).where(Question.id == question_id, *visible_questions()))
    if question is None:
        raise NotFound(_("That question does not exist."))
    answers = db.session.scalars(
        select(Answer).where(Answer.question_id == question.id, *visible_answers())
        .options(joinedload(Answer.author)).order_by(Answer.created_at.desc(), Answer.id.desc())
        .limit(FEED_LENGTH)).all()
    page_url = question_url(question, external=True)
    entries = [{
        "id": url_for("questions.answer_link", answer_id=answer.id, _external=True),
        "title": (_("Answer by %(name)s (accepted)", name=answer.author.username)
                  if answer.id == question.accepted_answer_id
                  else _("Answer by %(name)s", name=answer.author.username)),
        "link": f"{page_url}#answer-{answer.id}",
        "published": answer.created_at,
        "updated": answer.edited_at or answer.created_at,
        "author": answer.author.username,
        "categories": [],
        "content": answer.body_html,
    } for answer in answers]
    return _feed(_("Answers to: %(title)s", title=question.title),
                 url_for("seo.question_feed", question_id=question.id, _external=True),
                 page_url, entries, subtitle=_("New answers to the question “%(title)s”", title=question.title),
                 since=question.created_at)
