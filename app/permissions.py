"""Who may do what: the one place views, templates, the API and services ask."""


def _signed_in(user):
    return user is not None and user.is_authenticated


def is_staff(user):
    """Brand staff: agents, moderators and admins."""
    return _signed_in(user) and user.is_staff


def is_moderator(user):
    """Moderators and admins."""
    return _signed_in(user) and user.role in ("moderator", "admin")


def is_admin(user):
    """Admins: settings, roles and the audit log."""
    return _signed_in(user) and user.role == "admin"


def can_ask(user):
    """Any signed-in member may ask."""
    return _signed_in(user)


def can_answer(user, question):
    """Any signed-in member may answer a question that is still there and open."""
    return _signed_in(user) and not question.is_deleted and not question.is_closed


def can_comment(user, question):
    """Any signed-in member may comment within a visible thread."""
    return _signed_in(user) and not question.is_deleted


def can_vote(user, post):
    """Signed-in members vote on other people's visible posts, never their own."""
    return _signed_in(user) and post.author_id != user.id and not post.is_deleted


def can_edit(user, post):
    """Authors edit their own posts; moderators edit any."""
    return _signed_in(user) and (post.author_id == user.id or is_moderator(user)) and not post.is_deleted


def can_accept(user, question):
    """The asker, or staff, chooses the accepted answer."""
    return _signed_in(user) and (question.author_id == user.id or is_staff(user)) and not question.is_deleted


def can_delete_question(user, question):
    """Authors delete their question only while it has no answers; moderators always."""
    if not _signed_in(user) or question.is_deleted:
        return False
    if is_moderator(user):
        return True
    return question.author_id == user.id and question.answer_count == 0


def can_delete_answer(user, answer):
    """Authors delete their answer unless it is the accepted one; moderators always."""
    if not _signed_in(user) or answer.is_deleted:
        return False
    if is_moderator(user):
        return True
    return answer.author_id == user.id and not answer.is_accepted


def can_delete_comment(user, comment):
    """Authors and moderators delete comments."""
    return _signed_in(user) and comment.deleted_at is None and (comment.author_id == user.id or is_moderator(user))


def can_close(user, question):
    """Moderators close questions (as duplicates, off-topic, resolved elsewhere) and reopen them."""
    return is_moderator(user) and not question.is_deleted


def can_see_deleted(user):
    """Moderators may open deleted posts (to restore them later); nobody else can."""
    return is_moderator(user)


TEMPLATE_HELPERS = {
    name: globals()[name]
    for name in (
        "is_staff", "is_moderator", "is_admin", "can_ask", "can_answer", "can_comment", "can_vote",
        "can_edit", "can_accept", "can_delete_question", "can_delete_answer", "can_delete_comment", "can_close",
    )
}
