"""The demo content files: the shipped ones pass the loader's checks, and a slip in them fails loudly, by name."""
import re
from importlib import resources
from pathlib import Path

import pytest

from app.demo import content

FILES = (content.COMMUNITY, content.PHRASES)


def _shipped():
    """The TOML texts shipped in app/demo, by file name."""
    folder = resources.files("app.demo")
    return {name: folder.joinpath(name).read_text(encoding="utf-8") for name in FILES}


def _with(name, old, new):
    """The shipped texts with the first `old` in file `name` replaced by `new`."""
    texts = _shipped()
    assert old in texts[name], f"{old!r} is no longer in {name}: pick another example"
    texts[name] = texts[name].replace(old, new, 1)
    return texts


def test_the_shipped_content_passes_the_checks():
    loaded = content.load()
    assert content.parse(_shipped()) == loaded
    assert content.DEMO_MEMBER in loaded.members and content.COMPANION_APP in loaded.products
    assert all(topic.staff.startswith("Hi {asker}, ") for topic in loaded.topics)


def test_the_brand_is_data_not_code():
    # A later brand is another pair of data files: the seeding code itself names none.
    code = Path(content.__file__).with_name("__init__.py").read_text(encoding="utf-8")
    assert "Lumen" not in code and "lumen" not in code


@pytest.mark.parametrize(("name", "old", "new", "error"), [
    # A misspelt key is never ignored: the demo would silently lose what it held.
    (content.COMMUNITY, "\n[[topics]]\n", "\n[[topic]]\n", "community.toml: unknown key 'topic'"),
    (content.COMMUNITY, "titles = [", "titels = [", "community.toml [[topics]] 1: unknown key 'titels' (expected: "),
    (content.COMMUNITY, "\ntechnical = false", "\ntechnicl = false", "unknown key 'technicl'"),
    (content.PHRASES, "stuck_comments = [", "stuck_coments = [", "phrases.toml: unknown key 'stuck_coments'"),
    (content.PHRASES, 'reply = "{fw}', 'replies = "{fw}', "phrases.toml [[tech_followups]] 1: unknown key 'replies'"),
    (content.COMMUNITY, 'model = "LX2-E"\n', "", "community.toml [products.x200]: missing key 'model'"),
    (content.COMMUNITY, 'greeting = "Hi', 'greting = "Hi', "community.toml [official_reply]: unknown key 'greting'"),
    # Values of the wrong kind, or naming what does not exist.
    (content.COMMUNITY, "\nofficial = true", '\nofficial = "yes"', ".official: expected true or false, got a string"),
    (content.COMMUNITY, 'products = ["x200", "pulse"', 'products = ["x200", "puls"',
     "community.toml [[topics]] 1.products: unknown product 'puls'"),
    (content.COMMUNITY, '"demo", "maria.k"', '"maria.k"', "members must include 'demo'"),
    (content.COMMUNITY, '"maria.k", "tomhollis"', '"maria.k", "maria.k"', "'maria.k' appears twice"),
    (content.COMMUNITY, 'versions = ["3.1.2", "3.2.0", "3.2.4", "3.3.1"]', 'versions = ["3.1.2"]',
     "[products.x200].versions: expected an array of at least 2 string(s), got an array of 1"),
    # Placeholders: a typo, one the planner cannot fill there, one in a text used as it is, a stray brace.
    (content.COMMUNITY, "{product} battery drains", "{prodcut} battery drains",
     "[[topics]] 1.titles[0]: unknown placeholder {prodcut} (allowed here: {about}, "),
    (content.COMMUNITY, "{product} battery drains", "{asker}'s battery drains", "unknown placeholder {asker}"),
    (content.PHRASES, '"Worked for me too, thanks."', '"Worked for me too, {asker}."',
     "answer_comments[0]: unknown placeholder {asker} (allowed here: none: it is used as it is)"),
    (content.COMMUNITY, "{product} battery drains", "{product battery drains",
     "community.toml [[topics]] 1.titles[0]: "),
    # Not TOML at all: the file is named, with tomllib's line and column.
    (content.PHRASES, 'months = ["January"', 'months = ["January', "phrases.toml: Unclosed array (at line "),
])
def test_a_slip_in_a_content_file_is_an_error_naming_it(name, old, new, error):
    with pytest.raises(content.ContentError, match=re.escape(error)):
        content.parse(_with(name, old, new))
