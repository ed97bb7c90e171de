"""The care queue's settings: admins change them on the settings page; the environment gives defaults."""
from app import settings

UNANSWERED_MINUTES = settings.define(
    "CARE_UNANSWERED_MINUTES", int, 60, "Minutes the community has to answer before a question enters the care queue",
    minimum=1, label="Minutes before an unanswered question needs care")
UNRESOLVED_HOURS = settings.define(
    "CARE_UNRESOLVED_HOURS", int, 24, "Hours after asking before an answered question with no accepted answer enters "
    "the care queue", minimum=1, label="Hours before an unresolved question needs care")
SAME_PROBLEM_THRESHOLD = settings.define(
    "CARE_SAME_PROBLEM_THRESHOLD", int, 3, "People pressing \"I have this problem too\" that send a thread to the "
    "care queue", minimum=1, label="“I have this problem too” presses that need care")
COMPLAINT_WORDS = settings.define(
    "CARE_COMPLAINT_WORDS", list, [
        "refund", "complaint", "complain", "unacceptable", "disappointed", "disappointing", "scam", "rip off",
        "ripoff", "never again", "worst", "furious", "angry", "broken again", "still broken", "waste of money",
        "cancel my", "lawyer", "terrible service", "no one answers", "nobody answers",
    ], "Words and phrases that make a question read as a complaint (one per line)", label="Complaint words")
NEGATIVE_WORDS = settings.define(
    "CARE_NEGATIVE_WORDS", list, [
        "broken", "bad", "awful", "terrible", "horrible", "useless", "annoying", "annoyed", "frustrated",
        "frustrating", "hate", "fail", "fails", "failed", "failing", "defective", "faulty", "dead", "poor", "slow",
        "crash", "crashes", "ridiculous", "unhappy", "upset", "angry", "disappointed", "worst", "problem",
    ], "Negative words of the sentiment lexicon (one per line)", label="Negative words")
POSITIVE_WORDS = settings.define(
    "CARE_POSITIVE_WORDS", list, [
        "thanks", "thank", "great", "love", "awesome", "excellent", "amazing", "happy", "perfect", "fantastic",
        "wonderful", "brilliant", "helpful", "impressed", "pleased", "kudos", "well done",
    ], "Positive words of the sentiment lexicon (one per line)", label="Positive words")
COMPLAINT_SENTIMENT = settings.define(
    "CARE_COMPLAINT_SENTIMENT", int, -3, "A sentiment score at or below this makes a question read as a complaint",
    maximum=-1, label="Sentiment score of a complaint")
COMPLIMENT_SENTIMENT = settings.define(
    "CARE_COMPLIMENT_SENTIMENT", int, 2, "A sentiment score at or above this proposes the compliment category",
    minimum=1, label="Sentiment score of a compliment")
NOT_SOLVED_PHRASES = settings.define(
    "CARE_NOT_SOLVED_PHRASES", list, [
        "did not solve", "didn't solve", "didnt solve", "not solved", "does not work", "doesn't work",
        "did not work", "didn't work", "still not working", "still broken", "still have the problem",
        "still having the problem", "not fixed", "still happens",
    ], "Phrases in the asker's comment on a resolved thread that reopen it (one per line)",
    label="“Not solved” phrases")
FIRST_RESPONSE_MINUTES = settings.define(
    "CARE_FIRST_RESPONSE_MINUTES", int, 60, "SLA: minutes to the first staff response", minimum=1,
    label="First response target (minutes)")
FIRST_RESPONSE_MINUTES_COMPLAINT = settings.define(
    "CARE_FIRST_RESPONSE_MINUTES_COMPLAINT", int, 30, "SLA: minutes to the first staff response to a complaint",
    minimum=1, label="First response target for complaints (minutes)")
RESOLUTION_HOURS = settings.define(
    "CARE_RESOLUTION_HOURS", float, 24.0, "SLA: hours to resolution", minimum=0.1, label="Resolution target (hours)")
RESOLUTION_HOURS_COMPLAINT = settings.define(
    "CARE_RESOLUTION_HOURS_COMPLAINT", float, 4.0, "SLA: hours to resolve a complaint", minimum=0.1,
    label="Resolution target for complaints (hours)")
TEAMS = settings.define(
    "CARE_TEAMS", list, ["technical support", "customer care", "marketing"], "Care teams (one per line)",
    label="Care teams")
ROUTING = settings.define(
    "CARE_ROUTING", list, ["question=technical support", "complaint=customer care", "compliment=marketing",
                           "other=customer care"],
    "Which team each triage category goes to (category=team, one per line)", label="Team for each category")
SWEEP_INTERVAL_SECONDS = settings.define(
    "CARE_SWEEP_INTERVAL_SECONDS", int, 60, "Seconds between the app's own sweeps of the care queue (0: only "
    "`flask care sweep` from cron)", minimum=0, maximum=86400, label="Seconds between care queue sweeps")
REMINDER_DAYS = settings.define(
    "CARE_REMINDER_DAYS", int, 3, "Days after the first answer before an asker who accepted none is reminded",
    minimum=1, label="Days before reminding the asker to accept an answer")
REMINDER_MAX = settings.define(
    "CARE_REMINDER_MAX", int, 2, "Most reminders an asker gets per question", minimum=0, maximum=10,
    label="Reminders per question")
ACKNOWLEDGE_MESSAGE = settings.define(
    "CARE_ACKNOWLEDGE_MESSAGE", str, "Thanks for raising this. We're looking into it and will get back to you here.",
    "The public comment staff post to acknowledge a thread", label="Acknowledgement comment")


def routing():
    """{category: team} from the routing setting; unknown teams fall back to the first team."""
    teams = settings.get(TEAMS) or ["customer care"]
    table = {}
    for line in settings.get(ROUTING):
        category, _, team = line.partition("=")
        table[category.strip().lower()] = team.strip() if team.strip() in teams else teams[0]
    return table


def team_for(category):
    """The team a category routes to."""
    teams = settings.get(TEAMS) or ["customer care"]
    return routing().get(category, teams[0])
