"""Rules for what people type: text, titles, bodies, tags, comments. Shared by services, forms and the API."""
import re
import unicodedata

from app.exceptions import ValidationError

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
        raise ValidationError({field: "Must be text."}) from None


def _check_length(field, label, value, minimum, maximum):
    length = len(value)
    if length < minimum:
        raise ValidationError({field: f"{label} must be at least {minimum} characters (it is {length})."})
    if length > maximum:
        raise ValidationError({field: f"{label} must be at most {maximum:,} characters (it is {length:,})."})


def clean_title(value):
    """A question title: single line, 15-150 characters."""
    title = " ".join(_require_text("title", value).split())
    _check_length("title", "Title", title, TITLE_MIN, TITLE_MAX)
    return title


def clean_body(value, field="body", minimum=BODY_MIN):
    """A Markdown body: 20-30,000 characters of real content."""
    body = _require_text(field, value).strip("\n")
    if len(body.strip()) < minimum:
        raise ValidationError({field: f"Body must be at least {minimum} characters (it is {len(body.strip())})."})
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
        raise ValidationError({"tags": "Tags must be a list of words."})
    tags = []
    for name in (n.strip().lower() for n in names):
        if name and name not in tags:
            tags.append(name)
    if len(tags) < TAGS_MIN:
        raise ValidationError({"tags": "Add at least one tag, such as the product the question is about."})
    if len(tags) > TAGS_MAX:
        raise ValidationError({"tags": f"Use at most {TAGS_MAX} tags (you gave {len(tags)})."})
    for name in tags:
        if len(name) > TAG_MAX_LENGTH or not TAG_PATTERN.match(name):
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise ValidationError(
                {"tags": f"“{shown}” is not a valid tag: use lowercase letters, digits and single hyphens, "
                         f"at most {TAG_MAX_LENGTH} characters."}
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
