"""@username mentions in questions, answers and comments."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import User

# A mention is @ plus a username (see app.auth.services.USERNAME_PATTERN), not part of an
# email address or a longer word: "bob@example.com" mentions nobody.
MENTION = re.compile(r"(?<![\w@./-])@([A-Za-z0-9](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9])?)(?![\w@-])")
# Code shows text as typed: "@decorator" in a snippet is not a mention.
_FENCED = re.compile(r"^(```|~~~).*?(?:^\1[^\n]*$|\Z)", re.DOTALL | re.MULTILINE)
_INDENTED = re.compile(r"^(?: {4}|\t).*$", re.MULTILINE)
_INLINE = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.DOTALL)
# More than this many mentions in one post notifies nobody beyond the first ones (spam).
MAX_MENTIONS = 10


def find_mentions(text):
    """The usernames mentioned in `text`, outside code, in order of first appearance, case kept."""
    if not isinstance(text, str) or "@" not in text:
        return []
    for pattern in (_FENCED, _INDENTED, _INLINE):
        text = pattern.sub(" ", text)
    seen, names = set(), []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if len(name) >= 3 and name.lower() not in seen and ".." not in name:
            seen.add(name.lower())
            names.append(name)
    return names[:MAX_MENTIONS]


def mentioned_users(text):
    """The existing members mentioned in `text` (one query)."""
    names = [name.lower() for name in find_mentions(text)]
    if not names:
        return []
    return list(db.session.scalars(select(User).where(func.lower(User.username).in_(names)).order_by(User.id)))
