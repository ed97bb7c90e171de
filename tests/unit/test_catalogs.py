"""The shipped catalogs hold every string the code marks, each translated, with the locale's plural forms.

The strings are extracted afresh here, as `make messages` does (babel.cfg), so a new `_("...")` without its
translations fails this test until `make messages` is run and the new entries of each catalog are filled in.
"""
import os
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from app.i18n import LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
# Babel's default keywords (_, gettext, ngettext...) and ours: lazy_gettext imported as _l.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "pgettext_l": ((1, "c"), 2)}


def _searched(path):
    # As `make messages` (IGNORED_DIRS): Babel's default would also skip templates/_partials.
    name = os.path.basename(path)
    return not name.startswith(".") and name not in ("node_modules", "__pycache__")


@pytest.fixture(scope="module")
def marked():
    """{msgid: msgid_plural or None} for every string babel.cfg's extraction finds now; a string marked with a
    context (pgettext: the same English, another meaning) is keyed by (context, msgid)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for _filename, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_searched):
        msgid, plural = message if isinstance(message, tuple) else (message, None)
        key = (context, msgid) if context else msgid
        if plural is not None:
            found[key] = plural
        else:
            found.setdefault(key, None)
    return found


def _catalog(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def test_every_shipped_locale_has_a_catalog_and_every_catalog_is_shipped():
    catalogs = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert catalogs == set(LOCALES)
    assert {"en", "fr"} <= catalogs
    assert any(Locale.parse(code).character_order == "right-to-left" for code in catalogs)


def test_the_extraction_finds_the_wrapped_slice(marked):
    # A broken babel.cfg (or keyword list) would find nothing and pass every other test vacuously.
    for message in ("Sign in", "Skip to content", "We could not find that page", "Language and time zone",
                    "That username is taken.", "Your form expired or was sent from another site. Reload the page "
                    "and try again.", "just now"):
        assert message in marked
    assert marked["Messages: %(num)d unread"] == "Messages: %(num)d unread"
    assert ("question list tab", "Resolved") in marked and "Resolved" in marked  # one English word, two meanings


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_catalog_translates_every_marked_string(locale, marked):
    catalog = _catalog(locale)
    missing, empty, fuzzy, wrong_forms = [], [], [], []
    for key, plural in marked.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        message = catalog.get(msgid, context=context)
        if message is None or message.id in ("",):
            missing.append(msgid)
            continue
        if message.fuzzy:
            fuzzy.append(msgid)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if plural is not None and (not message.pluralizable or len(strings) != catalog.num_plurals):
            wrong_forms.append(msgid)
        elif plural is None and message.pluralizable:
            wrong_forms.append(msgid)
        if not all(text.strip() for text in strings):
            empty.append(msgid)
    hint = "run `make messages`, then translate the new entries of app/translations/*/LC_MESSAGES/messages.po"
    assert not missing, f"{locale} lacks {missing}: {hint}"
    assert not fuzzy, f"{locale} has fuzzy entries {fuzzy}: check and confirm their translations"
    assert not empty, f"{locale} leaves {empty} untranslated"
    assert not wrong_forms, f"{locale} has the wrong plural forms for {wrong_forms}"


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_catalog_is_well_formed(locale):
    catalog = _catalog(locale)
    assert not catalog.fuzzy, f"the {locale} catalog's header is fuzzy: `pybabel compile` would skip it"
    # The plural rule is the locale's own (Arabic has six forms, French three, English two).
    assert catalog.num_plurals == get_plural(locale).num_plurals
    assert catalog.plural_expr == get_plural(locale).plural_expr
    # Placeholders: a translation never names one its original lacks, nor changes its type.
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert not problems


def test_arabic_says_one_two_few_and_many_differently():
    catalog = _catalog("ar")
    forms = catalog.get("Messages: %(num)d unread").string
    assert len(forms) == 6 and len(set(forms)) >= 5
