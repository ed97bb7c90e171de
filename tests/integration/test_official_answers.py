"""An official answer or comment is a fact of the post, stamped when staff write it: later role changes move nothing."""
import json
from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app.care import metrics, services
from app.care.models import CareItem
from app.extensions import db
from app.importer.stackexchange import import_dump
from app.models import Answer, Comment
from app.moderation import services as moderation
from app.notifications.models import Notification
from app.questions import services as threads
from app.webhooks import receivers
from tests.integration.test_import_stackexchange import COMMENTS, POSTS, USERS, write_dump
from tests.migrating import MIGRATIONS, migrated_to

pytestmark = pytest.mark.time_sensitive

T0 = datetime(2026, 10, 5, 9, 0)
SINCE, UNTIL, NOW = T0 - timedelta(days=1), T0 + timedelta(days=2), T0 + timedelta(days=1)


@pytest.fixture
def thread(clock, make):
    """A question answered by an agent (accepted), by a member, and commented on by both."""
    clock.set(T0 - timedelta(days=30))
    admin, agent, member = make.user("boss", role="admin"), make.user("agent", role="agent"), make.user("helper")
    question = threads.ask_question(make.user(), "My watch loses its pairing every morning", "It pairs, then it "
                                    "drops the connection every morning after the night update.", ["pulse"], now=T0)
    staff_answer = make.answer(question, author=agent, body="Official: update to firmware 2.1, then restart.",
                               now=T0 + timedelta(minutes=30))
    member_answer = make.answer(question, author=member, body="Resetting the watch fixed it for me as well.",
                                now=T0 + timedelta(minutes=10))
    staff_comment = make.comment(question, author=agent, text="We are checking this with engineering.",
                                 now=T0 + timedelta(minutes=20))
    member_comment = make.comment(question, author=member, text="Same here since Monday.",
                                  now=T0 + timedelta(minutes=5))
    threads.accept_answer(question.author, staff_answer, now=T0 + timedelta(minutes=40))
    clock.set(NOW)
    return {"admin": admin, "agent": agent, "member": member, "question": question, "staff_answer": staff_answer,
            "member_answer": member_answer, "staff_comment": staff_comment, "member_comment": member_comment}


def _marks(thread):
    db.session.rollback()
    return [db.session.get(model, thread[key].id).official for model, key in (
        (Answer, "staff_answer"), (Answer, "member_answer"), (Comment, "staff_comment"), (Comment, "member_comment"))]


def _swap_roles(thread):
    """Demote the agent and promote the member, as an admin would."""
    moderation.change_role(thread["admin"], thread["agent"], "member", "Left the team", now=NOW)
    moderation.change_role(thread["admin"], thread["member"], "agent", "Joined the team", now=NOW)


def test_posts_are_stamped_from_the_role_their_author_had_then(thread):
    assert _marks(thread) == [True, False, True, False]
    _swap_roles(thread)
    assert _marks(thread) == [True, False, True, False]


def test_the_thread_page_keeps_each_mark_after_roles_change(client, thread):
    _swap_roles(thread)
    page = client.get(f"/questions/{thread['question'].id}", follow_redirects=True).get_data(as_text=True)
    assert page.count("Official answer</span> from Peerdesk Community staff") == 1  # the default brand
    official = page.index(f'id="answer-{thread["staff_answer"].id}"')
    other = page.index(f'id="answer-{thread["member_answer"].id}"')
    assert "is-staff" in page[official - 200:official] and "is-staff" not in page[other - 200:other]
    # The signature of each post says what its author was when writing it.
    def signature(comment):
        start = page.index(f'id="comment-{comment.id}"')
        return page[start:page.index("<time", start)]

    assert "badge-staff" in signature(thread["staff_comment"])
    assert "badge-staff" not in signature(thread["member_comment"])


def test_staff_response_figures_do_not_move_when_roles_change(thread):
    before = metrics.compute(SINCE, UNTIL, NOW)
    _swap_roles(thread)
    after = metrics.compute(SINCE, UNTIL, NOW)
    for key in ("staff_answered", "community_answered", "deflected", "first_response", "first_staff_response"):
        assert after[key] == before[key], key
    assert before["staff_answered"] == 1 and before["deflected"] == 0
    assert before["first_staff_response"]["median"] == 20.0  # the agent's comment, not the member's answer
    assert [(u.username, accepted, votes) for u, accepted, votes in after["helpers"]] == []
    rows = metrics.export_csv("staff_answered", SINCE, UNTIL, NOW).splitlines()
    assert len(rows) == 2


def test_a_promoted_helper_stays_among_the_helpers_for_what_they_did_as_a_member(clock, make, thread):
    question = threads.ask_question(make.user(), "The strap clasp came loose after a week",
                                    "The clasp opens on its own when I run; is there a fix?", ["pulse"], now=T0)
    answer = make.answer(question, author=thread["member"], body="Press the pin back in until it clicks twice.",
                         now=T0 + timedelta(minutes=5))
    threads.accept_answer(question.author, answer, now=T0 + timedelta(minutes=15))
    _swap_roles(thread)
    helpers = metrics.compute(SINCE, UNTIL, NOW)["helpers"]
    assert [(u.username, accepted) for u, accepted, _ in helpers] == [("helper", 1)]


def test_the_care_item_is_resolved_by_staff_when_the_accepted_answer_is_official(clock, make, thread):
    agent, member, admin = thread["agent"], thread["member"], thread["admin"]
    moderation.change_role(admin, agent, "member", "Left the team", now=NOW)
    question = threads.ask_question(make.user(), "The charger stopped charging the watch",
                                    "The light stays off and the watch does not charge.", ["pulse"], now=NOW)
    services.send_to_queue(admin, question, "", now=NOW)
    # The former agent now answers as a member: not official, so the community resolved it.
    answer = make.answer(question, author=agent, body="Try another USB port, it fixed mine once.", now=NOW)
    assert answer.official is False
    threads.accept_answer(question.author, answer, now=NOW + timedelta(minutes=1))
    db.session.rollback()
    item = db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))
    assert item.resolved_by == "community"
    moderation.change_role(admin, member, "member", "Back to the community", now=NOW)
    assert db.session.get(Answer, thread["staff_answer"].id).official is True


def test_the_api_and_webhooks_show_the_stamp(client, thread):
    _swap_roles(thread)
    body = client.get(f"/api/v1/questions/{thread['question'].id}").get_json()
    marks = {a["id"]: (a["official"], a["author"]["is_staff"]) for a in body["answers"]}
    # `official` is the post's fact; `author.is_staff` is the author's role now.
    assert marks[thread["staff_answer"].id] == (True, False)
    assert marks[thread["member_answer"].id] == (False, True)


def test_staff_reply_notifications_follow_the_post(clock, make, thread):
    _swap_roles(thread)
    follower = make.user("follower")
    threads.add_comment(follower, thread["question"], "Following this one, same watch.", now=NOW)
    make.answer(thread["question"], author=thread["agent"], body="As a member now: a reset also helped me.",
                now=NOW + timedelta(minutes=1))
    db.session.rollback()
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == follower.id)))
    assert "staff_reply" not in kinds and "followed_answer" in kinds
    make.comment(thread["question"], author=thread["member"], text="From the team: a fix ships on Friday.",
                 now=NOW + timedelta(minutes=2))
    db.session.rollback()
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == follower.id)))
    assert "staff_reply" in kinds


def test_webhook_answer_payloads_carry_the_stamp(thread):
    _swap_roles(thread)
    assert receivers._answer(thread["staff_answer"])["official"] is True
    assert receivers._answer(thread["member_answer"])["official"] is False


def test_imported_posts_are_never_official(tmp_path, make):
    make.user("boss", role="admin")
    import_dump(write_dump(tmp_path / "lumen.stackexchange.com", posts=POSTS, users=USERS, comments=COMMENTS),
                now=NOW)
    marks = set(db.session.scalars(select(Answer.official))) | set(db.session.scalars(select(Comment.official)))
    assert marks == {False}


def test_the_migration_backfills_from_the_roles_at_migration_time(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path, "a6c0ffee0111"):
        with db.engine.begin() as connection:
            for number, role in ((1, "agent"), (2, "member"), (3, "admin")):
                connection.execute(text(
                    "INSERT INTO users (id, username, email, password_hash, role, reputation_points, session_version, "
                    "created_at) VALUES (:id, :name, :email, 'x', :role, 0, 1, '2026-01-01 00:00:00')"),
                    {"id": number, "name": f"old{number}", "email": f"old{number}@example.com", "role": role})
            connection.execute(text(
                "INSERT INTO questions (id, author_id, title, body_source, body_html, score, answer_count, "
                "view_count, created_at, last_activity_at, version) VALUES (1, 2, 'An old question here', 'b', "
                "'<p>b</p>', 0, 3, 0, '2026-01-02 00:00:00', '2026-01-02 00:00:00', 0)"))
            for answer_id, author in ((1, 1), (2, 2), (3, 3)):
                connection.execute(text(
                    "INSERT INTO answers (id, question_id, author_id, body_source, body_html, score, created_at) "
                    "VALUES (:id, 1, :author, 'a', '<p>a</p>', 0, '2026-01-03 00:00:00')"),
                    {"id": answer_id, "author": author})
            # Answer 3 came from an import: never official, whoever it maps to.
            connection.execute(text(
                "INSERT INTO import_records (site, kind, external_id, local_id, imported_at) "
                "VALUES ('old.example', 'answer', '77', 3, '2026-01-04 00:00:00')"))
            connection.execute(text(
                "INSERT INTO comments (id, question_id, author_id, body, body_html, created_at) "
                "VALUES (1, 1, 1, 'c', 'c', '2026-01-03 00:00:00'), (2, 1, 2, 'c', 'c', '2026-01-03 00:00:00')"))
        upgrade(directory=MIGRATIONS, revision="a6c0ffee0114")
        with db.engine.connect() as connection:
            answers = [tuple(r) for r in connection.execute(text("SELECT id, official FROM answers ORDER BY id"))]
            comments = [tuple(r) for r in connection.execute(text("SELECT id, official FROM comments ORDER BY id"))]
        assert [(i, bool(o)) for i, o in answers] == [(1, True), (2, False), (3, False)]
        assert [(i, bool(o)) for i, o in comments] == [(1, True), (2, False)]
        downgrade(directory=MIGRATIONS, revision="a6c0ffee0111")
        db.engine.dispose()


def test_openapi_documents_the_stamp(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    answer = spec["components"]["schemas"]["Answer"]
    assert "official" in answer["required"] and answer["properties"]["official"]["type"] == "boolean"
    assert json.dumps(answer["properties"]["official"]).count("stamped") == 1
