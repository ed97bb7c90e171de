"""The public addresses of questions, answers and members, built in one place.

Views, templates (as globals), the API, feeds, sitemaps and structured data all ask here, so a
change of URL scheme is one edit. `external=True` gives an absolute URL for the current request's
host; emails and webhooks sent without a request use SITE_URL (app/mail.py).
"""
from flask import url_for

from app.formatting import slugify


def question_url(question, external=False, **kwargs):
    """The canonical URL of a question page (with its slug); other keywords go to url_for (_anchor, page)."""
    kwargs.setdefault("_external", external)
    return url_for("questions.show", question_id=question.id, slug=slugify(question.title), **kwargs)


def answer_url(answer, external=False):
    """The question page, scrolled to the answer."""
    return question_url(answer.question, external=external, _anchor=f"answer-{answer.id}")


def member_url(user, external=False):
    """The canonical URL of a member's profile (with its slug)."""
    return url_for("users.profile", user_id=user.id, slug=slugify(user.username), _external=external)


TEMPLATE_GLOBALS = {"question_url": question_url, "answer_url": answer_url, "member_url": member_url}
