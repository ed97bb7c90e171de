"""A Stack Exchange post body (HTML) to the Markdown that Peerdesk edits, and to the HTML it stores.

Bodies are converted, not kept as HTML: Peerdesk's Markdown has raw HTML switched off, so
the dump's HTML as a source would show as tags on the first edit. The Markdown is then
rendered by app.rendering exactly like a member's post, so the stored HTML passes the same
bleach allow-list and link rules, and an edit round-trips.
"""
import re
import warnings

from bs4 import BeautifulSoup, ParserRejectedMarkup
from markdownify import ATX, MarkdownConverter

from app import validation
from app.rendering import RenderError, html_to_text, render_markdown

LIST_INDENT = 4  # Python-Markdown nests a list, or continues an item, only at four spaces

# Characters Python-Markdown treats as formatting anywhere in a line; each has a backslash escape.
_INLINE_SPECIAL_RE = re.compile(r"([\\`*_\[\]])")
# What would open a block at the start of a line: a heading, quote, list item or rule.
_BLOCK_START_RE = re.compile(r"(^|\n)([ \t]*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|(?<=\d)[.)](?=\s|$))")
_ORDERED_START_RE = re.compile(r"(^|\n)([ \t]*\d{1,9})([.)])(?=\s|$)")
_ENTITY_LIKE_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LANGUAGE_RE = re.compile(r"(?:^|\s)(?:lang|language)-([\w#.+-]+)")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


class BodyError(ValueError):
    """A body that cannot be imported; str(e) says why."""


def _code_language(pre):
    """The language a Stack Exchange code block names (`lang-py` on <pre>, `language-python` on <code>)."""
    for element in (pre, pre.find("code")):
        if element is not None:
            match = _LANGUAGE_RE.search(" ".join(element.get("class") or []))
            if match:
                return match.group(1)
    return ""


class _PeerdeskMarkdown(MarkdownConverter):
    """markdownify, adjusted to the Markdown dialect app.rendering speaks."""

    def escape(self, text, parent_tags):
        """Escape only what Python-Markdown would read as formatting, with escapes it understands."""
        if not text:
            return ""
        text = _INLINE_SPECIAL_RE.sub(r"\\\1", text)
        text = _ENTITY_LIKE_RE.sub("&amp;", text)  # "&amp;" shown as text must not become "&"
        text = _ORDERED_START_RE.sub(r"\1\2\\\3", text)
        return _BLOCK_START_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}", text)

    def convert_a(self, el, text, parent_tags):
        """Links whose address holds spaces or parentheses keep working: Markdown's <...> form."""
        href = el.get("href") or ""
        if href and re.search(r"[\s()<>]", href):
            el["href"] = "<" + re.sub(r"[\s<>]", lambda m: f"%{ord(m.group()):02X}", href) + ">"
        return super().convert_a(el, text, parent_tags)

    def convert_pre(self, el, text, parent_tags):
        """A fenced block at the top level; inside a list item or quote, where fences do not work, an indented one."""
        text = (text or "").strip("\n")
        if not text:
            return ""
        if "li" in parent_tags or "blockquote" in parent_tags:
            return "\n\n" + "\n".join("    " + line for line in text.split("\n")) + "\n\n"
        runs = [len(run) for run in re.findall(r"^[ \t]*(`{3,})", text, flags=re.MULTILINE)]
        fence = "`" * max([3, *(run + 1 for run in runs)])
        return f"\n\n{fence}{_code_language(el)}\n{text}\n{fence}\n\n"

    def convert_li(self, el, text, parent_tags):
        """A list item whose nested blocks sit at the four-space indent Python-Markdown needs."""
        text = (text or "").strip()
        if not text:
            return "\n"
        parent = el.parent
        if parent is not None and parent.name == "ol":
            start = parent.get("start")
            first = int(start) if str(start or "").isdigit() and len(str(start)) < 9 else 1
            bullet = f"{first + len(el.find_previous_siblings('li'))}."
        else:
            bullet = "-"
        width = max(LIST_INDENT, len(bullet) + 1)
        indented = "\n".join((" " * width + line) if line.strip() else "" for line in text.split("\n"))
        # An item of several blocks ends with a blank line, so the next item is not read as part of it.
        return bullet.ljust(width) + indented[width:] + ("\n\n" if "\n\n" in text else "\n")

    def convert_list(self, el, text, parent_tags):
        """A list always ends its block, so whatever follows is not swallowed into the last item."""
        if "li" in parent_tags:
            return "\n\n" + text.rstrip() + "\n"
        return "\n\n" + text.rstrip() + "\n\n"

    convert_ul = convert_list
    convert_ol = convert_list


_converter = _PeerdeskMarkdown(heading_style=ATX, bullets="-", code_language_callback=_code_language)


def html_to_markdown(html):
    """The Markdown for a dump's HTML body; unknown tags give their text, scripts and styles nothing."""
    try:
        with warnings.catch_warnings():
            # Beautiful Soup's hints (a body that looks like a URL or like XML) say nothing about a post.
            warnings.simplefilter("ignore")
            soup = BeautifulSoup(html, "html.parser")
        markdown_text = _converter.convert_soup(soup)
    except ParserRejectedMarkup:
        # Markup too broken to parse (never from Stack Exchange itself): keep its text as one paragraph.
        markdown_text = _converter.escape(html_to_text(html), set())
    except RecursionError:
        raise BodyError("the HTML is nested too deeply to convert") from None
    return _BLANK_LINES_RE.sub("\n\n", markdown_text).strip("\n")


def convert_body(html):
    """A dump's HTML body -> (Markdown source, sanitized HTML) as a post saved in Peerdesk would have them."""
    source = validation.clean_text(html_to_markdown(html or "")).strip("\n")
    if not source.strip():
        raise BodyError("the body is empty")
    if len(source) > validation.BODY_MAX:
        raise BodyError(f"the body is {len(source):,} characters as Markdown; posts are at most "
                        f"{validation.BODY_MAX:,}")
    try:
        return source, render_markdown(source)
    except RenderError as error:
        raise BodyError(f"the body fails rendering: {error}") from None
