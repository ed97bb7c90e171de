"""The Whoosh index behind one small interface; the only module that imports whoosh."""
import fcntl
import functools
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight, htmlescape
from whoosh.lang import has_stemmer, has_stopwords, languages
from whoosh.qparser import MultifieldParser
from whoosh.query import And, Every, Not, NullQuery, NumericRange, Phrase, Term

from app.search import suggest as suggest_ranking

# The index keeps its place in the change log in a document of its own, committed together
# with the documents it describes, so "what is applied" can never disagree with "what is there".
CURSOR_DOC_ID = "cursor"
WRITER_TIMEOUT_SECONDS = 10  # one writer: 8 writers with no wait lost 175 of 200 writes
# What reading an index whose folder was deleted (or is being replaced) under a running process raises.
READ_FAILURES = (OSError, whoosh_index.IndexError)
# Whoosh names each commit's table of contents _MAIN_<generation>.toc: the folder holds an index when one is there.
_TOC_FILE = re.compile(r"_MAIN_(\d+)\.toc")

# The content languages the index can stem (Whoosh's Snowball stemmers); SEARCH_LANGUAGE picks one.
LANGUAGES = tuple(sorted(code for code in set(languages) if len(code) == 2 and has_stemmer(code)))


# A word, and words joined by hyphens or underscores ("wi-fi", "usb-c"), or dots ("3.1", "e.g").
WORD = r"\w+(?:[-.]\w+)*"
_JOINERS = re.compile(r"[-_]+")


class CompoundWords(Filter):
    """A word joined by hyphens is the joined word, in the index and in queries: "wi-fi", "Wi-Fi" and "wifi" are one.

    Only the joined word, not its parts as well: the parts made titles longer, and on the real
    communities of bench/eval_real.py a duplicate whose original had "pro-tem" in its title fell
    out of the first five (duplicate MRR 1.0 to 0.33 on conlang; half-typed success 0.996 to
    0.991 on bicycles-meta). The cost: "wi" alone no longer finds "wi-fi".
    """

    def __call__(self, tokens):
        for token in tokens:
            if "-" in token.text or "_" in token.text:
                token.text = "".join(part for part in _JOINERS.split(token.text) if part) or token.text
            yield token


def analyzer_for(language):
    """Words as the index keeps them: lowercased, compounds joined, stop words out, stemmed for the language.

    English keeps the Porter stemmer and short stop list the index has always used (what the
    suggestion ranking was measured with); other languages get their Snowball stemmer and stop words.
    """
    if language != "en" and language not in LANGUAGES:
        raise ValueError(f"No stemmer for language {language!r}; choose one of {', '.join(LANGUAGES)}.")
    words = RegexTokenizer(WORD) | LowercaseFilter() | CompoundWords()
    if language == "en":
        return words | StopFilter() | StemFilter()
    if has_stopwords(language):  # Whoosh has none for some (ar, ro): those keep every word
        words = words | StopFilter(lang=language)
    return words | StemFilter(lang=language)


def analysis_is_current(analyzer):
    """Whether an index's analyzer is the one this release builds (compounds joined), whatever its language."""
    return any(isinstance(item, CompoundWords) for item in getattr(analyzer, "items", ()))


def language_of(analyzer):
    """The language an analyzer stems for ("en" for the Porter stemmer)."""
    stems = [item for item in getattr(analyzer, "items", ()) if isinstance(item, StemFilter)]
    return (stems[0].lang or "en") if stems else "en"


def schema_for(language):
    """The index's fields, with text analysed for `language`."""
    text = analyzer_for(language)
    return Schema(
        id=ID(stored=True, unique=True),
        # spelling: the title's words unstemmed too (a field of their own), which "did you mean" offers.
        title=TEXT(analyzer=text, field_boost=3.0, spelling=True),
        body=TEXT(analyzer=text),
        # Answers hold most of the text: without word positions (phrases match titles and bodies
        # only) a full reindex takes 17% less CPU.
        accepted_answer=TEXT(analyzer=text, field_boost=1.5, phrase=False),
        answers=TEXT(analyzer=text, phrase=False),
        tags=KEYWORD(lowercase=True, commas=False, scorable=True),
        score=NUMERIC(sortable=True, signed=True),
        answer_count=NUMERIC(sortable=True),
        resolved=BOOLEAN(stored=True),
        created_at=DATETIME(sortable=True),
        fingerprint=STORED(),
        cursor=STORED(),
    )


SCHEMA = schema_for("en")
_text = SCHEMA["title"].analyzer  # English, for callers without an index at hand (benchmarks)


class SearchIndex:
    """A Whoosh index in a folder, created on first use for the community's language.

    An index keeps the analyzer it was built with; when the configured language or the release's
    analysis differs, it goes on with its own until a rebuild (`needs_rebuild` says why; `flask
    search check` tells).
    """

    def __init__(self, path, language="en"):
        self.path = Path(path)
        self.language = language
        self._index = None
        self._schema = None
        self._shared = threading.local()

    def _open(self):
        """Open the index, creating it once even when several processes start together."""
        if self._index is None:
            self._create(replace=False)
        return self._index

    def _create(self, replace):
        """Under the folder's lock: open the index there (unless `replace`), else create it for the language."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".create.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not replace and whoosh_index.exists_in(self.path):
                self._index = whoosh_index.open_dir(self.path)
            else:
                self._index = whoosh_index.create_in(self.path, schema_for(self.language))

    @property
    def schema(self):
        """The fields as this index was built (read once: Whoosh reads and unpickles its TOC file at every access)."""
        if self._schema is None:
            self._schema = self._open().schema
        return self._schema

    @property
    def analyzer(self):
        """How this index analyses text (its language's)."""
        return self.schema["title"].analyzer

    def built_language(self):
        """The language the index was built for."""
        return language_of(self.analyzer)

    def needs_rebuild(self):
        """Why the index must be rebuilt before it matches this release and setting, or None."""
        if self.built_language() != self.language:
            return f"it was built for language {self.built_language()}, the setting is {self.language}"
        if not analysis_is_current(self.analyzer) or "spell_title" not in self.schema:
            return "it was built by an older release (before hyphenated words were joined)"
        return None

    def recreate(self):
        """Empty the index with the configured language's schema (the start of a full rebuild)."""
        self._create(replace=True)
        self._schema = None
        self._shared = threading.local()

    @contextmanager
    def writer(self, processes=1, memory_mb=None):
        """The single writer, committed on success and cancelled on error.

        For a full rebuild: with `processes` > 1, documents are analysed in that many processes,
        each writing a segment of its own; `memory_mb` (Whoosh's own accounting, which counts
        several times what the process really uses) lets postings be sorted in memory instead
        of in pickled runs on disk, a third less CPU.
        """
        options = {"limitmb": memory_mb} if memory_mb else {}
        if processes > 1:
            options.update(procs=processes, multisegment=True)
        writer = self._open().writer(timeout=WRITER_TIMEOUT_SECONDS, **options)
        wrapper = IndexWriter(writer)
        try:
            yield wrapper
        except BaseException:
            wrapper.close()
            writer.cancel()
            raise
        wrapper.close()
        if wrapper.changed:
            writer.commit()
        else:  # a catch-up that found nothing: no new commit, so readers keep what they cached
            writer.cancel()

    @contextmanager
    def searcher(self, **kwargs):
        """A searcher on the latest commit; readers never wait for the writer."""
        with self._open().searcher(**kwargs) as searcher:
            yield searcher

    def shared_searcher(self):
        """A long-lived searcher for this thread, brought up to the latest commit.

        Opening a searcher reads every segment's files (250 ms at 100,000 questions);
        refreshing one only lists the folder and reopens the segments that changed. Searchers
        are not shared between threads. Callers must not close it.
        """
        searcher = getattr(self._shared, "searcher", None)
        if searcher is not None:
            searcher = searcher.refresh()
            # Whoosh compares generation numbers only: an index rebuilt in a new folder (or recreated in this
            # one by another process) soon reaches the generation this searcher read, which then looked current.
            if self._toc_identity(searcher) != self._shared.identity:
                searcher = None
        if searcher is None:
            searcher = self._open().searcher()
            self._shared.identity = self._toc_identity(searcher)
        self._shared.searcher = searcher
        return searcher

    def _toc_identity(self, searcher):
        """The file of the commit `searcher` reads (None once a later commit removed it): which index it is."""
        try:
            found = os.stat(self.path / f"_MAIN_{searcher.reader().generation()}.toc")
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def commit_key(self):
        """What identifies the commit this thread's searcher reads (refreshed by the request's lexical half).

        Whatever is written through the change log (the stored vectors too) is in the database
        before the index commit that follows it, so a reader of the index syncs again when this moves.
        """
        # The searcher the lexical half of this request just refreshed: refreshing again lists the folder twice.
        searcher = getattr(self._shared, "searcher", None) or self.shared_searcher()
        reader = searcher.reader()
        segments = [leaf.segment() for leaf, _ in reader.leaf_readers()]  # None: an empty index's reader
        return reader.generation(), tuple(segment.segment_id() for segment in segments if segment is not None)

    def cursor(self):
        """The id of the last change-log row applied (0 for a new index)."""
        with self.searcher() as searcher:
            return _cursor_of(searcher)

    def exists(self):
        """Whether the folder holds an index (False once it was deleted under a running process)."""
        return whoosh_index.exists_in(self.path)

    def is_present(self):
        """Whether the folder holds a commit of an index, by listing it (Whoosh's own check opens the index)."""
        try:
            return any(_TOC_FILE.fullmatch(name) for name in os.listdir(self.path))
        except FileNotFoundError:
            return False

    @contextmanager
    def rebuilding(self):
        """Hold the folder's rebuild lock for a full rebuild: every process of the host sees `is_rebuilding()`.

        A lock rather than a marker file: the kernel drops it when the rebuilding process dies, so a
        rebuild killed half-way never leaves the host's search degraded for good.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".rebuild.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second rebuild (the command beside the follower) waits its turn
            yield

    def is_rebuilding(self):
        """Whether some process (this one included) is rebuilding the index now."""
        try:
            lock = open(self.path / ".rebuild.lock")  # noqa: SIM115 - closed below whatever happens
        except FileNotFoundError:
            return False
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(lock, fcntl.LOCK_UN)
            return False

    def holds_questions(self):
        """Whether any question document is in the index (the cursor's own document aside).

        Through this thread's shared searcher, like `latest_cursor`: a long-lived thread asks again and again.
        """
        searcher = self.shared_searcher()
        count = searcher.doc_count()
        # Only an index of one document needs the lookup (a third of a millisecond): is it the cursor's?
        return count > 1 or (count == 1 and not searcher.document(id=CURSOR_DOC_ID))

    def latest_cursor(self):
        """The cursor of the latest commit, read through this thread's shared searcher (cheap when unchanged)."""
        return _cursor_of(self.shared_searcher())

    @contextmanager
    def follower_turn(self):
        """Yield whether this process may follow the log now: one process per host at a time, the others skip."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".follow.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True

    def fingerprints(self):
        """{question_id: fingerprint} of every question document in the index."""
        with self.searcher() as searcher:
            return {int(fields["id"]): fields.get("fingerprint") for fields in searcher.all_stored_fields()
                    if fields["id"] != CURSOR_DOC_ID}


class IndexWriter:
    """What indexing code may do while it holds the writer."""

    def __init__(self, writer):
        self._writer = writer
        self._committed = None
        self.changed = False  # whether anything was written: only then is there something to commit

    def _searcher(self):
        """One searcher on the committed index for this writer's lookups.

        Whoosh's own update_document() and delete_by_term() open a new reader of every segment
        each time they are called: two thirds of the cost of applying a long change log.
        """
        if self._committed is None:
            self._committed = self._writer.searcher()
        return self._committed

    def close(self):
        """Release the lookup searcher (before the commit or cancel)."""
        if self._committed is not None:
            self._committed.close()
            self._committed = None

    def cursor(self):
        """The applied cursor as of this writer's start."""
        return _cursor_of(self._searcher())

    def put(self, question_id, document):
        """Add or replace a question's document (by id, so applying twice is harmless).

        A question is put at most once per writer: a document added by this writer is not
        committed yet, so a second put could not replace it.
        """
        self.remove(question_id)
        self._writer.add_document(id=str(question_id), **document)

    def add(self, question_id, document):
        """Add a question's document to an index known not to hold it (after `clear`): no lookup."""
        self.changed = True
        self._writer.add_document(id=str(question_id), **document)

    def remove(self, question_id):
        """Drop a question's document, if any."""
        self.changed = True
        self._writer.delete_by_term("id", str(question_id), searcher=self._searcher())

    def set_cursor(self, change_id):
        """Record the change-log position reached, in the same commit."""
        self.changed = True
        self._writer.update_document(id=CURSOR_DOC_ID, cursor=int(change_id))

    def clear(self):
        """Delete every document (a full reindex follows)."""
        self.changed = True
        self._writer.delete_by_query(Every())


def _cursor_of(searcher):
    fields = searcher.document(id=CURSOR_DOC_ID)
    return int(fields["cursor"]) if fields else 0


SEARCH_FIELDS = ["title", "body", "accepted_answer", "answers"]
SORTS = {
    "relevance": None,
    "newest": ("created_at", True),
    "votes": ("score", True),
}


@dataclass
class Hits:
    """One page of results: question ids in rank order, the total, a spelling suggestion, a note on the query."""

    ids: list
    total: int
    corrected: str | None = None
    terms: tuple = ()
    notice: str | None = None  # why the query as typed could not be run


# "-word" leaves a word out, as on every search engine; Whoosh spells it NOT. Only at a word's start:
# the hyphen of "wi-fi" joins.
_EXCLUDED_WORD = re.compile(r"(?<!\S)-(?=[^\s-])")
ONLY_EXCLUSIONS = _l("Add a word to look for: a search of only left-out words (-word, NOT word) would list everything.")
FEW_RESULTS = 3  # below it, a respelling that finds more is offered
MIN_SUGGESTED_FREQUENCY = 2  # a word offered instead must be in at least this many titles
_PLAIN_WORD = re.compile(r"(?<!\S)([^\W\d_]{3,})(?!\S)")  # letters only: not user:demo, <script> or batt*


def parse(text, schema=SCHEMA):
    """A Whoosh query for members' search syntax: words, "phrases", tags:name; None when empty."""
    parser = MultifieldParser(SEARCH_FIELDS, schema)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # a leading * would scan every term
    parser.remove_plugin_class(qparser.BoostPlugin)
    query = parser.parse(_EXCLUDED_WORD.sub("NOT ", text))
    query = query.accept(functools.partial(_phrases_where_positions_are, schema)).normalize()
    return None if query is NullQuery else query


def _phrases_where_positions_are(schema, query):
    """Phrases match the fields that keep word positions (titles and bodies); elsewhere they match nothing."""
    if isinstance(query, Phrase) and not schema[query.fieldname].format.supports("positions"):
        return NullQuery
    return query


def search(index, text, tag=None, resolved=None, has_answers=None, sort="relevance", page=1, per_page=20):
    """Run a search; filters narrow it, `sort` orders it. Returns Hits (ids only: callers load rows)."""
    query = parse(text, index.schema)
    if query is not None and _only_exclusions(query):
        return Hits([], 0, notice=str(ONLY_EXCLUSIONS))  # a plain str: the API serialises it
    filters = []
    if tag:
        filters.append(Term("tags", tag))
    if resolved is not None:
        filters.append(Term("resolved", bool(resolved)))
    if has_answers:
        filters.append(NumericRange("answer_count", 1, None))
    if query is None and not filters:
        return Hits([], 0)
    combined = And([q for q in [query, *filters] if q is not None]) if filters else query
    sort_field = SORTS.get(sort)
    # This thread's long-lived searcher: opening a new one reads every segment (1 s of CPU at a million questions).
    searcher = index.shared_searcher()
    kwargs = {"sortedby": sort_field[0], "reverse": sort_field[1]} if sort_field else {}
    results = searcher.search_page(combined, page, pagelen=per_page, **kwargs)
    ids = [int(hit["id"]) for hit in results]
    terms = tuple(sorted({term.decode() if isinstance(term, bytes) else term
                          for field, term in (query.existing_terms(searcher.reader()) if query else ())
                          if field in ("title", "body")}))
    corrected = None
    if query is not None and results.total < FEW_RESULTS:
        corrected = _did_you_mean(searcher, text, index.schema, results.total,
                                  lambda found: And([found, *filters]) if filters else found)
    return Hits(ids, results.total, corrected, terms)


def _only_exclusions(query):
    """Whether a query only leaves words out (NOT x, -x): nothing to look for."""
    return query.accept(lambda part: NullQuery if isinstance(part, Not) else part).normalize() is NullQuery


def _did_you_mean(searcher, text, schema, found, narrowed):
    """The text with its unknown plain words respelled as frequent title words, if that finds more than `found`.

    Words come from the titles as written (the spelling field), never stems; a word already in
    some title, and anything that is not a plain word (user:demo, <script>, batt*), stays as typed.
    """
    reader, corrector = searcher.reader(), searcher.corrector("title")

    def respelled(match):
        word = match.group(1).lower()
        if reader.doc_frequency("spell_title", word):
            return match.group(1)
        candidates = [(reader.doc_frequency("spell_title", candidate), candidate)
                      for candidate in corrector.suggest(word, limit=5, maxdist=1 if len(word) <= 5 else 2, prefix=1)
                      if len(candidate) >= 3 and candidate != word]
        frequency, best = max(candidates, default=(0, None))
        return best if best and frequency >= MIN_SUGGESTED_FREQUENCY else match.group(1)

    fixed = _PLAIN_WORD.sub(respelled, text)
    if fixed == text:
        return None
    query = parse(fixed, schema)
    return fixed if query is not None and len(searcher.search(narrowed(query), limit=1)) > found else None


def snippet(text, terms, length=240, analyzer=_text):
    """The best fragment of `text` around the terms (analysed by `analyzer`), HTML-escaped, with matches in <mark>."""
    if terms:
        fragment = highlight(text, terms, analyzer, ContextFragmenter(maxchars=length, surround=60),
                             HtmlFormatter(tagname="mark", between=" … "), top=2)
        if fragment:
            return fragment
    cut = text[:length].rsplit(" ", 1)[0] if len(text) > length else text
    return htmlescape(cut) + (" …" if len(text) > length else "")


def suggest(index, text, limit=5, exclude_id=None, synonym_groups=()):
    """Questions whose title (or, for longer drafts, body) match what is being typed: (ids, terms).

    The last word counts as a prefix, stems and synonyms match, and resolved questions get a
    small lift so that, when relevance is close, a thread with an accepted answer comes first.
    `synonym_groups` are a deployment's own lines of words meaning the same (SEARCH_SYNONYMS).
    """
    analyzer = index.analyzer
    terms = tuple(token.text for token in analyzer(text))
    if not text.strip():
        return [], terms
    reader = index.shared_searcher().reader()
    ids = suggest_ranking.rank(reader, analyzer, text, limit=limit, exclude_id=exclude_id,
                               synonyms=_synonyms(tuple(synonym_groups), language_of(analyzer)))
    return ids, terms


@functools.lru_cache(maxsize=8)
def _synonyms(groups, language="en"):
    """The synonym table for these groups in a language, built once."""
    return suggest_ranking.synonym_table(analyzer_for(language), groups)
