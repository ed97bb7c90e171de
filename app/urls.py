"""The public addresses of questions, answers and members, and absolute URLs without a request, built in one place.

Views, templates (as globals), the API, feeds, sitemaps, structured data, emails and webhooks
all ask here, so a change of URL scheme is one edit. `external` chooses the form:
False, a path; True, an absolute URL on the current request's host (SITE_URL without a request);
"site", an absolute URL on SITE_URL always, for links that leave the site (emails).
"""
import os
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from app.formatting import slugify

DEFAULT_SITE_URL = "http://127.0.0.1:5000"


def site_url():
    """The public base URL of the site (SITE_URL, from the config or the environment), without a trailing slash."""
    value = current_app.config.get("SITE_URL") or os.environ.get("SITE_URL") or DEFAULT_SITE_URL
    return str(value).rstrip("/")


def site_url_for(endpoint, _anchor=None, **values):
    """An absolute URL on SITE_URL, built without a request (workers, sweeps and emails have none)."""
    parts = urlsplit(site_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{_anchor}" if _anchor else url


def link(endpoint, external=False, **values):
    """url_for with the `external` forms of this module."""
    if external == "site" or (external and not has_request_context()):
        return site_url_for(endpoint, **values)
    return url_for(endpoint, _external=bool(external), **values)


def question_url(question, external=False, **values):
    """The canonical URL of a question page (with its slug); other keywords go to url_for (_anchor, page)."""
    external = values.pop("_external", external)
    return link("questions.show", external, question_id=question.id, slug=slugify(question.title), **values)


def answer_url(answer, external=False):
    """The question page, scrolled to the answer."""
    return question_url(answer.question, external=external, _anchor=f"answer-{answer.id}")


def member_url(user, external=False):
    """The canonical URL of a member's profile (with its slug)."""
    return link("users.profile", external, user_id=user.id, slug=slugify(user.username))


TEMPLATE_GLOBALS = {"question_url": question_url, "answer_url": answer_url, "member_url": member_url}
