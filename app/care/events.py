"""Webhook deliveries of the care queue's events: the item as the care API shows it (question title and URL,
reasons, assignee, due times), so a CRM needs no second request to act on one.

Receivers of the care signals, inside the transaction that caused them; the outbox delivers later.
"""
from app import signals
from app.care import queries
from app.care.api import serialize
from app.webhooks import services as webhooks
from app.webhooks.receivers import actor_json


def _deliver(event, actor, item, now, **more):
    webhooks.enqueue_event(event, {"care_item": serialize(item, now), "actor": actor_json(actor), **more}, now=now)


def on_created(actor, item, *, now, **extra):
    _deliver("care_item.created", actor, item, now)


def on_status_changed(actor, item, before, *, now, **extra):
    _deliver("care_item.status_changed", actor, item, now, status={"before": before, "after": item.status})


def on_assigned(actor, item, before, handover_from=None, *, now, **extra):
    _deliver("care_item.assigned", actor, item, now,
             assignee={"before": before, "after": item.assignee_id,
                       "handover_from": handover_from.id if handover_from is not None else None})


def on_breached(actor, item, clock, *, now, **extra):
    _deliver("care_item.breached", actor, item, now, clock=str(clock))


def on_resolved(actor, item, *, now, **extra):
    _deliver("care_item.resolved", actor, item, now)


def on_reopened(actor, item, *, now, **extra):
    _deliver("care_item.reopened", actor, item, now)


def on_answer_posted(actor, answer, question, *, now, **extra):
    item = queries.item_for_question(question.id)
    if item is not None and item.is_open:
        _deliver("care_item.answered", actor, item, now,
                 answer={"id": answer.id, "author_id": answer.author_id, "created_at": answer.created_at.isoformat()})


def connect_receivers():
    """Listen to the care signals and new answers (sent inside each write transaction)."""
    signals.care_item_created.connect(on_created)
    signals.care_item_status_changed.connect(on_status_changed)
    signals.care_item_assigned.connect(on_assigned)
    signals.care_item_breached.connect(on_breached)
    signals.care_item_resolved.connect(on_resolved)
    signals.care_item_reopened.connect(on_reopened)
    signals.answer_posted.connect(on_answer_posted)
