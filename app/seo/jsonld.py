"""schema.org QAPage structured data for question pages, as Google's Q&A guidelines describe it."""
import json

from markupsafe import Markup

from app.formatting import iso
from app.urls import member_url, question_url

# Characters of a post's text: search engines need the gist, and every answer carries its url, which
# Google's Q&A guidelines ask for when the text is partial. Keeps long threads from doubling in weight.
TEXT_LIMIT = 1000


def _text(html):
    """A post's visible text (tags stripped, entities decoded, whitespace collapsed), bounded."""
    return Markup(html).striptags()[:TEXT_LIMIT]  # noqa: S704 - only read back as plain text, never output as HTML


def _person(user):
    return {"@type": "Person", "name": user.username,
            "url": member_url(user, external=True)}


def _answer(answer):
    return {
        "@type": "Answer",
        "text": _text(answer.body_html),
        "upvoteCount": answer.score,
        "url": question_url(answer.question, _anchor=f"answer-{answer.id}", _external=True),
        "dateCreated": iso(answer.created_at),
        "author": _person(answer.author),
    }


def qa_page(question, answers):
    """The QAPage object: the question, its accepted answer and the other (suggested) answers."""
    accepted = [a for a in answers if a.id == question.accepted_answer_id]
    suggested = [a for a in answers if a.id != question.accepted_answer_id]
    main = {
        "@type": "Question",
        "name": question.title,
        "text": _text(question.body_html) or question.title,
        "answerCount": len(answers),
        "upvoteCount": question.score,
        "dateCreated": iso(question.created_at),
        "author": _person(question.author),
        "url": question_url(question, _external=True),
    }
    if question.edited_at:
        main["dateModified"] = iso(question.edited_at)
    if accepted:
        main["acceptedAnswer"] = _answer(accepted[0])
    if suggested:
        main["suggestedAnswer"] = [_answer(a) for a in suggested]
    return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": main}


def script_json(data):
    """JSON safe inside <script>: no "<", ">", "&" or line separators that could end the element or the string."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)  # noqa: S704 - every character that could end the script is escaped above


def question_jsonld(thread):
    """Template helper: the QAPage JSON of a thread, ready for a <script type="application/ld+json">."""
    return script_json(qa_page(thread.question, thread.answers))
