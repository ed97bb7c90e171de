"""Ages, dates and numbers in the reader's locale and zone, and which shipped language a browser gets."""
from datetime import date as calendar_date
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.formatting import age, compact, date, date_time, number
from app.i18n import is_time_zone, negotiate

NOW = datetime(2031, 3, 14, 23, 30)


@pytest.mark.parametrize(("seconds", "english", "french"), [
    (59, "just now", "just now"),  # no catalog given: the English of "just now"
    (60, "1 minute ago", "il y a 1 minute"),
    (59 * 60 + 59, "59 minutes ago", "il y a 59 minutes"),  # whole units, never rounded up to an hour
    (5 * 3600, "5 hours ago", "il y a 5 heures"),
    (3 * 86400, "3 days ago", "il y a 3 jours"),
    (10 * 86400, "1 week ago", "il y a 1 semaine"),
    (400 * 86400, "1 year ago", "il y a 1 an"),
])
def test_ages_are_whole_units_in_the_readers_language(seconds, english, french):
    moment = NOW - timedelta(seconds=seconds)
    assert age(moment, NOW) == english
    assert age(moment, NOW, "fr") == french


def test_arabic_ages_use_its_dual_and_plural_forms():
    assert age(NOW - timedelta(hours=2), NOW, "ar") == "قبل ساعتين"
    assert age(NOW - timedelta(hours=5), NOW, "ar") == "قبل 5 ساعات"


def test_an_age_is_never_in_the_future_and_nothing_has_no_age():
    assert age(NOW + timedelta(minutes=5), NOW) == "just now"
    assert age(None, NOW) == ""


def test_dates_fall_on_the_day_of_the_readers_zone():
    # 23:30 UTC on the 14th is already the 15th in Tokyo, still the 14th in New York.
    assert date(NOW, "en") == "Mar 14, 2031"
    assert date(NOW, "en", ZoneInfo("Asia/Tokyo")) == "Mar 15, 2031"
    assert date(NOW, "fr", ZoneInfo("America/New_York")) == "14 mars 2031"
    assert date(calendar_date(2031, 3, 14), "fr", ZoneInfo("Asia/Tokyo")) == "14 mars 2031"  # a day has no zone
    assert date(None) == ""


def test_a_date_and_time_is_in_the_readers_zone_and_clock():
    assert date_time(NOW, "en", ZoneInfo("Europe/Paris")) == "Mar 15, 2031, 12:30\u202fAM"
    assert date_time(NOW, "fr", ZoneInfo("Europe/Paris")) == "15 mars 2031, 00:30"


def test_numbers_follow_the_locale():
    assert compact(999) == "999" and compact(1234) == "1.2K"
    assert compact(1234, "fr") == "1,2\xa0k"
    assert number(12345) == "12,345" and number(12345, "fr") == "12\u202f345"


def _accept(header):
    return parse_accept_header(header, LanguageAccept)


@pytest.mark.parametrize(("header", "locale"), [
    ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
    ("ar-EG", "ar"),
    ("en-GB,fr;q=0.9", "en"),  # the first preference by its primary tag, not the first exact match further on
    ("de,fr;q=0.5", "fr"),
    ("fr;q=0,en;q=0.1", "en"),  # q=0 means "not this one"
    ("de", None),
    ("*", None),  # anything: the community's default decides
    ("", None),
])
def test_accept_language_picks_the_preferred_shipped_locale(header, locale):
    assert negotiate(_accept(header)) == locale


@pytest.mark.parametrize(("name", "known"), [
    ("Europe/Paris", True), ("UTC", True), ("America/Argentina/Buenos_Aires", True),
    ("Mars/Olympus_Mons", False), ("", False), (None, False), ("../../etc/passwd", False), ("/etc/localtime", False),
])
def test_time_zones_are_zoneinfo_keys(name, known):
    assert is_time_zone(name) is known
