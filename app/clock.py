"""The wall clock, read only at the edges: once per request, per command and per worker round.

Everything below the edge (services, rules, permissions) takes `now` as an argument, so a test
decides what time it is and a rule can never disagree with the request about it.
"""
from datetime import UTC, datetime

from flask import g


def utcnow():
    """The current time in UTC, naive, as stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


def request_now():
    """The time of the current request (or command), read from the clock once and then kept.

    Every view, template helper and request hook of one request sees the same moment.
    """
    if "request_now" not in g:
        g.request_now = utcnow()
    return g.request_now
