"""The moderation queue and staff actions: every route for every role, each decision and its effects, the audit log."""
import pytest
from sqlalchemy import select

from app import audit, signals
from app.audit import AuditEntry
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Answer, Comment, Question, Revision
from app.moderation import services
from app.moderation.models import Flag, ReviewItem
from app.questions import services as threads
from app.search import index_sync

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def bearer(user):
    """An Authorization header with a fresh API token of the user."""
    return {"Authorization": f"Bearer {accounts.create_api_token(user, now=utcnow())}"}


@pytest.fixture
def flagged(make, app):
    """A thread whose spam answer three members flagged (hidden), and one off-topic flagged comment."""
    app.config["FLAG_HIDE_THRESHOLD"] = 3
    question = make.question(make.user("asker"), title="Halo speaker drops Wi-Fi every evening",
                             body="Around 8pm the speaker loses the network. Router is fine.", tags=["halo"])
    spam = make.answer(question, make.user("spammer"), body="Buy followers cheap at example dot com today!")
    flaggers = [make.flagger(f"flagger{n}") for n in range(3)]
    for flagger in flaggers:
        services.flag_post(flagger, spam, "spam", now=utcnow())
    comment = make.comment(question, make.user("chatty"), "Unrelated: anyone selling a bike?")
    services.flag_post(make.flagger(), comment, "off-topic", now=utcnow())
    return question, spam, comment, flaggers


@pytest.fixture
def moderated(monkeypatch):
    """Every post_moderated signal: (sender, action, post)."""
    seen = []

    def receiver(sender, post, action, reason=None, **extra):
        seen.append((sender, action, post))

    signals.post_moderated.connect(receiver)
    yield seen
    signals.post_moderated.disconnect(receiver)


def _item(post_type, post_id):
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == post_type, ReviewItem.post_id == post_id)
                             .order_by(ReviewItem.id.desc()))


def _audit_actions():
    return [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


# Every route, every role ---------------------------------------------------------------------------


def _routes(question, spam, comment, member):
    """(method, path, data) of every moderation and admin route, with harmless but valid data."""
    item = _item("answer", spam.id)
    return [
        ("get", "/moderation", None),
        ("get", "/moderation?status=decided", None),
        ("get", f"/moderation/posts/answer/{spam.id}", None),
        ("get", f"/moderation/users/{member.id}", None),
        ("post", f"/moderation/items/{item.id}/decide", {"action": "ignore"}),
        ("post", f"/moderation/posts/comment/{comment.id}/hide", {"note": "noise"}),
        ("post", f"/moderation/questions/{question.id}/lock", {"note": "heated"}),
        ("post", f"/moderation/users/{member.id}/suspend", {"days": "1", "reason": "spam"}),
        ("get", "/admin/audit", None),
        ("get", "/admin/settings", None),
        ("post", "/admin/settings/FLAG_DAILY_LIMIT", {"value": "25", "reason": "busy week"}),
        ("get", "/admin/users", None),
        ("post", f"/admin/users/{member.id}/role", {"role": "agent", "reason": "hired"}),
    ]


def test_visitors_are_sent_to_sign_in(client, flagged, make):
    question, spam, comment, _ = flagged
    for method, path, data in _routes(question, spam, comment, make.user()):
        response = getattr(client, method)(path, data=data)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path


@pytest.mark.parametrize("role", ["member", "agent"])
def test_members_and_agents_are_refused(client, flagged, make, sign_in, role):
    question, spam, comment, _ = flagged
    target = make.user()
    sign_in(make.user(role=role))
    for method, path, data in _routes(question, spam, comment, target):
        assert getattr(client, method)(path, data=data).status_code == 403, path
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.actor_id.is_not(None))) is None


def test_moderators_work_the_queue_but_not_the_admin_pages(client, flagged, make, sign_in):
    question, spam, comment, _ = flagged
    target = make.user()
    sign_in(make.user("mod", role="moderator"))
    for method, path, data in _routes(question, spam, comment, target):
        response = getattr(client, method)(path, data=data)
        expected = 403 if path.startswith("/admin") else (200 if method == "get" else 302)
        assert response.status_code == expected, path


def test_admins_may_do_everything(client, flagged, make, sign_in):
    question, spam, comment, _ = flagged
    target = make.user()
    sign_in(make.user("boss", role="admin"))
    for method, path, data in _routes(question, spam, comment, target):
        response = getattr(client, method)(path, data=data)
        assert response.status_code == (200 if method == "get" else 302), path
    assert {"review.ignore", "post.hide", "thread.lock", "user.suspend", "setting.change",
            "user.role"} <= set(_audit_actions())


def test_unknown_actions_and_posts_are_not_found(client, flagged, make, sign_in):
    question, spam, *_ = flagged
    sign_in(make.user(role="moderator"))
    assert client.post(f"/moderation/posts/answer/{spam.id}/explode").status_code == 404
    assert client.post(f"/moderation/questions/{question.id}/explode").status_code == 404
    assert client.get("/moderation/posts/answer/999999").status_code == 404
    assert client.get(f"/moderation/posts/bogus/{spam.id}").status_code == 404
    assert client.post("/moderation/items/999999/decide", data={"action": "ignore"}).status_code == 404
    assert client.get("/moderation/users/999999").status_code == 404
    assert client.get("/moderation?status=weird&sort=weird&kind=weird&page=-3").status_code == 200


# The queue ---------------------------------------------------------------------------------------


def test_the_queue_shows_flags_flaggers_records_and_the_staff_count(client, flagged, make, sign_in):
    _, spam, comment, flaggers = flagged
    sign_in(make.user(role="moderator"))
    page = client.get("/moderation").get_data(as_text=True)
    assert "Buy followers cheap" in page and "Unrelated: anyone selling a bike?" in page
    assert "3 flags" in page and all(f.username in page for f in flaggers)
    assert "0 agreed · 0 disagreed" in page
    assert '<span class="queue-count" aria-label="2 waiting">2</span>' in page
    # Oldest waiting first by default; most flagged first on request.
    assert page.index("Buy followers") < page.index("selling a bike")
    by_flags = client.get("/moderation?sort=flags").get_data(as_text=True)
    assert by_flags.index("Buy followers") < by_flags.index("selling a bike")
    review = client.get(f"/moderation/posts/answer/{spam.id}").get_data(as_text=True)
    assert "Halo speaker drops Wi-Fi" in review and "Flags received" in review and "spammer" in review


def test_the_queue_orders_oldest_waiting_first_and_most_flagged_on_request(client, make, sign_in, app):
    app.config["FLAG_HIDE_THRESHOLD"] = 10
    first = make.question(title="First flagged question about the dock")
    second = make.question(title="Second flagged question about the dock")
    services.flag_post(make.flagger(), first, "off-topic", now=utcnow())
    for _ in range(3):
        services.flag_post(make.flagger(), second, "off-topic", now=utcnow())
    sign_in(make.user(role="moderator"))
    oldest = client.get("/moderation").get_data(as_text=True)
    assert oldest.index(first.title) < oldest.index(second.title)
    most = client.get("/moderation?sort=flags").get_data(as_text=True)
    assert most.index(second.title) < most.index(first.title)


def test_agree_keeps_the_post_hidden_and_records_the_flaggers_accuracy(flagged, make, moderated):
    _, spam, _, flaggers = flagged
    moderator = make.user(role="moderator")
    services.decide(moderator, _item("answer", spam.id), "agree-hide", "advertising", now=utcnow())
    assert db.session.get(Answer, spam.id).is_hidden
    assert services.flag_records([f.id for f in flaggers]) == {f.id: (1, 0) for f in flaggers}
    assert _item("answer", spam.id).status == "agreed"
    assert ("agree-hide" in [action for _, action, _ in moderated])
    with pytest.raises(Conflict):
        services.decide(moderator, _item("answer", spam.id), "disagree", now=utcnow())


def test_agree_and_delete(flagged, make):
    question, spam, *_ = flagged
    services.decide(make.user(role="moderator"), _item("answer", spam.id), "agree-delete", now=utcnow())
    answer = db.session.get(Answer, spam.id)
    assert answer.is_deleted and db.session.get(Question, question.id).answer_count == 0


def test_disagreeing_dismisses_the_flags_and_restores_the_post(flagged, make, client, moderated):
    question, spam, _, flaggers = flagged
    assert db.session.get(Question, question.id).answer_count == 0
    services.decide(make.user(role="moderator"), _item("answer", spam.id), "disagree", "It is a real offer",
                    now=utcnow())
    answer = db.session.get(Answer, spam.id)
    assert not answer.is_hidden and db.session.get(Question, question.id).answer_count == 1
    assert {flag.status for flag in db.session.scalars(select(Flag).where(Flag.post_type == "answer",
                                                                                  Flag.post_id == spam.id))} \
        == {"disagreed"}
    assert "Buy followers cheap" in client.get(f"/questions/{question.id}", follow_redirects=True).get_data(
        as_text=True)
    assert services.flag_records([flaggers[0].id])[flaggers[0].id] == (0, 1)
    assert [action for _, action, _ in moderated][-1] == "disagree"


def test_ignoring_closes_the_flags_and_leaves_the_post(flagged, make):
    _, _, comment, _ = flagged
    services.decide(make.user(role="moderator"), _item("comment", comment.id), "ignore", now=utcnow())
    assert not db.session.get(Comment, comment.id).is_hidden
    assert _item("comment", comment.id).status == "ignored"


def test_decisions_are_checked(flagged, make):
    _, spam, *_ = flagged
    with pytest.raises(ValidationError):
        services.decide(make.user(role="moderator"), _item("answer", spam.id), "approve", now=utcnow())
    with pytest.raises(PermissionDenied):
        services.decide(make.user(role="agent"), _item("answer", spam.id), "ignore", now=utcnow())


def test_deciding_from_the_queue_page(client, flagged, make, sign_in):
    question, spam, *_ = flagged
    sign_in(make.user(role="moderator"))
    item = _item("answer", spam.id)
    response = client.post(f"/moderation/items/{item.id}/decide", data={"action": "disagree", "note": "fine"},
                           follow_redirects=True)
    assert "Flags dismissed" in response.get_data(as_text=True)
    again = client.post(f"/moderation/items/{item.id}/decide", data={"action": "ignore"}, follow_redirects=True)
    assert "already decided" in again.get_data(as_text=True)
    assert client.post(f"/moderation/items/{item.id}/decide",
                       data={"action": "ignore", "next": "https://evil.example/"}).headers["Location"] == "/moderation"


# Direct actions --------------------------------------------------------------------------------------


def test_hide_unhide_delete_restore_each_audited_and_announced(make, moderated, client):
    question = make.question(title="Nova phone battery drains at night")
    answer = make.answer(question)
    moderator = make.user(role="moderator")
    services.hide_post(moderator, answer, "off-topic rant", now=utcnow())
    assert db.session.get(Question, question.id).answer_count == 0
    with pytest.raises(Conflict):
        services.hide_post(moderator, answer, now=utcnow())
    services.unhide_post(moderator, answer, now=utcnow())
    assert db.session.get(Question, question.id).answer_count == 1
    services.delete_post(moderator, answer, "duplicate answer", now=utcnow())
    assert db.session.get(Question, question.id).answer_count == 0
    services.restore_post(moderator, answer, "deleted by mistake", now=utcnow())
    assert db.session.get(Question, question.id).answer_count == 1 and not db.session.get(Answer, answer.id).is_deleted
    assert _audit_actions()[-4:] == ["post.hide", "post.unhide", "post.delete", "post.restore"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "post.hide"))
    assert entry.actor_id == moderator.id and entry.reason == "off-topic rant"
    assert entry.before == {"hidden": None, "deleted": False}
    assert entry.after == {"hidden": "moderator", "deleted": False}
    assert [action for _, action, _ in moderated] == ["hide", "unhide", "delete", "restore"]


def test_restoring_a_deleted_question_brings_back_its_tag_count_and_search_entry(make):
    question = make.question(title="Quasar tablet screen flickers", tags=["quasar"])
    moderator = make.user(role="moderator")
    services.delete_post(moderator, question, now=utcnow())
    index_sync.catch_up(now=utcnow())
    assert index_sync.app_index().fingerprints().get(question.id) is None
    services.restore_post(moderator, question, now=utcnow())
    index_sync.catch_up(now=utcnow())
    assert question.id in index_sync.app_index().fingerprints()
    from app.models import Tag
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "quasar")) == 1


def test_hiding_a_post_with_pending_flags_agrees_with_them(flagged, make):
    _, _, comment, _ = flagged
    services.hide_post(make.user(role="moderator"), comment, now=utcnow())
    assert _item("comment", comment.id).resolution == "agree-hide"


def test_every_moderation_change_moves_the_page_version(make):
    question = make.question()
    answer = make.answer(question)
    moderator = make.user(role="moderator")
    versions = [db.session.get(Question, question.id).version]
    for action, post in ((services.hide_post, answer), (services.unhide_post, answer),
                         (services.lock_thread, question), (services.unlock_thread, question)):
        action(moderator, post, now=utcnow())
        db.session.expire_all()
        versions.append(db.session.get(Question, question.id).version)
    assert versions == sorted(set(versions))


def test_a_visitors_cached_page_follows_a_hide(app, make, client):
    app.config["PAGE_CACHE_SECONDS"] = 300
    question = make.question(title="Orbit router keeps rebooting")
    answer = make.answer(question, body="Try the yellow button on the back for a while.")
    url = f"/questions/{question.id}"
    assert "yellow button" in client.get(url, follow_redirects=True).get_data(as_text=True)
    services.hide_post(make.user(role="moderator"), answer, now=utcnow())
    assert "yellow button" not in client.get(url, follow_redirects=True).get_data(as_text=True)
    services.hide_post(make.user(role="moderator"), question, now=utcnow())
    assert client.get(url, follow_redirects=True).status_code == 404


# Locks -----------------------------------------------------------------------------------------------


def test_a_lock_stops_answers_and_comments_on_the_web_and_the_api(make, client, sign_in):
    question = make.question(title="Beam projector fan is loud")
    member = make.user()
    services.lock_thread(make.user(role="moderator"), question, "heated", now=utcnow())
    with pytest.raises(Conflict, match="locked"):
        make.answer(question, member)
    with pytest.raises(Conflict, match="locked"):
        make.comment(question, member)
    api = client.post(f"/api/v1/questions/{question.id}/answers", json={"body": "Clean the vent with air please."},
                      headers=bearer(member))
    assert api.status_code == 409 and "locked" in api.json["error"]["message"]
    sign_in(member)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Locked" in page and "takes no new answers" in page and "Add a comment" not in page
    assert client.post(f"/questions/{question.id}/answers", data={"body": "Clean the vent with air please."}
                       ).status_code == 409
    assert client.post(f"/questions/{question.id}/comments", data={"body": "Me too"}).status_code == 409
    services.unlock_thread(make.user(role="moderator"), question, now=utcnow())
    assert make.answer(question, member).id


# Closing, duplicates, merging ----------------------------------------------------------------------


def test_closing_as_a_duplicate_is_audited_and_suggestions_lead_to_the_original(make, client, sign_in):
    original = make.question(title="How do I factory reset the Pulse watch?",
                             body="I want to wipe it before selling it.", tags=["pulse"])
    duplicate = make.question(title="Wiping my smartwatch clean before giving it away",
                              body="Which menu erases everything? Mine has a kumquat face.", tags=["pulse"])
    sign_in(make.user("mod", role="moderator"))
    client.post(f"/questions/{duplicate.id}/close", data={"reason": "duplicate", "duplicate_of": original.id})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.close"))
    assert entry.target_id == str(duplicate.id) and entry.after["duplicate_of"] == original.id
    index_sync.catch_up(now=utcnow())
    assert [item["id"] for item in client.get("/api/v1/search?q=kumquat").json["items"]] == [original.id]
    assert [r["id"] for r in client.get("/api/v1/suggest?q=kumquat face").json["results"]] == [original.id]
    page = client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert 'class="duplicate-link"' in page
    client.post(f"/questions/{duplicate.id}/reopen")
    assert "question.reopen" in _audit_actions()


def test_merging_moves_a_duplicates_answers_and_comments_to_the_original(make, moderated):
    asker = make.user()
    original = make.question(asker, title="Flux earbuds: one side silent")
    duplicate = make.question(title="Only the left Flux earbud plays")
    answers = [make.answer(duplicate, body=f"Reset both earbuds in the case, attempt {n}.") for n in range(2)]
    threads.accept_answer(duplicate.author, answers[0], now=utcnow())
    comment = make.comment(duplicate, answer=answers[1], text="Worked for me")
    moderator = make.user(role="moderator")
    with pytest.raises(Conflict, match="duplicate"):
        services.merge_answers(moderator, duplicate, now=utcnow())
    threads.close_question(moderator, duplicate, "duplicate", duplicate_of_id=original.id, now=utcnow())
    merged = services.merge_answers(moderator, db.session.get(Question, duplicate.id), "same problem", now=utcnow())
    assert merged.id == original.id and merged.answer_count == 2
    assert db.session.get(Question, duplicate.id).answer_count == 0
    assert db.session.get(Question, duplicate.id).accepted_answer_id is None
    assert {a.question_id for a in db.session.scalars(select(Answer).where(Answer.id.in_([a.id for a in answers])))} \
        == {original.id}
    assert db.session.get(Comment, comment.id).question_id == original.id
    assert "thread.merge" in _audit_actions() and "merge" in [action for _, action, _ in moderated]


# Edits by moderators ---------------------------------------------------------------------------------


def test_a_moderators_edit_records_editor_and_reason_and_is_audited(make, client, moderated):
    author = make.user("author")
    question = make.question(author)
    answer = make.answer(question, author, body="Call me on 555-0100 for the fix, it is simple.")
    moderator = make.user("mod", role="moderator")
    threads.edit_answer(moderator, answer, "Hold both buttons for fifteen seconds to reset.", reason="removed phone",
                        now=utcnow())
    revision = db.session.scalar(select(Revision).where(Revision.answer_id == answer.id)
                                 .order_by(Revision.number.desc()))
    assert revision.editor_id == moderator.id and revision.reason == "removed phone"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "post.edit"))
    assert entry.actor_id == moderator.id and entry.target_type == "answer" and entry.reason == "removed phone"
    assert ("edit" in [action for _, action, _ in moderated])
    history = client.get(f"/answers/{answer.id}/revisions").get_data(as_text=True)
    assert "removed phone" in history and "mod" in history
    threads.edit_answer(author, answer, "Hold both buttons for fifteen seconds to reset it.", now=utcnow())
    assert [e.action for e in db.session.scalars(select(AuditEntry))].count("post.edit") == 1


def test_every_post_has_a_public_history(make, client):
    question = make.question()
    answer = make.answer(question)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f"/questions/{question.id}/revisions" in page and f"/answers/{answer.id}/revisions" in page
    assert client.get(f"/answers/{answer.id}/revisions").status_code == 200


def test_a_hidden_answers_history_is_for_its_author_and_moderators(make, client, sign_in):
    question = make.question()
    author = make.user()
    answer = make.answer(question, author)
    services.hide_post(make.user(role="moderator"), answer, now=utcnow())
    assert client.get(f"/answers/{answer.id}/revisions").status_code == 404
    sign_in(author)
    assert client.get(f"/answers/{answer.id}/revisions").status_code == 200
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Moderated:" in page and "hidden by a moderator" in page and "You can edit it" in page


# The audit log ---------------------------------------------------------------------------------------


def test_the_audit_log_cannot_be_changed_through_the_app(client, make, sign_in):
    moderator = make.user(role="moderator")
    services.lock_thread(moderator, make.question(), now=utcnow())
    entry = db.session.scalar(select(AuditEntry))
    sign_in(make.user(role="admin"))
    for method in ("put", "patch", "delete", "post"):
        assert getattr(client, method)("/admin/audit").status_code == 405
    assert getattr(audit, "update", None) is None and getattr(audit, "delete", None) is None
    assert db.session.get(AuditEntry, entry.id).action == "thread.lock"
