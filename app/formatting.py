"""Jinja filters: ages, dates, numbers and slugs; ages, dates and numbers in the reader's locale and time zone.

Each formatter is a pure function of its locale (and zone); the filters take both from Flask-Babel,
which asks app/i18n.py's selectors once per request. Stored moments are naive UTC.
"""
import re
import unicodedata
from datetime import UTC, datetime, timedelta

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import Translations
from flask_babel import get_locale, get_timezone, get_translations

from app.clock import request_now

# The units of a relative age, largest first, as Babel counts them (a month is 30 days, a year 365).
AGE_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
             ("hour", 3600), ("minute", 60))


def slugify(text, max_length=80):
    """An ASCII URL slug for a title: 'Why won't my X200 charge?' -> 'why-wont-my-x200-charge'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return slug[:max_length].rstrip("-") or "question"


def age(moment, now, locale="en", translations=None):
    """How long ago `moment` was at `now`, in the largest whole unit, in `locale`: '5 minutes ago', 'il y a 3 jours'.

    Whole units, never rounded up: 59 minutes is "59 minutes ago", not "1 hour ago". Under a minute is
    "just now", from the catalog (`translations`; English without).
    """
    if moment is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    for _unit, size in AGE_UNITS:
        if seconds >= size:
            # A whole number of the unit, so Babel (which rounds) names exactly that many.
            whole = timedelta(seconds=seconds // size * size)
            return babel_dates.format_timedelta(-whole, threshold=1, add_direction=True, locale=locale)
    return (translations or Translations()).gettext("just now")


def iso(moment):
    """ISO 8601 in UTC with a Z, for <time datetime> and the API."""
    return moment.replace(microsecond=0).isoformat() + "Z" if isinstance(moment, datetime) else None


def _in_zone(moment, zone):
    """A stored (naive UTC) moment as the time it was in `zone`; dates without a time stay as they are."""
    if not isinstance(moment, datetime):
        return moment
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone) if zone is not None else aware


def date(moment, locale="en", zone=None):
    """A calendar date in `locale`, on the day it was in `zone`: 'Mar 3, 2026', '3 mars 2026'."""
    if not moment:
        return ""
    return babel_dates.format_date(_in_zone(moment, zone), "medium", locale=locale)


def date_time(moment, locale="en", zone=None):
    """A date and a time of day in `locale` and `zone`: 'Mar 3, 2026, 2:05 PM', '3 mars 2026, 14:05'."""
    if not moment:
        return ""
    local = _in_zone(moment, zone)
    pattern = babel_dates.get_datetime_format("medium", locale=locale)
    return pattern.replace("{1}", babel_dates.format_date(local, "medium", locale=locale)).replace(
        "{0}", babel_dates.format_time(local, "short", tzinfo=local.tzinfo, locale=locale))


def compact(number, locale="en"):
    """A counter in few characters, in `locale`: 1234 -> '1.2K' (English), '1,2 k' (French)."""
    return babel_numbers.format_compact_decimal(number, locale=locale, fraction_digits=1)


def number(value, locale="en"):
    """A count with the locale's digit grouping: 12345 -> '12,345' (English), '12 345' (French)."""
    return babel_numbers.format_decimal(value, locale=locale)


# Counts tried, in order, for one of each plural category (CLDR: zero, one, two, few, many, other).
_PLURAL_PROBES = (0, 1, 2, 3, 11, 100, 1000000)


def plural_samples(locale="en"):
    """One count in each plural category of `locale` (a BCP 47 tag): {"other": 0, "one": 1} in English.

    The page's scripts choose among a plural message's forms with Intl.PluralRules, by category; the
    server renders each form once, with the catalog's plural rule, at its category's sample count.
    """
    try:
        rule = Locale.parse(str(locale).replace("_", "-"), sep="-").plural_form
    except (ValueError, UnknownLocaleError):
        rule = Locale("en").plural_form
    samples = {}
    for count in _PLURAL_PROBES:
        samples.setdefault(rule(count), count)
    return samples


def _reader_locale():
    return get_locale() or "en"


def age_at_request_time(moment):
    """The `age` template filter: how long ago, as of the current request, in the reader's language."""
    return age(moment, request_now(), _reader_locale(), get_translations())


FILTERS = {
    "slugify": slugify,
    "age": age_at_request_time,
    "iso": iso,
    "date": lambda moment: date(moment, _reader_locale(), get_timezone()),
    "datetime": lambda moment: date_time(moment, _reader_locale(), get_timezone()),
    "compact": lambda value: compact(value, _reader_locale()),
    "number": lambda value: number(value, _reader_locale()),
    "plural_samples": plural_samples,
}
