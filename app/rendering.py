"""Turn post bodies (Markdown) and comments (plain text) into safe HTML, and HTML back into text.

This is the only module that imports ``markdown`` and ``bleach``.

Safety, in order:

* Control characters (except newline and tab), lone surrogates and Unicode noncharacters are
  removed; line endings become ``\\n``.  Noncharacters are reserved for internal use, and this
  module uses a few of them as private markers.
* Raw HTML in a post is never live: Markdown's HTML handling is switched off, so ``<b>``
  typed in a post is shown as text.
* Markdown's output is cleaned by bleach against an explicit allow-list; any other tag is
  *escaped* (shown as text), any other attribute is dropped, comments are dropped.
* Then every link and image is checked here, because bleach lets some schemes through
  (``javascript:123``): links keep their ``href`` only for http, https, mailto and relative
  URLs, and all get ``rel="nofollow ugc noopener"``; images stay only for https or
  site-relative (``/...``) sources, otherwise their alt text is shown instead.

Bounded time: Python-Markdown has quadratic paths (issue #798: ``"[a" * 4000`` takes
seconds).  A post of ``MAX_BODY_LENGTH`` characters must render in well under 250 ms, so:

* quotes and lists nested deeper than ``MAX_NESTING`` are refused with ``RenderError``;
* fence lines with no closing fence are hidden from the fenced-code search, which would
  otherwise scan to the end of the post once per such line;
* the link, image and code-span processors share a budget of characters they may scan
  forward; once it is spent they stop looking, and brackets or backticks stay literal;
* a paragraph (or list item, heading, table cell) whose formatting marks would exceed the
  post's remaining allowance is shown exactly as typed, without inline formatting;
* block parsing is metered, and a post whose blocks Markdown would re-scan too often is
  refused with ``RenderError``.

Normal posts stay far below every limit, so they render exactly as Markdown renders them.
"""

import bisect
import html
import re
import threading

import bleach
import markdown
from bleach.html5lib_shim import Filter
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

# Work limits, measured with bench/bench_render.py on a 2-core machine.  Python-Markdown plus
# bleach cost 100-300 microseconds per HTML element, so a post may produce at most
# _ELEMENT_BUDGET of them; a 30,000-character post of ordinary prose, lists, tables and code
# needs about 1,000.
_ELEMENT_BUDGET = 1_500  # block elements plus characters that can start inline formatting
_SCAN_BUDGET = 200_000  # characters the link and code-span processors may scan forward
_BLOCK_WORK_BUDGET = 3_000_000  # characters of blocks handed to the block processors, ...
_BLOCK_OVERHEAD = 1_000  # ... where each block and each "|" (a possible table cell) counts this much

LINK_REL = "nofollow ugc noopener"

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr",
    "th", "td", "sup", "sub", "kbd",
})
_LANGUAGE_CLASS_RE = re.compile(r"language-[\w#.+-]+")


def _allow_language_class(tag, name, value):
    """Allow ``class`` on ``code`` only when it names the language of a fenced block."""
    return name == "class" and _LANGUAGE_CLASS_RE.fullmatch(value) is not None


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
    "code": _allow_language_class,
}
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class RenderError(ValueError):
    """Raised when a body cannot be rendered safely; str(e) is a clear user-facing message."""


# --- Input -----------------------------------------------------------------------------------

# Noncharacters make html5lib report a parse error each, and it finds each error's line by
# counting from the start of the text, so thousands of them take quadratic time.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000))
# Private-use code points reserved as markers: removed from all input, so only this module makes them.
_FENCE_BREAK = "\U000f0000"
_TEXT_ENTITY_STANDINS = {"&amp;": "\U000f0001", "&lt;": "\U000f0002", "&gt;": "\U000f0003", "&quot;": "\U000f0004"}
_UNWANTED_CHARS_RE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}\U000f0000-\U000f0004]")


def _normalize(text):
    """Unify line endings and drop characters that have no place in a post."""
    return _UNWANTED_CHARS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# Mirrors the opening line of markdown.extensions.fenced_code.FENCED_BLOCK_RE.
_FENCE_OPENING_RE = re.compile(
    r"""(?P<fence>~{3,}|`{3,})[ ]*"""
    r"""(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(?P<quote>["'])[^\n]*?(?P=quote)[ ]*)?)$"""
)
_FENCE_RUN_RE = re.compile(r"~{3,}|`{3,}")
_CONTAINER_MARKER_RE = re.compile(r"[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t])")


def _nesting_depth(line):
    """Count the quote and list markers that open a line, plus its indentation levels."""
    depth = (len(line) - len(line.lstrip(" \t"))) // 4
    position = 0
    while marker := _CONTAINER_MARKER_RE.match(line, position):
        depth += 1
        position = marker.end()
    return depth if position else 0


def _prepare_lines(text):
    """Refuse over-deep nesting and break fence lines that have no closing fence.

    Fenced code blocks are found the way the fenced_code extension finds them, and are
    left alone.  A line that starts like a fence but is never closed gets an invisible
    marker, so the extension's search does not scan to the end of the post for it.
    """
    lines = text.split("\n")
    closing_lines = {}  # fence -> indexes of the lines that could close it
    for index, line in enumerate(lines):
        fence = line.rstrip(" ")
        if _FENCE_RUN_RE.fullmatch(fence):
            closing_lines.setdefault(fence, []).append(index)

    index = 0
    while index < len(lines):
        line = lines[index]
        fence_run = _FENCE_RUN_RE.match(line)
        if fence_run:
            candidates = closing_lines.get(fence_run.group(), [])
            closing = bisect.bisect_right(candidates, index)
            if closing == len(candidates):
                lines[index] = _FENCE_BREAK + line
            elif _FENCE_OPENING_RE.match(line):
                index = candidates[closing] + 1
                continue
        elif _nesting_depth(line) > MAX_NESTING:
            raise RenderError(f"Quotes and lists can be nested at most {MAX_NESTING} levels deep.")
        index += 1
    return "\n".join(lines)


# --- Bounded Markdown ------------------------------------------------------------------------


class _ScanBudget:
    """Characters Markdown's bracket and backtick matchers may still scan in one post."""

    def __init__(self, limit):
        self.remaining = limit

    @property
    def spent(self):
        return self.remaining <= 0

    def charge(self, characters):
        self.remaining -= characters


class _BudgetedLinkScans:
    """Makes a link or image processor stop looking for closing brackets once the budget is spent.

    Unmatched ``[`` make Markdown scan to the end of the paragraph, once per bracket.
    """

    budget: _ScanBudget

    def getText(self, data, index):
        if self.budget.spent:
            return "", index, False
        text, end, handled = super().getText(data, index)
        self.budget.charge((end if handled else len(data)) - index)
        return text, end, handled

    def getLink(self, data, index):
        if not data.startswith("(", index):
            return super().getLink(data, index)
        if self.budget.spent:
            return "", None, index, False
        href, title, end, handled = super().getLink(data, index)
        # An unclosed title ("[a](b "c)") is resolved only after scanning to the end.
        scanned_to_end = not handled or (title is None and any(quote in data[index:end] for quote in "\"'"))
        self.budget.charge((len(data) if scanned_to_end else end) - index)
        return href, title, end, handled


class _Link(_BudgetedLinkScans, LinkInlineProcessor):
    """Inline links, within the scan budget."""


class _Image(_BudgetedLinkScans, ImageInlineProcessor):
    """Inline images, within the scan budget."""


class _Reference(_BudgetedLinkScans, ReferenceInlineProcessor):
    """Reference links, within the scan budget."""


class _ShortReference(_BudgetedLinkScans, ShortReferenceInlineProcessor):
    """Short reference links, within the scan budget."""


class _ImageReference(_BudgetedLinkScans, ImageReferenceInlineProcessor):
    """Reference images, within the scan budget."""


class _ShortImageReference(_BudgetedLinkScans, ShortImageReferenceInlineProcessor):
    """Short reference images, within the scan budget."""


_BACKTICK_RUN_RE = re.compile("`+")


class _Backtick(BacktickInlineProcessor):
    """Code spans; once the scan budget is spent a backtick run stays literal."""

    budget: _ScanBudget

    def find_code_spans(self, start, text):
        if self.budget.spent:
            return _BACKTICK_RUN_RE.match(text, start).end(), None
        code_start, code_end = super().find_code_spans(start, text)
        self.budget.charge((len(text) if code_end is None else code_end) - start)
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

# Where inline formatting can start or end; a link, emphasis or code span takes two marks.
_INLINE_MARK_RE = re.compile(r"\*+|_+|`+|[\[\]\\<>&]|  \n")


class _ElementLimit(Treeprocessor):
    """Keeps the number of HTML elements within _ELEMENT_BUDGET, before inline formatting is applied.

    Too many block elements (paragraphs, list items, table cells) refuse the post.  Then each
    text run is formatted while the budget lasts; a run whose marks would exceed it is shown
    exactly as typed.
    """

    def run(self, root):
        remaining = _ELEMENT_BUDGET - sum(1 for _ in root.iter())
        if remaining < 0:
            raise RenderError("This post has too many paragraphs, list items or table cells to display.")
        for element in root.iter():
            for attribute in ("text", "tail"):
                text = getattr(element, attribute)
                if not text or isinstance(text, AtomicString):
                    continue
                marks = len(_INLINE_MARK_RE.findall(text))
                if marks > remaining:
                    setattr(element, attribute, AtomicString(text))
                else:
                    remaining -= marks


class _BlockWorkMeter(BlockProcessor):
    """Refuses a post once Markdown has handed too much text to its block processors.

    Never claims a block.  Registered first, so it sees every block each time the block
    processors are tried, including the rest of a block that one of them split.
    """

    def __init__(self, parser):
        super().__init__(parser)
        self.remaining = _BLOCK_WORK_BUDGET

    def test(self, parent, block):
        self.remaining -= len(block) + _BLOCK_OVERHEAD * (1 + block.count("|"))
        if self.remaining < 0:
            raise RenderError(
                "This post has too many blocks to format. Separate headings, lists and paragraphs "
                "with blank lines, or shorten the post."
            )
        return False


class _BoundedMarkdown(Extension):
    """Switches off raw HTML and installs the work limits described in the module docstring."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        scan_budget = _ScanBudget(_SCAN_BUDGET)
        for name, priority, build in _BUDGETED_INLINE_PROCESSORS:
            processor = build(md)
            processor.budget = scan_budget
            md.inlinePatterns.register(processor, name, priority)
        md.treeprocessors.register(_ElementLimit(md), "element_limit", 25)
        md.parser.blockprocessors.register(_BlockWorkMeter(md.parser), "block_work_meter", 1000)


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


# --- Sanitizing ------------------------------------------------------------------------------

_URL_IGNORED_CHARS_RE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_URL_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def _url_for_checking(url):
    """Decode entities and drop the whitespace and control characters browsers ignore."""
    return _URL_IGNORED_CHARS_RE.sub("", html.unescape(url))


def _url_scheme(cleaned_url):
    """Return the lowercased scheme of a cleaned URL, or None for a relative URL."""
    scheme = _URL_SCHEME_RE.match(cleaned_url)
    return scheme.group(1).lower() if scheme else None


def link_url_allowed(url):
    """Links may use http, https, mailto or a relative URL (``//host`` counts as http(s))."""
    scheme = _url_scheme(_url_for_checking(url))
    return scheme is None or scheme in _LINK_SCHEMES


def image_url_allowed(url):
    """Images may come from https or from this site (``/path``, not ``//host``)."""
    cleaned = _url_for_checking(url)
    scheme = _url_scheme(cleaned)
    if scheme is not None:
        return scheme == "https"
    return cleaned.startswith("/") and not cleaned.startswith(("//", "/\\"))


class _LinkPolicyFilter(Filter):
    """Enforces this module's link and image rules on bleach's cleaned token stream."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                attributes = token["data"]
                if token["name"] == "a":
                    href = attributes.get((None, "href"))
                    if href is not None and not link_url_allowed(href):
                        del attributes[(None, "href")]
                    attributes[(None, "rel")] = LINK_REL
                elif token["name"] == "img" and not image_url_allowed(attributes.get((None, "src"), "")):
                    token = {"type": "Characters", "data": attributes.get((None, "alt"), "")}
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=_LINK_SCHEMES,
    strip=False,
    strip_comments=True,
    filters=[_LinkPolicyFilter],
)
# bleach's Cleaner keeps parser state and is not thread-safe.
_cleaner_lock = threading.Lock()

# Markdown's own output: tags never contain a raw < or > (attribute values are escaped).
_TAG_OR_TEXT_ENTITY_RE = re.compile(r"<[^<>]*>|&(?:amp|lt|gt|quot);")
_STANDIN_ENTITIES = str.maketrans({standin: entity for entity, standin in _TEXT_ENTITY_STANDINS.items()})


def _sanitize(markup):
    """Clean Markdown's output with bleach, then apply the link and image rules.

    html5lib decodes every entity in text slowly (a post of 30,000 ``<`` would take half a
    second), so the entities Markdown itself escaped in text are swapped for stand-ins
    while bleach runs and swapped back afterwards.
    """
    swapped = _TAG_OR_TEXT_ENTITY_RE.sub(
        lambda match: _TEXT_ENTITY_STANDINS.get(match.group(), match.group()), markup
    )
    with _cleaner_lock:
        cleaned = _cleaner.clean(swapped)
    return cleaned.translate(_STANDIN_ENTITIES)


# --- Public interface ------------------------------------------------------------------------


def render_markdown(source: str) -> str:
    """Markdown source of a post -> sanitized HTML."""
    text = _normalize(source)
    if len(text) > MAX_BODY_LENGTH:
        raise RenderError(f"A post can be at most {MAX_BODY_LENGTH:,} characters long.")
    text = _prepare_lines(text)
    try:
        return _sanitize(_markdown_to_html(text))
    except RecursionError:
        raise RenderError("This post is nested too deeply to display.") from None


_COMMENT_URL_RE = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,:;!?"


def _trim_url(url):
    """Leave sentence punctuation and an unbalanced closing parenthesis out of a URL."""
    while True:
        trimmed = url.rstrip(_URL_TRAILING_PUNCTUATION)
        if trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
            trimmed = trimmed[:-1]
        if trimmed == url:
            return url
        url = trimmed


def render_comment(text: str) -> str:
    """Plain-text comment -> escaped HTML with http/https links made clickable (no markdown)."""
    text = _normalize(text)
    parts = []
    position = 0
    for match in _COMMENT_URL_RE.finditer(text):
        url = _trim_url(match.group())
        parts.append(html.escape(text[position:match.start()]))
        escaped_url = html.escape(url)
        parts.append(f'<a href="{escaped_url}" rel="{LINK_REL}">{escaped_url}</a>')
        position = match.start() + len(url)
    parts.append(html.escape(text[position:]))
    return "".join(parts)


# Quote-aware, so a ">" inside an attribute value does not end the tag.
_HTML_TAG_RE = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)?(?:[^<>"']|"[^"]*"|'[^']*')*>""")
_BLOCK_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "div",
})


def html_to_text(html_text: str) -> str:
    """Sanitized HTML -> plain text (for search indexing and snippets/meta descriptions); collapses whitespace."""
    without_tags = _HTML_TAG_RE.sub(
        lambda tag: " " if (tag.group(2) or "").lower() in _BLOCK_TAGS else "", html_text
    )
    return " ".join(html.unescape(without_tags).split())
