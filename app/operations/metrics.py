"""Prometheus metrics: request latency by endpoint, and what operators watch read from the database at scrape time.

Request latencies are counted in each process. Under gunicorn with several workers, set
PROMETHEUS_MULTIPROC_DIR to an empty folder (the same for every worker of a host, emptied at start):
each worker then writes its samples there and a scrape of any worker adds them up. The gauges
(index lag, outbox backlog, care queue) come from the database and this host's index when scraped,
so every worker reports the same figures.
"""
import os
import time

from flask import g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from whoosh.index import EmptyIndexError

from app.care.models import CareItem
from app.care.queries import open_count
from app.extensions import db
from app.outbox import OutboxMessage
from app.search.index_sync import index_lag

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Buckets for pages served in milliseconds up to searches and uploads that take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram("peerdesk_request_duration_seconds", "Time to serve a request, by endpoint",
                            ["endpoint", "method", "status"], buckets=LATENCY_BUCKETS)


def _observe(response):
    started = g.get("request_started")
    if started is not None and request.endpoint != "operations.metrics":
        REQUEST_SECONDS.labels(request.endpoint or "none", request.method,
                               str(response.status_code)).observe(time.perf_counter() - started)
    return response


def outbox_backlog(now):
    """(messages waiting to go out, seconds the oldest of them has waited)."""
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None))).one()
    return int(waiting or 0), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def care_breaches():
    """Open care items past a first-response or a resolution target."""
    return int(db.session.scalar(select(func.count()).select_from(CareItem).where(
        CareItem.is_open, (CareItem.first_response_breached_at.is_not(None))
        | (CareItem.resolution_breached_at.is_not(None)))) or 0)


class DatabaseCollector:
    """The gauges read when Prometheus scrapes: from the database and this host's index, as of `now`."""

    def __init__(self, now):
        self.now = now

    def collect(self):
        """Yield each gauge family (prometheus_client's collector protocol)."""
        try:
            pending, lag_seconds = index_lag(self.now)
            index_figures = (
                ("peerdesk_index_available", "Whether this host's search index opens (1) or not (0)", 1),
                ("peerdesk_index_pending_changes", "Search changes logged but not yet in this host's index", pending),
                ("peerdesk_index_lag_seconds", "Age of the oldest change this host's index has not applied",
                 lag_seconds),
            )
        except (OSError, EmptyIndexError):  # no index folder, or one Whoosh cannot read
            index_figures = (("peerdesk_index_available", "Whether this host's search index opens (1) or not (0)", 0),)
        waiting, waited = outbox_backlog(self.now)
        figures = (
            *index_figures,
            ("peerdesk_outbox_backlog", "Emails and webhooks waiting to be delivered", waiting),
            ("peerdesk_outbox_oldest_seconds", "How long the oldest waiting message has waited", waited),
            ("peerdesk_care_open_items", "Open items in the care queue", open_count()),
            ("peerdesk_care_breached_items", "Open care items past a response or resolution target", care_breaches()),
        )
        db.session.rollback()  # end the read transaction the figures opened
        for name, documentation, value in figures:
            yield GaugeMetricFamily(name, documentation, value=value)


def exposition(now):
    """The Prometheus text for a scrape: this process's (or every worker's) latencies and the gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(DatabaseCollector(now))
    return generate_latest(registry)


def init_app(app):
    """Time every request but the scrapes themselves."""
    app.after_request(_observe)
