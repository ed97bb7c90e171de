"""A transparent complaint and sentiment lexicon: plain word lists admins edit, matches shown to staff."""
import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z0-9']+")
_NEGATIONS = frozenset({"not", "no", "never", "don't", "doesn't", "didn't", "isn't", "wasn't", "hardly"})


@dataclass(frozen=True)
class Reading:
    """What the lexicon found: complaint phrases, sentiment score and every word that counted."""

    complaint_matches: list = field(default_factory=list)
    positive: list = field(default_factory=list)
    negative: list = field(default_factory=list)

    @property
    def sentiment(self):
        """Positive minus negative words: below zero reads unhappy."""
        return len(self.positive) - len(self.negative)

    @property
    def matched_words(self):
        """Every matched word or phrase, once, in the order found: what staff see."""
        return list(dict.fromkeys(self.complaint_matches + self.negative + self.positive))


def _normalise(text):
    return " ".join(_WORD.findall((text or "").lower().replace("\u2019", "'")))


def _phrase_in(phrase, normalised):
    phrase = _normalise(phrase)
    return bool(phrase) and re.search(rf"(?<![a-z0-9']){re.escape(phrase)}(?![a-z0-9'])", normalised) is not None


def read(text, complaint_words, negative_words, positive_words):
    """Match the lexicon against a text; a negation flips the sentiment of the next word."""
    normalised = _normalise(text)
    complaints = [phrase for phrase in complaint_words if _phrase_in(phrase, normalised)]
    negative_set = {_normalise(w) for w in negative_words if " " not in _normalise(w)}
    positive_set = {_normalise(w) for w in positive_words if " " not in _normalise(w)}
    positive, negative = [], []
    words = normalised.split()
    for index, word in enumerate(words):
        negated = index > 0 and words[index - 1] in _NEGATIONS
        if word in positive_set:
            (negative if negated else positive).append(word)
        elif word in negative_set:
            (positive if negated and word not in {"problem"} else negative).append(word)
    # Multi-word entries of the sentiment lists count as phrases.
    positive += [p for p in positive_words if " " in _normalise(p) and _phrase_in(p, normalised)]
    negative += [p for p in negative_words if " " in _normalise(p) and _phrase_in(p, normalised)]
    return Reading(complaints, positive, negative)


def says_not_solved(text, phrases):
    """Whether a comment says the problem is not solved; returns the matched phrase or None."""
    normalised = _normalise(text)
    return next((phrase for phrase in phrases if _phrase_in(phrase, normalised)), None)
