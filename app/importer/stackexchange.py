"""Bringing a Stack Exchange community in: its public XML data dump, streamed, in batches, idempotent.

Each file is read with ElementTree.iterparse and every <row> is cleared once read, so memory
stays flat however large the dump. Rows are written in batches of plain INSERTs that keep
every invariant the thread services keep (answer counts, accepted answers, last activity,
the page-cache version, one original revision per post, tag counts, the search change log);
no signal is sent, as notifications and webhooks about years-old posts would be noise.
Scores come from the dump's Score attributes; a vote row is made only for a vote that names its
voter, and the rest of a score counts towards reputation as anonymous votes (see
imported_vote_points), so `flask reputation recompute` agrees with the import.
An `import_records` row maps each (site, kind, dump id) to the row it became, in the same
transaction, so a second run, or a run resumed after a failure, creates nothing twice.
"""
import re
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import bindparam, case, func, insert, select, update

from app import reputation, validation
from app.auth.services import USERNAME_PATTERN
from app.care.models import CareExemption
from app.database import begin_write, insert_or_skip
from app.exceptions import Conflict, NotFound, ValidationError
from app.extensions import db
from app.importer.bodies import BodyError, convert_body
from app.importer.models import ImportedRecord
from app.models import (
    Answer,
    AnswerVote,
    Comment,
    Question,
    QuestionVote,
    Revision,
    SearchChange,
    Tag,
    User,
    question_tags,
)
from app.rendering import render_comment
from app.search import index_sync
from app.visibility import not_deleted

SEARCH_MODES = ("auto", "catch-up", "reindex", "none")
REBUILD_RATIO = 10  # auto rebuilds the index when logged changes x this >= questions (see _update_search_index)
REQUIRED_FILE = "Posts.xml"
OPTIONAL_FILES = ("Users.xml", "Comments.xml", "Votes.xml", "PostLinks.xml", "Tags.xml")
BATCH_SIZE = 500
EXAMPLES_PER_REASON = 5
# werkzeug reads a hash without "$" as matching no password: imported members reset theirs to sign in.
UNUSABLE_PASSWORD = "!imported-from-stack-exchange"  # noqa: S105 - not a password, the absence of one
EMAIL_DOMAIN = "import.invalid"
DELETED_USER = "deleted"  # the external id of the account that stands in for deleted users
FALLBACK_TAG = "untagged"
QUESTION, ANSWER = "1", "2"  # PostTypeId
UPVOTE, DOWNVOTE = "2", "3"  # VoteTypeId
DUPLICATE_LINK = "3"  # LinkTypeId
MAX_INT = 2**31 - 1  # integer columns are 32-bit on PostgreSQL
_INT_RE = re.compile(r"-?\d{1,10}")
_SE_TAGS_RE = re.compile(r"<([^<>]+)>|\|([^|]+)")  # "<a><b>" in older dumps, "|a|b|" in newer ones


class DumpError(Exception):
    """The dump cannot be read at all (no Posts.xml, XML that is not well-formed); str(e) says why."""


class RowError(ValueError):
    """One row cannot be imported; str(e) is the reason reported."""


# Reading ---------------------------------------------------------------------------------


def iter_rows(path, on_position=None):
    """Yield the attributes of each <row> of a dump file, holding only one row in memory at a time.

    `on_position(bytes_read)` is called now and then for progress. Raises DumpError when the
    file is not well-formed XML (after yielding the rows before the fault).
    """
    path = Path(path)
    with path.open("rb") as handle:
        root = None
        try:
            # ElementTree never fetches external entities, and expat >= 2.4 (Python 3.11 ships 2.5) stops
            # entity-expansion bombs with a parse error; the dumps themselves declare no entities.
            events = ET.iterparse(handle, events=("start", "end"))  # noqa: S314
            for count, (event, element) in enumerate(events):
                if root is None:
                    root = element
                elif event == "end" and element.tag == "row":
                    attributes = dict(element.attrib)
                    # Clearing the root drops every row read so far, the element itself included.
                    root.clear()
                    yield attributes
                if on_position and count % 2000 == 0:
                    on_position(handle.tell())
        except ET.ParseError as error:
            raise DumpError(f"{path.name} is not well-formed XML ({error}); rows before the fault were imported, "
                            "fix the file and run the import again to continue.") from None
        if on_position:
            on_position(handle.tell())


def batches(rows, size):
    """Lists of up to `size` consecutive items; when reading fails, the items read so far come first."""
    batch = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
    except DumpError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def parse_int(row, name, required=True, minimum=-MAX_INT):
    """An integer attribute, or None when absent and optional; RowError when missing or malformed."""
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise RowError(f"missing {name}")
        return None
    if not _INT_RE.fullmatch(value.strip()) or not minimum <= int(value) <= MAX_INT:
        raise RowError(f"malformed {name}")
    return int(value)


def parse_date(row, name, required=True):
    """A dump timestamp (UTC) as a naive UTC datetime; RowError when missing or malformed."""
    value = row.get(name)
    if not value:
        if required:
            raise RowError(f"missing {name}")
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(f"malformed {name}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def tag_names(value):
    """The Tags attribute of a question ("<a><b>" or "|a|b|") as Stack Exchange names."""
    return [a or b for a, b in _SE_TAGS_RE.findall(value or "") if (a or b).strip()]


def peerdesk_tag(name):
    """A Stack Exchange tag as a valid Peerdesk tag ("c#" -> "csharp", "asp.net" -> "asp-net"), or None."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("+", "plus").replace("#", "sharp")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = text[:validation.TAG_MAX_LENGTH].rstrip("-")
    return text if text and validation.TAG_PATTERN.match(text) else None


def username_base(display_name, fallback):
    """A valid username made from a display name (letters kept, accents dropped), else `fallback`."""
    text = unicodedata.normalize("NFKD", display_name or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", text.strip())
    text = re.sub(r"[._-]{2,}", lambda run: run.group()[0], text)
    text = text.strip("._-")[:30].rstrip("._-")
    return text if USERNAME_PATTERN.match(text) else fallback


def with_suffix(base, suffix):
    """`base` shortened so that base + suffix is a valid username of at most 30 characters."""
    return base[:30 - len(suffix)].rstrip("._-") + suffix


def site_slug(value):
    """A short identifier for a site, from a directory name such as "coffee.stackexchange.com"."""
    slug = re.sub(r"[^a-z0-9]+", "-", (value or "").lower()).strip("-")
    slug = slug.removesuffix("-stackexchange-com").removesuffix("-com")[:40].strip("-")
    return slug or "site"


# The report ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import created, found already there, and skipped (with why and examples)."""

    site: str
    created: Counter = field(default_factory=Counter)
    already: Counter = field(default_factory=Counter)
    skipped: dict = field(default_factory=dict)  # (file, reason) -> {"count": n, "examples": [...]}
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    care_exempt: int = 0  # imported questions the care queue leaves alone
    care_eligible: int = 0  # imported questions asked since --care-since, which it may queue

    def skip(self, source, reason, example):
        """Count a skipped row under its reason, keeping the first few as examples."""
        entry = self.skipped.setdefault((source, reason), {"count": 0, "examples": []})
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES_PER_REASON:
            entry["examples"].append(example)

    @property
    def skipped_count(self):
        return sum(entry["count"] for entry in self.skipped.values())

    def as_dict(self):
        """The report as plain data (for --report-json and tests)."""
        return {
            "site": self.site,
            "created": dict(self.created),
            "already_imported": dict(self.already),
            "skipped": [{"file": source, "reason": reason, **entry}
                        for (source, reason), entry in sorted(self.skipped.items())],
            "notes": list(self.notes),
            "care": {"exempt": self.care_exempt, "eligible": self.care_eligible},
            "seconds": round(self.seconds, 2),
        }

    def lines(self):
        """The report as text for the terminal."""
        order = ("user", "tag", "question", "answer", "accepted answer", "comment", "vote", "duplicate")
        kinds = sorted(set(self.created) | set(self.already), key=lambda k: (order.index(k) if k in order else 99, k))
        out = [f"Imported from Stack Exchange site '{self.site}' in {self.seconds:.1f} s:"]
        for kind in kinds:
            out.append(f"  {kind}s: {self.created[kind]:,} created, {self.already[kind]:,} already imported")
        if self.skipped:
            out.append(f"Skipped {self.skipped_count:,} row(s):")
            for (source, reason), entry in sorted(self.skipped.items()):
                out.append(f"  {source}: {entry['count']:,} {reason}  (e.g. {'; '.join(entry['examples'])})")
        else:
            out.append("Nothing was skipped.")
        out.extend(f"Note: {note}" for note in self.notes)
        return out


# The import ------------------------------------------------------------------------------


class StackExchangeImport:
    """One run of an import of one dump directory into the current app's database."""

    def __init__(self, directory, site=None, batch_size=BATCH_SIZE, progress=None, search="auto", care_since=None, *,
                 now):
        self.directory = Path(directory)
        self.site = site_slug(site or self.directory.resolve().name)
        self.batch_size = batch_size
        self.progress = progress  # progress(label, bytes_done, bytes_total, rows_done) or None
        if search not in SEARCH_MODES:
            raise ValueError(f"search must be one of {', '.join(SEARCH_MODES)}")
        self.search = search
        # Imported history never enters the care queue; questions asked from `care_since` on may (an opt-in).
        self.care_since = care_since
        self._logged_changes = 0
        self.now = now  # also marks this run's mapping rows
        self.report = ImportReport(self.site)
        self._ghost_id = None
        self._users_from_posts = 0
        self._closed_in_dump = 0  # questions with a ClosedDate, duplicates or not

    # Orchestration ---------------------------------------------------------------------

    def run(self):
        """Import everything the dump has; returns the ImportReport. Raises DumpError when it cannot start."""
        started = time.perf_counter()
        if not self.directory.is_dir():
            raise DumpError(f"{self.directory} is not a directory.")
        if not (self.directory / REQUIRED_FILE).is_file():
            raise DumpError(f"{self.directory} has no {REQUIRED_FILE}: it is not a Stack Exchange data dump.")
        missing = [name for name in OPTIONAL_FILES if not (self.directory / name).is_file()]
        if missing:
            self.report.notes.append(f"Not in the dump, so not imported: {', '.join(missing)}.")
        steps = [
            ("Tags.xml", "tags", self._tags),
            ("Users.xml", "users", self._users),
            ("Posts.xml", "questions", self._questions),
            ("Posts.xml", "answers", self._answers),
            ("Posts.xml", "accepted answers", self._accepted),
            ("Comments.xml", "comments", self._comments),
            ("Votes.xml", "votes", self._votes),
            ("PostLinks.xml", "duplicate links", self._links),
        ]
        for name, label, handle in steps:
            if name not in missing:
                self._each_batch(name, label, handle)
        self._point_duplicates_at_roots()
        others = self._closed_in_dump - self.report.created["duplicate"]
        if others > 0:
            self.report.notes.append(f"{others:,} question(s) closed on the site for a reason other than being a "
                                     "duplicate (the dump does not say which) were imported open.")
        if self._users_from_posts:
            self.report.notes.append(f"{self._users_from_posts:,} member(s) not in Users.xml were created from the "
                                     "display name on their posts, comments or votes.")
        if self.report.care_exempt or self.report.care_eligible:
            since = f" asked since {self.care_since:%Y-%m-%d %H:%M}" if self.care_since else ""
            self.report.notes.append(
                f"Care queue: {self.report.care_exempt:,} imported question(s) kept out (history sends nothing); "
                f"{self.report.care_eligible:,}{since} may enter it.")
        corrected = reputation.recompute_all(now=self.now)
        self.report.notes.append(f"Reputation recomputed: {corrected:,} member(s) changed.")
        self._update_search_index()
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _each_batch(self, name, label, handle):
        """Stream one file and hand its rows to `handle` in batches, each committed on its own."""
        path = self.directory / name
        total = path.stat().st_size
        done = {"rows": 0, "bytes": 0}

        def position(read):
            done["bytes"] = read
            if self.progress:
                self.progress(f"{name}: {label}", read, total, done["rows"])

        for batch in batches(iter_rows(path, position), self.batch_size):
            begin_write(db.session)
            handle(name, batch)
            db.session.commit()
            done["rows"] += len(batch)
            if self.progress:
                self.progress(f"{name}: {label}", done["bytes"], total, done["rows"])
        if self.progress:
            self.progress(f"{name}: {label}", total, total, done["rows"])

    def _parse(self, name, rows, parse):
        """[(external id, parsed)] for the rows `parse` accepts; the others are reported with their reason."""
        parsed = []
        for row in rows:
            try:
                result = parse(row)
            except RowError as error:
                self.report.skip(name, str(error), f"Id={row.get('Id', '?')}")
                continue
            if result is not None:
                parsed.append(result)
        return parsed

    # Mapping ---------------------------------------------------------------------------

    def _mapped(self, kind, external_ids):
        """{external id: local id} for the rows of `kind` imported before (any run)."""
        keys = sorted({str(e) for e in external_ids})
        if not keys:
            return {}
        rows = db.session.execute(select(ImportedRecord.external_id, ImportedRecord.local_id).where(
            ImportedRecord.site == self.site, ImportedRecord.kind == kind, ImportedRecord.external_id.in_(keys)))
        return {external: local for external, local in rows}

    def _mapped_this_run(self, kind, external_ids):
        """The external ids of `kind` that this run imported."""
        keys = sorted({str(e) for e in external_ids})
        if not keys:
            return set()
        return set(db.session.scalars(select(ImportedRecord.external_id).where(
            ImportedRecord.site == self.site, ImportedRecord.kind == kind, ImportedRecord.external_id.in_(keys),
            ImportedRecord.imported_at == self.now)))

    def _remember(self, kind, pairs):
        """Record (external id, local id) pairs of `kind` in the caller's transaction."""
        if pairs:
            db.session.execute(insert(ImportedRecord), [
                {"site": self.site, "kind": kind, "external_id": str(external), "local_id": local,
                 "imported_at": self.now} for external, local in pairs])

    def _new_only(self, kind, parsed):
        """The parsed rows not imported before; the others are counted as already imported."""
        known = self._mapped(kind, [external for external, _ in parsed])
        self.report.already[kind] += len(known)
        return [(external, item) for external, item in parsed if str(external) not in known]

    # Users -----------------------------------------------------------------------------

    def _users(self, name, rows):
        def parse(row):
            user_id = parse_int(row, "Id")
            return user_id, {"name": row.get("DisplayName"), "created_at": parse_date(row, "CreationDate")}

        fresh = self._new_only("user", self._parse(name, rows, parse))
        self._create_users([(external, spec["name"], spec["created_at"]) for external, spec in fresh])

    def _create_users(self, specs):
        """Create accounts for (external id, display name, joined) and map them; returns {external id: local id}."""
        if not specs:
            return {}
        emails = {external: f"se-{self.site}-{external}@{EMAIL_DOMAIN}" for external, _, _ in specs}
        # An account with this address is this very member from an import whose mapping is gone: reuse it.
        existing = dict(db.session.execute(select(User.email, User.id)
                                           .where(User.email.in_(list(emails.values())))).all())
        reused = [(external, existing[email]) for external, email in emails.items() if email in existing]
        specs = [spec for spec in specs if emails[spec[0]] not in existing]
        names = self._unique_usernames([
            (external, username_base(display, "community" if external == -1 else f"user{external}"))
            for external, display, _ in specs])
        # A trusted load: members of the exported site count as verified (flags, links) from the day they joined.
        rows = [{"username": names[external], "email": emails[external], "password_hash": UNUSABLE_PASSWORD,
                 "role": "member", "created_at": joined or self.now, "email_verified_at": joined or self.now}
                for external, _, joined in specs]
        ids = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows).all() \
            if rows else []
        created = [(spec[0], local) for spec, local in zip(specs, ids, strict=True)]
        self._remember("user", created + reused)
        self.report.created["user"] += len(created)
        return {str(external): local for external, local in created + reused}

    def _unique_usernames(self, bases):
        """{external id: a username free in the database and in this batch}, whatever the case."""
        chosen, taken_here = {}, set()
        pending = list(bases)
        for attempt in range(6):
            if not pending:
                break
            candidates = {}
            for external, base in pending:
                suffix = "" if attempt == 0 else f"-{attempt + 1}" if attempt < 4 else f"-se{external}"
                if attempt == 5:
                    suffix = f"-se{external}-{len(taken_here)}"
                candidates[external] = with_suffix(base, suffix)
            lowered = sorted({name.lower() for name in candidates.values()})
            taken = set(db.session.scalars(select(func.lower(User.username))
                                           .where(func.lower(User.username).in_(lowered))))
            still = []
            for external, base in pending:
                name = candidates[external]
                if name.lower() in taken or name.lower() in taken_here:
                    still.append((external, base))
                else:
                    chosen[external] = name
                    taken_here.add(name.lower())
            pending = still
        if pending:
            raise RuntimeError(f"no free username for {len(pending)} imported member(s)")
        return chosen

    def _authors(self, items):
        """{external user id or None: local id} for (external user id, display name, when) triples.

        Members missing from Users.xml get an account from the post's display name; posts of
        deleted members (no user id) go to one stand-in account per site.
        """
        wanted = {external for external, _, _ in items if external is not None}
        found = {int(k): v for k, v in self._mapped("user", wanted).items()}
        missing = {}
        for external, display, when in items:
            if external is not None and external not in found and external not in missing:
                missing[external] = (external, display, when)
        if missing:
            created = self._create_users(list(missing.values()))
            found.update({int(k): v for k, v in created.items()})
            self._users_from_posts += len(missing)
        if any(external is None for external, _, _ in items):
            found[None] = self._ghost()
        return found

    def _ghost(self):
        """The account that stands in for members deleted from the site, created once per site."""
        if self._ghost_id is None:
            known = self._mapped("user", [DELETED_USER])
            if known:
                self._ghost_id = known[DELETED_USER]
            else:
                name = self._unique_usernames([(DELETED_USER, "deleted-user")])[DELETED_USER]
                self._ghost_id = db.session.scalar(insert(User).returning(User.id).values(
                    username=name, email=f"se-{self.site}-{DELETED_USER}@{EMAIL_DOMAIN}",
                    password_hash=UNUSABLE_PASSWORD, role="member", created_at=self.now, email_verified_at=self.now))
                self._remember("user", [(DELETED_USER, self._ghost_id)])
        return self._ghost_id

    # Tags ------------------------------------------------------------------------------

    def _tags(self, name, rows):
        def parse(row):
            se_name = row.get("TagName")
            if not se_name:
                raise RowError("missing TagName")
            tag = peerdesk_tag(se_name)
            if tag is None:
                raise RowError("tag name has no letters or digits Peerdesk can use")
            return tag, None

        names = sorted({tag for tag, _ in self._parse(name, rows, parse)})
        before = len(self._tag_ids(names, create=False))
        self._tag_ids(names)
        self.report.created["tag"] += len(names) - before
        self.report.already["tag"] += before

    def _tag_ids(self, names, create=True):
        """{name: tag id}, creating missing tags (safely against a concurrent request)."""
        if not names:
            return {}
        if create:
            db.session.execute(insert_or_skip(db.session, Tag).values([{"name": n, "question_count": 0} for n in names])
                               .on_conflict_do_nothing(index_elements=["name"]))
        return dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())

    # Questions -------------------------------------------------------------------------

    def _post_common(self, row):
        """Id, author, dates, score and converted body shared by questions and answers."""
        post_id = parse_int(row, "Id", minimum=1)
        created_at = parse_date(row, "CreationDate")
        if row.get("Body") is None:
            raise RowError("missing Body")
        try:
            source, html = convert_body(row["Body"])
        except BodyError as error:
            raise RowError(str(error)) from None
        owner = parse_int(row, "OwnerUserId", required=False)
        return post_id, {
            "owner": owner, "owner_name": row.get("OwnerDisplayName"),
            "created_at": created_at, "edited_at": parse_date(row, "LastEditDate", required=False),
            "score": parse_int(row, "Score", required=False) or 0, "body_source": source, "body_html": html,
        }

    def _questions(self, name, rows):
        def parse(row):
            kind = row.get("PostTypeId")
            if kind == ANSWER:
                return None  # the next pass
            if kind != QUESTION:
                raise RowError(f"post type {kind or 'missing'} is not a question or an answer (tag wikis and "
                               "the like are not imported)")
            title = " ".join(validation.clean_text(row.get("Title") or "").split())
            if not title:
                parse_int(row, "Id")
                raise RowError("missing Title")
            post_id, post = self._post_common(row)
            if len(title) > validation.TITLE_MAX:
                title = title[:validation.TITLE_MAX - 1].rstrip() + "…"
            tags = []
            for se_name in tag_names(row.get("Tags")):
                tag = peerdesk_tag(se_name)
                if tag and tag not in tags:
                    tags.append(tag)
            post.update(title=title, tags=tags[:validation.TAGS_MAX] or [FALLBACK_TAG],
                        closed=bool(row.get("ClosedDate")),
                        views=max(0, parse_int(row, "ViewCount", required=False) or 0),
                        last_activity_at=max(post["created_at"],
                                             parse_date(row, "LastActivityDate", required=False) or post["created_at"]))
            return post_id, post

        fresh = self._new_only("question", self._parse(name, rows, parse))
        if not fresh:
            return
        self._closed_in_dump += sum(1 for _, post in fresh if post["closed"])
        authors = self._authors([(p["owner"], p["owner_name"], p["created_at"]) for _, p in fresh])
        rows_in = [{
            "author_id": authors[p["owner"]], "title": p["title"], "body_source": p["body_source"],
            "body_html": p["body_html"], "score": p["score"], "answer_count": 0, "view_count": p["views"],
            "version": 1, "created_at": p["created_at"], "edited_at": p["edited_at"],
            "last_activity_at": p["last_activity_at"]} for _, p in fresh]
        ids = db.session.scalars(insert(Question).returning(Question.id, sort_by_parameter_order=True),
                                 rows_in).all()
        tag_ids = self._tag_ids(sorted({t for _, p in fresh for t in p["tags"]}))
        links, per_tag = [], Counter()
        for (_, post), question_id in zip(fresh, ids, strict=True):
            for tag in post["tags"]:
                links.append({"question_id": question_id, "tag_id": tag_ids[tag]})
                per_tag[tag_ids[tag]] += 1
        db.session.execute(insert(question_tags), links)
        tags_table = Tag.__table__
        db.session.execute(update(tags_table).where(tags_table.c.id == bindparam("tag"))
                           .values(question_count=tags_table.c.question_count + bindparam("n")),
                           [{"tag": tag, "n": n} for tag, n in per_tag.items()])
        db.session.execute(insert(Revision), [{
            "question_id": question_id, "number": 1, "editor_id": row["author_id"], "created_at": post["created_at"],
            "title": post["title"], "tags": " ".join(sorted(post["tags"])), "body_source": post["body_source"],
            "reason": f"Imported from Stack Exchange ({self.site})"}
            for (_, post), row, question_id in zip(fresh, rows_in, ids, strict=True)])
        self._log_search_changes(ids)
        self._exempt_from_care([(question_id, post["created_at"]) for (_, post), question_id in zip(fresh, ids,
                                                                                                  strict=True)])
        self._remember("question", [(external, local) for (external, _), local in zip(fresh, ids, strict=True)])
        self.report.created["question"] += len(ids)

    def _exempt_from_care(self, asked):
        """Keep imported questions out of the care queue (no items, no reminders), but those asked since care_since."""
        rows = [{"question_id": question_id, "reason": f"imported from {self.site}", "created_at": self.now}
                for question_id, created_at in asked if self.care_since is None or created_at < self.care_since]
        if rows:
            db.session.execute(insert(CareExemption), rows)
        self.report.care_exempt += len(rows)
        self.report.care_eligible += len(asked) - len(rows)

    def _log_search_changes(self, question_ids):
        """The search change log rows for these questions (the index applies them at the end)."""
        if question_ids:
            rows = [{"question_id": qid, "created_at": self.now} for qid in sorted(set(question_ids))]
            db.session.execute(insert(SearchChange), rows)
            self._logged_changes += len(rows)

    def _touch_questions(self, latest_by_question, answers_by_question=None):
        """Move last activity forward (never back), count new answers, and move each page's version."""
        questions = Question.__table__
        answers_by_question = answers_by_question or {}
        db.session.execute(
            update(questions).where(questions.c.id == bindparam("qid")).values(
                answer_count=questions.c.answer_count + bindparam("new_answers"),
                last_activity_at=case((questions.c.last_activity_at < bindparam("latest"), bindparam("latest")),
                                      else_=questions.c.last_activity_at),
                version=questions.c.version + 1),
            [{"qid": qid, "latest": latest, "new_answers": answers_by_question.get(qid, 0)}
             for qid, latest in latest_by_question.items()])

    # Answers ---------------------------------------------------------------------------

    def _answers(self, name, rows):
        def parse(row):
            if row.get("PostTypeId") != ANSWER:
                return None
            parent = parse_int(row, "ParentId", minimum=1)
            post_id, post = self._post_common(row)
            post["parent"] = parent
            return post_id, post

        fresh = self._new_only("answer", self._parse(name, rows, parse))
        parents = self._mapped("question", [p["parent"] for _, p in fresh])
        kept = []
        for external, post in fresh:
            if str(post["parent"]) in parents:
                kept.append((external, post))
            else:
                self.report.skip(name, "answer to a question that is not in the dump (or was skipped)",
                                 f"Id={external} ParentId={post['parent']}")
        if not kept:
            return
        authors = self._authors([(p["owner"], p["owner_name"], p["created_at"]) for _, p in kept])
        rows_in = [{"question_id": parents[str(p["parent"])], "author_id": authors[p["owner"]],
                    "body_source": p["body_source"], "body_html": p["body_html"], "score": p["score"],
                    "created_at": p["created_at"], "edited_at": p["edited_at"],
                    "official": False} for _, p in kept]  # another site's staff are not this brand's
        ids = db.session.scalars(insert(Answer).returning(Answer.id, sort_by_parameter_order=True), rows_in).all()
        db.session.execute(insert(Revision), [{
            "answer_id": answer_id, "number": 1, "editor_id": row["author_id"], "created_at": row["created_at"],
            "body_source": row["body_source"], "reason": f"Imported from Stack Exchange ({self.site})"}
            for row, answer_id in zip(rows_in, ids, strict=True)])
        latest, counts = {}, Counter()
        for row in rows_in:
            qid = row["question_id"]
            latest[qid] = max(latest.get(qid, row["created_at"]), row["created_at"])
            counts[qid] += 1
        self._touch_questions(latest, counts)
        self._log_search_changes(list(latest))
        self._remember("answer", [(external, local) for (external, _), local in zip(kept, ids, strict=True)])
        self.report.created["answer"] += len(ids)

    # Accepted answers ------------------------------------------------------------------

    def _accepted(self, name, rows):
        pairs = []
        for row in rows:
            if row.get("PostTypeId") == QUESTION and row.get("AcceptedAnswerId"):
                try:
                    pairs.append((parse_int(row, "Id", minimum=1), parse_int(row, "AcceptedAnswerId", minimum=1)))
                except RowError as error:
                    self.report.skip(name, f"accepted answer: {error}", f"Id={row.get('Id', '?')}")
        if not pairs:
            return
        questions = self._mapped("question", [q for q, _ in pairs])
        answers = self._mapped("answer", [a for _, a in pairs])
        new_questions = self._mapped_this_run("question", [q for q, _ in pairs])
        new_answers = self._mapped_this_run("answer", [a for _, a in pairs])
        local_answers = [answers[str(a)] for _, a in pairs if str(a) in answers]
        answer_question = dict(db.session.execute(select(Answer.id, Answer.question_id)
                                                  .where(Answer.id.in_(local_answers))).all()) if local_answers else {}
        current = dict(db.session.execute(select(Question.id, Question.accepted_answer_id).where(
            Question.id.in_([questions[str(q)] for q, _ in pairs if str(q) in questions]))).all())
        updates = []
        for q, a in pairs:
            if str(q) not in questions:
                continue  # the question itself was skipped, and reported
            if str(a) not in answers:
                self.report.skip(name, "accepted answer that is not in the dump (or was skipped)",
                                 f"Id={q} AcceptedAnswerId={a}")
                continue
            qid, aid = questions[str(q)], answers[str(a)]
            if answer_question.get(aid) != qid:
                self.report.skip(name, "accepted answer belongs to another question", f"Id={q} AcceptedAnswerId={a}")
            elif current.get(qid) == aid:
                self.report.already["accepted answer"] += 1
            elif current.get(qid) is None and (str(q) in new_questions or str(a) in new_answers):
                updates.append({"qid": qid, "aid": aid})
            else:
                # Accepted differently (or unaccepted) in Peerdesk since an earlier run: the member's choice stands.
                self.report.already["accepted answer"] += 1
        if updates:
            table = Question.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("qid"))
                               .values(accepted_answer_id=bindparam("aid"), version=table.c.version + 1), updates)
            self._log_search_changes([u["qid"] for u in updates])
            self.report.created["accepted answer"] += len(updates)

    # Comments --------------------------------------------------------------------------

    def _posts(self, external_ids):
        """{external post id: (question id, answer id or None, author id)} for imported questions and answers."""
        questions = self._mapped("question", external_ids)
        answers = self._mapped("answer", external_ids)
        found = {}
        if questions:
            for qid, author in db.session.execute(select(Question.id, Question.author_id)
                                                  .where(Question.id.in_(list(questions.values())))):
                found[qid] = author
        by_answer = {}
        if answers:
            by_answer = {aid: (qid, author) for aid, qid, author in db.session.execute(
                select(Answer.id, Answer.question_id, Answer.author_id).where(Answer.id.in_(list(answers.values()))))}
        posts = {external: (local, None, found[local]) for external, local in questions.items() if local in found}
        posts.update({external: (by_answer[local][0], local, by_answer[local][1])
                      for external, local in answers.items() if local in by_answer})
        return posts

    def _comments(self, name, rows):
        def parse(row):
            comment_id = parse_int(row, "Id", minimum=1)
            post_id = parse_int(row, "PostId", minimum=1)
            created_at = parse_date(row, "CreationDate")
            if row.get("Text") is None:
                raise RowError("missing Text")
            try:
                text = validation.clean_comment(row["Text"])
            except ValidationError as error:
                raise RowError(f"comment text: {error.message}") from None
            return comment_id, {"post": post_id, "text": text, "created_at": created_at,
                                "owner": parse_int(row, "UserId", required=False),
                                "owner_name": row.get("UserDisplayName")}

        fresh = self._new_only("comment", self._parse(name, rows, parse))
        posts = self._posts([c["post"] for _, c in fresh])
        kept = []
        for external, comment in fresh:
            if str(comment["post"]) in posts:
                kept.append((external, comment))
            else:
                self.report.skip(name, "comment on a post that is not in the dump (or was skipped)",
                                 f"Id={external} PostId={comment['post']}")
        if not kept:
            return
        authors = self._authors([(c["owner"], c["owner_name"], c["created_at"]) for _, c in kept])
        rows_in = []
        for _, comment in kept:
            question_id, answer_id, _ = posts[str(comment["post"])]
            rows_in.append({"question_id": question_id, "answer_id": answer_id, "author_id": authors[comment["owner"]],
                            "body": comment["text"], "body_html": render_comment(comment["text"]),
                            "created_at": comment["created_at"], "official": False})
        ids = db.session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), rows_in).all()
        latest = {}
        for row in rows_in:
            latest[row["question_id"]] = max(latest.get(row["question_id"], row["created_at"]), row["created_at"])
        self._touch_questions(latest)
        self._remember("comment", [(external, local) for (external, _), local in zip(kept, ids, strict=True)])
        self.report.created["comment"] += len(ids)

    # Votes -----------------------------------------------------------------------------

    def _votes(self, name, rows):
        def parse(row):
            vote_id = parse_int(row, "Id", minimum=1)
            kind = row.get("VoteTypeId")
            if kind not in (UPVOTE, DOWNVOTE):
                raise RowError(f"vote type {kind or 'missing'} is not an up or down vote (acceptances come from "
                               "AcceptedAnswerId; favourites, close votes and bounties are not imported)")
            post_id = parse_int(row, "PostId", minimum=1)
            user_id = parse_int(row, "UserId", required=False)
            if user_id is None:
                raise RowError("anonymous up or down vote (no UserId, as in public dumps): already in the post's Score")
            return vote_id, {"post": post_id, "user": user_id, "value": 1 if kind == UPVOTE else -1,
                             "created_at": parse_date(row, "CreationDate", required=False) or self.now}

        fresh = self._new_only("vote", self._parse(name, rows, parse))
        posts = self._posts([v["post"] for _, v in fresh])
        voters = {int(k): v for k, v in self._mapped("user", [v["user"] for _, v in fresh]).items()}
        question_votes, answer_votes, mapped = [], [], []
        for external, vote in fresh:
            post = posts.get(str(vote["post"]))
            if post is None:
                self.report.skip(name, "vote on a post that is not in the dump (or was skipped)",
                                 f"Id={external} PostId={vote['post']}")
                continue
            if vote["user"] not in voters:
                self.report.skip(name, "vote by a member who is not in the dump",
                                 f"Id={external} UserId={vote['user']}")
                continue
            question_id, answer_id, author_id = post
            if voters[vote["user"]] == author_id:
                self.report.skip(name, "vote on the voter's own post", f"Id={external}")
                continue
            row = {"user_id": voters[vote["user"]], "value": vote["value"], "created_at": vote["created_at"]}
            if answer_id is None:
                question_votes.append({**row, "question_id": question_id})
            else:
                answer_votes.append({**row, "answer_id": answer_id})
            mapped.append((external, answer_id or question_id))
        # One vote per member and post: a second row for the same pair (possible in a dump) is ignored.
        for model, values, columns in ((QuestionVote, question_votes, ["user_id", "question_id"]),
                                       (AnswerVote, answer_votes, ["user_id", "answer_id"])):
            if values:
                db.session.execute(insert_or_skip(db.session, model).on_conflict_do_nothing(index_elements=columns),
                                   values)
        self._remember("vote", mapped)
        self.report.created["vote"] += len(mapped)

    # Duplicate links -------------------------------------------------------------------

    def _links(self, name, rows):
        def parse(row):
            link_id = parse_int(row, "Id", minimum=1)
            if row.get("LinkTypeId") != DUPLICATE_LINK:
                raise RowError(f"link type {row.get('LinkTypeId') or 'missing'} is not a duplicate link "
                               "(Peerdesk has no related-question links)")
            return link_id, {"duplicate": parse_int(row, "PostId", minimum=1),
                             "original": parse_int(row, "RelatedPostId", minimum=1),
                             "created_at": parse_date(row, "CreationDate", required=False) or self.now}

        fresh = self._new_only("duplicate", self._parse(name, rows, parse))
        questions = self._mapped("question", [v for _, link in fresh for v in (link["duplicate"], link["original"])])
        questions_table = Question.__table__
        done = []
        for external, link in fresh:
            duplicate, original = questions.get(str(link["duplicate"])), questions.get(str(link["original"]))
            if duplicate is None or original is None:
                self.report.skip(name, "duplicate link between questions that are not both in the dump",
                                 f"Id={external} PostId={link['duplicate']} RelatedPostId={link['original']}")
                continue
            if db.session.scalar(select(Question.closed_at).where(Question.id == duplicate)) is not None:
                self.report.skip(name, "question already closed", f"Id={external} PostId={link['duplicate']}")
                continue
            root = self._root(original, duplicate)
            if root is None:
                self.report.skip(name, "duplicate link would make a cycle of duplicates", f"Id={external}")
                continue
            db.session.execute(update(questions_table).where(questions_table.c.id == duplicate).values(
                closed_at=link["created_at"], closed_by_id=None, close_reason="duplicate", duplicate_of_id=root,
                version=questions_table.c.version + 1))
            done.append((external, duplicate))
        self._log_search_changes([local for _, local in done])
        self._remember("duplicate", done)
        self.report.created["duplicate"] += len(done)

    def _root(self, original, duplicate):
        """The question at the end of `original`'s chain of duplicates, or None if it leads back to `duplicate`."""
        seen = {duplicate}
        while original not in seen:
            seen.add(original)
            parent = db.session.scalar(select(Question.duplicate_of_id).where(Question.id == original))
            if parent is None:
                return original
            original = parent
        return None

    def _point_duplicates_at_roots(self):
        """A duplicate whose original was itself closed as a duplicate later in the run points at the root."""
        mine = select(ImportedRecord.local_id).where(ImportedRecord.site == self.site,
                                                     ImportedRecord.kind == "duplicate",
                                                     ImportedRecord.imported_at == self.now)
        for _ in range(50):
            begin_write(db.session)
            chained = db.session.execute(
                select(Question.id, Question.duplicate_of_id).where(Question.id.in_(mine))).all()
            parents = dict(db.session.execute(select(Question.id, Question.duplicate_of_id).where(
                Question.id.in_([p for _, p in chained]), Question.duplicate_of_id.is_not(None))).all()) \
                if chained else {}
            moves = [{"qid": qid, "root": parents[parent]} for qid, parent in chained
                     if parent in parents and parents[parent] != qid]
            if not moves:
                db.session.rollback()
                return
            table = Question.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("qid"))
                               .values(duplicate_of_id=bindparam("root"), version=table.c.version + 1), moves)
            self._log_search_changes([m["qid"] for m in moves])
            db.session.commit()

    # Search ----------------------------------------------------------------------------

    def _update_search_index(self):
        """Bring this host's index up to date, so imported questions are found.

        The change log is written either way (other hosts' replicas catch up from it). Applying
        it here rewrites a question once per batch of the log that names it, an import names each
        question several times (asked, answered, accepted, closed), and every batch is a Whoosh
        commit that merges segments; a rebuild writes every question once. Measured with
        bench/bench_import.py, applying costs some 14 times more per logged change than a
        rebuild per question, so a run that logged more than a tenth as many changes as there
        are questions in all rebuilds.
        """
        if self.search == "none":
            self.report.notes.append("Search index not updated: run `flask search catch-up`.")
            return
        started = time.perf_counter()
        rebuild = self.search == "reindex"
        if self.search == "auto":
            total = db.session.scalar(select(func.count()).select_from(Question).where(not_deleted(Question)))
            db.session.rollback()
            rebuild = self._logged_changes * REBUILD_RATIO >= max(total, 1)
        if rebuild:
            count = index_sync.reindex()
            self.report.notes.append(f"Search index rebuilt: {count:,} questions in "
                                     f"{time.perf_counter() - started:.1f} s.")
        else:
            applied = index_sync.catch_up(now=self.now)
            self.report.notes.append(f"Search index caught up: {applied:,} logged change(s) applied in "
                                     f"{time.perf_counter() - started:.1f} s.")


def imported_vote_points():
    """Reputation from the votes a dump counted in a post's Score without saying who cast them.

    For an imported post that is its score less the votes stored for it: up when positive,
    down when negative, at the usual points. Stored votes (imported with a voter, or cast
    here since) are already counted by reputation.points_from_history.
    """
    rows = []
    for post, votes, vote_post, upvote in ((Question, QuestionVote, QuestionVote.question_id,
                                            reputation.QUESTION_UPVOTE),
                                           (Answer, AnswerVote, AnswerVote.answer_id, reputation.ANSWER_UPVOTE)):
        stored = select(func.coalesce(func.sum(votes.value), 0)).where(vote_post == post.id).scalar_subquery()
        anonymous = post.score - stored
        points = case((anonymous > 0, anonymous * upvote), else_=anonymous * -reputation.DOWNVOTE)
        kind = "question" if post is Question else "answer"
        rows += db.session.execute(
            select(post.author_id, func.sum(points))
            .join(ImportedRecord, (ImportedRecord.kind == kind) & (ImportedRecord.local_id == post.id))
            .group_by(post.author_id)).all()
    return rows


def give_address(username, email, *, now):
    """Give an imported member their real address, so that a password reset lets them in; returns the user.

    Only accounts still on their placeholder address qualify: anyone else changes theirs in
    account settings. The operator's change is audited (no actor: the command line).
    """
    from app import audit
    from app.auth import services as accounts

    user = accounts.find_user(username)
    if user is None or "@" in username:
        raise NotFound(f"No member named {username!r}.")
    if not user.email.endswith("@" + EMAIL_DOMAIN):
        raise Conflict(f"{user.username} is not an imported member waiting for an address.")
    email = accounts.clean_email(email)
    begin_write(db.session)
    user = db.session.get(User, user.id)
    if db.session.scalar(select(User.id).where(User.email == email)):
        db.session.rollback()
        raise ValidationError({"email": "An account with that email already exists."})
    audit.record(None, "user.imported_address", "user", user.id, reason="an imported member claims the account",
                 before={"email": user.email}, after={"email": email}, now=now)
    user.email = email
    db.session.commit()
    return user


def import_dump(directory, **options):
    """Import the dump in `directory` (see StackExchangeImport for options); returns the ImportReport."""
    return StackExchangeImport(directory, **options).run()


