"""The care queue's settings: admins change them on the settings page; the environment gives defaults."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import settings
from app.care import business_hours as calendars

UNANSWERED_MINUTES = settings.define(
    "CARE_UNANSWERED_MINUTES", int, 60,
    _l("Minutes the community has to answer before a question enters the care queue"),
    minimum=1, label=_l("Minutes before an unanswered question needs care"))
UNRESOLVED_HOURS = settings.define(
    "CARE_UNRESOLVED_HOURS", int, 24, _l("Hours after asking before an answered question with no accepted answer "
                                         "enters the care queue"),
    minimum=1, label=_l("Hours before an unresolved question needs care"))
SAME_PROBLEM_THRESHOLD = settings.define(
    "CARE_SAME_PROBLEM_THRESHOLD", int, 3, _l("People pressing \"I have this problem too\" that send a thread to the "
    "care queue"), minimum=1, label=_l("“I have this problem too” presses that need care"))
COMPLAINT_WORDS = settings.define(
    "CARE_COMPLAINT_WORDS", list, [
        "refund", "complaint", "complain", "unacceptable", "disappointed", "disappointing", "scam", "rip off",
        "ripoff", "never again", "worst", "furious", "angry", "broken again", "still broken", "waste of money",
        "cancel my", "lawyer", "terrible service", "no one answers", "nobody answers",
    ], _l("Words and phrases that make a question read as a complaint (one per line)"), label=_l("Complaint words"))
NEGATIVE_WORDS = settings.define(
    "CARE_NEGATIVE_WORDS", list, [
        "broken", "bad", "awful", "terrible", "horrible", "useless", "annoying", "annoyed", "frustrated",
        "frustrating", "hate", "fail", "fails", "failed", "failing", "defective", "faulty", "dead", "poor", "slow",
        "crash", "crashes", "ridiculous", "unhappy", "upset", "angry", "disappointed", "worst", "problem",
    ], _l("Negative words of the sentiment lexicon (one per line)"), label=_l("Negative words"))
POSITIVE_WORDS = settings.define(
    "CARE_POSITIVE_WORDS", list, [
        "thanks", "thank", "great", "love", "awesome", "excellent", "amazing", "happy", "perfect", "fantastic",
        "wonderful", "brilliant", "helpful", "impressed", "pleased", "kudos", "well done",
    ], _l("Positive words of the sentiment lexicon (one per line)"), label=_l("Positive words"))
COMPLAINT_SENTIMENT = settings.define(
    "CARE_COMPLAINT_SENTIMENT", int, -3, _l("A sentiment score at or below this makes a question read as a complaint"),
    maximum=-1, label=_l("Sentiment score of a complaint"))
COMPLIMENT_SENTIMENT = settings.define(
    "CARE_COMPLIMENT_SENTIMENT", int, 2, _l("A sentiment score at or above this proposes the compliment category"),
    minimum=1, label=_l("Sentiment score of a compliment"))
NOT_SOLVED_PHRASES = settings.define(
    "CARE_NOT_SOLVED_PHRASES", list, [
        "did not solve", "didn't solve", "didnt solve", "not solved", "does not work", "doesn't work",
        "did not work", "didn't work", "still not working", "still broken", "still have the problem",
        "still having the problem", "not fixed", "still happens",
    ], _l("Phrases in the asker's comment on a resolved thread that reopen it (one per line)"),
    label=_l("“Not solved” phrases"))
FIRST_RESPONSE_MINUTES = settings.define(
    "CARE_FIRST_RESPONSE_MINUTES", int, 60, _l("SLA: minutes to the first staff response"), minimum=1,
    label=_l("First response target (minutes)"))
FIRST_RESPONSE_MINUTES_COMPLAINT = settings.define(
    "CARE_FIRST_RESPONSE_MINUTES_COMPLAINT", int, 30, _l("SLA: minutes to the first staff response to a complaint"),
    minimum=1, label=_l("First response target for complaints (minutes)"))
RESOLUTION_HOURS = settings.define(
    "CARE_RESOLUTION_HOURS", float, 24.0, _l("SLA: hours to resolution"), minimum=0.1,
    label=_l("Resolution target (hours)"))
RESOLUTION_HOURS_COMPLAINT = settings.define(
    "CARE_RESOLUTION_HOURS_COMPLAINT", float, 4.0, _l("SLA: hours to resolve a complaint"), minimum=0.1,
    label=_l("Resolution target for complaints (hours)"))
TEAMS = settings.define(
    "CARE_TEAMS", list, ["technical support", "customer care", "marketing"], _l("Care teams (one per line)"),
    label=_l("Care teams"))
ROUTING = settings.define(
    "CARE_ROUTING", list, ["question=technical support", "complaint=customer care", "compliment=marketing",
                           "other=customer care"],
    _l("Which team each triage category goes to (category=team, one per line)"), label=_l("Team for each category"))
SWEEP_INTERVAL_SECONDS = settings.define(
    "CARE_SWEEP_INTERVAL_SECONDS", int, 60, _l("Seconds between the app's own sweeps of the care queue (0: only "
    "`flask care sweep` from cron)"), minimum=0, maximum=86400, label=_l("Seconds between care queue sweeps"))
REMINDER_DAYS = settings.define(
    "CARE_REMINDER_DAYS", int, 3, _l("Days after the first answer before an asker who accepted none is reminded"),
    minimum=1, label=_l("Days before reminding the asker to accept an answer"))
REMINDER_MAX = settings.define(
    "CARE_REMINDER_MAX", int, 2, _l("Most reminders an asker gets per question"), minimum=0, maximum=10,
    label=_l("Reminders per question"))
WARN_MINUTES = settings.define(
    "CARE_WARN_MINUTES", int, 15,
    _l("Minutes before a care item's target is due when its agent (or its team) is warned"),
    minimum=1, maximum=1440, label=_l("Warn agents this many minutes before a target is due"))
ACKNOWLEDGE_MESSAGE = settings.define(
    "CARE_ACKNOWLEDGE_MESSAGE", str, "Thanks for raising this. We're looking into it and will get back to you here.",
    _l("The public comment staff post to acknowledge a thread"), label=_l("Acknowledgement comment"))


def routing():
    """{category: team} from the routing setting; unknown teams fall back to the first team."""
    teams = settings.get(TEAMS) or ["customer care"]
    table = {}
    for line in settings.get(ROUTING):
        category, _sep, team = line.partition("=")
        table[category.strip().lower()] = team.strip() if team.strip() in teams else teams[0]
    return table


def team_for(category):
    """The team a category routes to."""
    teams = settings.get(TEAMS) or ["customer care"]
    return routing().get(category, teams[0])


# SLA clocks: where they start, and the teams that count business hours instead of 24/7 ----------

CLOCK_STARTS = {"queued": "when the item entered the care queue", "asked": "when the customer asked"}


def _one_clock_start(value):
    if value not in CLOCK_STARTS:
        raise ValueError(_("Write queued (the clocks start when the item enters the care queue) or asked (when "
                           "the customer asked)."))


def _calendar_lines(lines):
    try:
        calendars.parse_lines(lines, settings.get(TEAMS))
    except calendars.CalendarError as error:
        raise ValueError(str(error)) from None


CLOCK_START = settings.define(
    "CARE_SLA_CLOCK_START", str, "queued", _l("SLA: when the first-response and resolution clocks start: queued (when "
    "the item enters the care queue) or asked (when the customer asked the question). Staff pages show both times "
    "either way"), label=_l("SLA clocks start when"), validate=_one_clock_start)
BUSINESS_HOURS = settings.define(
    "CARE_BUSINESS_HOURS", list, [], _l("SLA: business hours per team, one line each, such as technical "
    "support=Mon-Fri 09:00-17:00 Europe/Paris (several spans: Mon-Fri 09:00-17:00, Sat 10:00-14:00 "
    "Europe/Paris). Its clocks count only those hours, pauses included; teams without a line count 24/7"),
    label=_l("Business hours per team"), validate=_calendar_lines)


def clock_start():
    """"queued" or "asked": where the SLA clocks start."""
    value = settings.get(CLOCK_START)
    return value if value in CLOCK_STARTS else "queued"


def business_hours():
    """{team (lower case): Calendar} of the teams with business hours; a line that no longer reads is left out."""
    found = {}
    for line in settings.get(BUSINESS_HOURS):
        try:
            found.update(calendars.parse_lines([line]))
        except calendars.CalendarError:
            continue
    return found


# Triage: keyword overrides, then tags, then the topic classifier, then the category's team ------

def _triage_lines(kind):
    """A check of override or tag lines: each one `name=target` with a team (or, for overrides, category:NAME)."""
    def check(lines):
        from app.care.models import CATEGORIES

        teams = settings.get(TEAMS)
        for line in lines:
            name, _sep, target = (part.strip() for part in line.partition("="))
            known = target in teams or (kind == "override" and target.lower().startswith("category:")
                                        and target.split(":", 1)[1].strip().lower() in CATEGORIES)
            if not name or not known:
                if kind == "override":
                    raise ValueError(_("“%(line)s”: write override=team, with one of: %(teams)s or "
                                       "category:%(categories)s.", line=line, teams=", ".join(teams),
                                       categories="|".join(CATEGORIES)))
                raise ValueError(_("“%(line)s”: write tag=team, with one of: %(teams)s.", line=line,
                                   teams=", ".join(teams)))
    return check


TRIAGE_OVERRIDES = settings.define(
    "CARE_TRIAGE_OVERRIDES", list, [], _l("Triage overrides that win over tags and the classifier, one per line: "
    "phrase=team (refund=customer care) or phrase=category:NAME (charged twice=category:complaint). The complaint "
    "words also make a question a complaint"), label=_l("Triage overrides"), validate=_triage_lines("override"))
TAG_ROUTING = settings.define(
    "CARE_TAG_ROUTING", list, [
        "billing=customer care", "orders=customer care", "shipping=customer care", "returns=customer care",
        "warranty=customer care", "subscription=customer care", "account=customer care", "bug=technical support",
        "troubleshooting=technical support", "technical=technical support",
    ], _l("Which team a question's tag routes to (tag=team, one per line; the first listed tag of a question that "
    "has a line wins). The classifier's topics (technical, account, billing, community) route the same way when "
    "no tag does"), label=_l("Team for each tag or topic"), validate=_triage_lines("tag"))


def triage_rules():
    """The triage settings, read once: a sweep passes them to every item of a batch."""
    from app.care import triage
    from app.care.models import CATEGORIES

    teams = tuple(settings.get(TEAMS) or ["customer care"])
    return triage.Rules(
        teams=teams, category_teams=routing(), tag_teams=triage.parse_table(settings.get(TAG_ROUTING), teams),
        overrides=triage.parse_overrides(settings.get(TRIAGE_OVERRIDES), teams, CATEGORIES),
        compliment_sentiment=settings.get(COMPLIMENT_SENTIMENT))
