"""`flask import stackexchange DIR`: small dumps in the public XML format, written by the tests themselves."""
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app import reputation
from app.audit import AuditEntry
from app.auth import services as accounts
from app.auth.services import USERNAME_PATTERN
from app.clock import utcnow
from app.extensions import db
from app.importer.models import ImportedRecord
from app.importer.stackexchange import DumpError, StackExchangeImport, import_dump
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
from app.outbox import deliver_due
from app.questions import services
from app.search import index_sync
from tests import corpora
from tests import mailbox as smtp
from tests.mailbox import body, local_path

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

ROOTS = {"Posts.xml": "posts", "Users.xml": "users", "Votes.xml": "votes", "Comments.xml": "comments",
         "PostLinks.xml": "postlinks", "Tags.xml": "tags"}


def write_dump(folder, **files):
    """Write dump files in the public format: write_dump(dir, posts=[{...}], users=[...], ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {"posts": "Posts.xml", "users": "Users.xml", "votes": "Votes.xml", "comments": "Comments.xml",
             "postlinks": "PostLinks.xml", "tags": "Tags.xml"}
    for key, rows in files.items():
        root = ET.Element(ROOTS[names[key]])
        for row in rows:
            ET.SubElement(root, "row", {name: str(value) for name, value in row.items()})
        ET.indent(root)
        ET.ElementTree(root).write(folder / names[key], encoding="utf-8", xml_declaration=True)
    return folder


def question(id, title, body, tags="<x200>", owner=1, created="2015-03-01T10:00:00.123", **extra):
    return {"Id": id, "PostTypeId": 1, "CreationDate": created, "Score": 0, "ViewCount": 10, "Body": body,
            "OwnerUserId": owner, "Title": title, "Tags": tags, "AnswerCount": 0, "CommentCount": 0, **extra}


def answer(id, parent, body, owner=2, created="2015-03-02T11:00:00", **extra):
    return {"Id": id, "PostTypeId": 2, "ParentId": parent, "CreationDate": created, "Score": 0, "Body": body,
            "OwnerUserId": owner, **extra}


def user(id, name, created="2012-01-01T00:00:00", **extra):
    return {"Id": id, "Reputation": 101, "CreationDate": created, "DisplayName": name, "AccountId": 1000 + id, **extra}


USERS = [user(-1, "Community"), user(1, "Ada Lovelace"), user(2, "ada lovelace"), user(3, "Zoë Ærø"),
         user(4, "李小龙")]
POSTS = [
    question(1, "How do I pair the X200 earbuds with a laptop?",
             "<p>I tried <strong>everything</strong> in the <a href=\"https://example.com/manual\">manual</a>.</p>",
             tags="<x200><bluetooth>", Score=7, ViewCount=1234, AcceptedAnswerId=3,
             LastActivityDate="2015-04-01T00:00:00", LastEditDate="2015-03-01T12:00:00"),
    answer(2, 1, "<p>Hold the case button for five seconds.</p>", owner=3, Score=1),
    answer(3, 1, "<p>Open <em>Bluetooth settings</em> and choose <code>X200</code>.</p>", owner=2, Score=12,
           created="2015-03-03T09:30:00"),
    question(4, "Why does the Aurora speaker keep disconnecting?", "<p>It drops Wi-Fi every hour.</p>",
             tags="|aurora|wi-fi|", owner=4, Score=-2, ViewCount=5, created="2016-07-04T08:00:00"),
    answer(5, 4, "<p>Move it away from the microwave, the zebrafish are confused.</p>", owner=1, Score=3,
           created="2016-07-05T08:00:00"),
    question(6, "A question from someone who deleted their account", "<p>Body of a ghost question here.</p>",
             owner="", OwnerDisplayName="user123", created="2017-01-01T00:00:00"),
]
COMMENTS = [
    {"Id": 1, "PostId": 1, "Score": 0, "Text": "Which laptop? http://example.com/a", "CreationDate":
     "2015-03-01T10:05:00", "UserId": 2},
    {"Id": 2, "PostId": 3, "Score": 2, "Text": "This worked for me, thanks!", "CreationDate": "2015-05-01T00:00:00",
     "UserId": 1},
]
VOTES = [
    {"Id": 1, "PostId": 1, "VoteTypeId": 2, "CreationDate": "2015-03-02T00:00:00"},  # anonymous, as in public dumps
    {"Id": 2, "PostId": 3, "VoteTypeId": 2, "UserId": 1, "CreationDate": "2015-03-04T00:00:00"},
    {"Id": 3, "PostId": 4, "VoteTypeId": 3, "UserId": 2, "CreationDate": "2016-07-05T00:00:00"},
    {"Id": 4, "PostId": 3, "VoteTypeId": 1, "CreationDate": "2015-03-04T00:00:00"},  # acceptance
    {"Id": 5, "PostId": 1, "VoteTypeId": 5, "UserId": 3, "CreationDate": "2015-03-04T00:00:00"},  # favourite
]
TAGS = [{"Id": 1, "TagName": "x200", "Count": 1}, {"Id": 2, "TagName": "c#", "Count": 0},
        {"Id": 3, "TagName": "bluetooth", "Count": 1}]


@pytest.fixture
def dump(tmp_path):
    """A complete small dump of every file."""
    return write_dump(tmp_path / "lumen.stackexchange.com", posts=POSTS, users=USERS, comments=COMMENTS,
                      votes=VOTES, tags=TAGS, postlinks=[])


def imported(kind, external_id, site="lumen"):
    """The local id a dump row became."""
    return db.session.scalar(select(ImportedRecord.local_id).where(
        ImportedRecord.site == site, ImportedRecord.kind == kind, ImportedRecord.external_id == str(external_id)))


def counts():
    """Rows per table, to compare runs."""
    return {model.__tablename__ if hasattr(model, "__tablename__") else model.name:
            db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Question, Answer, Comment, QuestionVote, AnswerVote, Revision, Tag, question_tags,
                          ImportedRecord)}


def skipped(report):
    """{(file, reason): count} of a report."""
    return {key: entry["count"] for key, entry in report.skipped.items()}


def test_a_dump_becomes_members_threads_and_votes_with_its_dates_scores_and_views(app, dump):
    report = import_dump(dump, now=utcnow())
    assert report.site == "lumen"
    assert report.created["question"] == 3 and report.created["answer"] == 3 and report.created["comment"] == 2
    assert report.created["accepted answer"] == 1 and report.created["vote"] == 2

    first = db.session.get(Question, imported("question", 1))
    accepted = db.session.get(Answer, imported("answer", 3))
    assert (first.score, first.view_count, first.answer_count) == (7, 1234, 2)
    assert first.accepted_answer_id == accepted.id and accepted.question_id == first.id
    assert first.created_at == datetime(2015, 3, 1, 10, 0, 0, 123000)
    assert first.edited_at == datetime(2015, 3, 1, 12, 0)
    assert first.last_activity_at == datetime(2015, 5, 1)  # the comment on its answer came last
    assert first.version >= 1
    assert [t.name for t in first.tags] == ["bluetooth", "x200"]
    assert first.body_source == "I tried **everything** in the [manual](https://example.com/manual)."
    assert 'href="https://example.com/manual" rel="nofollow ugc noopener"' in first.body_html
    assert (accepted.score, accepted.created_at) == (12, datetime(2015, 3, 3, 9, 30))
    assert accepted.author_id == imported("user", 2)

    second = db.session.get(Question, imported("question", 4))
    assert (second.score, second.view_count, second.accepted_answer_id) == (-2, 5, None)
    assert [t.name for t in second.tags] == ["aurora", "wi-fi"]  # the newer "|a|b|" tag format
    assert {t.name: t.question_count for t in db.session.scalars(select(Tag))} == {
        "x200": 2, "bluetooth": 1, "aurora": 1, "wi-fi": 1, "csharp": 0}

    comments = db.session.scalars(select(Comment).order_by(Comment.created_at)).all()
    assert [(c.question_id, c.answer_id) for c in comments] == [(first.id, None), (first.id, accepted.id)]
    assert '<a href="http://example.com/a" rel="nofollow ugc noopener">' in comments[0].body_html

    # One original revision per post, by its author, dated as the post.
    revisions = db.session.scalars(select(Revision).order_by(Revision.id)).all()
    assert len(revisions) == 6 and {r.number for r in revisions} == {1}
    assert all(r.editor_id == (db.session.get(Question, r.question_id) if r.question_id
                               else db.session.get(Answer, r.answer_id)).author_id for r in revisions)
    assert revisions[0].created_at == first.created_at and revisions[0].tags == "bluetooth x200"

    # Scores come from Score, not from votes; only votes with a voter became vote rows.
    assert db.session.execute(select(AnswerVote.user_id, AnswerVote.answer_id, AnswerVote.value)).all() == [
        (imported("user", 1), accepted.id, 1)]
    assert db.session.execute(select(QuestionVote.user_id, QuestionVote.question_id, QuestionVote.value)).all() == [
        (imported("user", 2), second.id, -1)]
    reasons = skipped(report)
    assert reasons[("Votes.xml", "anonymous up or down vote (no UserId, as in public dumps): already in the "
                                 "post's Score")] == 1
    assert sum(n for (file, reason), n in reasons.items() if file == "Votes.xml" and "vote type" in reason) == 2


def test_members_get_unique_valid_usernames_placeholder_emails_and_no_usable_password(app, dump, client):
    import_dump(dump, now=utcnow())
    members = {imported("user", n): n for n in (-1, 1, 2, 3, 4)}
    users = {members[u.id]: u for u in db.session.scalars(select(User)) if u.id in members}
    assert users[1].username == "Ada-Lovelace" and users[2].username == "ada-lovelace-2"
    assert users[3].username == "Zoe-r" and users[4].username == "user4"
    assert users[-1].username == "Community"
    assert all(USERNAME_PATTERN.match(u.username) for u in users.values())
    assert users[1].email == "se-lumen-1@import.invalid" and users[-1].email == "se-lumen--1@import.invalid"
    assert users[1].created_at == datetime(2012, 1, 1)
    # Nobody can sign in as an imported member until a password is set through a reset.
    for login in ("Ada-Lovelace", "se-lumen-1@import.invalid"):
        assert accounts.authenticate(login, "") is None
        assert accounts.authenticate(login, "!imported-from-stack-exchange") is None
        assert client.post("/sign-in", data={"login": login, "password": "anything at all"}).status_code != 302
    # The deleted member's question went to one stand-in account.
    ghost = db.session.get(Question, imported("question", 6)).author
    assert ghost.username == "deleted-user" and ghost.id == imported("user", "deleted")


def test_imported_members_count_as_verified_from_the_day_they_joined(app, dump):
    import_dump(dump, now=utcnow())
    members = [db.session.get(User, imported("user", n)) for n in (-1, 1, 2, 3, 4, "deleted")]
    assert all(member.email_verified_at is not None for member in members)
    assert members[1].email_verified_at == members[1].created_at == datetime(2012, 1, 1)


def test_running_it_twice_creates_nothing_twice(app, dump):
    import_dump(dump, now=utcnow())
    before = counts()
    changes = db.session.scalar(select(func.count()).select_from(SearchChange))
    versions = dict(db.session.execute(select(Question.id, Question.version)).all())
    report = import_dump(dump, now=utcnow())
    assert counts() == before
    assert sum(report.created.values()) == 0
    assert report.already["question"] == 3 and report.already["answer"] == 3 and report.already["user"] == 5
    assert report.already["comment"] == 2 and report.already["vote"] == 2
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) == changes
    assert dict(db.session.execute(select(Question.id, Question.version)).all()) == versions
    assert {t.name: t.question_count for t in db.session.scalars(select(Tag))}["x200"] == 2


def test_a_second_run_keeps_what_members_changed_since(app, dump, make):
    import_dump(dump, now=utcnow())
    first = db.session.get(Question, imported("question", 1))
    services.unaccept_answer(first.author, first, now=utcnow())
    import_dump(dump, now=utcnow())
    db.session.expire_all()
    assert db.session.get(Question, imported("question", 1)).accepted_answer_id is None


def test_an_interrupted_import_resumes_without_duplicates(app, tmp_path):
    posts = [question(i, f"Question number {i} about the Nova phone", f"<p>Body text number {i}.</p>")
             for i in range(1, 31)]
    folder = write_dump(tmp_path / "nova", posts=posts)
    text = (folder / "Posts.xml").read_text()
    cut = text.index('<row Id="25"')
    (folder / "Posts.xml").write_text(text[:cut] + '<row Id="25" Title="broken <')
    with pytest.raises(DumpError, match="Posts.xml is not well-formed"):
        StackExchangeImport(folder, batch_size=10, now=utcnow()).run()
    assert db.session.scalar(select(func.count()).select_from(Question)) == 24  # every row before the fault
    (folder / "Posts.xml").write_text(text)
    report = StackExchangeImport(folder, batch_size=10, now=utcnow()).run()
    assert (report.created["question"], report.already["question"]) == (6, 24)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 30


def test_malformed_rows_are_skipped_and_reported_with_reasons_and_examples(app, tmp_path):
    huge = "<p>" + "word " * 8000 + "</p>"
    posts = [
        question(1, "A perfectly ordinary question title", "<p>Fine body text here.</p>"),
        {"PostTypeId": 1, "CreationDate": "2015-01-01T00:00:00", "Title": "No id on this row at all",
         "Body": "<p>x</p>"},
        question(2, "A question with a malformed date", "<p>Body.</p>", created="yesterday-ish"),
        question(3, "A question with an impossible date", "<p>Body.</p>", created="2015-13-45T00:00:00"),
        question(4, "", "<p>A question without a title.</p>"),
        question(5, "A question with a huge body", huge),
        question(6, "A question with an empty body", "<p> </p>"),
        answer(7, 999, "<p>An answer to a question that is not in the dump.</p>"),
        answer(8, 1, "<p>A good answer.</p>", created="not a date"),
        {"Id": 9, "PostTypeId": 4, "CreationDate": "2015-01-01T00:00:00", "Body": "<p>Tag wiki excerpt.</p>"},
        answer(10, 1, "<p>A good answer that stays.</p>", Score="lots"),
        answer(11, 1, "<p>Another good answer.</p>"),
        question(12, "Accepted answer points elsewhere here", "<p>Body text.</p>", AcceptedAnswerId=11),
        question(13, "Accepted answer missing from the dump", "<p>Body text.</p>", AcceptedAnswerId=777),
    ]
    comments = [
        {"Id": 1, "PostId": 1, "Text": "ok comment", "CreationDate": "2015-01-02T00:00:00", "UserId": 1},
        {"Id": 2, "PostId": 555, "Text": "on a missing post", "CreationDate": "2015-01-02T00:00:00", "UserId": 1},
        {"Id": 3, "PostId": 1, "Text": "x" * 700, "CreationDate": "2015-01-02T00:00:00", "UserId": 1},
        {"PostId": 1, "Text": "no id", "CreationDate": "2015-01-02T00:00:00"},
        {"Id": 5, "PostId": 1, "Text": "bad date", "CreationDate": "2015-02-30T00:00:00"},
    ]
    votes = [
        {"Id": 1, "PostId": 424242, "VoteTypeId": 2, "UserId": 1, "CreationDate": "2015-01-01T00:00:00"},
        {"Id": 2, "PostId": 11, "VoteTypeId": 2, "UserId": 9999, "CreationDate": "2015-01-01T00:00:00"},
        {"Id": 3, "PostId": 1, "VoteTypeId": 2, "UserId": 1, "CreationDate": "2015-01-01T00:00:00"},  # own post
    ]
    users = [user(1, "Asker"), user(2, "Answerer"), {"DisplayName": "No id"}, user(5, "Bad date", created="soon")]
    report = import_dump(write_dump(tmp_path / "messy", posts=posts, comments=comments, votes=votes, users=users),
                         now=utcnow())
    reasons = skipped(report)
    assert reasons[("Posts.xml", "missing Id")] == 1
    assert reasons[("Posts.xml", "malformed CreationDate")] == 3
    assert reasons[("Posts.xml", "missing Title")] == 1
    assert reasons[("Posts.xml", "the body is empty")] == 1
    assert reasons[("Posts.xml", "answer to a question that is not in the dump (or was skipped)")] == 1
    assert reasons[("Posts.xml", "malformed Score")] == 1
    assert reasons[("Posts.xml", "accepted answer belongs to another question")] == 1
    assert reasons[("Posts.xml", "accepted answer that is not in the dump (or was skipped)")] == 1
    assert any(file == "Posts.xml" and reason.startswith("post type 4") for file, reason in reasons)
    assert any(reason.startswith("the body is") and "30,000" in reason for _, reason in reasons)
    assert reasons[("Comments.xml", "comment on a post that is not in the dump (or was skipped)")] == 1
    assert reasons[("Comments.xml", "comment text: Comment must be at most 600 characters (it is 700).")] == 1
    assert reasons[("Comments.xml", "missing Id")] == 1 and reasons[("Comments.xml", "malformed CreationDate")] == 1
    assert reasons[("Votes.xml", "vote on a post that is not in the dump (or was skipped)")] == 1
    assert reasons[("Votes.xml", "vote by a member who is not in the dump")] == 1
    assert reasons[("Votes.xml", "vote on the voter's own post")] == 1
    assert reasons[("Users.xml", "missing Id")] == 1 and reasons[("Users.xml", "malformed CreationDate")] == 1
    entry = report.skipped[("Posts.xml", "answer to a question that is not in the dump (or was skipped)")]
    assert entry["examples"] == ["Id=7 ParentId=999"]
    assert report.created["question"] == 3 and report.created["answer"] == 1 and report.created["comment"] == 1
    text = "\n".join(report.lines())
    assert "Skipped" in text and "Id=7 ParentId=999" in text


def test_hostile_bodies_are_converted_safely(app, tmp_path):
    """The XSS sample of one payload in 8 from each of the corpus's 25 sources, at least one of each."""
    # XML 1.0 cannot hold control characters, so no dump can either.
    payloads = [_XML_INVALID.sub("", entry["payload"]) for entry in corpora.xss_sample(every=8)]
    posts = [question(1, "The question that collects hostile answers", "<p>Answers below are hostile.</p>")]
    posts += [answer(i + 2, 1, payload) for i, payload in enumerate(payloads)]
    posts += [question(10_000 + i, f"Hostile title {payload}"[:150] or "Hostile title", payload)
              for i, payload in enumerate(payloads[:200])]
    report = import_dump(write_dump(tmp_path / "xss", posts=posts), now=utcnow())
    # Every payload is either imported or skipped for its body (a payload that is only a script is empty).
    body_skips = {reason: n for (_, reason), n in skipped(report).items() if not reason.startswith("post type")}
    assert set(body_skips) <= {"the body is empty"}, body_skips
    assert report.created["answer"] + report.created["question"] + sum(body_skips.values()) == len(posts)
    assert report.created["answer"] > len(payloads) // 2
    bodies = db.session.scalars(select(Answer.body_html)).all() + db.session.scalars(select(Question.body_html)).all()
    for html in bodies:
        checker = _AllowListChecker()
        checker.feed(html)
        assert not checker.problems, (html, checker.problems)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _AllowListChecker(HTMLParser):
    """Collects every tag, attribute or link scheme outside the app's allow-list."""

    TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s", "code", "pre",
            "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
            "kbd"}
    ATTRIBUTES = {"a": {"href", "title", "rel"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"},
                  "ol": {"start"}, "code": {"class"}}

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.TAGS:
            self.problems.append(tag)
        for name, value in attrs:
            if name not in self.ATTRIBUTES.get(tag, set()):
                self.problems.append(f"{tag}[{name}]")
            scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
            if name in ("href", "src") and scheme and scheme.group(1).lower() not in ("http", "https", "mailto"):
                self.problems.append(f"{tag}[{name}={value}]")


def test_unicode_survives_and_a_huge_body_is_refused_not_truncated(app, tmp_path):
    posts = [question(1, "Émoji 🙂 and RTL ‮ text in a title", "<p>Ünïcödé body 🙂 — 日本語のテキスト</p>",
                      tags="<日本語><café>"),
             question(3, "Only tags that Peerdesk cannot spell", "<p>Body text.</p>", tags="<日本語>"),
             question(2, "A body longer than any post may be", "<pre><code>" + "x = 1\n" * 6000 + "</code></pre>")]
    report = import_dump(write_dump(tmp_path / "unicode", posts=posts), now=utcnow())
    first = db.session.get(Question, imported("question", 1, site="unicode"))
    assert "🙂" in first.title and "日本語のテキスト" in first.body_html and "🙂" in first.body_source
    assert [t.name for t in first.tags] == ["cafe"]  # a tag with no usable letters is dropped
    assert [t.name for t in db.session.get(Question, imported("question", 3, site="unicode")).tags] == ["untagged"]
    assert imported("question", 2, site="unicode") is None
    assert any("30,000" in reason for _, reason in report.skipped)


def test_only_posts_xml_is_needed(app, tmp_path):
    folder = write_dump(tmp_path / "minimal", posts=[
        question(1, "A question whose asker is not in any Users.xml", "<p>Body text.</p>", owner=42,
                 OwnerDisplayName="Grace Hopper"),
        answer(2, 1, "<p>An answer by another stranger.</p>", owner=43)])
    report = import_dump(folder, now=utcnow())
    assert report.created["question"] == 1 and report.created["answer"] == 1
    assert any("Users.xml, Comments.xml, Votes.xml, PostLinks.xml, Tags.xml" in note for note in report.notes)
    asker = db.session.get(Question, imported("question", 1, site="minimal")).author
    assert asker.username == "Grace-Hopper" and asker.email == "se-minimal-42@import.invalid"
    assert db.session.get(Answer, imported("answer", 2, site="minimal")).author.username == "user43"
    # A Users.xml that arrives later finds these members already imported.
    write_dump(folder, users=[user(42, "Grace Hopper")])
    assert import_dump(folder, now=utcnow()).already["user"] == 1


def test_duplicate_links_close_questions_as_duplicates_of_the_root_original(app, tmp_path, client):
    posts = [question(i, f"Question {i}: resetting the Pulse smartwatch", f"<p>How do I reset it, take {i}?</p>",
                      tags="<pulse>") for i in (1, 2, 3, 4, 5)]
    posts[0]["Body"] = "<p>Mine shows a zebrafish face and will not reset.</p>"
    posts.append(answer(6, 3, "<p>Hold the crown for ten seconds until the logo shows.</p>"))
    posts[2]["AcceptedAnswerId"] = 6
    for number in (0, 1, 3):  # 1 and 2 are closed as duplicates, 4 for a reason the dump does not give
        posts[number]["ClosedDate"] = "2016-01-01T00:00:00"
    links = [
        {"Id": 1, "CreationDate": "2016-01-01T00:00:00", "PostId": 1, "RelatedPostId": 2, "LinkTypeId": 3},
        {"Id": 2, "CreationDate": "2016-01-02T00:00:00", "PostId": 2, "RelatedPostId": 3, "LinkTypeId": 3},
        {"Id": 3, "CreationDate": "2016-01-03T00:00:00", "PostId": 3, "RelatedPostId": 1, "LinkTypeId": 3},  # cycle
        {"Id": 4, "CreationDate": "2016-01-04T00:00:00", "PostId": 4, "RelatedPostId": 5, "LinkTypeId": 1},
        {"Id": 5, "CreationDate": "2016-01-05T00:00:00", "PostId": 4, "RelatedPostId": 999, "LinkTypeId": 3},
        {"Id": 6, "CreationDate": "2016-01-06T00:00:00", "PostId": 1, "RelatedPostId": 5, "LinkTypeId": 3},
    ]
    report = import_dump(write_dump(tmp_path / "pulse", posts=posts, postlinks=links), now=utcnow())
    q = {n: db.session.get(Question, imported("question", n, site="pulse")) for n in range(1, 6)}
    assert (q[1].close_reason, q[1].duplicate_of_id) == ("duplicate", q[3].id)  # re-pointed at the root
    assert (q[2].close_reason, q[2].duplicate_of_id) == ("duplicate", q[3].id)
    assert q[1].closed_at == datetime(2016, 1, 1) and q[1].closed_by_id is None and q[1].is_closed
    assert not q[3].is_closed and not q[4].is_closed and not q[5].is_closed
    reasons = skipped(report)
    assert reasons[("PostLinks.xml", "duplicate link would make a cycle of duplicates")] == 1
    assert reasons[("PostLinks.xml", "question already closed")] == 1
    assert reasons[("PostLinks.xml", "duplicate link between questions that are not both in the dump")] == 1
    assert any(reason.startswith("link type 1") for _, reason in reasons)
    assert "1 question(s) closed on the site for a reason other than being a duplicate" in " ".join(report.notes)
    rerun = import_dump(tmp_path / "pulse", now=utcnow())
    assert not any("closed on the site" in note for note in rerun.notes)
    page = client.get(f"/questions/{q[1].id}", follow_redirects=True).get_data(as_text=True)
    assert "This question has been answered before." in page
    # Search leads to the original, as for a duplicate closed here.
    assert [item["id"] for item in client.get("/api/v1/search?q=zebrafish").json["items"]] == [q[3].id]


def test_the_search_index_finds_imported_questions_and_matches_the_database(app, dump, client):
    import_dump(dump, now=utcnow())
    items = client.get("/api/v1/search?q=microwave").json["items"]
    assert [item["id"] for item in items] == [imported("question", 4)]
    assert client.get("/api/v1/search?q=laptop").json["items"][0]["id"] == imported("question", 1)
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}


@pytest.mark.parametrize("mode", ["catch-up", "reindex"])
def test_either_way_of_updating_the_index_leaves_it_matching_the_database(app, dump, make, mode):
    make.question(title="A question asked here before the import", tags=["x200"])
    index_sync.catch_up(now=utcnow())
    report = StackExchangeImport(dump, search=mode, now=utcnow()).run()
    expected = "Search index rebuilt: 4 questions" if mode == "reindex" else "Search index caught up"
    assert any(note.startswith(expected) for note in report.notes), report.notes
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}


def test_auto_rebuilds_the_index_for_a_large_import_and_catches_up_for_a_small_one(app, dump, make, tmp_path):
    assert any(note.startswith("Search index rebuilt") for note in import_dump(dump, now=utcnow()).notes)
    for number in range(20):
        make.question(title=f"Existing community question number {number}", tags=["x200"])
    index_sync.catch_up(now=utcnow())
    small = write_dump(tmp_path / "small", posts=[question(1, "One more question from a small import", "<p>Hi.</p>")])
    assert any(note.startswith("Search index caught up") for note in import_dump(small, now=utcnow()).notes)
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}


def test_search_none_leaves_the_log_for_catch_up(app, dump, client):
    report = StackExchangeImport(dump, search="none", now=utcnow()).run()
    assert any("flask search catch-up" in note for note in report.notes)
    assert client.get("/api/v1/search?q=microwave").json["items"] == []
    index_sync.catch_up(now=utcnow())
    assert [item["id"] for item in client.get("/api/v1/search?q=microwave").json["items"]] == [imported("question", 4)]


def test_reputation_counts_the_dump_scores_and_survives_a_recompute(app, dump, make):
    import_dump(dump, now=utcnow())
    db.session.expire_all()
    points = {n: db.session.get(User, imported("user", n)).reputation_points for n in (1, 2, 3, 4)}
    # Ada (1): question score 7 (5 each) + accepting (2) + answer score 3 (10 each).
    # ada (2): accepted answer score 12 (10 each) + accepted (15).  Zoë (3): answer score 1.
    # 李小龙 (4): question score -2 (-2 each).
    assert points == {1: 35 + 2 + 30, 2: 120 + 15, 3: 10, 4: -4}
    assert reputation.recompute_all(now=utcnow()) == 0
    # A vote cast here moves score and reputation together, as for any post.
    voter = make.user()
    services.cast_vote(voter, db.session.get(Answer, imported("answer", 2)), 1, now=utcnow())
    assert reputation.recompute_all(now=utcnow()) == 0
    assert db.session.get(User, imported("user", 3)).reputation_points == 20


def test_cli_imports_shows_the_report_and_exits_0(app, dump, runner, tmp_path):
    report_file = tmp_path / "report.json"
    result = runner.invoke(args=["import", "stackexchange", str(dump), "--site", "Lumen Support",
                                 "--report-json", str(report_file)])
    assert result.exit_code == 0, result.output
    assert "Imported from Stack Exchange site 'lumen-support'" in result.output
    assert "questions: 3 created, 0 already imported" in result.output
    assert "Votes.xml:" in result.output and "(e.g. Id=1)" in result.output
    data = json.loads(report_file.read_text())
    assert data["created"]["question"] == 3 and data["skipped"][0]["examples"]
    again = runner.invoke(args=["import", "stackexchange", str(dump), "--site", "Lumen Support"])
    assert again.exit_code == 0 and "questions: 0 created, 3 already imported" in again.output


@pytest.mark.parametrize("problem", ["no directory", "no posts", "not xml", "entity bomb"])
def test_cli_exits_1_with_a_clear_message_when_the_dump_cannot_be_read(app, runner, tmp_path, problem):
    folder = tmp_path / "broken"
    if problem != "no directory":
        write_dump(folder, users=[user(1, "Someone")])
    if problem == "not xml":
        (folder / "Posts.xml").write_text("this is not xml at all")
    if problem == "entity bomb":
        entities = "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};&e{i - 1};&e{i - 1};">' for i in range(1, 20))
        (folder / "Posts.xml").write_text(f'<?xml version="1.0"?><!DOCTYPE posts [<!ENTITY e0 "bomb">{entities}]>'
                                          f'<posts><row Id="1" PostTypeId="1" Title="&e19;" /></posts>')
    result = runner.invoke(args=["import", "stackexchange", str(folder)])
    assert result.exit_code == 1
    expected = {"no directory": "is not a directory", "no posts": "has no Posts.xml",
                "not xml": "Posts.xml is not well-formed XML", "entity bomb": "Posts.xml is not well-formed XML"}
    assert expected[problem] in result.output
    assert "Traceback" not in result.output


def test_an_imported_member_claims_the_account_with_a_real_address_and_a_reset(app, dump, runner, client):
    import_dump(dump, now=utcnow())
    result = runner.invoke(args=["import", "set-email", "Ada-Lovelace", "Ada@Example.com"])
    assert result.exit_code == 0, result.output
    assert "Ada-Lovelace now has the address ada@example.com" in result.output
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.imported_address"))
    assert entry.actor_id is None and entry.before == {"email": "se-lumen-1@import.invalid"}
    with smtp.configured(app) as mailbox:
        assert client.post("/password-reset", data={"email": "ada@example.com"}).status_code == 302
        deliver_due(now=utcnow())
        [message] = mailbox.messages
    link = local_path(re.search(r"https?://\S+/password-reset/\S+", body(message)).group(0))
    new_password = "a brand new lantern 42"
    assert client.post(link, data={"password": new_password, "confirm": new_password}).status_code == 302
    assert accounts.authenticate("Ada-Lovelace", new_password).id == imported("user", 1)
    # Only accounts still on their placeholder qualify, and an address is never shared.
    again = runner.invoke(args=["import", "set-email", "Ada-Lovelace", "other@example.com"])
    assert again.exit_code == 1 and "not an imported member waiting for an address" in again.output
    taken = runner.invoke(args=["import", "set-email", "ada-lovelace-2", "ada@example.com"])
    assert taken.exit_code == 1 and "already exists" in taken.output
    for args, message in ((["nobody", "x@example.com"], "No member named"), (["Zoe-r", "not an address"], "not valid")):
        failed = runner.invoke(args=["import", "set-email", *args])
        assert failed.exit_code == 1 and message in failed.output
