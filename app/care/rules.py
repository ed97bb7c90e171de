"""Entry rules of the care queue: pure functions of a thread's facts, the thresholds and an explicit `now`."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.care import lexicon


@dataclass(frozen=True)
class Thresholds:
    """The settings the rules read, passed in so the rules stay pure."""

    unanswered_minutes: int = 60
    unresolved_hours: float = 24
    same_problem_threshold: int = 3
    complaint_sentiment: int = -3
    compliment_sentiment: int = 2
    complaint_words: tuple = ()
    negative_words: tuple = ()
    positive_words: tuple = ()


@dataclass(frozen=True)
class ThreadFacts:
    """What the rules need to know about one question."""

    asked_at: datetime
    answer_count: int
    is_resolved: bool
    text: str = ""
    same_problem_count: int = 0
    is_closed: bool = False
    is_deleted: bool = False


@dataclass(frozen=True)
class Reason:
    """One reason a thread qualifies, with what staff should see about it."""

    kind: str
    detail: str = ""
    words: list = field(default_factory=list)


def unanswered_due(facts, now, thresholds):
    """No answer once the community's window has passed (at the threshold exactly, not a second before)."""
    return facts.answer_count == 0 and now >= facts.asked_at + timedelta(minutes=thresholds.unanswered_minutes)


def unresolved_due(facts, now, thresholds):
    """Answers, but none accepted, M hours after asking."""
    return (facts.answer_count > 0 and not facts.is_resolved
            and now >= facts.asked_at + timedelta(hours=thresholds.unresolved_hours))


def read_text(text, thresholds):
    """The lexicon's reading of a text under these thresholds."""
    return lexicon.read(text, thresholds.complaint_words, thresholds.negative_words, thresholds.positive_words)


def is_complaint(reading, thresholds):
    """A complaint phrase, or sentiment at or below the complaint threshold."""
    return bool(reading.complaint_matches) or reading.sentiment <= thresholds.complaint_sentiment


def propose_category(reading, thresholds, text=""):
    """Triage category proposed from the text: complaint, compliment or question (staff choose "other").

    Threads in a support community are questions unless they read otherwise; praise that asks
    something ("Love it, but how do I...?") is still a question.
    """
    if is_complaint(reading, thresholds):
        return "complaint"
    if reading.sentiment >= thresholds.compliment_sentiment and not reading.negative and "?" not in text:
        return "compliment"
    return "question"


def entry_reasons(facts, now, thresholds, reading=None):
    """Every reason the thread qualifies for the queue now (empty when it does not).

    `reading` is the lexicon's reading of `facts.text` when the caller has it already.
    """
    if facts.is_deleted or facts.is_closed or facts.is_resolved:
        return []
    reasons = []
    if unanswered_due(facts, now, thresholds):
        reasons.append(Reason("unanswered", f"No answer {thresholds.unanswered_minutes} minutes after asking"))
    if unresolved_due(facts, now, thresholds):
        reasons.append(Reason("unresolved", f"{facts.answer_count} answer(s), none accepted after "
                                            f"{thresholds.unresolved_hours:g} hours"))
    reading = reading if reading is not None else read_text(facts.text, thresholds)
    if is_complaint(reading, thresholds):
        reasons.append(Reason("complaint", "Matched: " + ", ".join(reading.matched_words),
                              reading.matched_words))
    if facts.same_problem_count >= thresholds.same_problem_threshold:
        reasons.append(Reason("same_problem", f"{facts.same_problem_count} people have this problem too"))
    return reasons


PRIORITY_CUTS = ((60, "urgent"), (40, "high"), (20, "normal"))
# Waiting adds a point every WAIT_STEP, up to WAIT_STEPS points: the sweep refreshes an item's
# priority only when it crosses one of these steps.
WAIT_STEP = timedelta(minutes=30)
WAIT_STEPS = 40
_CATEGORY_WEIGHT = {"complaint": 30, "question": 15, "other": 10, "compliment": 0}


def priority_score(category, waited, sentiment, same_problem_count):
    """0-100 from category, waiting time (a timedelta), unhappiness and how many share the problem."""
    steps = int(max(waited.total_seconds(), 0) // WAIT_STEP.total_seconds())
    score = (_CATEGORY_WEIGHT.get(category, 10) + min(steps, WAIT_STEPS) + min(max(-sentiment, 0) * 5, 20)
             + min(same_problem_count * 5, 25))
    return min(score, 100)


def priority_label(score):
    """urgent, high, normal or low for a score."""
    return next((label for cut, label in PRIORITY_CUTS if score >= cut), "low")
