"""Badges and reputation history: every change of points is an event, and milestones earn badges once."""
import threading
import warnings
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from markupsafe import escape
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from app import badges, config, create_app, reputation
from app.badges import BadgeAward
from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import User
from app.moderation import holds
from app.notifications.models import Notification
from app.questions import services
from app.reputation import ReputationEvent


def _history(user):
    """(reason, amount) of a member's events, oldest first."""
    return [(e.reason, e.amount) for e in db.session.scalars(
        select(ReputationEvent).where(ReputationEvent.user_id == user.id).order_by(ReputationEvent.id))]


def _assert_history_sums_to_points(*users):
    for user in users:
        db.session.refresh(user)
        total = db.session.scalar(select(func.coalesce(func.sum(ReputationEvent.amount), 0))
                                  .where(ReputationEvent.user_id == user.id))
        assert total == user.reputation_points, user.username


def _badges_of(user):
    return sorted(award.badge for award in badges.awards_of(user))


def _badge_notices(user):
    return [n.excerpt for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                                             Notification.kind == "badge")
                                                  .order_by(Notification.id))]


def _profile(client, user, **query):
    return client.get(f"/users/{user.id}/{slugify(user.username)}", query_string=query)


@pytest.fixture
def thread(make, clock):
    """An asker's question with one answer, and a member who votes."""
    asker, answerer, voter = make.user("asker"), make.user("answerer"), make.user("voter")
    question = make.question(asker, title="How do I pair the X200 with a laptop?")
    answer = make.answer(question, answerer)
    return asker, answerer, voter, question, answer


# Reputation history -------------------------------------------------------------------------


def test_votes_up_down_and_withdrawn_are_events_summing_to_the_points(thread, clock):
    asker, answerer, voter, question, answer = thread
    services.cast_vote(voter, answer, 1, now=clock.advance(timedelta(minutes=1)))
    services.cast_vote(voter, answer, -1, now=clock.advance(timedelta(minutes=1)))
    services.cast_vote(voter, answer, 0, now=clock.advance(timedelta(minutes=1)))
    services.cast_vote(voter, question, 1, now=clock.advance(timedelta(minutes=1)))

    assert _history(answerer) == [("answer_upvoted", 10), ("vote_withdrawn", -10), ("answer_downvoted", -2),
                                  ("vote_withdrawn", 2)]
    assert _history(asker) == [("question_upvoted", 5)]
    assert _history(voter) == []
    _assert_history_sums_to_points(asker, answerer, voter)
    event = db.session.scalar(select(ReputationEvent).where(ReputationEvent.user_id == answerer.id)
                              .order_by(ReputationEvent.id).limit(1))
    assert (event.question_id, event.answer_id, event.created_at) == (question.id, answer.id,
                                                                       clock.now - timedelta(minutes=3))
    assert event.reason_text == "Up vote on your answer"


def test_accepting_switching_and_withdrawing_an_answer_are_events(thread, make, clock):
    asker, answerer, voter, question, answer = thread
    other = make.answer(question, voter)
    services.accept_answer(asker, answer, now=clock.now)
    services.accept_answer(asker, other, now=clock.now)
    services.unaccept_answer(asker, question, now=clock.now)

    assert _history(answerer) == [("answer_accepted", 15), ("acceptance_withdrawn", -15)]
    assert _history(voter) == [("answer_accepted", 15), ("acceptance_withdrawn", -15)]
    assert _history(asker) == [("accepted_an_answer", 2), ("unaccepted_an_answer", -2),
                               ("accepted_an_answer", 2), ("unaccepted_an_answer", -2)]
    _assert_history_sums_to_points(asker, answerer, voter)


def test_recomputing_records_the_correction_so_history_still_sums(thread, clock):
    asker, answerer, voter, question, answer = thread
    services.cast_vote(voter, answer, 1, now=clock.now)
    answerer.reputation_points = 999  # drift, as `flask reputation recompute` exists to repair
    db.session.commit()

    assert reputation.recompute_all(now=clock.now) == 1

    # The correction is an event of its own: what recompute moved, from the drifted 999 back to 10.
    assert _history(answerer) == [("answer_upvoted", 10), ("recomputed", -989)]
    db.session.refresh(answerer)
    assert answerer.reputation_points == 10
    _assert_history_sums_to_points(asker, voter)


# Badges ------------------------------------------------------------------------------------


def test_first_answer_earns_helpful_once_with_a_notification(thread, make):
    asker, answerer, voter, question, answer = thread
    make.answer(make.question(asker), answerer)

    assert _badges_of(answerer) == ["helpful"]
    assert _badge_notices(answerer) == ["You earned the badge “Helpful”: Posted a first answer."]
    notice = db.session.scalar(select(Notification).where(Notification.kind == "badge"))
    assert (notice.question_id, notice.answer_id) == (question.id, answer.id)  # it leads to the post that earned it


def test_votes_earn_supporter_student_teacher_and_good_answer_once(thread, make, clock):
    asker, answerer, voter, question, answer = thread
    critic = make.user("critic")
    services.cast_vote(critic, question, -1, now=clock.now)
    assert _badges_of(critic) == [] and _badges_of(asker) == []  # a down vote earns nothing

    services.cast_vote(voter, question, 1, now=clock.now)  # score 0: not yet a score of 1
    assert _badges_of(voter) == ["supporter"] and _badges_of(asker) == []
    services.cast_vote(critic, question, 0, now=clock.now)
    assert _badges_of(asker) == ["student"]

    services.cast_vote(voter, answer, 1, now=clock.now)
    assert _badges_of(answerer) == ["helpful", "teacher"]
    for number in range(8):
        services.cast_vote(make.user(f"fan{number}"), answer, 1, now=clock.now)
    assert "good-answer" not in _badges_of(answerer)  # score 9
    services.cast_vote(make.user("tenth"), answer, 1, now=clock.now)
    services.cast_vote(make.user("eleventh"), answer, 1, now=clock.now)

    assert _badges_of(answerer) == ["good-answer", "helpful", "teacher"]
    assert _badge_notices(voter) == ["You earned the badge “Supporter”: Gave a first up vote to another member's post."]
    assert len(_badge_notices(answerer)) == 3
    assert len(_badge_notices(asker)) == 1


def test_accepting_earns_scholar_for_the_asker_and_solver_at_ten_accepted_answers(thread, make, clock):
    asker, answerer, voter, question, answer = thread
    staff = make.user("staffer", role="moderator")
    services.accept_answer(staff, answer, now=clock.now)  # on the asker's behalf: not the asker's doing
    assert _badges_of(asker) == []
    services.unaccept_answer(staff, question, now=clock.now)
    services.accept_answer(asker, answer, now=clock.now)
    assert _badges_of(asker) == ["scholar"]
    assert _badge_notices(asker)[-1].startswith("You earned the badge “Scholar”")

    for number in range(8):
        other = make.question(make.user(f"asker{number}"))
        services.accept_answer(other.author, make.answer(other, answerer), now=clock.now)
    assert "solver" not in _badges_of(answerer)  # nine accepted answers
    last = make.question(voter)
    services.accept_answer(voter, make.answer(last, answerer), now=clock.now)
    assert "solver" in _badges_of(answerer)
    assert _badges_of(voter) == ["scholar"]


def test_accepting_your_own_answer_earns_no_badge(make, clock):
    asker = make.user()
    question = make.question(asker)
    services.accept_answer(asker, make.answer(question, asker), now=clock.now)
    assert _badges_of(asker) == ["helpful"]


def test_a_member_holds_each_badge_once(thread, clock):
    asker, answerer, voter, question, answer = thread
    db.session.add(BadgeAward(user_id=answerer.id, badge="helpful", awarded_at=clock.now))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert badges.award(answerer, "helpful", now=clock.now) is False


def test_trusted_loads_award_badges_without_notifications(make, clock):
    asker, answerer = make.user(), make.user()
    with holds.trusted_load():
        make.answer(make.question(asker), answerer)
    assert _badges_of(answerer) == ["helpful"]
    assert _badge_notices(answerer) == []


# Pages and API -------------------------------------------------------------------------------


def test_profile_shows_badges_and_history_newest_first_linking_only_public_posts(thread, make, client, clock):
    asker, answerer, voter, question, answer = thread
    services.cast_vote(voter, answer, 1, now=clock.now)
    hidden = make.question(make.user(), title="A question that moderators hid later on")
    services.cast_vote(voter, make.answer(hidden, answerer), 1, now=clock.advance(timedelta(days=1)))
    hidden.hidden_at, hidden.hidden_reason = clock.now, "moderator"
    db.session.commit()

    page = _profile(client, answerer).get_data(as_text=True)

    assert "Helpful" in page and "Teacher" in page and escape(badges.BADGES["teacher"].description) in page
    history = page[page.index('id="reputation"'):]
    assert history.count("Up vote on your answer") == 2 and history.count("+10") >= 2
    assert question.title in history and 'href="/questions/' in history
    assert hidden.title not in page  # the event stays (it counts), its post is no longer linked
    assert history.index(f"{clock.now:%b} {clock.now.day},") < history.index(question.title)  # newest day first


def test_profile_history_is_paginated(make, client, clock):
    author = make.user()
    question = make.question(author)
    for number in range(31):
        services.cast_vote(make.user(f"voter{number}"), question, 1, now=clock.advance(timedelta(minutes=1)))
    first, second = _profile(client, author), _profile(client, author, page=2)
    assert first.get_data(as_text=True).count("Up vote on your question") == 30
    assert second.get_data(as_text=True).count("Up vote on your question") == 1
    assert "page=2" in first.get_data(as_text=True)


def test_badges_page_lists_the_catalogue_and_how_many_hold_each(thread, client):
    page = client.get("/badges").get_data(as_text=True)
    for badge in badges.CATALOGUE:
        assert badge.name in page and escape(badge.description) in page
    helpful = page[page.index('id="badge-helpful"'):]
    assert "1 member<" in helpful[:helpful.index("</li>")]
    assert "0 members" in page[page.index('id="badge-solver"'):]


def test_api_gives_a_members_badges_and_reputation_history(thread, client, clock):
    asker, answerer, voter, question, answer = thread
    services.cast_vote(voter, answer, 1, now=clock.now)

    listed = client.get(f"/api/v1/users/{answerer.id}/badges").json
    assert [item["badge"] for item in listed["items"]] == ["teacher", "helpful"]  # newest first
    assert {"name", "description", "awarded_at"} <= set(listed["items"][0])
    history = client.get(f"/api/v1/users/{answerer.id}/reputation").json
    assert (history["points"], history["reputation"], history["total"]) == (10, 11, 1)
    entry = history["items"][0]
    assert (entry["amount"], entry["reason"], entry["post"]["type"], entry["post"]["id"]) == (
        10, "answer_upvoted", "answer", answer.id)
    assert client.get("/api/v1/users/999999/badges").status_code == 404
    assert client.get(f"/api/v1/users/{answerer.id}/reputation?page=0").status_code == 422
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/users/{user_id}/badges", "/users/{user_id}/reputation"} <= set(paths)


# Migration ----------------------------------------------------------------------------------


def test_migration_adds_one_event_per_member_with_points(fresh_database_url, tmp_path):
    app = create_app(config.testing_config(str(tmp_path), fresh_database_url, str(tmp_path / "index")))
    directory = str(config.REPO_ROOT / "migrations")
    with app.app_context(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")  # as in test_migrations
        upgrade(directory=directory, revision="a6c0ffee0106")
        with db.engine.begin() as connection:
            for number, points in ((1, 37), (2, 0), (3, -4)):
                connection.execute(text(
                    "INSERT INTO users (id, username, email, password_hash, role, reputation_points, session_version, "
                    "created_at) VALUES (:id, :name, :email, 'x', 'member', :points, 1, '2031-01-01 00:00:00')"),
                    {"id": number, "name": f"old{number}", "email": f"old{number}@example.com", "points": points})
        upgrade(directory=directory, revision="a6c0ffee0109")
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT user_id, amount, reason FROM reputation_events ORDER BY user_id"))
            assert [tuple(row) for row in rows] == [(1, 37, "before_history"), (3, -4, "before_history")]
        downgrade(directory=directory, revision="a6c0ffee0106")
        db.engine.dispose()


def test_recomputing_everyones_points_on_a_live_site_waits_for_no_lock_and_breaks_none(app, make, monkeypatch):
    """A member's request commits while the recompute has read but not yet written (as during an import)."""
    member, other = make.user("drifted"), make.user("active")
    db.session.execute(update(User).where(User.id == member.id).values(reputation_points=7))
    db.session.commit()
    engine, history = db.engine, reputation.points_from_history
    writes = []

    def a_request_commits():
        with app.app_context(), engine.begin() as connection:
            connection.execute(update(User).where(User.id == other.id).values(locale="fr"))
        writes.append("committed")

    def history_while_a_request_commits():
        expected = history()
        meanwhile = threading.Thread(target=a_request_commits)
        meanwhile.start()
        meanwhile.join(timeout=1)  # it commits now unless the recompute holds the write lock
        monkeypatch.setattr(reputation, "_meanwhile", meanwhile, raising=False)
        return expected

    monkeypatch.setattr(reputation, "points_from_history", history_while_a_request_commits)
    assert reputation.recompute_all(now=utcnow()) == 1
    reputation._meanwhile.join(timeout=30)
    assert writes == ["committed"]
    db.session.expire_all()
    assert db.session.get(User, member.id).reputation_points == 0
    assert db.session.get(User, other.id).locale == "fr"
