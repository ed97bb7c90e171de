"""Password reset by email link: single use, expiring, no account enumeration, rate limited."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.account import services
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import ValidationError
from app.extensions import db
from app.models import User
from app.outbox import OutboxMessage, deliver_due
from tests import mailbox as smtp
from tests.builders import PASSWORD
from tests.mailbox import body, local_path

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

NEW_PASSWORD = "a brand new lantern 42"


@pytest.fixture
def mailbox(app):
    with smtp.configured(app) as box:
        yield box


@pytest.fixture
def member(make):
    return make.user("robin")


def _reset_link(message):
    return local_path(re.search(r"https?://\S+/password-reset/\S+", body(message)).group(0))


def _queued_token():
    text = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc())).payload["text"]
    return re.search(r"/password-reset/(\S+)", text).group(1)


def test_the_emailed_link_sets_a_new_password_once(app, client, member, mailbox):
    signed_in = app.test_client()
    signed_in.post("/sign-in", data={"login": "robin", "password": PASSWORD})
    response = client.post("/password-reset", data={"email": "Robin@Example.com"})
    assert response.status_code == 302 and response.location.endswith("/sign-in")
    deliver_due(now=utcnow())
    [message] = mailbox.messages
    assert mailbox.recipients == [["robin@example.com"]] and message["Subject"] == "Reset your password"
    assert "within 60 minutes" in body(message)
    link = _reset_link(message)

    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/sign-in")
    assert accounts.authenticate("robin", NEW_PASSWORD) is not None
    assert accounts.authenticate("robin", PASSWORD) is None
    assert signed_in.get("/account").status_code == 302  # every session ended
    again = client.get(link)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert client.post(link, data={"password": "another one 1234", "confirm": "another one 1234"}).status_code == 400


def test_unknown_addresses_get_the_same_answer_and_no_email(client, member):
    known = client.post("/password-reset", data={"email": "robin@example.com"}, follow_redirects=True)
    unknown = client.post("/password-reset", data={"email": "nobody@example.com"}, follow_redirects=True)
    malformed = client.post("/password-reset", data={"email": "not an address"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == malformed.status_code == 200
    strip = lambda page: page.get_data(as_text=True).replace("robin@example.com", "").replace(  # noqa: E731
        "nobody@example.com", "").replace("not an address", "")
    assert strip(known) == strip(unknown) == strip(malformed)
    assert "If an account uses that address" in known.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_link_expires_after_an_hour(client, member):
    issued = utcnow() - timedelta(minutes=61)
    services.request_password_reset("robin@example.com", now=issued)
    token = _queued_token()
    with pytest.raises(ValidationError, match="expired"):
        services.user_for_reset(token, now=utcnow())
    assert services.user_for_reset(token, now=issued + timedelta(minutes=59)).username == "robin"
    response = client.get(f"/password-reset/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_changing_the_password_another_way_also_spends_the_link(client, member):
    services.request_password_reset("robin@example.com", now=utcnow())
    token = _queued_token()
    accounts.change_password(member, PASSWORD, NEW_PASSWORD)
    assert client.get(f"/password-reset/{token}").status_code == 400


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoxfQ.AAAA", "x" * 2500])
def test_forged_links_are_refused(client, member, token):
    response = client.get(f"/password-reset/{token}")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


def test_a_link_for_another_purpose_does_not_reset(client, member):
    from app import email_tokens

    token = email_tokens.make("unsubscribe", {"u": member.id, "h": "x"}, utcnow())
    assert client.get(f"/password-reset/{token}").status_code == 400


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "at least 10"),
    ("1234567890", "1234567890", "too easy"),
    ("robin-is-my-name", "robin-is-my-name", "must not contain your username"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "do not match"),
])
def test_the_new_password_follows_the_rules(client, member, password, confirm, message):
    services.request_password_reset("robin@example.com", now=utcnow())
    link = f"/password-reset/{_queued_token()}"
    response = client.post(link, data={"password": password, "confirm": confirm})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # still usable


def test_deleted_accounts_get_no_reset(member):
    services.delete_account(member, PASSWORD, "robin", now=utcnow())
    user = db.session.get(User, member.id)
    services.request_password_reset(user.email, now=utcnow())
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_sign_in_page_links_to_the_reset(client):
    assert 'href="/password-reset"' in client.get("/sign-in").get_data(as_text=True)


@pytest.fixture
def limited_app(app):
    config = dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                  RATELIMIT_EMAIL_REQUESTS="4 per minute", RATELIMIT_EMAIL_TARGET="2 per hour")
    limited = create_app(config)
    limited.test_client_class = app.test_client_class
    yield limited
    with limited.app_context():
        db.engine.dispose()


def test_reset_requests_are_rate_limited_per_client_and_per_address(limited_app, member):
    client = limited_app.test_client()
    same_address = [client.post("/password-reset", data={"email": "robin@example.com"}).status_code
                    for _ in range(3)]
    assert same_address == [302, 302, 429]
    others = [client.post("/password-reset", data={"email": f"x{n}@example.com"}).status_code for n in range(3)]
    assert others == [302, 429, 429]  # the client's budget of 4 a minute is spent
    assert client.get("/password-reset").status_code == 200  # only requests are counted
