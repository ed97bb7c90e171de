"""The community's own brand: name, logo, colours, support contact and footer, settings every page and email reads.

Admins change them on the settings page; the environment (BRAND_NAME, BRAND_PRIMARY_COLOR...) gives the
defaults. Templates read `brand()`, Python code (emails' From name, notifications) `current()`; both are the
same `Brand`, built once per request. A colour is refused when text in it, or white text on it, would fall
below WCAG AA's 4.5:1 on the page: the site must stay readable whatever the brand.
"""
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, has_request_context, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import settings
from app.http_caching import cache_forever

# The stylesheet's own backgrounds (static/css/site.css --card and --bg): a brand colour is text on both.
BACKGROUNDS = {"#ffffff": "white", "#f6f7f9": "the page background"}
AA_CONTRAST = 4.5
COLOR = re.compile(r"#[0-9a-f]{6}")
EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")
TEXT_MAX = 300


def contrast(first, second):
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color):
    """WCAG 2's relative luminance of a #rrggbb colour."""
    channels = (int(color[index:index + 2], 16) / 255 for index in (1, 3, 5))
    linear = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _check_color(value):
    """A colour that keeps text readable (or blank: the stylesheet's own); ValueError says what to change."""
    if value == "":
        return
    if not COLOR.fullmatch(value.lower()):
        raise ValueError(_("Give a colour as # and six hexadecimal digits, such as #2f4ac0, or leave it blank for "
                           "the built-in colour."))
    for background, where in BACKGROUNDS.items():
        ratio = contrast(value.lower(), background)
        if ratio < AA_CONTRAST:
            raise ValueError(_too_little_contrast(where, color=value, ratio=format(ratio, ".2f"), background=background,
                                                  minimum=format(AA_CONTRAST, "g")))


def _too_little_contrast(where, **values):
    """The refusal of a colour, one whole sentence for each background (word order differs between languages)."""
    if where == "white":
        return _("%(color)s has a contrast of %(ratio)s:1 against white (%(background)s); links and white button "
                 "text need at least %(minimum)s:1 (WCAG AA). Choose a darker colour.", **values)
    return _("%(color)s has a contrast of %(ratio)s:1 against the page background (%(background)s); links and "
             "white button text need at least %(minimum)s:1 (WCAG AA). Choose a darker colour.", **values)


def _check_logo(value):
    """A logo at an https address or on this site (/static/..., an uploaded image); blank for none."""
    if value == "":
        return
    parts = urlsplit(value)
    on_site = value.startswith("/") and not value.startswith("//") and not parts.scheme and not parts.netloc
    if not (on_site or (parts.scheme == "https" and parts.netloc)) or any(char in value for char in " \"'<>\\"):
        raise ValueError(_("Give the logo's https:// address, or its path on this site such as /static/logo.svg or "
                           "/uploads/… (the page's security policy loads no plain http images)."))


def _check_contact(value):
    """An email address or a web address people can reach support at; blank for none."""
    if value == "":
        return
    parts = urlsplit(value)
    is_url = parts.scheme in ("http", "https") and parts.netloc and not any(char in value for char in " \"'<>")
    if not (is_url or EMAIL.fullmatch(value)):
        raise ValueError(_("Give an email address (support@example.com) or a web address starting with https://."))


def _check_text(value):
    if len(value) > TEXT_MAX:
        raise ValueError(_("Keep it under %(num)d characters.", num=TEXT_MAX))


def _check_name(value):
    if not value:
        raise ValueError(_("Give the community a name: pages and emails show it."))
    _check_text(value)


NAME = settings.define(
    "BRAND_NAME", str, "Peerdesk Community", _l("The community's name, in every page title, the header, feeds and "
                                                "emails"), label=_l("Community name"), validate=_check_name)
STAFF_LABEL = settings.define(
    "BRAND_STAFF_LABEL", str, "", _l("What members call the brand's staff, as in “sent to … staff” and “an answer "
                                     "from …” (blank: the community name followed by “staff”)"),
    label=_l("Name of the staff"), validate=_check_text)
DESCRIPTION = settings.define(
    "BRAND_DESCRIPTION", str, "", _l("The description search engines show for the community's pages (blank: “Ask "
                                     "questions and get answers from other customers and staff.”)"),
    label=_l("Description"), validate=_check_text)
LOGO_URL = settings.define(
    "BRAND_LOGO_URL", str, "", _l("The logo in the header, shown with the community name as its text alternative: "
                                  "an https:// address or a path on this site (blank: no logo)"),
    label=_l("Logo address"), validate=_check_logo)
PRIMARY_COLOR = settings.define(
    "BRAND_PRIMARY_COLOR", str, "", _l("The colour of links and primary buttons, #rrggbb, at least 4.5:1 against "
                                       "white and the page background (blank: the built-in blue; the dark theme "
                                       "keeps its own colours)"),
    label=_l("Main colour"), validate=_check_color)
ACCENT_COLOR = settings.define(
    "BRAND_ACCENT_COLOR", str, "", _l("The colour of primary buttons under the pointer, #rrggbb, at least 4.5:1 "
                                      "against white (blank: the built-in one)"),
    label=_l("Accent colour"), validate=_check_color)
SUPPORT_CONTACT = settings.define(
    "BRAND_SUPPORT_CONTACT", str, "", _l("Where people reach support outside the community, shown in the footer and "
                                         "emails: an email address or a web address (blank: none)"),
    label=_l("Support contact"), validate=_check_contact)
FOOTER_TEXT = settings.define(
    "BRAND_FOOTER_TEXT", str, "Answers come from customers like you and from our staff.",
    _l("A sentence in the footer of every page"), label=_l("Footer text"), validate=_check_text)

DEFAULT_DESCRIPTION = _l("Ask questions and get answers from other customers and staff.")


@dataclass(frozen=True)
class Brand:
    """The brand as pages and emails show it."""

    name: str
    staff_label: str
    description: str
    logo_url: str
    primary_color: str
    accent_color: str
    support_contact: str
    footer_text: str

    @property
    def support_href(self):
        """The support contact as a link target: mailto: for an address, else the web address; "" for none."""
        if not self.support_contact:
            return ""
        return self.support_contact if "://" in self.support_contact else f"mailto:{self.support_contact}"

    @property
    def colors(self):
        """The CSS custom properties the brand sets: {"--brand": "#2f4ac0", ...}; empty for the built-in colours."""
        return {prop: value for prop, value in (("--brand", self.primary_color), ("--brand-dark", self.accent_color))
                if value}

    @property
    def version(self):
        """A short hash of the colours: the stylesheet's URL changes when they do, so browsers may keep it a year."""
        text = ";".join(f"{prop}:{value}" for prop, value in self.colors.items())
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def stylesheet_url(self):
        """The address of the colours' stylesheet, or "" when the built-in colours stand."""
        return url_for("brand.stylesheet", v=self.version) if self.colors else ""


def current():
    """The brand now (admins' saved values, else the environment, else the defaults), once per request."""
    if has_request_context() and "brand" in g:
        return g.brand
    name = settings.get(NAME) or settings.DEFINITIONS[NAME].default
    # The defaults are in the reader's language; what an admin typed stays as typed.
    staff = settings.get(STAFF_LABEL) or _("%(name)s staff", name=name)
    value = Brand(
        name=name, staff_label=staff,
        description=settings.get(DESCRIPTION) or str(DEFAULT_DESCRIPTION),
        logo_url=settings.get(LOGO_URL), primary_color=settings.get(PRIMARY_COLOR).lower(),
        accent_color=settings.get(ACCENT_COLOR).lower(), support_contact=settings.get(SUPPORT_CONTACT),
        footer_text=settings.get(FOOTER_TEXT))
    if has_request_context():
        g.brand = value
    return value


def stylesheet_text(brand):
    """The stylesheet overriding the built-in colours with the brand's, in the light theme only."""
    declarations = " ".join(f"{prop}: {value};" for prop, value in brand.colors.items())
    # The dark theme's colours are chosen against a dark background: a brand colour checked against white
    # would fail there, so it applies only where the page is light.
    return ("/* The community's colours: the BRAND_PRIMARY_COLOR and BRAND_ACCENT_COLOR settings. */\n"
            f"@media not all and (prefers-color-scheme: dark) {{ :root {{ {declarations} }} }}\n")


bp = Blueprint("brand", __name__)


@bp.get("/brand.css")
def stylesheet():
    """The brand's colours as CSS custom properties (a stylesheet, as the security policy allows no inline style)."""
    brand = current()
    if request.args.get("v") == brand.version:
        cache_forever()  # the URL names the colours: new colours, new URL
    return Response(stylesheet_text(brand), mimetype="text/css")


def init_app(app):
    """The brand's stylesheet route and the `brand()` template global (pages and emails)."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(brand=current)
