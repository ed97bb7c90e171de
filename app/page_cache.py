"""A small in-process cache of rendered pages: visitors' pages, and members' thread pages minus what is theirs."""
import functools
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import Response, current_app, g, render_template, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import column, exists, func, select, table

from app import permissions
from app.audit import AuditEntry
from app.badges import BadgeAward
from app.extensions import db
from app.http_caching import cache_for
from app.i18n import visitor_variant
from app.models import Comment, SearchChange, User
from app.reputation import ReputationEvent

# How long a page is kept when it was rendered while some write transaction was still open (PostgreSQL
# hands out ids before commit, so a committed id above the heads would not move them when that one lands).
UNSETTLED_SECONDS = 1.0


class PageCache:
    """Least-recently-used pages, each kept at most `seconds`; one per worker process.

    Keys carry a version that moves with every change the page shows, so the time limit
    only bounds what no version tracks: ages ("5 min ago"), view counts, the reputations and names of a
    thread's authors (its version moves with the thread only), an account deleted (it logs nothing).
    """

    def __init__(self, seconds, size):
        self.seconds, self.size = seconds, size
        self._pages = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The cached page for `key`, if fresh."""
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or time.monotonic() > entry[0]:
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def put(self, key, page, seconds=None):
        """Keep a page (for `seconds`, at most the cache's limit), dropping the least recently used beyond the size."""
        seconds = self.seconds if seconds is None else min(seconds, self.seconds)
        with self._lock:
            self._pages[key] = (time.monotonic() + seconds, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


class LanguageShelf:
    """The pages of one language in the page cache: the view's keys, never another language's page.

    A visitor's language is what their Accept-Language negotiates among the shipped catalogs, or the
    community's default when it names none ("" here). The default itself is not in the key: an admin's change is
    audited, which moves the community version of every list, feed and profile at once, but a thread's page (keyed
    by its own version) may show the old default to header-less visitors for up to PAGE_CACHE_SECONDS.
    """

    def __init__(self, cache, variant):
        self.cache, self.variant = cache, variant

    def get(self, key):
        """The cached page for `key` in this language, if fresh."""
        return self.cache.get((self.variant, key))

    def put(self, key, page, seconds=None):
        """Keep a page rendered in this language."""
        self.cache.put((self.variant, key), page, seconds)


def _cache():
    """This worker's page cache, made on first use; None when the cache is off."""
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    if not seconds:
        return None
    caches = current_app.extensions
    if "peerdesk_page_cache" not in caches:
        caches["peerdesk_page_cache"] = PageCache(seconds, current_app.config["PAGE_CACHE_SIZE"])
    return caches["peerdesk_page_cache"]


def for_visitors():
    """The page cache's shelf of this request's language, if it may use it (a visitor, nothing pending); else None."""
    cache = _cache()
    if cache is None or current_user.is_authenticated or "_flashes" in session:
        return None
    return LanguageShelf(cache, visitor_variant())


# Members' pages ----------------------------------------------------------------------------------
#
# A member's thread page is the same for every member who stands in the same relation to the thread (the
# posts they wrote, their votes, what they follow, what they may do), but for two personal pieces: the
# session's form token and the header's own links (name, reputation, unread counts). A page is kept with
# those two cut out, under a key of that relation (`member_facts`), and put back together for each reader.
# Staff, suspended members and a member with a message pending always get a fresh page (and the thread's asker:
# see questions/routes.py).

# Stand-ins for the personal pieces in a kept page: random per process, so no post can contain one.
_TOKEN_HOLE = f"pd-token-{secrets.token_hex(16)}"
_NAV_HOLE = f"<!--pd-account-nav-{secrets.token_hex(16)}-->"


def for_members(now):
    """The page cache's shelf for this member's language and time zone, if their pages may be kept at `now`."""
    cache = _cache()
    if (cache is None or not current_user.is_authenticated or "_flashes" in session
            or permissions.is_staff(current_user) or permissions.is_suspended(current_user, now=now)):
        return None
    return LanguageShelf(cache, ("member", str(get_locale()), str(get_timezone())))


def add_member_facts(app, provider):
    """Put `provider(member, question_id, now=)` (something hashable) in the key of every kept member thread page."""
    app.extensions.setdefault("peerdesk_member_facts", []).append(provider)


def member_facts(question_id, now):
    """What a member's page of this thread depends on at `now` beyond the thread: every feature's facts about them."""
    return tuple(provider(current_user, question_id, now=now)
                 for provider in current_app.extensions.get("peerdesk_member_facts", ()))


def account_nav():
    """The signed-in member's header links (template global), noted so a kept page can leave them out."""
    g.account_nav = Markup(render_template("_partials/account_nav.html"))  # noqa: S704 - a template, autoescaped
    return g.account_nav


def without_personal(page):
    """`page` with the member's form token and header links cut out, to keep; None if they cannot be found once."""
    nav, token = g.get("account_nav"), g.get("csrf_token")
    if not nav or page.count(nav) != 1:
        return None
    page = page.replace(nav, _NAV_HOLE)
    return page.replace(token, _TOKEN_HOLE) if token else page


def with_personal(kept):
    """A kept member page with this member's form token and header links put in."""
    return kept.replace(_TOKEN_HOLE, generate_csrf()).replace(_NAV_HOLE, account_nav())


# Community-wide pages ----------------------------------------------------------------------

# Logs whose newest id moves with every change a list, profile, feed or sitemap shows: the search change log
# (ask, edit, answer, accept, vote, hide, delete, close, merge), comments (a thread's activity time orders the
# "active" tab), the audit log (moderators' actions, roles behind staff badges, the brand's settings),
# reputation and badges (profiles, the member list) and members (the member list). A max over a primary key
# is one index lookup on SQLite and PostgreSQL alike, whatever the size of the table.
_HEADS = (SearchChange.id, Comment.id, AuditEntry.id, ReputationEvent.id, BadgeAward.id, User.id)
_ACTIVITY = table("pg_stat_activity", column("datname"), column("backend_xid"), column("pid"))


@dataclass(frozen=True)
class CommunityVersion:
    """The heads of the logs read in one statement, and whether no write was in flight below them."""

    heads: tuple
    settled: bool


def community_version():
    """What every community-wide page is keyed by, read from the database so another host's change shows at once."""
    columns = [select(func.max(head)).scalar_subquery() for head in _HEADS]
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # No other session of this database in a write transaction: every id below the heads has landed or
        # never will. (Sessions of the app's own role are all visible; the server's snapshot cannot say it, as
        # a transaction newer than the last one completed is not in its list.) SQLite has one writer at a time,
        # so its ids land in order.
        columns.append(~exists().where(_ACTIVITY.c.datname == func.current_database(),
                                       _ACTIVITY.c.backend_xid.is_not(None), _ACTIVITY.c.pid != func.pg_backend_pid()))
    row = tuple(db.session.execute(select(*columns)).one())
    return CommunityVersion(heads=row[:len(_HEADS)], settled=row[-1] if postgresql else True)


@dataclass(frozen=True)
class _Kept:
    """A rendered public response, with what it told HTTP caching, to serve again as it was."""

    body: str
    mimetype: str | None  # None: the view returned the page as text (HTML)
    cache_seconds: int | None
    last_modified: datetime | None


def _keepable(result):
    """A _Kept of a view's result when it is a plain 200 page, else None."""
    if isinstance(result, str):
        body, mimetype = result, None
    elif isinstance(result, Response) and result.status_code == 200 and not result.is_streamed:
        body, mimetype = result.get_data(as_text=True), result.mimetype
    else:  # a redirect, an error page, a status of its own
        return None
    return _Kept(body, mimetype, g.get("cache_seconds"), g.get("last_modified"))


def _serve(kept):
    if kept.cache_seconds is not None or kept.last_modified is not None:
        cache_for(kept.cache_seconds, last_modified=kept.last_modified)
    return kept.body if kept.mimetype is None else Response(kept.body, mimetype=kept.mimetype)


def remember(also, produce, keep=lambda value: value):
    """`produce()`'s value for this URL, from the page cache for visitors, keyed by the community's version and `also`.

    `keep` turns the value into what may be kept (None: this one may not); a member, or a visitor with a
    pending message, always gets a fresh value, as does everyone when the cache is off.
    """
    shelf = for_visitors()
    if shelf is None:
        return produce()
    version = community_version()
    key = (request.endpoint, request.full_path, version.heads, also)
    kept = shelf.get(key)
    if kept is None:
        value = produce()
        # Something put in this visitor's session (a form's token) makes the page theirs alone.
        kept = None if session.modified else keep(value)
        if kept is None:
            return value
        shelf.put(key, kept, None if version.settled else UNSETTLED_SECONDS)
    return kept


def public_page(view):
    """Decorate a view whose page is the same for every visitor: served from the page cache (see `remember`)."""
    @functools.wraps(view)
    def cached_view(*args, **kwargs):
        result = remember(None, lambda: view(*args, **kwargs), keep=_keepable)
        return _serve(result) if isinstance(result, _Kept) else result
    return cached_view
