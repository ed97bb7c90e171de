"""Care entry rules, lexicon, priority and SLA clocks: pure functions at an explicit time."""
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from app.care import lexicon, rules, sla

ASKED = datetime(2026, 11, 2, 9, 0, 0)
LIMITS = rules.Thresholds(unanswered_minutes=60, unresolved_hours=24, same_problem_threshold=3,
                          complaint_words=("refund", "never again"), negative_words=("broken", "awful", "bad"),
                          positive_words=("thanks", "great", "love"))


def facts(**overrides):
    values = {"asked_at": ASKED, "answer_count": 0, "is_resolved": False, "text": "How do I pair my earbuds?"}
    return rules.ThreadFacts(**{**values, **overrides})


def kinds(reasons):
    return [reason.kind for reason in reasons]


def test_unanswered_fires_exactly_at_the_threshold_and_not_a_second_before():
    at = ASKED + timedelta(minutes=60)
    assert kinds(rules.entry_reasons(facts(), at - timedelta(seconds=1), LIMITS)) == []
    assert kinds(rules.entry_reasons(facts(), at, LIMITS)) == ["unanswered"]


def test_unresolved_fires_exactly_at_the_threshold_and_only_with_answers():
    at = ASKED + timedelta(hours=24)
    assert kinds(rules.entry_reasons(facts(answer_count=2), at - timedelta(seconds=1), LIMITS)) == []
    assert kinds(rules.entry_reasons(facts(answer_count=2), at, LIMITS)) == ["unresolved"]
    assert kinds(rules.entry_reasons(facts(answer_count=2, is_resolved=True), at, LIMITS)) == []


def test_same_problem_fires_at_the_threshold():
    assert kinds(rules.entry_reasons(facts(answer_count=1, same_problem_count=2), ASKED, LIMITS)) == []
    assert kinds(rules.entry_reasons(facts(answer_count=1, same_problem_count=3), ASKED, LIMITS)) == ["same_problem"]


def test_a_thread_qualifying_twice_lists_both_reasons_with_the_matched_words():
    reasons = rules.entry_reasons(facts(text="I want a refund, the case is broken"), ASKED + timedelta(hours=1),
                                  LIMITS)
    assert kinds(reasons) == ["unanswered", "complaint"]
    assert reasons[1].words == ["refund", "broken"]


@pytest.mark.parametrize("state", [{"is_closed": True}, {"is_deleted": True}, {"is_resolved": True}])
def test_closed_deleted_or_resolved_threads_never_qualify(state):
    assert rules.entry_reasons(facts(text="refund now", same_problem_count=9, **state),
                               ASKED + timedelta(days=3), LIMITS) == []


def test_lexicon_matches_whole_words_and_phrases_and_flips_negations():
    reading = lexicon.read("Never again! Not great, and the screen is awful.", ["never again", "again"],
                           ["awful"], ["great"])
    assert reading.complaint_matches == ["never again", "again"]
    assert reading.negative == ["great", "awful"] and reading.positive == []
    assert reading.sentiment == -2
    assert lexicon.read("Refunded already, thanks", ["refund"], [], ["thanks"]).complaint_matches == []


@pytest.mark.parametrize("text, category", [
    ("I want a refund", "complaint"), ("bad awful broken", "complaint"),
    ("Thanks, I love it, great", "compliment"), ("Love it, great, thanks: how do I pair a second one?", "question"),
    ("How do I pair?", "question"), ("The lid is bad since Monday", "question"), ("Firmware 2.1 notes", "question"),
])
def test_category_is_proposed_from_the_text(text, category):
    assert rules.propose_category(rules.read_text(text, LIMITS), LIMITS, text) == category


def test_says_not_solved_finds_the_phrase():
    assert lexicon.says_not_solved("Sorry, this didn't solve it", ["didn't solve"]) == "didn't solve"
    assert lexicon.says_not_solved("Solved, thanks!", ["not solved"]) is None


def test_priority_rises_with_waiting_category_unhappiness_and_same_problem():
    calm = rules.priority_score("question", timedelta(0), 0, 0)
    assert calm == 15 and rules.priority_label(calm) == "low"
    assert rules.priority_score("complaint", timedelta(0), 0, 0) > calm
    assert rules.priority_score("question", timedelta(hours=5), 0, 0) == 25
    assert rules.priority_score("question", timedelta(0), -2, 0) == 25
    assert rules.priority_score("question", timedelta(0), 0, 3) == 30
    assert rules.priority_label(rules.priority_score("complaint", timedelta(hours=30), -5, 10)) == "urgent"


def item(**overrides):
    values = {"created_at": ASKED, "opened_at": ASKED, "first_response_at": None, "waiting_since": None,
              "paused_seconds": 0, "resolved_at": None, "status": "new", "category": "question",
              "first_response_closed_at": None, "first_response_paused_seconds": 0, "reopened_count": 0,
              "team": "technical support"}
    return SimpleNamespace(**{**values, **overrides})


TARGETS = sla.Targets(timedelta(minutes=60), timedelta(hours=24))


def test_clocks_count_down_and_breach_after_their_target():
    first, resolution = sla.clocks(item(), ASKED + timedelta(minutes=45), TARGETS)
    assert first.remaining == timedelta(minutes=15) and not first.breached
    assert resolution.remaining == timedelta(hours=23, minutes=15)
    first, _ = sla.clocks(item(), ASKED + timedelta(minutes=61), TARGETS)
    assert first.breached and first.remaining == -timedelta(minutes=1)


def test_a_response_stops_the_first_clock_in_time():
    first, resolution = sla.clocks(item(first_response_at=ASKED + timedelta(minutes=20), status="in_progress"),
                                   ASKED + timedelta(hours=5), TARGETS)
    assert first.met and not first.running and resolution.running
    assert sla.next_due(item(first_response_at=ASKED), ASKED, TARGETS) == ASKED + timedelta(hours=24)


def test_waiting_on_the_customer_pauses_the_clocks():
    waiting = item(first_response_at=ASKED, status="waiting", waiting_since=ASKED + timedelta(hours=2))
    _, at_two = sla.clocks(waiting, ASKED + timedelta(hours=2), TARGETS)
    _, at_ten = sla.clocks(waiting, ASKED + timedelta(hours=10), TARGETS)
    assert at_two.remaining == at_ten.remaining == timedelta(hours=22) and at_ten.paused
    resumed = item(first_response_at=ASKED, status="in_progress", paused_seconds=8 * 3600)
    _, later = sla.clocks(resumed, ASKED + timedelta(hours=12), TARGETS)
    assert later.due_at == ASKED + timedelta(hours=32) and later.remaining == timedelta(hours=20)


def test_resolution_stops_the_resolution_clock_and_a_late_one_counts_as_breached():
    late = item(first_response_at=ASKED, status="resolved", resolved_at=ASKED + timedelta(hours=30))
    _, resolution = sla.clocks(late, ASKED + timedelta(days=3), TARGETS)
    assert resolution.breached and not resolution.met and sla.next_due(late, ASKED, TARGETS) is None
