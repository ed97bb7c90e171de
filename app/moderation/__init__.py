"""Moderation: flags, the review queue, hidden and held posts, locks, suspensions and the admin pages.

Nothing is imported here, so that app.questions.services can use holds without a cycle.
"""
