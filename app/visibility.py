"""Who sees a post: the visibility rules every query and check uses, named once.

Public: neither deleted nor hidden (hidden by a moderator or by flags, or held for review).
A hidden post is still shown to its author and to moderators; a deleted one to moderators only,
where a page lets them restore it. Search, sitemaps, feeds, profiles and lists show public posts only.
"""
from sqlalchemy import and_, or_, true

from app import permissions


def public(model):
    """SQL: the rows of `model` (Question, Answer, Comment) that everyone may see."""
    return and_(model.deleted_at.is_(None), model.hidden_at.is_(None))


def not_deleted(model):
    """SQL: the rows that are not soft-deleted (hidden ones included)."""
    return model.deleted_at.is_(None)


def shown_to(model, viewer):
    """SQL: the rows `viewer` sees in a thread: not deleted, and not hidden unless theirs or a moderator's view."""
    if permissions.is_moderator(viewer):
        hidden_rule = true()
    elif viewer is not None and viewer.is_authenticated:
        hidden_rule = or_(model.hidden_at.is_(None), model.author_id == viewer.id)
    else:
        hidden_rule = model.hidden_at.is_(None)
    return and_(not_deleted(model), hidden_rule)


def is_public(post):
    """Whether everyone may see this loaded post."""
    return post.deleted_at is None and post.hidden_at is None


def is_visible_to(post, viewer):
    """Whether `viewer` may open this loaded post: deleted ones only moderators, hidden ones author and moderators."""
    if post.deleted_at is not None and not permissions.can_see_deleted(viewer):
        return False
    return post.hidden_at is None or permissions.can_see_hidden(viewer, post)


def is_shown_to(post, viewer):
    """Whether this loaded post is among those `shown_to(viewer)` selects: not deleted, not hidden from them."""
    return post.deleted_at is None and (post.hidden_at is None or permissions.can_see_hidden(viewer, post))
