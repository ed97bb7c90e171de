"""What notices say to the member they reach, in plain words: what happened, to which post, and why.

Each function speaks the current language: the caller wraps it in the recipient's (app.i18n.in_language_of),
as the notice is stored once and read by them. Whole sentences are translated, since word order varies.
"""
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import brand
from app.models import Answer, Comment, Question

# How a notice names the recipient's own post inside a sentence, and at its start; %(title)s is the question's title.
YOUR_POST = {
    Question: _l("your question “%(title)s”"),
    Answer: _l("your answer to “%(title)s”"),
    Comment: _l("your comment on “%(title)s”"),
}
YOUR_POST_AT_START = {
    Question: _l("Your question “%(title)s”"),
    Answer: _l("Your answer to “%(title)s”"),
    Comment: _l("Your comment on “%(title)s”"),
}
# A flag's reason as it reads after "flagged it as"; reasons missing here ("other") read as a bare "flagged it".
FLAGGED_AS = {"spam": _l("spam"), "rude": _l("rude or abusive"), "off-topic": _l("off-topic")}

# What a moderator did, by the action moderation sends (its queue decisions and direct actions).
# %(post)s names the post, %(flags)s is "the flag" or "the flags". A (plain, flagged) pair for the actions that
# say who flagged the post and why: %(flagged)s is "after members flagged it as spam".
MODERATOR_DID = {
    "hide": (_l("A moderator hid %(post)s."), _l("A moderator hid %(post)s %(flagged)s.")),
    "agree-hide": (_l("A moderator hid %(post)s."), _l("A moderator hid %(post)s %(flagged)s.")),
    "delete": (_l("A moderator deleted %(post)s."), _l("A moderator deleted %(post)s %(flagged)s.")),
    "agree-delete": (_l("A moderator deleted %(post)s."), _l("A moderator deleted %(post)s %(flagged)s.")),
    "reject": _l("A moderator did not approve %(post)s: it will not be published."),
    "approve": _l("A moderator approved %(post)s: everyone can see it now."),
    "disagree": _l("A moderator looked at %(flags)s on %(post)s and found nothing wrong with it: everyone can see it."),
    "ignore": _l("A moderator looked at %(flags)s on %(post)s and left it as it is."),
    "unhide": _l("A moderator made %(post)s visible again: everyone can see it."),
    "restore": _l("A moderator restored %(post)s, which had been deleted."),
    "lock": _l("A moderator locked %(post)s: it stays readable but takes no new answers or comments."),
    "unlock": _l("A moderator unlocked %(post)s: it takes new answers and comments again."),
    "merge": _l("A moderator moved the answers of %(post)s to the question it duplicates."),
    "edit": _l("A moderator edited %(post)s."),
}
REVIEWED = _l("A moderator reviewed %(post)s.")
# Nobody acted: enough members' flags hid the post until a moderator reviews it. %(post)s is YOUR_POST_AT_START.
HIDDEN_BY_FLAGS = (_l("%(post)s was hidden, until a moderator reviews it."),
                   _l("%(post)s was hidden %(flagged)s, until a moderator reviews it."))
REVIEWED_BY_FLAGS = _l("%(post)s was reviewed.")
HIDING_ACTIONS = frozenset({"hide", "agree-hide"})


def _flagged_clause(flagged_as):
    """'after members flagged it as spam', or '' when no flag led to the action."""
    if not flagged_as:
        return ""
    reasons = sorted({str(FLAGGED_AS[reason]) for reason in flagged_as if reason in FLAGGED_AS})
    if not reasons:
        return _("after a member flagged it") if len(flagged_as) == 1 else _("after members flagged it")
    listed = format_list(reasons, locale=str(get_locale() or "en"))
    if len(flagged_as) == 1:
        return _("after a member flagged it as %(reasons)s", reasons=listed)
    return _("after members flagged it as %(reasons)s", reasons=listed)


def moderation_notice(post, question, action, reason=None, flagged_as=(), by_moderator=True):
    """The notice to a post's author about a moderation action: what was done to which post, why, and what now."""
    flagged = _flagged_clause(flagged_as)
    if by_moderator:
        template = MODERATOR_DID.get(action, REVIEWED)
        post_name = YOUR_POST[type(post)] % {"title": question.title}
    else:
        template = HIDDEN_BY_FLAGS if action in HIDING_ACTIONS else REVIEWED_BY_FLAGS
        post_name = YOUR_POST_AT_START[type(post)] % {"title": question.title}
    if isinstance(template, tuple):
        template = template[1] if flagged else template[0]
    words = [template % {"post": post_name, "flagged": flagged,
                         "flags": _("the flag") if len(flagged_as) == 1 else _("the flags")}]
    if reason:
        words.append(_("The moderator's reason: %(reason)s.", reason=reason.rstrip(".")))
    if action in HIDING_ACTIONS:
        # A comment can be edited only in its first minutes (COMMENT_EDIT_MINUTES): the way out is for posts.
        words.append(_("Only you and the moderators can see it now.") if isinstance(post, Comment)
                     else _("Only you and the moderators can see it now; you can edit it to fix the problem."))
    return " ".join(words)


def accepted_for_asker(staff, answer, question):
    """The notice to an asker whose accepted answer a staff member chose for them."""
    values = {"staff": staff.username, "team": brand.current().staff_label, "title": question.title,
              "author": answer.author.username}
    if answer.author_id == question.author_id:
        return _("%(staff)s, of %(team)s, accepted your own answer to your question “%(title)s” on your behalf. "
                 "If another answer solved your problem, accept that one instead: your own choice always counts.",
                 **values)
    if answer.author_id == staff.id:
        return _("%(staff)s, of %(team)s, accepted their own answer to your question “%(title)s” on your behalf. "
                 "If another answer solved your problem, accept that one instead: your own choice always counts.",
                 **values)
    return _("%(staff)s, of %(team)s, accepted %(author)s's answer to your question “%(title)s” on your behalf. "
             "If another answer solved your problem, accept that one instead: your own choice always counts.",
             **values)


def badge_earned(badge):
    """The notice of a badge: “You earned the badge “Student”: Asked a question that reached a score of 1.”"""
    return _("You earned the badge “%(name)s”: %(description)s", name=badge.name, description=badge.description)
