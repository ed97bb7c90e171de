"""Rules for what people type: text, titles, bodies, tags, comments. Shared by services, forms and the API."""
import re
import unicodedata

from flask_babel import get_locale
from flask_babel import gettext as _

from app.exceptions import ValidationError
from app.formatting import number

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL

TITLE_MIN, TITLE_MAX = 15, 150
BODY_MIN, BODY_MAX = 20, 30000
ANSWER_MIN = 20
COMMENT_MIN, COMMENT_MAX = 2, 600
TAGS_MIN, TAGS_MAX, TAG_MAX_LENGTH = 1, 5, 35
TAG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Control characters (NUL among them) are never meaningful in a post; tabs and newlines are.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def positive_int(value, maximum=MAX_ID):
    """An ASCII decimal string such as a page or an id, as an int in 1..maximum, else None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(maximum)):
        number = int(value)
        return number if 0 < number <= maximum else None
    return None


def clean_text(value):
    """Normalise text input: a string, NFC, no control characters, Unix newlines."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("text expected")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL_CHARS.sub("", value))


def _require_text(field, value):
    try:
        return clean_text(value)
    except TypeError:
        raise ValidationError({field: _("Must be text.")}) from None


def _count(value):
    """A character count with the reader's digit grouping: 30,000 in English, 30 000 in French."""
    return number(value, get_locale() or "en")


def _too_short(label, minimum, length):
    # One whole sentence per kind of text: word order and agreement differ between languages.
    counts = {"minimum": _count(minimum), "length": _count(length)}
    if label == "Title":
        return _("Title must be at least %(minimum)s characters (it is %(length)s).", **counts)
    if label == "Comment":
        return _("Comment must be at least %(minimum)s characters (it is %(length)s).", **counts)
    return _("Body must be at least %(minimum)s characters (it is %(length)s).", **counts)


def _too_long(label, maximum, length):
    counts = {"maximum": _count(maximum), "length": _count(length)}
    if label == "Title":
        return _("Title must be at most %(maximum)s characters (it is %(length)s).", **counts)
    if label == "Comment":
        return _("Comment must be at most %(maximum)s characters (it is %(length)s).", **counts)
    return _("Body must be at most %(maximum)s characters (it is %(length)s).", **counts)


def _check_length(field, label, value, minimum, maximum):
    length = len(value)
    if length < minimum:
        raise ValidationError({field: _too_short(label, minimum, length)})
    if length > maximum:
        raise ValidationError({field: _too_long(label, maximum, length)})


def clean_title(value):
    """A question title: single line, 15-150 characters."""
    title = " ".join(_require_text("title", value).split())
    _check_length("title", "Title", title, TITLE_MIN, TITLE_MAX)
    return title


def clean_body(value, field="body", minimum=BODY_MIN):
    """A Markdown body: 20-30,000 characters of real content."""
    body = _require_text(field, value).strip("\n")
    if len(body.strip()) < minimum:
        raise ValidationError({field: _too_short("Body", minimum, len(body.strip()))})
    _check_length(field, "Body", body, minimum, BODY_MAX)
    return body


def clean_comment(value):
    """A comment: inline Markdown, 2-600 characters on one or a few lines (blank ones are refused)."""
    text = _require_text("body", value).strip()
    _check_length("body", "Comment", text, COMMENT_MIN, COMMENT_MAX)
    return text


def clean_tags(value):
    """Tags from a list or a space/comma separated string: 1-5, lowercase, unique, in order."""
    if isinstance(value, str):
        names = re.split(r"[\s,]+", clean_text(value))
    elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        names = [clean_text(item).strip() for item in value]
    else:
        raise ValidationError({"tags": _("Tags must be a list of words.")})
    tags = []
    for name in (n.strip().lower() for n in names):
        if name and name not in tags:
            tags.append(name)
    if len(tags) < TAGS_MIN:
        raise ValidationError({"tags": _("Add at least one tag, such as the product the question is about.")})
    if len(tags) > TAGS_MAX:
        raise ValidationError({"tags": _("Use at most %(maximum)d tags (you gave %(count)d).", maximum=TAGS_MAX,
                                         count=len(tags))})
    for name in tags:
        if len(name) > TAG_MAX_LENGTH or not TAG_PATTERN.match(name):
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise ValidationError(
                {"tags": _("“%(tag)s” is not a valid tag: use lowercase letters, digits and single hyphens, "
                           "at most %(maximum)d characters.", tag=shown, maximum=TAG_MAX_LENGTH)}
            )
    return tags


def clean_all(checks):
    """Run {field: (clean, value)} checks, returning cleaned values or raising every field error at once."""
    cleaned, errors = {}, {}
    for name, (clean, value) in checks.items():
        try:
            cleaned[name] = clean(value)
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return cleaned
