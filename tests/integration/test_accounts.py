"""Registration, sign-in, sign-out everywhere, password change, safe redirects and roles."""
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.builders import PASSWORD

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def register(client, username="newbie", email="newbie@example.com", password=PASSWORD, confirm=None):
    return client.post("/register", data={"username": username, "email": email, "password": password,
                                          "confirm": confirm if confirm is not None else password})


def test_registering_signs_in_and_hashes_the_password(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.username == "newbie" and user.role == "member"
    assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)
    assert "newbie" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"password": "short"}, "at least 10 characters"),
    ({"password": "1234567890"}, "too easy to guess"),
    ({"password": "aaaaaaaaaaaa"}, "too easy to guess"),
    ({"password": "newbie-is-my-name"}, "must not contain your username"),
    ({"confirm": "something else entirely"}, "do not match"),
    ({"username": "a"}, "3-30 letters"),
    ({"username": "<script>"}, "3-30 letters"),
    ({"email": "not-an-email"}, "not valid"),
])
def test_registration_errors_are_clear(client, fields, message):
    response = register(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_taken_username_and_email_are_refused_whatever_the_case(client, make):
    make.user("Taken")
    response = register(client, username="tAKEN", email="TAKEN@example.com")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That username is taken." in page and "already exists" in page


def test_sign_in_with_username_or_email_and_a_wrong_password(client, make):
    user = make.user("signer")
    assert client.post("/sign-in", data={"login": "signer@example.com", "password": PASSWORD}).status_code == 302
    client.post("/sign-out")
    response = client.post("/sign-in", data={"login": "signer", "password": "wrong password!"})
    assert response.status_code == 422 and "do not match an account" in response.get_data(as_text=True)
    assert user.username not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_remember_me_sets_a_lasting_httponly_cookie(client, make):
    make.user("stayer")
    response = client.post("/sign-in", data={"login": "stayer", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember and "Expires=" in remember
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_cookies_are_secure_over_https(client, make):
    make.user("secure")
    response = client.post("/sign-in", data={"login": "secure", "password": PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    assert all("Secure" in cookie for cookie in response.headers.getlist("Set-Cookie"))


def test_signing_out_ends_every_session_even_copied_cookies(app, make, sign_in, client):
    user = make.user("leaver")
    sign_in(user)
    other_device = app.test_client()
    other_device.post("/sign-in", data={"login": "leaver", "password": PASSWORD, "remember": "y"})
    assert other_device.get("/questions/ask").status_code == 200
    stolen = client.get_cookie("session").value
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/questions/ask").status_code == 302
    assert other_device.get("/questions/ask").status_code == 302


def test_changing_the_password_signs_out_other_devices_only(app, make, sign_in, client):
    user = make.user("changer")
    sign_in(user)
    other_device = app.test_client()
    other_device.post("/sign-in", data={"login": "changer", "password": PASSWORD})
    new_password = "a brand new passphrase"
    response = client.post("/account/password", data={"current_password": PASSWORD, "password": new_password,
                                                      "confirm": new_password})
    assert response.status_code == 302
    assert client.get("/questions/ask").status_code == 200
    assert other_device.get("/questions/ask").status_code == 302
    db.session.expire_all()
    assert user.check_password(new_password)


def test_changing_the_password_needs_the_current_one(client, make, sign_in):
    sign_in(make.user())
    response = client.post("/account/password", data={"current_password": "wrong one!", "password": "x" * 12,
                                                      "confirm": "x" * 12})
    assert response.status_code == 422 and "not your current password" in response.get_data(as_text=True)


def test_next_leads_back_on_this_site(client, make):
    make.user("returner")
    response = client.post("/sign-in", data={"login": "returner", "password": PASSWORD,
                                             "next": "/questions?tab=unanswered"})
    assert response.headers["Location"] == "/questions?tab=unanswered"


def test_next_never_leads_to_another_site(app, make, testdata):
    """Every open-redirect payload from the corpus lands on this site."""
    make.user("target")
    payloads = json.loads((testdata / "open_redirect_payloads.json").read_text())
    assert len(payloads) > 300
    client = app.test_client()
    for payload in payloads:
        payload = payload.replace("{target}", "evil.example")
        response = client.post("/sign-in", data={"login": "target", "password": PASSWORD, "next": payload})
        assert response.status_code == 302, payload
        location = response.headers["Location"]
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc, payload
        assert location.startswith("/") and not location.startswith("//"), payload
        assert not any(char in location for char in "\\\t\r\n"), payload
        client.post("/sign-out")
