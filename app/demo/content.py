"""The demo community's words and names, read from the TOML files beside this module and checked once."""
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

COMMUNITY, PHRASES = "community.toml", "phrases.toml"
# Which {placeholders} a text may use, by where the planner fills it in: titles know only the product and
# its versions, posts also the thread's asker, phone and month, official replies also the agent signing.
PRODUCT_FIELDS = frozenset({"product", "short", "key", "fw", "fw_new", "about", "restart", "reset"})
THREAD_FIELDS = PRODUCT_FIELDS | {"asker", "phone", "month"}
REPLY_FIELDS = THREAD_FIELDS | {"agent"}
AS_IS = frozenset()  # texts pasted without formatting: a {placeholder} in them would show literally
# The planner relies on these: the README documents the `demo` login, and About-page blocks quote the app.
DEMO_MEMBER, COMPANION_APP = "demo", "app"


class ContentError(ValueError):
    """A demo content file that does not have the layout the planner expects."""


@dataclass(frozen=True)
class Product:
    """A product and the details people quote when they ask about it."""

    name: str
    short: str
    tag: str
    model: str
    versions: tuple  # firmware (or app) versions, oldest first
    about: str  # where the version is shown
    restart: str
    reset: str


@dataclass(frozen=True)
class Topic:
    """One problem people ask about: title phrasings, the question, answers that solve it, the official reply."""

    products: tuple
    tags: tuple
    titles: tuple
    body: str
    answers: tuple
    staff: str  # signed: greeting + reply + signature
    technical: bool = True  # device trouble, not orders or money
    official: bool = False  # brand staff nearly always reply


@dataclass(frozen=True)
class Content:
    """Everything the planner says or names, in immutable tuples and dicts."""

    password: str
    email_domain: str
    synonyms: tuple  # the demo's SEARCH_SYNONYMS, one group a line
    brand: dict  # the demo's brand: name, staff, description, footer, support (the BRAND_* settings)
    moderator: str
    agents: dict  # username: the first name they sign with
    members: tuple
    products: dict  # key: Product
    topics: tuple
    question_openers: tuple
    question_closings: tuple
    months: tuple
    phones: tuple
    answer_openers: tuple
    answer_closings: tuple
    generic_answers: tuple
    self_answer: str
    answer_comments: tuple
    accept_comments: tuple
    stuck_comments: tuple
    staff_comments: tuple
    moderator_comments: tuple
    about_page: str
    tech_followups: tuple  # (comment on the question, the asker's reply or None)
    general_followups: tuple


@cache
def load():
    """The demo content shipped in this package, parsed and checked (once per process)."""
    folder = resources.files(__package__)
    return parse({name: folder.joinpath(name).read_text(encoding="utf-8") for name in (COMMUNITY, PHRASES)})


def parse(texts):
    """Content from {file name: TOML text}; raises ContentError naming the file and the key at fault."""
    community, phrases = (_toml(name, texts[name]) for name in (COMMUNITY, PHRASES))
    top = _fields(community, COMMUNITY, {"brand": _table, "accounts": _table, "search": _table,
                                         "official_reply": _table, "products": _table, "topics": _tables})
    brand = _fields(top["brand"], f"{COMMUNITY} [brand]", {
        "name": _text(), "staff": _text(), "description": _text(), "footer": _text(), "support": _text()})
    search = _fields(top["search"], f"{COMMUNITY} [search]", {"synonyms": _texts()})
    accounts = _fields(top["accounts"], f"{COMMUNITY} [accounts]", {
        "password": _text(), "email_domain": _text(), "moderator": _text(), "agents": _tables,
        "members": _texts(),
    })
    agents = {}
    for number, agent in enumerate(accounts["agents"], 1):
        values = _fields(agent, f"{COMMUNITY} [accounts] agent {number}", {"username": _text(), "name": _text()})
        agents[values["username"]] = values["name"]
    members = accounts["members"]
    _unique(COMMUNITY, "[accounts] members, agents and moderator", [*members, *agents, accounts["moderator"]])
    if not agents:
        raise ContentError(f"{COMMUNITY} [accounts]: agents is empty, but official replies need an agent")
    if DEMO_MEMBER not in members:
        raise ContentError(f"{COMMUNITY} [accounts]: members must include {DEMO_MEMBER!r}, the README's login")
    reply = _fields(top["official_reply"], f"{COMMUNITY} [official_reply]",
                    {"greeting": _text(REPLY_FIELDS), "signature": _text(REPLY_FIELDS)})
    products = {key: Product(**_fields(table, f"{COMMUNITY} [products.{key}]", {
        "name": _text(), "short": _text(), "tag": _text(), "model": _text(), "versions": _texts(least=2),
        "about": _text(), "restart": _text(), "reset": _text(),
    })) for key, table in top["products"].items()}
    if COMPANION_APP not in products:
        raise ContentError(f"{COMMUNITY}: [products.{COMPANION_APP}] is missing; About-page blocks quote its versions")
    topics = tuple(_topic(table, f"{COMMUNITY} [[topics]] {number}", products, reply)
                   for number, table in enumerate(top["topics"], 1))
    if not topics:
        raise ContentError(f"{COMMUNITY}: no [[topics]]")

    followup = {"comment": _text(THREAD_FIELDS)}, {"reply": (_text(THREAD_FIELDS), None)}
    values = _fields(phrases, PHRASES, {
        "question_openers": _texts(THREAD_FIELDS), "question_closings": _texts(), "months": _texts(),
        "phones": _texts(), "answer_openers": _texts(), "answer_closings": _texts(),
        "generic_answers": _texts(THREAD_FIELDS), "self_answer": _text(THREAD_FIELDS), "answer_comments": _texts(),
        "accept_comments": _texts(), "stuck_comments": _texts(), "staff_comments": _texts(THREAD_FIELDS),
        "moderator_comments": _texts(), "about_page": _text(), "tech_followups": _tables,
        "general_followups": _tables,
    })
    for name in ("tech_followups", "general_followups"):
        values[name] = tuple(tuple(_fields(table, f"{PHRASES} [[{name}]] {number}", *followup).values())
                             for number, table in enumerate(values[name], 1))
    return Content(password=accounts["password"], email_domain=accounts["email_domain"], synonyms=search["synonyms"],
                   brand=brand,
                   moderator=accounts["moderator"], agents=agents, members=members, products=products,
                   topics=topics, **values)


def _topic(table, where, products, reply):
    """One [[topics]] table, its official reply signed."""
    values = _fields(table, where, {
        "products": _texts(), "tags": _texts(), "titles": _texts(PRODUCT_FIELDS), "body": _text(THREAD_FIELDS),
        "answers": _texts(THREAD_FIELDS), "staff": _text(REPLY_FIELDS),
    }, {"technical": (_flag, True), "official": (_flag, False)})
    unknown = [key for key in values["products"] if key not in products]
    if unknown:
        raise ContentError(f"{where}.products: unknown product {unknown[0]!r} (products: {', '.join(products)})")
    return Topic(**{**values, "staff": reply["greeting"] + values["staff"] + reply["signature"]})


def _toml(name, text):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(f"{name}: {error}") from None


def _fields(table, where, required, optional=None):
    """The checked values of one TOML table: every key of `required`, any of `optional` ({key: (check, default)})."""
    optional = optional or {}
    _table(table, where)
    unknown = [key for key in table if key not in required and key not in optional]
    if unknown:
        expected = ", ".join([*required, *optional])
        raise ContentError(f"{where}: unknown key {unknown[0]!r} (expected: {expected})")
    missing = [key for key in required if key not in table]
    if missing:
        raise ContentError(f"{where}: missing key {missing[0]!r}")
    values = {key: check(table[key], f"{where}.{key}") for key, check in required.items()}
    for key, (check, default) in optional.items():
        values[key] = check(table[key], f"{where}.{key}") if key in table else default
    return values


def _table(value, where):
    if not isinstance(value, dict):
        raise ContentError(f"{where}: expected a table, got {_kind(value)}")
    return value


def _tables(value, where):
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ContentError(f"{where}: expected an array of tables, got {_kind(value)}")
    return value


def _flag(value, where):
    if not isinstance(value, bool):
        raise ContentError(f"{where}: expected true or false, got {_kind(value)}")
    return value


def _text(fields=AS_IS):
    """A check for one string whose {placeholders} are among `fields`."""

    def check(value, where):
        if not isinstance(value, str):
            raise ContentError(f"{where}: expected a string, got {_kind(value)}")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as error:  # an unmatched brace
            raise ContentError(f"{where}: {error} in {value[:60]!r}") from None
        unknown = sorted(names - fields)
        if unknown:
            allowed = ", ".join(f"{{{name}}}" for name in sorted(fields)) or "none: it is used as it is"
            raise ContentError(f"{where}: unknown placeholder {{{unknown[0]}}} (allowed here: {allowed})")
        return value

    return check


def _texts(fields=AS_IS, least=1):
    """A check for an array of at least `least` strings, each as _text(fields) checks it."""
    item = _text(fields)

    def check(value, where):
        if not isinstance(value, list) or len(value) < least:
            raise ContentError(f"{where}: expected an array of at least {least} string(s), got {_kind(value)}")
        return tuple(item(text, f"{where}[{index}]") for index, text in enumerate(value))

    return check


def _unique(name, what, names):
    seen = set()
    for username in names:
        if username in seen:
            raise ContentError(f"{name} {what}: {username!r} appears twice")
        seen.add(username)


def _kind(value):
    """How a TOML value reads in an error message."""
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return {dict: "a table", str: "a string", bool: "a boolean"}.get(type(value), type(value).__name__)
