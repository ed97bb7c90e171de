"""What notices say to the member they reach, in plain words: what happened, to which post, and why."""
from app import brand
from app.models import Answer, Comment, Question

# How a notice names the recipient's own post; "{title}" is the question's title.
YOUR_POST = {
    Question: "your question “{title}”",
    Answer: "your answer to “{title}”",
    Comment: "your comment on “{title}”",
}
# A flag's reason as it reads after "flagged it as"; reasons missing here ("other") read as a bare "flagged it".
FLAGGED_AS = {"spam": "spam", "rude": "rude or abusive", "off-topic": "off-topic"}

# What a moderator did, by the action moderation sends (its queue decisions and direct actions).
# {post} names the post, {flagged} says who flagged it and why, {flags} is "the flag" or "the flags".
MODERATOR_DID = {
    "hide": "A moderator hid {post}{flagged}.",
    "agree-hide": "A moderator hid {post}{flagged}.",
    "delete": "A moderator deleted {post}{flagged}.",
    "agree-delete": "A moderator deleted {post}{flagged}.",
    "reject": "A moderator did not approve {post}: it will not be published.",
    "approve": "A moderator approved {post}: everyone can see it now.",
    "disagree": "A moderator looked at {flags} on {post} and found nothing wrong with it: everyone can see it.",
    "ignore": "A moderator looked at {flags} on {post} and left it as it is.",
    "unhide": "A moderator made {post} visible again: everyone can see it.",
    "restore": "A moderator restored {post}, which had been deleted.",
    "lock": "A moderator locked {post}: it stays readable but takes no new answers or comments.",
    "unlock": "A moderator unlocked {post}: it takes new answers and comments again.",
    "merge": "A moderator moved the answers of {post} to the question it duplicates.",
    "edit": "A moderator edited {post}.",
}
# Nobody acted: enough members' flags hid the post until a moderator reviews it.
HIDDEN_BY_FLAGS = "{Post} was hidden{flagged}, until a moderator reviews it."
HIDING_ACTIONS = frozenset({"hide", "agree-hide"})


def _flagged_clause(flagged_as):
    """' after members flagged it as spam', or '' when no flag led to the action."""
    if not flagged_as:
        return ""
    who = "a member" if len(flagged_as) == 1 else "members"
    reasons = sorted({FLAGGED_AS[reason] for reason in flagged_as if reason in FLAGGED_AS})
    return f" after {who} flagged it" + (f" as {' and '.join(reasons)}" if reasons else "")


def moderation_notice(post, question, action, reason=None, flagged_as=(), by_moderator=True):
    """The notice to a post's author about a moderation action: what was done to which post, why, and what now."""
    post_name = YOUR_POST[type(post)].format(title=question.title)
    flagged = _flagged_clause(flagged_as)
    if by_moderator:
        template = MODERATOR_DID.get(action, "A moderator reviewed {post}.")
    else:
        template = HIDDEN_BY_FLAGS if action in HIDING_ACTIONS else "{Post} was reviewed."
    words = [template.format(post=post_name, Post=post_name[0].upper() + post_name[1:], flagged=flagged,
                             flags="the flag" if len(flagged_as) == 1 else "the flags")]
    if reason:
        words.append(f"The moderator's reason: {reason.rstrip('.')}.")
    if action in HIDING_ACTIONS:
        # A comment can be edited only in its first minutes (COMMENT_EDIT_MINUTES): the way out is for posts.
        words.append("Only you and the moderators can see it now" +
                     ("." if isinstance(post, Comment) else "; you can edit it to fix the problem."))
    return " ".join(words)


def accepted_for_asker(staff, answer, question):
    """The notice to an asker whose accepted answer a staff member chose for them."""
    if answer.author_id == question.author_id:
        whose = "your own"
    elif answer.author_id == staff.id:
        whose = "their own"
    else:
        whose = f"{answer.author.username}'s"
    return (f"{staff.username}, of {brand.current().staff_label}, accepted {whose} answer to your question "
            f"“{question.title}” on your behalf. If another answer solved your problem, accept that one instead: "
            "your own choice always counts.")


def badge_earned(badge):
    """The notice of a badge: “You earned the badge “Student”: Asked a question that reached a score of 1.”"""
    return f"You earned the badge “{badge.name}”: {badge.description}"
