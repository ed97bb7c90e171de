"""Keeping spam out before anyone sees it: holds for review, forbidden phrases and new members' posting limits.

Staff are never held or limited; a post with any link from a member whose email is not verified is
held. A held post is saved hidden (hidden_reason "held" or "phrase") with a review item, so it waits
in the moderation queue, visible only to its author and moderators, until a moderator approves or
rejects it.
"""
import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from bleach.linkifier import TLDS
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app import permissions, settings
from app.exceptions import DomainError, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Answer, Comment, Question, Tag, question_tags
from app.moderation.models import ReviewItem

HOLD_FIRST_POSTS = settings.define(
    "HOLD_FIRST_POSTS", int, 0,
    _l("Hold this many of a member's first posts (questions, answers, comments) for approval; 0 holds none"),
    minimum=0, maximum=20, label=_l("First posts held for approval"))
HOLD_LINKS_OVER = settings.define(
    "HOLD_LINKS_OVER", int, 2,
    _l("Hold posts with more than this many links, from members below the reputation threshold"), minimum=0,
    maximum=100, label=_l("Links a post may have before it is held"))
HOLD_REPUTATION_BELOW = settings.define(
    "HOLD_REPUTATION_BELOW", int, 10, _l("Members below this reputation have link-heavy posts held"), minimum=0,
    label=_l("Reputation that lifts the link limit"))
FORBIDDEN_PHRASES = settings.define(
    "FORBIDDEN_PHRASES", list, [],
    _l("Phrases (one per line, any case) that hold a post for review, or reject it (see “Reject posts with a "
       "forbidden phrase”)"),
    label=_l("Forbidden phrases"))
FORBIDDEN_PHRASES_REJECT = settings.define(
    "FORBIDDEN_PHRASES_REJECT", bool, False,
    _l("Reject posts containing a forbidden phrase outright instead of holding them for review"),
    label=_l("Reject posts with a forbidden phrase"))
NEW_MEMBER_DAYS = settings.define(
    "NEW_MEMBER_DAYS", int, 3, _l("A member counts as new for this many days after joining"), minimum=0,
    maximum=365, label=_l("Days a member counts as new"))
NEW_MEMBER_QUESTIONS_PER_HOUR = settings.define(
    "NEW_MEMBER_QUESTIONS_PER_HOUR", int, 3, _l("Questions a new member may ask per hour"), minimum=1,
    label=_l("Questions per hour for new members"))
NEW_MEMBER_ANSWERS_PER_HOUR = settings.define(
    "NEW_MEMBER_ANSWERS_PER_HOUR", int, 10, _l("Answers a new member may post per hour"), minimum=1,
    label=_l("Answers per hour for new members"))

# Set while trusted code loads content in bulk (the demo community, an import): no holds, no limits.
_trusted_load = ContextVar("trusted_load", default=False)

# An address with a scheme, a protocol-relative "//host" (rendered as a link too) or "www." is a link whatever its
# host. Markdown, HTML and autolinks need no pattern of their own: their address is found inside them.
_ADDRESS_WITH_SCHEME = re.compile(
    r"(?i)(?:\bhttps?://|(?<![\w:/])//(?=[\w-]++\.[\w-])|\bwww\.)[^\s<>()\[\]{}\"'`]++")
# A bare "example.com/free": only a top-level domain that bleach's linkify knows, and a path or query, make one,
# since "holds.py", "node.js" or a lone "example.com" are more often files and names. That list predates the
# newer domains (".xyz", ".shop"): "spam.xyz/free" is missed bare, though "https://spam.xyz/free" is counted.
# bleach's own URL_RE is not used as is: it backtracks quadratically on "((((" or "a-a-a-" runs, which in a post
# of 30,000 characters cost it seconds to tens of seconds. Here a match starts only where a run of name characters
# starts, and every repeat is possessive or bounded by a literal, so the scan stays linear.
_BARE_ADDRESS = re.compile(
    r"(?i)(?<![\w.@/-])(?:[\w-]++\.)+(?:" + "|".join(sorted(TLDS, key=len, reverse=True)) + r")"
    r"(?::\d++)?(?:/|\?(?=\w))[^\s<>()\[\]{}\"'`|\\^]*+")  # a "?" that ends a question is no query
_SCHEME = re.compile(r"(?i)^(?:https?:)?//")
# Sentence punctuation and Markdown emphasis that follow an address are not part of it.
_ADDRESS_TRAILER = ".,;:!?*_~"
# Anything that is not a letter or a digit separates words when phrases are matched; underscores too.
_WORD_SEPARATORS = re.compile(r"[\W_]+")


class PostingLimitReached(DomainError):
    """A member posted as much as their limit allows for now."""

    status = 429
    code = "too_many_requests"


@dataclass(frozen=True)
class Hold:
    """A post must wait for review: the hidden_reason code and the explanation for moderators.

    `why` is stored with the review item, so it is written in the community's language (see `_for_moderators`).
    """

    code: str
    why: str


@contextmanager
def trusted_load():
    """Inside this block, posts are neither held nor limited: for loaders whose content is already vetted."""
    token = _trusted_load.set(True)
    try:
        yield
    finally:
        _trusted_load.reset(token)


def is_trusted_load():
    """Whether trusted code is loading content in bulk right now (the demo, an import)."""
    return _trusted_load.get()


def refuse_if_suspended(user, *, now):
    """Raise PermissionDenied with the end date and reason when the user's suspension is running at `now`."""
    if permissions.is_suspended(user, now=now):
        raise PermissionDenied(permissions.suspension_message(user))


def is_new_member(user, *, now):
    """Joined less than NEW_MEMBER_DAYS before `now` (staff never count as new)."""
    if user.is_staff:
        return False
    return user.created_at > now - timedelta(days=settings.get(NEW_MEMBER_DAYS))


def check_posting_limit(user, kind, *, now):
    """Refuse a new member's question or answer beyond the hourly limit at `now` (429 with a clear message)."""
    if _trusted_load.get() or kind not in ("question", "answer") or not is_new_member(user, now=now):
        return
    if kind == "question":
        model, name = Question, NEW_MEMBER_QUESTIONS_PER_HOUR
    else:
        model, name = Answer, NEW_MEMBER_ANSWERS_PER_HOUR
    limit = settings.get(name)
    recent = db.session.scalar(select(func.count()).select_from(model)
                               .where(model.author_id == user.id, model.created_at > now - timedelta(hours=1)))
    if recent >= limit:
        if kind == "question":
            message = ngettext("New members may post %(num)d question per hour. Please wait a little: the limit "
                               "lifts as you spend more time in the community.",
                               "New members may post %(num)d questions per hour. Please wait a little: the limit "
                               "lifts as you spend more time in the community.", limit)
        else:
            message = ngettext("New members may post %(num)d answer per hour. Please wait a little: the limit "
                               "lifts as you spend more time in the community.",
                               "New members may post %(num)d answers per hour. Please wait a little: the limit "
                               "lifts as you spend more time in the community.", limit)
        raise PostingLimitReached(message)


def _address_key(address):
    """One spelling per address: without its scheme or trailing punctuation, in lower case."""
    return _SCHEME.sub("", address.rstrip(_ADDRESS_TRAILER)).lower()


def link_count(text):
    """Distinct web addresses in a post's source: Markdown, HTML and autolinks, bare URLs and bare domain/paths."""
    # Distinct, as the rule always counted: a Markdown link whose text is its own URL, or one address repeated,
    # is one link for a reader, and "more than N links" means N different places a post sends them.
    text = text or ""
    addresses = {_address_key(match.group()) for match in _ADDRESS_WITH_SCHEME.finditer(text)}
    # Blanked out first, so the host or path of an address already counted is not counted again as a bare one.
    rest = _ADDRESS_WITH_SCHEME.sub(" ", text)
    addresses |= {_address_key(match.group()) for match in _BARE_ADDRESS.finditer(rest)}
    return len(addresses)


def _words(text):
    """Text reduced to its words for phrase matching: NFKC, casefolded, invisible characters dropped, one space."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    # A soft hyphen or zero-width space shows as nothing, so "give\u00adaway" reads, and must match, as "giveaway".
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    return _WORD_SEPARATORS.sub(" ", visible).strip()


def forbidden_phrase(text):
    """The first forbidden phrase the text contains as whole words (any case, spacing or punctuation), or None."""
    # Padded with spaces, so a phrase matches whole words only: "crypto giveaway" is in "crypto-giveaway!" but
    # not in "cryptogiveawayz", and a short phrase does not catch the longer words that contain it.
    words = f" {_words(text)} "
    for phrase in settings.get(FORBIDDEN_PHRASES):
        wanted = _words(phrase)
        if wanted and f" {wanted} " in words:  # a phrase of punctuation alone would match every post
            return phrase
    return None


def _phrase_hold(text, field):
    """Reject the post (ValidationError) or hold it, when it contains a forbidden phrase."""
    phrase = forbidden_phrase(text)
    if phrase is None:
        return None
    if settings.get(FORBIDDEN_PHRASES_REJECT):
        raise ValidationError({field: _("This post contains wording the community does not allow. "
                                        "Please rephrase it.")})
    with _for_moderators():
        return Hold("phrase", _("contains the forbidden phrase “%(phrase)s”", phrase=phrase))


@contextmanager
def _for_moderators():
    """Text stored for moderators (a hold's reason) is written in the community's language, not the author's."""
    from app.i18n import community_locale
    with force_locale(community_locale()):
        yield


def _post_count(user):
    """Every post the member ever made, deleted ones included."""
    return db.session.scalar(select(
        select(func.count()).where(Question.author_id == user.id).scalar_subquery()
        + select(func.count()).select_from(Answer).where(Answer.author_id == user.id).scalar_subquery()
        + select(func.count()).select_from(Comment).where(Comment.author_id == user.id).scalar_subquery()))


def screen(author, text, field="body", new_post=True):
    """Whether a post must wait for review (a Hold) or not (None); raises ValidationError to reject it.

    Call before saving: the member's own post count must not include the post itself.
    """
    if author.is_staff or _trusted_load.get():
        return None
    hold = _phrase_hold(text, field)
    if hold is not None:
        return hold
    first = settings.get(HOLD_FIRST_POSTS)
    if new_post and first and _post_count(author) < first:
        with _for_moderators():
            return Hold("held", ngettext("one of the member's first %(num)d post",
                                         "one of the member's first %(num)d posts", first))
    links, most = link_count(text), settings.get(HOLD_LINKS_OVER)
    # A link from an address nobody has confirmed is how throwaway spam accounts work: one is enough to wait.
    if links and not permissions.is_email_verified(author):
        with _for_moderators():
            return Hold("held", ngettext("%(num)d link from a member whose email is not verified",
                                         "%(num)d links from a member whose email is not verified", links))
    if links > most and author.reputation < settings.get(HOLD_REPUTATION_BELOW):
        with _for_moderators():
            return Hold("held", ngettext("%(num)d link from a member with reputation %(reputation)d",
                                         "%(num)d links from a member with reputation %(reputation)d", links,
                                         reputation=author.reputation))
    return None


def move_counts(post, step):
    """Keep tag question counts and answer counts to visible posts when a post is hidden (-1) or shown (+1)."""
    if post.deleted_at is not None:
        return
    if isinstance(post, Question):
        tag_ids = select(question_tags.c.tag_id).where(question_tags.c.question_id == post.id)
        db.session.execute(update(Tag).where(Tag.id.in_(tag_ids)).values(question_count=Tag.question_count + step))
    elif isinstance(post, Answer):
        db.session.execute(update(Question).where(Question.id == post.question_id)
                           .values(answer_count=Question.answer_count + step))


def hold(post, post_type, question_id, verdict, *, now, counted=False):
    """Hide a saved post pending review and put it in the moderation queue; returns the review item.

    `counted` says the post was visible and counted (an edit), so the counts must drop; a new
    post is held before it is ever counted.
    """
    if counted and post.hidden_at is None:
        move_counts(post, -1)
    post.hidden_at, post.hidden_reason = now, verdict.code
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == post_type,
                                                      ReviewItem.post_id == post.id,
                                                      ReviewItem.status == "pending"))
    if item is None:
        item = ReviewItem(post_type=post_type, post_id=post.id, question_id=question_id, author_id=post.author_id,
                          kind="held", created_at=now)
        db.session.add(item)
    item.hold_reason = verdict.why[:300]
    return item
