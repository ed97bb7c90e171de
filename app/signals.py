"""What happened in the community, for the features that react to it (care queue, notifications, webhooks).

Services send these inside their write transaction, after the change is flushed and before
the commit, so a receiver's own writes (a care item, an outbox row, a notification) commit
or roll back together with the change that caused them. Receivers must therefore be quick,
only write rows, and never talk to the network: delivery happens later, from the outbox.

Every signal is sent with the acting user as the sender and keyword arguments named below.
Connect receivers in a feature's `connect_receivers()`, called from the app factory.
"""
from blinker import Namespace

_signals = Namespace()

# Threads and posts ----------------------------------------------------------------------
question_asked = _signals.signal("question-asked")  # question
question_edited = _signals.signal("question-edited")  # question
answer_posted = _signals.signal("answer-posted")  # answer, question
answer_edited = _signals.signal("answer-edited")  # answer, question
answer_accepted = _signals.signal("answer-accepted")  # answer, question
answer_unaccepted = _signals.signal("answer-unaccepted")  # question
comment_posted = _signals.signal("comment-posted")  # comment, question, answer (or None)
question_closed = _signals.signal("question-closed")  # question
question_reopened = _signals.signal("question-reopened")  # question

# Moderation ------------------------------------------------------------------------------
post_flagged = _signals.signal("post-flagged")  # flag, post
post_moderated = _signals.signal("post-moderated")  # post, action, reason, flagged_as (the reasons of the flags)

# Badges (app/badges.py): the sender is the member who earned it -----------------------
badge_awarded = _signals.signal("badge-awarded")  # badge, question_id (or None), answer_id (or None)

# Care queue ------------------------------------------------------------------------------
care_item_created = _signals.signal("care-item-created")  # item
care_item_breached = _signals.signal("care-item-breached")  # item, clock
care_item_resolved = _signals.signal("care-item-resolved")  # item
care_item_reopened = _signals.signal("care-item-reopened")  # item
care_item_status_changed = _signals.signal("care-item-status-changed")  # item, before (the old status)
# item, before (the old assignee's id or None), handover_from (the away agent whose item it was, or None)
care_item_assigned = _signals.signal("care-item-assigned")
care_item_due_soon = _signals.signal("care-item-due-soon")  # item, clock (a clock's name)
