"""Finding @username mentions in posts."""
import pytest

from app.notifications.mentions import MAX_MENTIONS, find_mentions


@pytest.mark.parametrize("text, expected", [
    ("thanks @alice!", ["alice"]),
    ("@alice, @Bob and @carol.", ["alice", "Bob", "carol"]),
    ("(@dave) [@erin] @frank's idea", ["dave", "erin", "frank"]),
    ("@alice @ALICE @Alice", ["alice"]),
    ("@user.name and @user_name-2", ["user.name", "user_name-2"]),
    ("first line\n@start of a line", ["start"]),
])
def test_mentions_are_found(text, expected):
    assert find_mentions(text) == expected


@pytest.mark.parametrize("text", [
    "mail bob@example.com today",
    "@ab is too short",
    "an @ alone",
    "two dots @x..y",
    "`@inline` code",
    "``@double `tick` code``",
    "```\n@fenced code\n```",
    "~~~python\n@decorator\n~~~",
    "    @indented code",
    "\t@tabbed code",
    "a path /home/@nobody/x",
    "@" + "a" * 31,
    "",
    None,
])
def test_no_mention_is_found(text):
    assert find_mentions(text) == []


def test_mentions_after_code_still_count():
    assert find_mentions("```\n@no\n```\nbut @yes and `@no` and @also") == ["yes", "also"]


def test_an_unclosed_fence_hides_the_rest():
    assert find_mentions("```\n@hidden forever") == []


def test_at_most_a_few_mentions_per_post():
    names = [f"@member{n}" for n in range(MAX_MENTIONS + 5)]
    assert len(find_mentions(" ".join(names))) == MAX_MENTIONS


def test_naughty_strings_never_raise(testdata):
    import json

    for text in json.loads((testdata / "blns.json").read_text()):
        assert isinstance(find_mentions(text), list)
        assert isinstance(find_mentions("@" + text), list)
