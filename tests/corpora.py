"""The public hostile-input corpora of tests/data (sources and licences in tests/data/README.md).

Each full corpus runs once per database engine through the path that matters most for it
(XSS payloads through the renderer, naughty strings through every form and API field of
test_hostile_input, open redirects through sign-in's `next`). Elsewhere tests take the
samples below: deterministic, and stratified so that every class of payload is in them.
"""
import json
import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

TESTDATA = Path(__file__).resolve().parent / "data"


def load(name):
    """One corpus, parsed; a missing file fails the test that needs it (never a skip)."""
    path = TESTDATA / name
    if not path.is_file():
        pytest.fail(f"hostile-input corpus not found at {path}: it is part of the repository")
    return json.loads(path.read_text(encoding="utf-8"))


def stratified(items, key, every, at_least=1):
    """Of each class (by `key`), one item in `every` but at least `at_least`, evenly spread; in corpus order."""
    classes = defaultdict(list)
    for position, item in enumerate(items):
        classes[key(item)].append(position)
    chosen = []
    for positions in classes.values():
        count = min(len(positions), max(at_least, math.ceil(len(positions) / every)))
        chosen += [positions[index * len(positions) // count] for index in range(count)]
    return [items[position] for position in sorted(chosen)]


# XSS and SQL injection payloads -----------------------------------------------------------


def xss_sample(every, payloads=None):
    """XSS entries ({source, payload}): one in `every` from each of the corpus's 25 sources, at least one."""
    payloads = load("xss_payloads.json") if payloads is None else payloads
    return stratified(payloads, key=lambda entry: entry["source"], every=every)


# Naughty strings ----------------------------------------------------------------------------

# blns.json has lost the list's section headings, so each string is classed by what it contains,
# the first class that matches winning (markup before scripts, so the big script-injection
# section is one class and does not crowd out the small ones).
_MARKUP = re.compile(r"[<>]|&#?\w+;|javascript:|\\x[0-9a-f]{2}", re.IGNORECASE)
_SQL = re.compile(r"\b(drop|select|union|insert|exec)\b|'\s*or\b|\bor\s+1\s*=\s*1", re.IGNORECASE)
_CODE = re.compile(r"[$`{}%]|\.\./|\(\)|\b(eval|exec|system)\b", re.IGNORECASE)
NAUGHTY_CLASSES = {
    "blank or unicode spaces": lambda text: not text.strip(),
    "control characters": lambda text: any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text),
    "zero-width, bidi and other format characters": lambda text: any(unicodedata.category(c) == "Cf" for c in text),
    "markup and script injection": lambda text: bool(_MARKUP.search(text)),
    "right-to-left scripts": lambda text: any(unicodedata.bidirectional(c) in ("R", "AL") for c in text),
    "combining marks (zalgo, Thai, emoji variations)": lambda text: any(
        unicodedata.category(c) in ("Mn", "Me") for c in text),
    "emoji, symbols and astral characters": lambda text: any(
        ord(c) > 0xFFFF or unicodedata.category(c) == "So" for c in text),
    "wide East Asian characters": lambda text: any(unicodedata.east_asian_width(c) in ("W", "F") for c in text),
    "other non-ASCII letters and signs": lambda text: any(ord(c) > 0x7F for c in text),
    "SQL injection": lambda text: bool(_SQL.search(text)),
    "shell, code and format strings": lambda text: bool(_CODE.search(text)),
    "numbers": lambda text: any(c.isdigit() for c in text),
    "quotes and punctuation": lambda text: any(not (c.isalnum() or c.isspace()) for c in text),
    "words (reserved names, file names, Scunthorpe)": lambda text: True,
}


def naughty_class(text):
    """The first class of NAUGHTY_CLASSES that a naughty string belongs to."""
    return next(name for name, matches in NAUGHTY_CLASSES.items() if matches(text))


def naughty_sample(strings=None):
    """The sample of the naughty strings: one in 8 of each class of NAUGHTY_CLASSES, at least 2 of each."""
    strings = load("blns.json") if strings is None else strings
    return stratified(strings, key=naughty_class, every=8, at_least=2)
