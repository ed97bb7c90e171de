"""Earned trust (issue 13): email verification at sign-up, who may flag, what a flag weighs, protected posts."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import PermissionDenied, ValidationError
from app.extensions import db
from app.models import Answer, Comment, Question, User
from app.moderation import services as moderation
from app.moderation.models import Flag, ReviewItem
from app.outbox import OutboxMessage
from app.questions import services as threads
from tests.builders import PASSWORD

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def bearer(user):
    """An Authorization header with a fresh API token of the user."""
    return {"Authorization": f"Bearer {accounts.create_api_token(user, now=utcnow())}"}


def _reload(model, row_id):
    db.session.rollback()
    return db.session.get(model, row_id)


def _verification_token(user):
    """The token in the newest verification email sent to the user."""
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account:verify-email")
                                  .order_by(OutboxMessage.id.desc())).all()
    texts = [m.payload["text"] for m in messages if m.payload["to"] == user.email]
    assert texts, "no verification email was queued"
    return re.search(r"/account/email/verify/(\S+)", texts[0]).group(1)


@pytest.fixture
def official_answer(make):
    """A customer's question, resolved by the brand's official answer (accepted by the asker)."""
    asker = make.user("asker")
    question = make.question(asker, title="Halo speaker drops off Wi-Fi at night",
                             body="Around 8pm the speaker loses the network; the router is fine.", tags=["halo"])
    answer = make.answer(question, make.user("lumen-agent", role="agent"),
                         body="Turn off band steering on the router: the speaker then stays on 2.4 GHz.")
    threads.accept_answer(asker, answer, now=utcnow())
    return _reload(Question, question.id), _reload(Answer, answer.id)


# 1. Email verification -----------------------------------------------------------------------


def test_sign_up_sends_a_verification_link_that_marks_the_address_verified(app, client):
    response = client.post("/register", data={"username": "newbie", "email": "newbie@example.com",
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.email_verified_at is None
    token = _verification_token(user)
    visitor = app.test_client()  # the link works signed out, on another device
    page = visitor.get(f"/account/email/verify/{token}")
    assert page.status_code == 200 and "newbie@example.com" in page.get_data(as_text=True)
    assert _reload(User, user.id).email_verified_at is None  # opening the link alone (a mail scanner) is not enough
    assert visitor.post(f"/account/email/verify/{token}").status_code == 302
    assert _reload(User, user.id).email_verified_at is not None


def test_a_verification_link_expires_and_cannot_be_forged(make, client):
    start = utcnow()
    user = make.user("late", verified=False, now=start)
    token = _verification_token(user)
    with pytest.raises(ValidationError, match="expired"):
        accounts.verify_email(token, now=start + timedelta(hours=49))
    for bad in (token[:-2] + "xx", "garbage"):
        response = client.post(f"/account/email/verify/{bad}")
        assert response.status_code == 422 and "not valid" in response.get_data(as_text=True)
    assert _reload(User, user.id).email_verified_at is None


def test_an_unverified_member_resends_the_link_from_the_account_page(make, client, sign_in):
    user = make.user("forgetful", verified=False)
    sign_in(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Not verified" in page and 'action="/account/email/verification"' in page
    assert client.post("/account/email/verification").status_code == 302
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account:verify-email")).all()
    assert len(sent) == 2  # sign-up's and the new one
    accounts.verify_email(_verification_token(user), now=utcnow())
    assert "Verified" in client.get("/account").get_data(as_text=True)
    client.post("/account/email/verification")
    assert len(db.session.scalars(select(OutboxMessage)
                                  .where(OutboxMessage.topic == "account:verify-email")).all()) == 2


def test_resending_the_link_is_rate_limited_like_other_email_requests(app, make):
    from app import create_app

    limited = create_app(dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                              RATELIMIT_EMAIL_REQUESTS="2 per minute"))
    limited.test_client_class = app.test_client_class
    user = make.user("impatient", verified=False)
    client = limited.test_client()
    try:
        client.post("/sign-in", data={"login": user.username, "password": PASSWORD})
        codes = [client.post("/account/email/verification").status_code for _ in range(3)]
    finally:
        with limited.app_context():  # a context of its own, as the other rate-limit tests: every connection is back
            db.engine.dispose()
    assert codes == [302, 302, 429]


# 2. Flagging needs trust -----------------------------------------------------------------------


def test_a_member_minutes_old_cannot_flag_and_is_told_what_earns_it(make, client, sign_in, official_answer):
    question, answer = official_answer
    newcomer = make.user("newcomer")  # verified, reputation 1, joined now
    with pytest.raises(PermissionDenied, match="15 reputation or have been a member for 7 days"):
        moderation.flag_post(newcomer, answer, "rude", now=utcnow())
    api = client.post(f"/api/v1/answers/{answer.id}/flags", json={"reason": "rude"}, headers=bearer(newcomer))
    assert api.status_code == 403 and "15 reputation" in api.json["error"]["message"]
    sign_in(newcomer)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/flags/answer/{answer.id}"' not in page and "15 reputation" in page
    assert db.session.scalar(select(Flag)) is None


def test_an_unverified_member_cannot_flag_whatever_their_reputation_or_age(make, client, official_answer):
    _, answer = official_answer
    veteran = make.user("veteran", verified=False, now=utcnow() - timedelta(days=400))
    db.session.get(User, veteran.id).reputation_points = 500
    db.session.commit()
    api = client.post(f"/api/v1/answers/{answer.id}/flags", json={"reason": "spam"}, headers=bearer(veteran))
    assert api.status_code == 403 and "Verify your email" in api.json["error"]["message"]


def test_reputation_or_account_age_earns_flagging_and_both_are_settings(app, make, official_answer):
    question, _ = official_answer
    established = make.user("established", now=utcnow() - timedelta(days=7))
    assert moderation.flag_post(established, question, "off-topic", now=utcnow()).status == "open"
    helpful = make.user("helpful")
    db.session.get(User, helpful.id).reputation_points = 14  # shown reputation 15
    db.session.commit()
    assert moderation.flag_post(db.session.get(User, helpful.id), question, "off-topic", now=utcnow())
    app.config.update(FLAG_MIN_REPUTATION=2, FLAG_MIN_ACCOUNT_DAYS=30)
    with pytest.raises(PermissionDenied, match="2 reputation or have been a member for 30 days"):
        moderation.flag_post(make.user(), question, "off-topic", now=utcnow())


def test_staff_always_may_flag(make, official_answer):
    question, _ = official_answer
    agent = make.user("new-agent", role="agent", verified=False)
    assert moderation.flag_post(agent, question, "staff", "Customer waiting", now=utcnow())


# 3. What a flag weighs ------------------------------------------------------------------------


def test_the_issue_three_new_accounts_cannot_hide_the_official_accepted_answer(make, client, official_answer):
    question, answer = official_answer
    for number in range(3):
        raider = make.user(f"raider{number}", verified=False)
        response = client.post(f"/api/v1/answers/{answer.id}/flags", json={"reason": "rude"}, headers=bearer(raider))
        assert response.status_code == 403
    assert not _reload(Answer, answer.id).is_hidden
    # Three members who did earn trust flag it as rude too: it still stays up, and waits for a moderator.
    for number in range(3):
        moderation.flag_post(make.flagger(f"regular{number}"), _reload(Answer, answer.id), "rude", now=utcnow())
    assert not _reload(Answer, answer.id).is_hidden
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_type == "answer",
                                                      ReviewItem.post_id == answer.id))
    assert item.is_pending and item.flag_count == 3
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "band steering" in page and "Resolved" in page


def test_a_staff_post_that_is_not_accepted_is_not_hidden_by_flags_either(app, make):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    question = make.question(make.user("lumen-moderator", role="moderator"))
    moderation.flag_post(make.flagger(), question, "spam", now=utcnow())
    assert not _reload(Question, question.id).is_hidden
    assert db.session.scalar(select(ReviewItem.kind)) == "flagged"


def test_an_accepted_community_answer_waits_for_a_moderator(app, make):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    asker = make.user()
    question = make.question(asker)
    answer = make.answer(question, make.user("community-hero"))
    threads.accept_answer(asker, answer, now=utcnow())
    for _ in range(2):
        moderation.flag_post(make.flagger(), _reload(Answer, answer.id), "spam", now=utcnow())
    assert not _reload(Answer, answer.id).is_hidden
    moderator = make.user(role="moderator")
    moderation.decide(moderator, db.session.scalar(select(ReviewItem)), "agree-hide", now=utcnow())
    assert _reload(Answer, answer.id).is_hidden


def test_an_ordinary_post_is_still_hidden_by_trusted_flags(app, make):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    spam = make.answer(make.question(), make.user("spammer"), body="Cheap zorblax at example dot com!")
    for _ in range(2):
        moderation.flag_post(make.flagger(), _reload(Answer, spam.id), "spam", now=utcnow())
    assert _reload(Answer, spam.id).hidden_reason == "flags"


def test_only_flags_of_members_trusted_now_count_towards_hiding(app, make):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    spam = make.answer(make.question(), make.user("spammer"), body="Cheap zorblax at example dot com!")
    # A flag raised before trust was needed, by a member minutes old: it stays in the queue but weighs nothing.
    untrusted = make.user("old-flag", verified=False)
    moderation.flag_post(make.flagger(), spam, "off-topic", now=utcnow())  # opens the review item
    item = db.session.scalar(select(ReviewItem))
    db.session.add(Flag(post_type="answer", post_id=spam.id, question_id=spam.question_id,
                        post_author_id=spam.author_id, flagger_id=untrusted.id, reason="spam", weight=100,
                        review_item_id=item.id, created_at=utcnow()))
    db.session.commit()
    moderation.flag_post(make.flagger(), _reload(Answer, spam.id), "spam", now=utcnow())
    assert not _reload(Answer, spam.id).is_hidden
    moderation.flag_post(make.flagger(), _reload(Answer, spam.id), "rude", now=utcnow())
    assert _reload(Answer, spam.id).is_hidden


# 4. A hidden accepted answer shows as such -------------------------------------------------------


def test_a_hidden_accepted_answer_leaves_the_question_unresolved_everywhere(make, client, official_answer):
    question, answer = official_answer
    assert 'class="badge badge-resolved"' in client.get(f"/questions/{question.id}",
                                                        follow_redirects=True).get_data(as_text=True)
    moderation.hide_post(make.user(role="moderator"), answer, "wrong firmware advice", now=utcnow())
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "The accepted answer was hidden by a moderator" in page
    assert "band steering" not in page and 'class="badge badge-resolved"' not in page
    api = client.get(f"/api/v1/questions/{question.id}").json
    assert api["status"] == "open" and api["answers"] == []
    resolved = client.get("/questions?tab=resolved").get_data(as_text=True)
    unresolved = client.get("/questions?tab=unresolved").get_data(as_text=True)
    assert question.title not in resolved and question.title in unresolved
    moderation.unhide_post(make.user(role="moderator"), _reload(Answer, answer.id), now=utcnow())
    assert client.get(f"/api/v1/questions/{question.id}").json["status"] == "resolved"


# 5. Links from unverified members --------------------------------------------------------------


def test_an_unverified_members_post_with_one_link_is_held(make):
    question = make.question()
    held = make.answer(question, make.user(verified=False), body="Try the guide at https://help.example/reset.")
    assert held.hidden_reason == "held"
    assert "not verified" in db.session.scalar(select(ReviewItem.hold_reason))
    comment = make.comment(question, make.user(verified=False), "See www.example.org/pairing for the steps")
    assert db.session.get(Comment, comment.id).hidden_reason == "held"
    assert not make.answer(question, make.user(verified=False), body="Hold the button for ten seconds.").is_hidden
    assert not make.answer(question, make.user(), body="Try the guide at https://help.example/reset.").is_hidden

