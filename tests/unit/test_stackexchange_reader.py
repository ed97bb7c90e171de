"""The Stack Exchange dump reader: streaming rows in flat memory, parsing attributes, converting bodies."""
import tracemalloc
from datetime import datetime
from xml.sax.saxutils import quoteattr

import pytest

from app.importer.bodies import BodyError, convert_body, html_to_markdown
from app.importer.stackexchange import (
    DumpError,
    RowError,
    batches,
    iter_rows,
    parse_date,
    parse_int,
    peerdesk_tag,
    site_slug,
    tag_names,
    username_base,
    with_suffix,
)
from app.rendering import render_markdown


def write_posts(path, count, body_size=1000):
    """A Posts.xml of `count` question rows with bodies of about `body_size` characters."""
    body = quoteattr("<p>" + ("lorem ipsum " * (body_size // 12)) + "</p>")
    with path.open("w", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        for number in range(1, count + 1):
            handle.write(f'  <row Id="{number}" PostTypeId="1" CreationDate="2015-01-01T00:00:00.000" '
                         f'Title="Question {number}" Body={body} Tags="&lt;x&gt;" />\n')
        handle.write("</posts>\n")
    return path


def peak_while_reading(path):
    """The peak traced memory, in bytes, while every row of `path` is read."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_however_many_rows(tmp_path):
    small = write_posts(tmp_path / "small.xml", 2_000)
    large = write_posts(tmp_path / "large.xml", 20_000)
    small_count, small_peak = peak_while_reading(small)
    large_count, large_peak = peak_while_reading(large)
    assert (small_count, large_count) == (2_000, 20_000)
    assert large.stat().st_size > 20_000_000
    # Ten times the rows, about the same peak: only the current row and the parser's buffer are held.
    assert large_peak < small_peak * 1.5 + 100_000, (small_peak, large_peak)
    assert large_peak < 1_000_000


def test_rows_come_with_their_attributes_decoded(tmp_path):
    path = tmp_path / "Comments.xml"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<comments>\n'
                    '  <row Id="1" Text="a &amp; b &lt;c&gt; &#x1F642;" />\n  <row Id="2" />\n</comments>',
                    encoding="utf-8")
    assert list(iter_rows(path)) == [{"Id": "1", "Text": "a & b <c> 🙂"}, {"Id": "2"}]


def test_progress_reports_the_bytes_read(tmp_path):
    path = write_posts(tmp_path / "Posts.xml", 5_000, body_size=100)
    positions = []
    assert sum(1 for _ in iter_rows(path, positions.append)) == 5_000
    assert positions == sorted(positions) and positions[-1] == path.stat().st_size and len(positions) > 2


def test_xml_that_breaks_off_yields_the_rows_before_the_fault(tmp_path):
    path = tmp_path / "Posts.xml"
    path.write_text('<posts><row Id="1" /><row Id="2" /><row Id="3" Title="unclosed', encoding="utf-8")
    rows = []
    with pytest.raises(DumpError, match="Posts.xml is not well-formed XML"):
        for row in iter_rows(path):
            rows.append(row["Id"])
    assert rows == ["1", "2"]


def test_batches():
    assert list(batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batches([], 3)) == []


def test_a_failing_read_still_hands_over_the_rows_before_it():
    def rows():
        yield from range(5)
        raise DumpError("broken")

    handed = []
    with pytest.raises(DumpError, match="broken"):
        for batch in batches(rows(), 3):
            handed.append(batch)
    assert handed == [[0, 1, 2], [3, 4]]


@pytest.mark.parametrize(("value", "expected"), [
    ("2010-07-28T19:04:21.300", datetime(2010, 7, 28, 19, 4, 21, 300000)),
    ("2010-07-28T19:04:21", datetime(2010, 7, 28, 19, 4, 21)),
    ("2010-07-28", datetime(2010, 7, 28)),
    ("2010-07-28T21:04:21+02:00", datetime(2010, 7, 28, 19, 4, 21)),
])
def test_dates_are_read_as_naive_utc(value, expected):
    assert parse_date({"CreationDate": value}, "CreationDate") == expected


@pytest.mark.parametrize("value", ["yesterday", "2010-13-01T00:00:00", "2010-02-30", "0"])
def test_malformed_dates_are_row_errors(value):
    with pytest.raises(RowError, match="malformed CreationDate"):
        parse_date({"CreationDate": value}, "CreationDate")


def test_integers():
    assert parse_int({"Id": "42"}, "Id") == 42 and parse_int({"Score": "-3"}, "Score") == -3
    assert parse_int({}, "OwnerUserId", required=False) is None
    for value in ("4x", "1.5", "99999999999", "", " "):
        with pytest.raises(RowError):
            parse_int({"Id": value}, "Id")
    with pytest.raises(RowError, match="missing Id"):
        parse_int({}, "Id")
    with pytest.raises(RowError, match="malformed Id"):
        parse_int({"Id": "-1"}, "Id", minimum=1)


def test_tags_in_both_dump_formats_become_valid_peerdesk_tags():
    assert tag_names("<c#><asp.net-mvc><c++>") == ["c#", "asp.net-mvc", "c++"]
    assert tag_names("|python|pandas|") == ["python", "pandas"]
    assert tag_names("") == [] and tag_names(None) == []
    converted = [peerdesk_tag(n) for n in ("c#", "asp.net-mvc", "c++", ".net", "Café", "日本語", "x" * 50, "a--b")]
    assert converted == ["csharp", "asp-net-mvc", "cplusplus", "net", "cafe", None, "x" * 35, "a-b"]


def test_usernames_are_valid_whatever_the_display_name():
    assert username_base("Ada Lovelace", "user1") == "Ada-Lovelace"
    assert username_base("Zoë  Ærø!", "user1") == "Zoe-r"
    assert username_base("李小龙", "user7") == "user7"
    assert username_base("..a..", "user8") == "user8"
    assert username_base("x" * 80, "u") == "x" * 30
    assert username_base("a....b__c", "u") == "a.b_c"
    assert with_suffix("x" * 30, "-2") == "x" * 28 + "-2"


def test_site_names():
    assert site_slug("coffee.stackexchange.com") == "coffee"
    assert site_slug("Lumen Support") == "lumen-support"
    assert site_slug("superuser.com") == "superuser"
    assert site_slug("!!!") == "site"


@pytest.mark.parametrize(("html", "markdown"), [
    ("<p>Plain <em>text</em> and <strong>bold</strong>.</p>", "Plain *text* and **bold**."),
    ("<p>Not *emphasis* or _this_ or [a link]</p>", r"Not \*emphasis\* or \_this\_ or \[a link\]"),
    ("<p>1. not a list</p><p># not a heading</p>", "1\\. not a list\n\n\\# not a heading"),
    ("<h2>Heading</h2><hr><blockquote><p>Quoted</p></blockquote>", "## Heading\n\n---\n\n> Quoted"),
    ("<ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul><p>after</p>",
     "-   one\n\n    -   nested\n\n-   two\n\nafter"),
    ('<pre class="lang-py prettyprint-override"><code>print("a")\n</code></pre>', '```py\nprint("a")\n```'),
    ("<pre><code>```\nfenced inside\n```</code></pre>", "````\n```\nfenced inside\n```\n````"),
    ('<p><a href="https://example.com/a b">spaced</a></p>', "[spaced](<https://example.com/a%20b>)"),
    ("<p>AT&amp;T &amp;amp;</p>", "AT&T &amp;amp;"),
    ("<script>alert(1)</script><style>p{}</style><p>kept</p>", "kept"),
])
def test_html_becomes_the_markdown_peerdesk_renders(html, markdown):
    assert html_to_markdown(html) == markdown


def test_the_converted_markdown_renders_back_to_the_same_structure():
    html = ("<p>Intro with <code>code</code>.</p><ol><li><p>First</p><pre><code>x = 1</code></pre></li>"
            "<li>Second</li></ol><blockquote><p>Quote</p><pre><code>y = 2</code></pre></blockquote>"
            "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>b</td></tr></tbody></table>")
    source, rendered = convert_body(html)
    assert rendered == render_markdown(source)
    for fragment in ("<code>code</code>", "<ol>", "<pre><code>x = 1", "<li>\n<p>Second</p>", "<blockquote>",
                     "<pre><code>y = 2", "<th>a</th>", "<td>b</td>"):
        assert fragment in rendered, fragment


def test_bodies_that_cannot_be_posts_are_refused_with_a_reason():
    with pytest.raises(BodyError, match="empty"):
        convert_body("<p>  </p><script>x</script>")
    with pytest.raises(BodyError, match="30,000"):
        convert_body("<p>" + "word " * 7000 + "</p>")
    with pytest.raises(BodyError, match="fails rendering"):
        convert_body("<blockquote>" * 20 + "deep" + "</blockquote>" * 20)


def test_unsafe_html_is_sanitized_by_the_app_renderer():
    _, rendered = convert_body('<p><a href="javascript:alert(1)">x</a><img src="http://x/a.png" onerror="alert(1)" '
                               'alt="pic"><iframe src="https://evil.example"></iframe>&lt;script&gt;</p>')
    assert "javascript" not in rendered and "onerror" not in rendered and "<iframe" not in rendered
    assert "<script" not in rendered and "&lt;script&gt;" in rendered and "pic" in rendered
