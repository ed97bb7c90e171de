"""Account settings: email change by link, notification choices, API tokens, deleting the account."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.account import services
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import ValidationError
from app.extensions import db
from app.models import ApiToken, User
from app.notifications import services as notifications
from app.notifications.models import Follow, Notification
from app.outbox import OutboxMessage, deliver_due
from app.questions import services as threads
from tests import corpora
from tests import mailbox as smtp
from tests.builders import PASSWORD
from tests.mailbox import body, local_path

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def mailbox(app):
    with smtp.configured(app) as box:
        yield box


@pytest.fixture
def member(make):
    return make.user("pat")


def _reload(user):
    db.session.rollback()
    return db.session.get(User, user.id)


def _link(message):
    return next(url for url in re.findall(r"https?://\S+", body(message)) if "/account/" in url
                or "/password-reset/" in url)


# Who may open what -------------------------------------------------------------------------

ACCOUNT_PAGES = ["/account", "/account/email", "/account/notifications", "/account/following", "/account/tokens",
                 "/account/delete"]


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_visitors_are_sent_to_sign_in(client, path):
    for method in (client.get, client.post):
        response = method(path)
        if response.status_code == 405:
            continue
        assert response.status_code == 302 and "/sign-in" in response.location


@pytest.mark.parametrize("role", ["member", "agent", "moderator", "admin"])
def test_every_role_has_its_own_settings(client, sign_in, make, role):
    user = make.user(role=role)
    sign_in(user)
    for path in ACCOUNT_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    assert user.email in client.get("/account").get_data(as_text=True)
    assert 'href="/account"' in client.get("/").get_data(as_text=True)


def test_visitors_cannot_revoke_tokens(client, member):
    token_id = db.session.scalar(select(ApiToken.id).where(
        ApiToken.token_digest == ApiToken.digest(accounts.create_api_token(member, "x", now=utcnow()))))
    response = client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 302 and "/sign-in" in response.location


# Email change ------------------------------------------------------------------------------


def test_changing_email_takes_a_link_sent_to_the_new_address(app, client, sign_in, member, mailbox):
    sign_in(member)
    response = client.post("/account/email", data={"email": "Pat.New@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert _reload(member).email == "pat@example.com"  # not before the link is opened
    deliver_due(now=utcnow())
    [message] = mailbox.messages
    assert mailbox.recipients == [["pat.new@example.com"]] and message["Subject"] == "Confirm your new email address"
    assert message["List-Unsubscribe"] is None  # account email, not a notification
    link = local_path(_link(message))

    visitor = app.test_client()  # the link works on another device, signed out
    page = visitor.get(link)
    assert page.status_code == 200 and "pat.new@example.com" in page.get_data(as_text=True)
    assert _reload(member).email == "pat@example.com"  # opening the link alone changes nothing
    assert visitor.post(link).status_code == 302
    assert _reload(member).email == "pat.new@example.com"
    deliver_due(now=utcnow())
    notice = mailbox.to("pat@example.com")
    assert notice and notice[0]["Subject"] == "Your email address was changed"
    # Single use.
    again = visitor.post(link)
    assert again.status_code == 422 and "already used" in again.get_data(as_text=True)


@pytest.mark.parametrize("email, password, message", [
    ("not-an-address", PASSWORD, "not valid"),
    ("pat@example.com", PASSWORD, "already your email"),
    ("taken@example.com", PASSWORD, "Another account"),
    ("fresh@example.com", "wrong password", "not your current password"),
])
def test_bad_email_changes_are_refused(client, sign_in, make, member, email, password, message):
    make.user("taken")
    sign_in(member)
    response = client.post("/account/email", data={"email": email, "password": password})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage)) is None


def test_an_email_change_link_expires_and_cannot_be_forged(client, member):
    start = utcnow()
    services.request_email_change(member, PASSWORD, "later@example.com", now=start)
    token = db.session.scalar(select(OutboxMessage)).payload["text"].split("/account/email/confirm/")[1].split()[0]
    with pytest.raises(ValidationError, match="expired"):
        services.confirm_email_change(token, now=start + timedelta(hours=25))
    for bad in (token[:-2] + "xx", "garbage", token + "."):
        response = client.get(f"/account/email/confirm/{bad}")
        assert response.status_code == 422 and "not valid" in response.get_data(as_text=True)
    services.confirm_email_change(token, now=start + timedelta(hours=23))
    assert _reload(member).email == "later@example.com"


def test_a_confirmed_address_taken_in_the_meantime_is_refused(make, member):
    services.request_email_change(member, PASSWORD, "race@example.com", now=utcnow())
    token = db.session.scalar(select(OutboxMessage)).payload["text"].split("/account/email/confirm/")[1].split()[0]
    make.user("race")
    with pytest.raises(Exception, match="in the meantime"):
        services.confirm_email_change(token, now=utcnow())


# Notification choices ----------------------------------------------------------------------


def test_notification_choices_are_saved(client, sign_in, member):
    sign_in(member)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert re.search(r'value="immediate"[^>]*checked|checked[^>]*value="immediate"', page)
    response = client.post("/account/notifications", data={"email_mode": "daily"})
    assert response.status_code == 302 and notifications.email_mode(member.id) == "daily"
    assert "Once a day" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/notifications", data={"email_mode": "hourly"}).status_code == 422
    assert client.post("/account/notifications", data={}).status_code == 422
    assert notifications.email_mode(member.id) == "daily"


def test_the_following_page_lists_and_unfollows(client, sign_in, make, member):
    mine = make.question(member, title="Does the Lumen lamp work with dimmer switches?")
    other = make.question(title="Which bulbs fit the Lumen floor lamp base?")
    notifications.follow(member, other.id, now=utcnow())
    gone = make.question(title="A question that its author will delete soon")
    notifications.follow(member, gone.id, now=utcnow())
    threads.delete_question(gone.author, gone, now=utcnow())
    sign_in(member)
    page = client.get("/account/following").get_data(as_text=True)
    assert mine.title in page and other.title in page and gone.title not in page
    response = client.post(f"/questions/{other.id}/unfollow", data={"next": "/account/following?page=1"})
    assert response.status_code == 302 and response.location.endswith("/account/following?page=1")
    assert other.title not in client.get("/account/following").get_data(as_text=True)
    # An outside address in `next` is ignored.
    response = client.post(f"/questions/{mine.id}/unfollow", data={"next": "https://evil.example/"})
    assert "evil.example" not in response.location


# API tokens --------------------------------------------------------------------------------


def test_create_use_list_and_revoke_a_token(client, sign_in, member):
    sign_in(member)
    response = client.post("/account/tokens", data={"name": "Helpdesk sync", "scopes": ["write"], "days": "30"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    token = re.search(r"<code data-new-token>(pd_[^<]+)</code>", page).group(1)
    assert "will not be shown again" in page and "Helpdesk sync" in page
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Helpdesk sync" in listing and token not in listing  # shown once only

    api = client.application.test_client()
    created = api.post("/api/v1/questions", headers={"Authorization": f"Bearer {token}"},
                       json={"title": "Does the X200 case charge wirelessly?",
                             "body": "I have a Qi pad and the case does not seem to react.", "tags": ["x200"]})
    assert created.status_code == 201

    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Helpdesk sync"))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert "Recently revoked" in client.get("/account/tokens").get_data(as_text=True)
    refused = api.post("/api/v1/questions", headers={"Authorization": f"Bearer {token}"}, json={})
    assert refused.status_code == 401
    again = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


@pytest.mark.parametrize("name, message", [("", "Give the token a name"), ("   ", "Give the token a name"),
                                           ("x" * 101, "at most 100")])
def test_token_names_are_checked(client, sign_in, member, name, message):
    sign_in(member)
    response = client.post("/account/tokens", data={"name": name})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert services.live_tokens(member) == []


def test_members_cannot_revoke_each_others_tokens(client, sign_in, make, member):
    accounts.create_api_token(member, "mine", now=utcnow())
    [token] = services.live_tokens(member)
    sign_in(make.user("other"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/account/tokens/999999/revoke").status_code == 404
    assert services.live_tokens(member)[0].revoked_at is None
    assert "mine" not in client.get("/account/tokens").get_data(as_text=True)


def test_live_tokens_are_capped(member):
    for number in range(services.MAX_LIVE_TOKENS):
        services.create_token(member, f"t{number}", ["read"], 7, now=utcnow())
    with pytest.raises(Exception, match="revoke one"):
        services.create_token(member, "one too many", ["read"], 7, now=utcnow())


# Deleting the account ----------------------------------------------------------------------


def test_deleting_the_account_anonymises_it_and_keeps_the_posts(app, client, sign_in, make, member):
    question = make.question(member, title="Can I pair the X200 with two phones?")
    answer = make.answer(make.question(), member)
    token = accounts.create_api_token(member, "cli", now=utcnow())
    notifications.set_email_mode(member, "daily", now=utcnow())
    make.answer(question)  # a notification for the member
    sign_in(member)
    other_device = app.test_client()
    other_device.post("/sign-in", data={"login": "pat", "password": PASSWORD})

    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "pat"})
    assert response.status_code == 302
    user = _reload(member)
    assert user.username == f"deleted-user-{user.id}" and user.email == f"deleted-user-{user.id}@deleted.invalid"
    assert not user.check_password(PASSWORD) and not user.check_password("!")
    assert accounts.authenticate("pat", PASSWORD) is None and accounts.authenticate(user.username, "!") is None
    assert accounts.api_token_for(token, now=utcnow())[0] is None
    for model in (Follow, Notification):
        assert db.session.scalar(select(model).where(model.user_id == user.id)) is None
    assert notifications.email_mode(user.id) == "immediate"  # the row is gone; nothing is sent to .invalid anyway
    # Both devices are signed out; the posts stay, under the new name.
    assert client.get("/account").status_code == 302 and other_device.get("/account").status_code == 302
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Can I pair the X200 with two phones?" in page and f"deleted-user-{user.id}" in page
    assert ">pat<" not in page
    assert db.session.get(type(answer), answer.id).author_id == user.id
    # The name is free again, the reserved prefix is not.
    make.user("pat")
    with pytest.raises(ValidationError, match="deleted-user-"):
        make.user("deleted-user-12345")


def test_the_only_admin_cannot_delete_their_account(client, sign_in, make):
    admin = make.user("boss", role="admin")
    sign_in(admin)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "boss"})
    assert response.status_code == 409 and "only admin" in response.get_data(as_text=True)
    make.user("deputy", role="admin")
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "boss"}).status_code == 302
    assert _reload(admin).role == "member"


@pytest.mark.parametrize("password, confirm, message", [
    ("wrong password", "pat", "not your current password"),
    (PASSWORD, "Pat", "Type your username"),
    (PASSWORD, "", "Type your username"),
])
def test_deletion_needs_the_password_and_the_username(client, sign_in, member, password, confirm, message):
    sign_in(member)
    response = client.post("/account/delete", data={"password": password, "confirm": confirm})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _reload(member).username == "pat"


# Hostile input -----------------------------------------------------------------------------


def test_naughty_strings_in_account_forms_never_break_a_page(app, client, sign_in, member):
    """The naughty-string sample of tests/corpora.py: one in 8 of each of its 14 classes, at least 2 of each."""
    strings = corpora.naughty_sample()
    sign_in(member)
    visitor = app.test_client()
    for text in strings:
        responses = [
            client.post("/account/tokens", data={"name": text}),
            client.post("/account/email", data={"email": text, "password": text}),
            client.post("/account/notifications", data={"email_mode": text}),
            client.post("/account/delete", data={"password": text, "confirm": text}),
            visitor.post("/password-reset", data={"email": text}),
            visitor.get("/password-reset/" + text.replace("/", "")[:200]) if text.strip("/") else None,
            visitor.get("/account/email/confirm/" + text.replace("/", "")[:200]) if text.strip("/") else None,
            visitor.post("/email/unsubscribe/" + text.replace("/", "")[:200]) if text.strip("/") else None,
        ]
        for response in filter(None, responses):
            assert response.status_code < 500, (text, response.request.path, response.status_code)
    assert _reload(member).username == "pat"
    for token in services.live_tokens(member):
        assert token.name.strip()
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "<script>alert" not in page
