"""Languages and time zones: the shipped catalogs, the community's defaults, and each request's locale and zone.

A request's language is the member's choice (`users.locale`), else the best match of the browser's
Accept-Language among the shipped catalogs, else the community's DEFAULT_LOCALE; its time zone is the
member's (`users.time_zone`), else the community's DEFAULT_TIME_ZONE. Flask-Babel asks the two selectors
below once per request, lazily: a page served from the visitor cache asks neither.
"""
import contextlib
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from flask import has_request_context, request
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app import settings

# The catalogs in app/translations, each with its name in its own language (what a reader looks for in a list).
LOCALES = {"en": "English", "fr": "Français", "ar": "العربية"}


def _check_locale(value):
    if value not in LOCALES:
        raise ValueError(_l("Choose one of the shipped languages: %(codes)s.", codes=", ".join(LOCALES)))


def _check_time_zone(value):
    if not is_time_zone(value):
        raise ValueError(_l("Give a time zone such as Europe/Paris or UTC."))


DEFAULT_LOCALE = settings.define(
    "DEFAULT_LOCALE", str, "en",
    _l("The language of visitors whose browser asks for none of the shipped ones (en, fr, ar)"),
    label=_l("Default language"), group="Languages and time zones", validate=_check_locale)
DEFAULT_TIME_ZONE = settings.define(
    "DEFAULT_TIME_ZONE", str, "UTC",
    _l("The time zone of dates for visitors and for members who chose none (an IANA name such as Europe/Paris)"),
    label=_l("Default time zone"), group="Languages and time zones", validate=_check_time_zone)


@lru_cache(maxsize=1)
def time_zones():
    """Every IANA time zone name this machine knows, sorted (the account page's choices)."""
    return tuple(sorted(available_timezones() | {"UTC"}))


def is_time_zone(name):
    """Whether `name` is a zoneinfo key such as "Europe/Paris" (never a path, never blank)."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def negotiate(accept_languages):
    """The shipped locale a browser's Accept-Language prefers, or None (it asks for none of them).

    Each language the browser names is tried in its order of preference, exactly and then by its
    primary subtag ("fr-CA" reads as "fr"), so "en-GB, fr;q=0.9" is English, not French.
    """
    for value, quality in accept_languages:
        tag = value.replace("_", "-").lower()
        if quality <= 0 or tag == "*":
            continue
        for candidate in (tag, tag.partition("-")[0]):
            if candidate in LOCALES:
                return candidate
    return None


def visitor_variant():
    """What a visitor's page depends on beyond its URL: the language their browser negotiated ("" for the default)."""
    return negotiate(request.accept_languages) or ""


def _community(name, fallback):
    # An error page after a failed query must still render: fall back to the built-in default.
    try:
        return settings.get(name)
    except SQLAlchemyError:
        return fallback


def community_locale():
    """The community's default language (a shipped locale)."""
    locale = _community(DEFAULT_LOCALE, "en")
    return locale if locale in LOCALES else "en"


def community_time_zone():
    """The community's time zone name, for visitors and members who chose none."""
    zone = _community(DEFAULT_TIME_ZONE, "UTC")
    return zone if is_time_zone(zone) else "UTC"


def select_locale():
    """Flask-Babel's locale selector: the member's choice, else Accept-Language, else the community's."""
    if has_request_context():
        if current_user.is_authenticated and current_user.locale in LOCALES:
            return current_user.locale
        negotiated = negotiate(request.accept_languages)
        if negotiated:
            return negotiated
    return community_locale()


def select_time_zone():
    """Flask-Babel's time zone selector: the member's zone, else the community's.

    A ZoneInfo, not a name: Flask-Babel would look a name up in pytz, whose list may lag the system's.
    """
    if has_request_context() and current_user.is_authenticated and is_time_zone(current_user.time_zone):
        return ZoneInfo(current_user.time_zone)
    return ZoneInfo(community_time_zone())


def page_language():
    """The BCP 47 tag of the page's language, for <html lang>: "fr", "ar"."""
    return str(get_locale() or "en").replace("_", "-")


def page_direction():
    """The page's writing direction for <html dir>: "rtl" for Arabic or Hebrew, else "ltr"."""
    locale = get_locale() or Locale("en")
    return "rtl" if locale.character_order == "right-to-left" else "ltr"


def recipient_locale(user):
    """The language of what is written for `user` (an email, a notice): theirs if shipped, else the community's."""
    locale = getattr(user, "locale", None)
    return locale if locale in LOCALES else community_locale()


@contextlib.contextmanager
def in_language_of(user):
    """Inside the block, gettext and templates speak `user`'s language, whoever's request this is."""
    with force_locale(recipient_locale(user)):
        yield


TEMPLATE_GLOBALS = {"page_language": page_language, "page_direction": page_direction}


def init_app(app, babel):
    """Bind Flask-Babel to the catalogs in app/translations and to the selectors above."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")  # beside this module, in app/
    babel.init_app(app, default_locale="en", default_timezone="UTC",
                   locale_selector=select_locale, timezone_selector=select_time_zone)
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
