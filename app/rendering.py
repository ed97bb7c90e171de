"""Post bodies (Markdown) and comments (inline Markdown) to safe HTML, and HTML back to text.

The only renderer (app.moderation.holds reads bleach's list of domains, nothing more).
Raw HTML typed in a post is shown as text, since
Markdown's HTML support is off.  Markdown's output is cleaned by bleach against an allow-list:
other tags are escaped (shown as text), other attributes and comments are dropped.  Links keep
an href only for http, https, mailto or relative URLs, checked here as bleach misses some
(``javascript:123``), and all get ``rel="nofollow ugc noopener"``; an image needs an https or
site-relative (``/...``) source, otherwise its alt text is shown.

Posts and comments follow one rule: a bare http(s) address in text becomes a link (bleach's
linkify, in the same pass as the cleaning, so the link rules above apply to it), except inside
code and existing links.  A comment is one line of a post: the same inline Markdown (code,
emphasis, links), and no block elements (paragraphs, headings, lists, quotes, images).

Python-Markdown has quadratic paths (issue #798) and, with bleach, costs about 100 microseconds
per HTML element, so rendering is bounded: quotes and lists nested deeper than MAX_NESTING are
refused, unclosed code fences are hidden from the fence search, and everything else draws on
one work budget per post (see _WorkBudget).  Ordinary posts stay well within it and render
exactly as Markdown renders them.
"""

import bisect
import html
import re
import threading
from itertools import pairwise

import bleach
import markdown
from babel.numbers import format_decimal
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from flask_babel import get_locale
from flask_babel import gettext as _
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import (
    BACKTICK_RE,
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    BacktickInlineProcessor,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

MAX_BODY_LENGTH = 30000
MAX_NESTING = 15

# Rendering work is estimated in microseconds of CPU on a 2-core machine (measured with
# bench/bench_render.py), and a post may use _WORK_BUDGET_US of it.  A 30,000-character post of
# ordinary prose, lists, tables, links and code needs 100 to 150 ms of it.
_WORK_BUDGET_US = 180_000
_ELEMENT_US = 90  # each paragraph, list item, heading, table cell... through Markdown and bleach
_INLINE_MARK_US = 90  # each character that can start or end inline formatting (a link has two)
_SCANNED_CHARACTER_US = 0.2  # each character the link and code-span matchers scan forward
# Block processors search a whole block, some line by line, and one that splits a block hands
# the rest back to all of them.
_BLOCK_TRY_US = 25  # each time a block is handed to the block processors,
_BLOCK_LINE_US = 0.7  # plus each of its lines,
_BLOCK_CHARACTER_US = 0.05  # plus each of its characters

LINK_REL = "nofollow ugc noopener"

_ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr",
    "th", "td", "sup", "sub", "kbd",
})
_LANGUAGE_CLASS_RE = re.compile(r"language-[\w#.+-]+")


def _allow_language_class(tag, name, value):
    """Allow ``class`` on ``code`` only when it names the language of a fenced block."""
    return name == "class" and _LANGUAGE_CLASS_RE.fullmatch(value) is not None


_ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
    "code": _allow_language_class,
}
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# A comment is inline: the tags inline Markdown makes, and on links the attributes posts allow.
_COMMENT_TAGS = frozenset({"a", "code", "em", "strong"})
_COMMENT_ATTRIBUTES = {"a": _ALLOWED_ATTRIBUTES["a"]}


class RenderError(ValueError):
    """Raised when a body cannot be rendered safely; str(e) is a clear user-facing message."""


# --- Input -----------------------------------------------------------------------------------

# Noncharacters make html5lib report a parse error each, and it finds each error's line by
# counting from the start of the text, so thousands of them take quadratic time.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)
)
# Private-use code points this module uses as markers; removed from all input, so never typed.
_FENCE_BREAK = "\U000f0000"
_TEXT_ENTITY_STANDINS = {"&amp;": "\U000f0001", "&lt;": "\U000f0002", "&gt;": "\U000f0003", "&quot;": "\U000f0004"}
_UNWANTED_CHARS_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}\U000f0000-\U000f0004]")


def _normalize(text):
    """Unify line endings and drop characters that have no place in a post."""
    # Control characters would also let a post forge Markdown's internal placeholders.
    return _UNWANTED_CHARS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# Lines that may open or close a fenced code block, or be nested deeply (each level of nesting
# takes at least one character); other lines need no look.
_NOTABLE_LINE_RE = re.compile(
    rf"^(?:(?P<fence>```|~~~)|[ \t>*+\-\d](?=[^\n]{{{MAX_NESTING}}}))[^\n]*", re.MULTILINE
)
_FENCE_RUN_RE = re.compile(r"~{3,}|`{3,}")
# The opening line of markdown.extensions.fenced_code.FENCED_BLOCK_RE, on text whose tabs
# Markdown has not yet expanded to spaces.
_FENCE_OPENING_RE = re.compile(
    r"""(?P<fence>~{3,}|`{3,})[ \t]*"""
    r"""(?:\{[^\n]*\}|\.?[\w#.+-]*[ \t]*(?:hl_lines=(?P<quote>["'])[^\n]*?(?P=quote)[ \t]*)?)$"""
)
_CONTAINER_MARKER_RE = re.compile(r"[ ]*(?:>|[-*+][ ]|\d{1,9}[.)][ ])")
# markdown.blockprocessors.HRProcessor.RE, with possessive quantifiers for its atomic group.
_THEMATIC_BREAK_RE = re.compile(r"[ ]{0,3}(?:(?:-++[ ]{0,2}+){3,}+|(?:_++[ ]{0,2}+){3,}+|(?:\*++[ ]{0,2}+){3,}+)[ ]*")


def _nesting_depth(line):
    """Count the quote and list markers that open a line, plus its indentation levels."""
    line = line.expandtabs(4)
    if _THEMATIC_BREAK_RE.fullmatch(line):
        return 0
    depth = (len(line) - len(line.lstrip(" "))) // 4
    position = 0
    while marker := _CONTAINER_MARKER_RE.match(line, position):
        depth += 1
        position = marker.end()
    return depth if position else 0


def _prepare_lines(text):
    """Refuse over-deep nesting outside fenced code, and mark fence lines that are never closed."""
    # The fenced_code extension searches to the end of the post for each unclosed fence; a
    # marker in front of such a line (which Markdown would show as text anyway) prevents it.
    notable_lines = list(_NOTABLE_LINE_RE.finditer(text))
    closing_lines = {}  # fence -> where the lines that could close it start
    for line in notable_lines:
        if line.group("fence") and _FENCE_RUN_RE.fullmatch(fence := line.group().rstrip(" \t")):
            closing_lines.setdefault(fence, []).append(line.start())

    unclosed_fences = []
    code_end = 0
    for line in notable_lines:
        if line.start() < code_end:
            continue
        if line.group("fence"):
            candidates = closing_lines.get(_FENCE_RUN_RE.match(line.group()).group(), [])
            closing = bisect.bisect_right(candidates, line.start())
            if closing == len(candidates):
                unclosed_fences.append(line.start())
            elif _FENCE_OPENING_RE.match(line.group()):
                code_end = candidates[closing] + 1
        elif _nesting_depth(line.group()) > MAX_NESTING:
            raise RenderError(_("Quotes and lists can be nested at most %(num)d levels deep.", num=MAX_NESTING))

    pieces = [text[start:end] for start, end in pairwise([0, *unclosed_fences, len(text)])]
    return _FENCE_BREAK.join(pieces)


# --- Bounded Markdown ------------------------------------------------------------------------


class _WorkBudget:
    """The estimated rendering work, in microseconds, that one post may still use.

    Block parsing is charged as it goes and refuses the post once the budget is spent (many
    headings or rules with no blank line between them make Markdown re-scan a block for each).
    The HTML elements are charged next: too many paragraphs, list items or table cells refuse
    the post, and a text run whose inline formatting would cost more than is left is shown
    exactly as typed.  Last, the link and code-span matchers are charged for what they scan;
    once the budget is spent they stop looking and brackets or backticks stay literal.
    """

    def __init__(self):
        self.remaining = _WORK_BUDGET_US

    @property
    def spent(self):
        return self.remaining <= 0

    def allows(self, cost):
        return cost <= self.remaining

    def charge(self, cost):
        self.remaining -= cost


class _BudgetedLinkScans:
    """Charges a link or image processor's forward scans, and stops them once the budget is spent."""

    budget: _WorkBudget

    # Each unmatched "[" makes this scan to the end of the paragraph.
    def getText(self, data, index):
        if self.budget.spent:
            return "", index, False
        text, end, handled = super().getText(data, index)
        self.budget.charge(_SCANNED_CHARACTER_US * ((end if handled else len(data)) - index))
        return text, end, handled

    def getLink(self, data, index):
        if not data.startswith("(", index):
            return super().getLink(data, index)
        if self.budget.spent:
            return "", None, index, False
        href, title, end, handled = super().getLink(data, index)
        # An unclosed title ("[a](b "c)") is resolved only after scanning to the end.
        scanned_to_end = not handled or (title is None and any(quote in data[index:end] for quote in "\"'"))
        self.budget.charge(_SCANNED_CHARACTER_US * ((len(data) if scanned_to_end else end) - index))
        return href, title, end, handled


class _Link(_BudgetedLinkScans, LinkInlineProcessor):
    """Inline links, within the work budget."""


class _Image(_BudgetedLinkScans, ImageInlineProcessor):
    """Inline images, within the work budget."""


class _Reference(_BudgetedLinkScans, ReferenceInlineProcessor):
    """Reference links, within the work budget."""


class _ShortReference(_BudgetedLinkScans, ShortReferenceInlineProcessor):
    """Short reference links, within the work budget."""


class _ImageReference(_BudgetedLinkScans, ImageReferenceInlineProcessor):
    """Reference images, within the work budget."""


class _ShortImageReference(_BudgetedLinkScans, ShortImageReferenceInlineProcessor):
    """Short reference images, within the work budget."""


_BACKTICK_RUN_RE = re.compile("`+")


class _Backtick(BacktickInlineProcessor):
    """Code spans, within the work budget: once it is spent a backtick run stays literal."""

    budget: _WorkBudget

    def find_code_spans(self, start, text):
        if self.budget.spent:
            return _BACKTICK_RUN_RE.match(text, start).end(), None
        code_start, code_end = super().find_code_spans(start, text)
        self.budget.charge(_SCANNED_CHARACTER_US * ((len(text) if code_end is None else code_end) - start))
        return code_start, code_end


# Names, patterns and priorities as in markdown.inlinepatterns.build_inlinepatterns.
_BUDGETED_INLINE_PROCESSORS = [
    ("backtick", 190, lambda md: _Backtick(BACKTICK_RE)),
    ("reference", 170, lambda md: _Reference(REFERENCE_RE, md)),
    ("link", 160, lambda md: _Link(LINK_RE, md)),
    ("image_link", 150, lambda md: _Image(IMAGE_LINK_RE, md)),
    ("image_reference", 140, lambda md: _ImageReference(IMAGE_REFERENCE_RE, md)),
    ("short_reference", 130, lambda md: _ShortReference(REFERENCE_RE, md)),
    ("short_image_ref", 125, lambda md: _ShortImageReference(IMAGE_REFERENCE_RE, md)),
]

# Where inline formatting can start or end: a link, code span or emphasis has two marks.
_INLINE_MARK_RE = re.compile(r"[*_]+|`+|[\[\]\\<&]|  \n")


def _inline_marks(text):
    """Count formatting marks; a run of * or _ counts half its length, as it can nest that deep."""
    return sum((len(mark) + 1) // 2 if mark[0] in "*_" else 1 for mark in _INLINE_MARK_RE.findall(text))


class _ElementLimit(Treeprocessor):
    """Charges the budget for block elements, then formats each text run only while it lasts."""

    def __init__(self, md, budget):
        super().__init__(md)
        self.budget = budget

    def run(self, root):
        self.budget.charge(_ELEMENT_US * sum(1 for _ in root.iter()))
        if self.budget.spent:
            raise RenderError(_("This post has too many paragraphs, list items or table cells to display."))
        for element in root.iter():
            for attribute in ("text", "tail"):
                text = getattr(element, attribute)
                if not text or isinstance(text, AtomicString):
                    continue
                cost = _INLINE_MARK_US * _inline_marks(text)
                if self.budget.allows(cost):
                    self.budget.charge(cost)
                else:
                    setattr(element, attribute, AtomicString(text))


class _BlockWorkMeter(BlockProcessor):
    """Charges the budget for each block the block processors are tried on; never claims one."""

    def __init__(self, parser, budget):
        super().__init__(parser)
        self.budget = budget

    def test(self, parent, block):
        self.budget.charge(
            _BLOCK_TRY_US + _BLOCK_LINE_US * block.count("\n") + _BLOCK_CHARACTER_US * len(block)
        )
        if self.budget.spent:
            raise RenderError(_(
                "This post has too many blocks to format. Separate headings, lists and paragraphs "
                "with blank lines, or shorten the post."
            ))
        return False


class _BoundedMarkdown(Extension):
    """Switches off raw HTML and makes the block, element and scanning work share one budget."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        budget = _WorkBudget()
        # First in line, so the meter also sees the rest of a block each time a processor splits it.
        md.parser.blockprocessors.register(_BlockWorkMeter(md.parser, budget), "block_work_meter", 1000)
        md.treeprocessors.register(_ElementLimit(md, budget), "element_limit", 25)
        for name, priority, build in _BUDGETED_INLINE_PROCESSORS:
            processor = build(md)
            processor.budget = budget
            md.inlinePatterns.register(processor, name, priority)


def _markdown_to_html(text):
    """Run Python-Markdown with this module's extensions (a new instance: they are not thread-safe)."""
    md = markdown.Markdown(
        extensions=[
            "fenced_code",
            "sane_lists",
            TableExtension(use_align_attribute=True),
            _BoundedMarkdown(),
        ],
        output_format="html",
    )
    return md.convert(text).replace(_FENCE_BREAK, "")


# Everything but the paragraph, which is the one line a comment is.
_BLOCK_PROCESSORS = ("empty", "indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote",
                     "reference")
# Images and hard line breaks are not inline text; references need definitions, which are blocks.
_NON_COMMENT_INLINE = ("image_link", "image_reference", "short_image_ref", "reference", "short_reference",
                       "linebreak")


class _InlineOnly(Extension):
    """Leaves Markdown only its paragraph block and the inline formatting a comment may use."""

    def extendMarkdown(self, md):
        for name in _BLOCK_PROCESSORS:
            md.parser.blockprocessors.deregister(name)
        for name in _NON_COMMENT_INLINE:
            md.inlinePatterns.deregister(name)


def _inline_markdown_to_html(line):
    """Run Python-Markdown on one line of inline Markdown; returns the paragraph's content."""
    md = markdown.Markdown(extensions=[_BoundedMarkdown(), _InlineOnly()], output_format="html")
    paragraph = md.convert(line)
    return paragraph.removeprefix("<p>").removesuffix("</p>")


# --- Sanitizing ------------------------------------------------------------------------------

_URL_IGNORED_CHARS_RE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_URL_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def _url_for_checking(url):
    """Decode entities and drop the whitespace and control characters browsers ignore."""
    # bleach hands over values as written in the HTML: decode as a browser would, then once
    # more, so that a doubly encoded scheme is refused too.
    return _URL_IGNORED_CHARS_RE.sub("", html.unescape(html.unescape(url)))


def _url_scheme(cleaned_url):
    """Return the lowercased scheme of a cleaned URL, or None for a relative URL."""
    scheme = _URL_SCHEME_RE.match(cleaned_url)
    return scheme.group(1).lower() if scheme else None


def _link_url_allowed(url):
    """Links may use http, https, mailto or a relative URL (``//host`` counts as http(s))."""
    scheme = _url_scheme(_url_for_checking(url))
    return scheme is None or scheme in _LINK_SCHEMES


def _image_url_allowed(url):
    """Images may come from https or from this site (``/path``, not ``//host``)."""
    cleaned = _url_for_checking(url)
    scheme = _url_scheme(cleaned)
    if scheme is not None:
        return scheme == "https"
    return cleaned.startswith("/") and not cleaned.startswith(("//", "/\\"))


# A bare web address: a scheme, then anything up to whitespace, a quote, a backtick or markup (the text entities
# of Markdown's output are stand-ins while bleach runs; "&amp;" is part of addresses, "&lt;" and the others are not).
# Possessive, and a match starts only at a word boundary before its scheme, so the scan stays linear.
_BARE_URL_RE = re.compile(r"\bhttps?://[^\s<>\"'`\U000f0002-\U000f0004]++", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,:;!?"


def _trim_url(url):
    """Leave sentence punctuation and unbalanced closing parentheses out of a URL."""
    unbalanced_closing = url.count(")") - url.count("(")
    end = len(url)
    while end:
        if url[end - 1] in _URL_TRAILING_PUNCTUATION:
            end -= 1
        elif url[end - 1] == ")" and unbalanced_closing > 0:
            end -= 1
            unbalanced_closing -= 1
        else:
            break
    return url[:end]


class _BareUrlFilter(LinkifyFilter):
    """Makes bare http(s) addresses links, outside code and links; _LinkPolicyFilter then applies the link rules."""

    def __init__(self, source):
        # No callbacks: _LinkPolicyFilter, next in line, sets rel and checks every href, old and new alike.
        super().__init__(source, callbacks=[], skip_tags={"pre", "code"}, parse_email=False, url_re=_BARE_URL_RE)

    def strip_non_url_bits(self, fragment):
        url = _trim_url(fragment)
        return url, "", fragment[len(url):]


class _LinkPolicyFilter(Filter):
    """Enforces this module's link and image rules on bleach's cleaned token stream."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                attributes = token["data"]
                if token["name"] == "a":
                    href = attributes.get((None, "href"))
                    if href is not None and not _link_url_allowed(href):
                        del attributes[(None, "href")]
                    attributes[(None, "rel")] = LINK_REL
                elif token["name"] == "img" and not _image_url_allowed(attributes.get((None, "src"), "")):
                    token = {"type": "Characters", "data": attributes.get((None, "alt"), "")}
            yield token


def _cleaner(tags, attributes):
    """A bleach Cleaner for these tags and attributes, with the one link rule of posts and comments."""
    return bleach.Cleaner(tags=tags, attributes=attributes, protocols=_LINK_SCHEMES, strip=False, strip_comments=True,
                          filters=[_BareUrlFilter, _LinkPolicyFilter])


_post_cleaner = _cleaner(_ALLOWED_TAGS, _ALLOWED_ATTRIBUTES)
_comment_cleaner = _cleaner(_COMMENT_TAGS, _COMMENT_ATTRIBUTES)
# bleach's Cleaner keeps parser state and is not thread-safe.
_cleaner_lock = threading.Lock()

# Markdown's own output: tags never contain a raw < or > (attribute values are escaped).
_TAG_OR_TEXT_ENTITY_RE = re.compile(r"<[^<>]*>|&(?:amp|lt|gt|quot);")
_STANDIN_ENTITIES = str.maketrans({standin: entity for entity, standin in _TEXT_ENTITY_STANDINS.items()})


def _sanitize(markup, cleaner=_post_cleaner):
    """Clean Markdown's output with bleach, link bare addresses, then apply the link and image rules."""
    # html5lib decodes entities in text slowly (30,000 "&lt;" take half a second), so those
    # Markdown escaped itself are swapped for stand-ins while bleach runs.
    swapped = _TAG_OR_TEXT_ENTITY_RE.sub(
        lambda match: _TEXT_ENTITY_STANDINS.get(match.group(), match.group()), markup
    )
    with _cleaner_lock:
        cleaned = cleaner.clean(swapped)
    return cleaned.translate(_STANDIN_ENTITIES)


# --- Public interface ------------------------------------------------------------------------


def render_markdown(source: str) -> str:
    """Markdown source of a post -> sanitized HTML."""
    text = _normalize(source)
    if len(text) > MAX_BODY_LENGTH:
        raise RenderError(_("A post can be at most %(limit)s characters long.",
                            limit=format_decimal(MAX_BODY_LENGTH, locale=get_locale() or "en")))
    text = _prepare_lines(text)
    try:
        return _sanitize(_markdown_to_html(text))
    except RecursionError:
        raise RenderError(_("This post is nested too deeply to display.")) from None


def render_comment(text: str) -> str:
    """Comment text -> sanitized HTML: inline Markdown and bare links as in a post's paragraph, no blocks."""
    # Blank lines would start new paragraphs: a comment's lines are one paragraph, as they are shown on one line.
    line = "\n".join(part for part in _normalize(text).split("\n") if part.strip())
    try:
        return _sanitize(_inline_markdown_to_html(line), _comment_cleaner)
    except RecursionError:
        raise RenderError(_("This comment is nested too deeply to display.")) from None


# Quote-aware, so a ">" inside an attribute value does not end the tag; possessive, and never
# crossing a "<", so that text full of "<" is still read in linear time.
_HTML_TAG_RE = re.compile(r"""</?+([a-zA-Z][a-zA-Z0-9]*+)?+(?:[^<>"']|"[^"<]*+"|'[^'<]*+')*+>""")
_BLOCK_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "div",
})


def html_to_text(html_text: str) -> str:
    """Sanitized HTML -> plain text (for search indexing and snippets/meta descriptions); collapses whitespace."""
    without_tags = _HTML_TAG_RE.sub(
        lambda tag: " " if (tag.group(1) or "").lower() in _BLOCK_TAGS else "", html_text
    )
    return " ".join(html.unescape(without_tags).split())
