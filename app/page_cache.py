"""A small in-process cache of rendered pages for visitors, who are most of the audience."""
import threading
import time
from collections import OrderedDict

from flask import current_app, session
from flask_login import current_user

from app.i18n import visitor_variant


class PageCache:
    """Least-recently-used pages, each kept at most `seconds`; one per worker process.

    Keys carry a version that moves with every change the page shows, so the time limit
    only bounds what no version tracks: ages ("5 min ago"), view counts, reputations.
    """

    def __init__(self, seconds, size):
        self.seconds, self.size = seconds, size
        self._pages = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The cached page for `key`, if fresh."""
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or time.monotonic() - entry[0] > self.seconds:
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def put(self, key, page):
        """Keep a page, dropping the least recently used beyond the size."""
        with self._lock:
            self._pages[key] = (time.monotonic(), page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


class LanguageShelf:
    """The pages of one language in the page cache: the view's keys, never another language's page.

    A visitor's language is what their Accept-Language negotiates among the shipped catalogs, or the
    community's default when it names none ("" here): the default itself is not in the key, so for at most
    PAGE_CACHE_SECONDS after an admin changes it, header-less visitors may still get the old default's page.
    """

    def __init__(self, cache, variant):
        self.cache, self.variant = cache, variant

    def get(self, key):
        """The cached page for `key` in this language, if fresh."""
        return self.cache.get((self.variant, key))

    def put(self, key, page):
        """Keep a page rendered in this language."""
        self.cache.put((self.variant, key), page)


def for_visitors():
    """The page cache's shelf of this request's language, if it may use it (a visitor, nothing pending); else None."""
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    if not seconds or current_user.is_authenticated or "_flashes" in session:
        return None
    caches = current_app.extensions
    if "peerdesk_page_cache" not in caches:
        caches["peerdesk_page_cache"] = PageCache(seconds, current_app.config["PAGE_CACHE_SIZE"])
    return LanguageShelf(caches["peerdesk_page_cache"], visitor_variant())
