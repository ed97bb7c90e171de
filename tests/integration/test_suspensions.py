"""Suspensions: a suspended member reads but every write is refused (web and API) with the reason and end date."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.formatting import date_time
from app.models import Answer, Comment, Question, User
from app.moderation import services
from app.moderation.models import Flag, Suspension

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def bearer(user):
    """An Authorization header with a fresh API token of the user."""
    return {"Authorization": f"Bearer {accounts.create_api_token(user, now=utcnow())}"}


@pytest.fixture
def scene(make):
    """A suspended member with their own question and answer, someone else's thread, and a moderator."""
    moderator = make.user("mod", role="moderator")
    troll = make.user("troll")
    own_question = make.question(troll, title="Why is the Lumen app so slow on my phone?")
    bare_question = make.question(troll, title="Does the Lumen app have a dark mode yet?")
    other = make.question(make.user("asker"), title="Nova phone screen turns yellow in the evening")
    other_answer = make.answer(other, make.user("helper"), body="That is the night light setting, turn it off.")
    own_answer = make.answer(own_question, make.user(), body="Clear the app cache in the phone settings first.")
    own_comment = make.comment(other, troll, "I have the same thing here")
    token = bearer(troll)
    until = utcnow() + timedelta(days=3)
    services.suspend(moderator, troll, until, "Insulting other members", now=utcnow())
    return {"moderator": moderator, "troll": db.session.get(User, troll.id), "own_question": own_question,
            "other": other, "other_answer": other_answer, "own_answer": own_answer, "own_comment": own_comment,
            "token": token, "until": until, "bare_question": bare_question}


def _writes(s):
    """Every web write a member can make: (path, form data)."""
    q, other, answer = s["own_question"], s["other"], s["other_answer"]
    return [
        ("/questions/ask", {"title": "A brand new question about cables", "body": "Which cable fits the dock?",
                            "tags": "dock"}),
        (f"/questions/{other.id}/answers", {"body": "Restart the phone and it goes away."}),
        (f"/questions/{other.id}/comments", {"body": "Same here"}),
        (f"/questions/{other.id}/comments", {"body": "Same here", "answer_id": answer.id}),
        (f"/questions/{other.id}/vote", {"value": "1"}),
        (f"/answers/{answer.id}/vote", {"value": "-1"}),
        (f"/answers/{s['own_answer'].id}/accept", {}),
        (f"/questions/{q.id}/unaccept", {}),
        (f"/questions/{q.id}/edit", {"title": "Why is the Lumen app slow on Android phones?",
                                     "body": "It takes ten seconds to open.", "tags": "app"}),
        (f"/questions/{q.id}/delete", {}),
        (f"/questions/{s['bare_question'].id}/delete", {}),
        (f"/answers/{answer.id}/delete", {}),
        (f"/comments/{s['own_comment'].id}/delete", {}),
        (f"/flags/answer/{answer.id}", {"reason": "spam"}),
        (f"/flags/question/{other.id}", {"reason": "staff"}),
    ]


def test_every_web_write_is_refused_with_the_reason_and_end_date(client, sign_in, scene):
    counts = lambda: [db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
                      for model in (Question, Answer, Comment, Flag)]
    before = counts()
    sign_in(scene["troll"])
    for path, data in _writes(scene):
        response = client.post(path, data=data, follow_redirects=True)
        text = response.get_data(as_text=True)
        # Once in the banner every page shows, and once more as the reason this write was refused.
        assert text.count(f"You are suspended until {date_time(scene['until'])}") >= 2, path
        assert text.count("Insulting other members") >= 2, path
    assert counts() == before
    assert db.session.get(Question, scene["own_question"].id).deleted_at is None
    assert db.session.get(Comment, scene["own_comment"].id).deleted_at is None


def test_every_api_write_is_refused_while_reads_work(client, scene):
    headers, other, answer = scene["token"], scene["other"], scene["other_answer"]
    requests = [
        ("/api/v1/questions", {"title": "A brand new question about cables", "body": "Which cable fits the dock?",
                               "tags": ["dock"]}),
        (f"/api/v1/questions/{other.id}/answers", {"body": "Restart the phone and it goes away."}),
        (f"/api/v1/questions/{other.id}/vote", {"value": 1}),
        (f"/api/v1/answers/{answer.id}/vote", {"value": 1}),
        (f"/api/v1/answers/{scene['own_answer'].id}/accept", {}),
        (f"/api/v1/answers/{answer.id}/flags", {"reason": "spam"}),
        (f"/api/v1/questions/{other.id}/flags", {"reason": "staff"}),
        (f"/api/v1/comments/{scene['own_comment'].id}/flags", {"reason": "rude"}),
    ]
    for path, body in requests:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.json)
        message = response.json["error"]["message"]
        assert "suspended until" in message and "Insulting" in message
    assert client.get(f"/api/v1/questions/{other.id}").status_code == 200
    assert client.get("/api/v1/questions").status_code == 200


def test_a_suspended_member_stays_signed_in_reads_and_sees_why(client, sign_in, scene):
    sign_in(scene["troll"])
    home = client.get("/")
    assert home.status_code == 200 and "You are suspended until" in home.get_data(as_text=True)
    page = client.get(f"/questions/{scene['other'].id}", follow_redirects=True).get_data(as_text=True)
    assert "Nova phone screen" in page and "Insulting other members" in page
    assert 'name="body" rows="10"' not in page and "Add a comment" not in page
    assert client.get("/search?q=phone").status_code == 200


def test_lifting_early_restores_writing_and_is_audited(make, scene):
    services.lift_suspension(scene["moderator"], scene["troll"], "apologised", now=utcnow())
    troll = db.session.get(User, scene["troll"].id)
    assert not troll.is_suspended(utcnow())
    assert make.comment(scene["other"], troll, "Sorry about earlier, everyone").id
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))][-2:] == [
        "user.suspend", "user.unsuspend"]
    assert db.session.scalar(select(Suspension)).lifted_at is not None
    with pytest.raises(Conflict):
        services.lift_suspension(scene["moderator"], troll, now=utcnow())


def test_a_suspension_ends_by_itself(make):
    member, moderator = make.user(), make.user(role="moderator")
    past = utcnow() - timedelta(days=5)
    services.suspend(moderator, member, past + timedelta(days=1), "cool off", now=past)
    member = db.session.get(User, member.id)
    assert member.is_suspended(past + timedelta(hours=1)) and not member.is_suspended(utcnow())
    assert make.question(member).id


def test_repeat_offences_suggest_longer_suspensions(make):
    member, moderator = make.user(), make.user(role="moderator")
    suggested = []
    start = utcnow() - timedelta(days=400)
    for number in range(5):
        suggested.append(services.suggested_days(member))
        begins = start + timedelta(days=60 * number)
        services.suspend(moderator, member, begins + timedelta(days=suggested[-1]), f"offence {number}", now=begins)
    assert suggested == [1, 3, 7, 30, 30]


def test_who_may_suspend_whom(make):
    moderator, admin = make.user(role="moderator"), make.user(role="admin")
    until = utcnow() + timedelta(days=1)
    for actor, target in ((make.user(), make.user()), (make.user(role="agent"), make.user()),
                          (moderator, make.user(role="moderator")), (moderator, admin), (admin, admin),
                          (moderator, moderator)):
        with pytest.raises(PermissionDenied):
            services.suspend(actor, target, until, "reason", now=utcnow())
    services.suspend(moderator, make.user(role="agent"), until, "reason", now=utcnow())
    services.suspend(admin, make.user(role="moderator"), until, "reason", now=utcnow())


@pytest.mark.parametrize("until, reason", [(None, "x"), ("past", "x"), ("far", "x"), ("soon", ""),
                                           ("soon", "   "), ("soon", "y" * 501)])
def test_bad_suspensions_are_refused(make, until, reason):
    now = utcnow()
    until = {"past": now - timedelta(minutes=1), "far": now + timedelta(days=4000),
             "soon": now + timedelta(days=1), None: None}[until]
    with pytest.raises(ValidationError):
        services.suspend(make.user(role="moderator"), make.user(), until, reason, now=now)


def test_a_suspended_moderator_cannot_moderate(make, client, sign_in):
    moderator = make.user(role="moderator")
    services.suspend(make.user(role="admin"), moderator, utcnow() + timedelta(days=1), "account under review",
                     now=utcnow())
    with pytest.raises(PermissionDenied, match="suspended"):
        services.lock_thread(db.session.get(User, moderator.id), make.question(), now=utcnow())
    sign_in(moderator)
    assert client.get("/moderation").status_code == 403


def test_the_suspend_form(client, sign_in, make):
    member = make.user("noisy")
    sign_in(make.user(role="moderator"))
    page = client.get(f"/moderation/users/{member.id}").get_data(as_text=True)
    assert "we suggest <strong>1 day</strong>" in page
    until = (utcnow() + timedelta(days=10)).date().isoformat()
    response = client.post(f"/moderation/users/{member.id}/suspend", data={"until": until, "reason": "spam links"},
                           follow_redirects=True)
    suspended_until = db.session.get(User, member.id).suspended_until
    assert suspended_until.date().isoformat() == until
    assert f"suspended until {date_time(suspended_until)}" in response.get_data(as_text=True)
    assert db.session.get(User, member.id).is_suspended(utcnow())
    response = client.post(f"/moderation/users/{member.id}/unsuspend", data={"note": "mistake"}, follow_redirects=True)
    assert "lifted" in response.get_data(as_text=True)
    page = client.get(f"/moderation/users/{member.id}").get_data(as_text=True)
    assert "we suggest <strong>3 days</strong>" in page and "spam links" in page
    bad = client.post(f"/moderation/users/{member.id}/suspend", data={"until": "not a date", "reason": "x"},
                      follow_redirects=True)
    assert "Give the end date" in bad.get_data(as_text=True)
    missing = client.post(f"/moderation/users/{member.id}/suspend", data={"days": "3", "reason": ""},
                          follow_redirects=True)
    assert "Say why" in missing.get_data(as_text=True)


def test_other_features_writes_are_refused_too_but_account_settings_work(client, sign_in, scene, make):
    """The web guard refuses every write of a suspended member, whichever feature owns it."""
    sign_in(scene["troll"])
    other = scene["other"]
    for path in (f"/questions/{other.id}/same-problem", f"/answers/{scene['other_answer'].id}/helpful"):
        response = client.post(path, data={"helpful": "yes"})
        assert response.status_code == 403 and "Insulting other members" in response.get_data(as_text=True), path
    assert client.post("/notifications/read").status_code in (200, 302, 303)
    assert client.post("/preview", data={"body": "**still previews**"}).status_code == 200
    assert client.post("/sign-out").status_code == 302


def test_a_suspended_staff_members_tokens_stop_working_until_the_suspension_ends(client, make):
    agent, admin = make.user(role="agent"), make.user(role="admin")
    headers = bearer(agent)
    services.suspend(admin, agent, utcnow() + timedelta(days=1), "under review", now=utcnow())
    question = make.question()
    response = client.post("/api/v1/care/items", json={"question_id": question.id, "note": "look"}, headers=headers)
    assert response.status_code == 403 and "under review" in response.json["error"]["message"]
    # Reads too: a token is the member acting, and a suspended member's program waits with them.
    response = client.get("/api/v1/care/items", headers=headers)
    assert response.status_code == 403 and "under review" in response.json["error"]["message"]
    services.lift_suspension(admin, agent, now=utcnow())
    assert client.get("/api/v1/care/items", headers=headers).status_code == 200
