"""Jinja filters: ages, dates, numbers and slugs."""
import re
import unicodedata
from datetime import datetime

from app.clock import request_now


def slugify(text, max_length=80):
    """An ASCII URL slug for a title: 'Why won't my X200 charge?' -> 'why-wont-my-x200-charge'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return slug[:max_length].rstrip("-") or "question"


def age(moment, now):
    """How long ago `moment` was at `now`, in the largest whole unit: '5 min ago', '3 days ago'."""
    if moment is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600),
                       ("min", 60)):
        if seconds >= size:
            count = seconds // size
            plural = "s" if count > 1 and unit != "min" else ""
            return f"{count} {unit}{plural} ago"
    return "just now"


def iso(moment):
    """ISO 8601 in UTC with a Z, for <time datetime> and the API."""
    return moment.replace(microsecond=0).isoformat() + "Z" if isinstance(moment, datetime) else None


def date(moment):
    """A calendar date such as 'Mar 3, 2026'."""
    return f"{moment:%b} {moment.day}, {moment.year}" if moment else ""


def compact(number):
    """1234 -> '1.2k' for counters."""
    if abs(number) >= 1000:
        return f"{number / 1000:.1f}k".replace(".0k", "k")
    return str(number)


def age_at_request_time(moment):
    """The `age` template filter: how long ago, as of the current request."""
    return age(moment, request_now())


FILTERS = {"slugify": slugify, "age": age_at_request_time, "iso": iso, "date": date, "compact": compact}
