"""API tokens: scopes chosen at creation within the role, an expiry, and every way a token stops working."""
import inspect
import re
from datetime import timedelta

import pytest
from flask import g
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect as inspect_schema
from sqlalchemy import select, text

from app.api.openapi import document
from app.auth import bearer
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import ValidationError
from app.extensions import db
from app.formatting import date_time
from app.models import ApiToken
from app.moderation import services as moderation
from tests.builders import PASSWORD
from tests.migrating import MIGRATIONS, migrated_to

NEW_PASSWORD = "a much better passphrase 7"


def _bearer(user, scopes=None, days=30, now=None):
    return {"Authorization": f"Bearer {accounts.create_api_token(user, now=now or utcnow(), scopes=scopes, days=days)}"}


def _ask(client, headers):
    return client.post("/api/v1/questions", headers=headers,
                       json={"title": "Does the X200 dock work with a USB-C hub?",
                             "body": "I plugged a hub in and nothing charges.", "tags": ["x200"]})


def _token_page_form(client, **fields):
    return client.post("/account/tokens", data={"name": "CRM sync", "days": "30", **fields})


# Choosing scopes and an expiry ----------------------------------------------------------------------------


def test_a_member_is_offered_only_the_scopes_their_role_allows(client, sign_in, make):
    sign_in(make.user("pat"))
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="read"' in page and 'value="write"' in page
    assert 'value="care:read"' not in page and 'value="moderate"' not in page
    response = _token_page_form(client, scopes=["write", "care:write"])
    assert response.status_code == 422 and "As a member you cannot give a token the care:write scope" in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_staff_choose_care_scopes_and_the_page_shows_scopes_and_expiry(client, sign_in, make):
    agent = make.user("agent1", role="agent")
    sign_in(agent)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="care:read"' in page and 'value="care:write"' in page and 'value="moderate"' not in page
    response = _token_page_form(client, scopes=["care:write", "care:read"], days="90")
    assert response.status_code == 201
    token = db.session.scalar(select(ApiToken))
    assert token.scope_names == ("care:read", "care:write")  # stored in catalogue order
    assert token.expires_at == token.created_at + timedelta(days=90)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "<code>care:read</code> <code>care:write</code>" in page
    # The expiry in the reader's language and zone (UTC for a member who chose none), as every date on the site.
    assert f">{date_time(token.expires_at)}</time>" in page and 'data-token-state="active"' in page


@pytest.mark.parametrize("fields, message", [
    ({"scopes": []}, "Choose at least one scope"),
    ({"scopes": ["admin"]}, "There is no scope named admin"),
    ({"scopes": ["read"], "days": "1000"}, "Choose when the token expires"),
    ({"scopes": ["read"], "days": "5"}, "Choose when the token expires"),
    ({"scopes": ["read"], "days": ""}, "Choose when the token expires"),
])
def test_the_form_needs_a_known_scope_and_one_of_the_expiries(client, sign_in, make, fields, message):
    sign_in(make.user("pat"))
    response = _token_page_form(client, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_the_service_caps_the_lifetime(make):
    member = make.user()
    for days in (0, accounts.TOKEN_MAX_DAYS + 1, "30", None):
        with pytest.raises(ValidationError, match="at most 365 days"):
            accounts.create_api_token(member, now=utcnow(), days=days)
    with pytest.raises(ValidationError, match="cannot give a token the moderate scope"):
        accounts.create_api_token(make.user(role="agent"), now=utcnow(), scopes=["moderate"])


def test_the_command_line_defaults_to_the_roles_scopes_and_takes_fewer(runner, make):
    make.user("integrator", role="moderator")
    result = runner.invoke(args=["users", "token", "integrator", "--scope", "care:read", "--days", "7"])
    assert result.exit_code == 0, result.output
    api_token, _ = accounts.api_token_for(result.output.strip(), now=utcnow())
    assert api_token.scope_names == ("care:read",) and api_token.expires_at - api_token.created_at == timedelta(days=7)
    result = runner.invoke(args=["users", "token", "integrator"])
    api_token, _ = accounts.api_token_for(result.output.strip(), now=utcnow())
    assert api_token.scope_names == ("read", "write", "care:read", "care:write", "moderate")
    result = runner.invoke(args=["users", "token", "integrator", "--days", "400"])
    assert result.exit_code != 0 and "at most 365 days" in result.output


# Scopes are enforced ----------------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(client, make):
    member = make.user()
    tag = make.question(tags=["x200"]).tags[0].name
    read_only = _bearer(member, ["read"])
    response = _ask(client, read_only)
    assert response.status_code == 403
    assert response.json == {"error": {"code": "insufficient_scope", "message": "This token lacks the write scope."}}
    assert client.get(f"/api/v1/tags/{tag}/follow", headers=read_only).status_code == 200
    assert client.put(f"/api/v1/tags/{tag}/follow", headers=read_only).status_code == 403
    writer = _bearer(member, ["write"])  # write includes read
    assert client.get(f"/api/v1/tags/{tag}/follow", headers=writer).status_code == 200
    assert _ask(client, writer).status_code == 201


def test_the_moderate_scope_guards_the_flag_list(client, make):
    moderator = make.user(role="moderator")
    response = client.get("/api/v1/moderation/flags", headers=_bearer(moderator, ["write", "care:write"]))
    assert response.status_code == 403 and response.json["error"]["message"] == "This token lacks the moderate scope."
    assert client.get("/api/v1/moderation/flags", headers=_bearer(moderator, ["moderate"])).status_code == 200


def test_require_scope_reads_the_token_of_the_request(app, make):
    agent = make.user(role="agent")
    secret = accounts.create_api_token(agent, now=utcnow(), scopes=["care:read"])
    api_token, _ = accounts.api_token_for(secret, now=utcnow())
    with app.test_request_context():
        with pytest.raises(bearer.MissingScope, match="^This token lacks the care:write scope.$") as raised:
            bearer.require_scope("care:write")  # no token at all
        assert raised.value.status == 403
        g.api_token = api_token
        bearer.require_scope("care:read")
        with pytest.raises(bearer.MissingScope, match="care:write"):
            bearer.require_scope("care:write")
        with pytest.raises(ValueError, match="Unknown API scope"):
            bearer.require_scope("care:wrte")  # a typo in a view is a programming error, not a 403


def _openapi_path(rule):
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))


# care/api.py belongs to the care queue's owner, who applies the scopes documented here.
def test_every_bearer_endpoint_checks_the_scope_its_documentation_names(app):
    operations = document()["paths"]
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "token_required", False):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = operations[_openapi_path(rule)][method.lower()]
            documented = operation.get("x-required-scope")
            assert documented, (rule.rule, method)
            assert {"401", "403"} <= set(operation["responses"]), (rule.rule, method)
            used = re.findall(r'require_scope\("([^"]+)"\)', inspect.getsource(inspect.unwrap(view)))
            assert used == [documented], (rule.rule, method, used, documented)
            checked += 1
    assert checked >= 13


# Every way a token stops working ---------------------------------------------------------------------------


def test_an_expired_token_is_refused_and_marked_on_the_page(client, sign_in, make):
    member = make.user()
    headers = _bearer(member, ["write"], days=7, now=utcnow() - timedelta(days=8))
    response = _ask(client, headers)
    assert response.status_code == 401 and "expired" in response.json["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    sign_in(member)
    assert 'data-token-state="expired"' in client.get("/account/tokens").get_data(as_text=True)


def test_a_new_password_ends_every_token(client, sign_in, make):
    member = make.user("pat")
    headers = _bearer(member)
    sign_in(member)
    response = client.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    response = _ask(client.application.test_client(), headers)
    assert response.status_code == 401 and "password changed" in response.json["error"]["message"]
    assert 'data-token-state="ended"' in client.get("/account/tokens").get_data(as_text=True)
    assert _ask(client.application.test_client(), _bearer(member)).status_code == 201  # a new one works


def test_signing_out_keeps_tokens_and_signing_out_everywhere_revokes_them(client, sign_in, make):
    member = make.user("pat")
    first, second = _bearer(member), _bearer(member, ["read"])
    sign_in(member)
    assert client.post("/sign-out").status_code == 302  # a browser's sign-out: integrations keep working
    api = client.application.test_client()
    assert _ask(api, first).status_code == 201
    sign_in(member)
    other_device = client.application.test_client()
    other_device.post("/sign-in", data={"login": "pat", "password": PASSWORD})
    response = client.post("/account/tokens/end-all", follow_redirects=True)
    assert "2 tokens are revoked" in response.get_data(as_text=True)
    assert _ask(api, first).status_code == 401
    assert api.get("/api/v1/tags/x200/follow", headers=second).status_code == 401
    assert other_device.get("/account/tokens").status_code == 302  # signed out there too
    assert all(token.revoked_at is not None for token in db.session.scalars(select(ApiToken)))


def test_a_suspended_members_tokens_stop_until_the_suspension_ends(client, make):
    member, moderator = make.user(), make.user(role="moderator")
    headers = _bearer(member, ["read"])
    question = make.question()
    tag = question.tags[0].name
    moderation.suspend(moderator, member, utcnow() + timedelta(days=3), "Spamming links", now=utcnow())
    response = client.get(f"/api/v1/tags/{tag}/follow", headers=headers)
    assert response.status_code == 403 and "Spamming links" in response.json["error"]["message"]
    moderation.lift_suspension(moderator, member, now=utcnow())
    assert client.get(f"/api/v1/tags/{tag}/follow", headers=headers).status_code == 200


def test_a_lower_role_ends_tokens_holding_scopes_it_no_longer_allows(client, make):
    admin, moderator = make.user(role="admin"), make.user(role="moderator")
    moderating, writing = _bearer(moderator, ["moderate", "write"]), _bearer(moderator, ["write"])
    moderation.change_role(admin, moderator, "agent", "Moved to the care team", now=utcnow())
    response = client.get("/api/v1/moderation/flags", headers=moderating)
    assert response.status_code == 401 and "role no longer allows" in response.json["error"]["message"]
    assert _ask(client, moderating).status_code == 401  # the whole token, not only its moderate scope
    assert _ask(client, writing).status_code == 201


# The migration -------------------------------------------------------------------------------------------


def test_the_migration_gives_existing_tokens_their_roles_scopes_and_90_days(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path, "a6c0ffee0111"):
        with db.engine.begin() as connection:
            for user_id, role in ((1, "member"), (2, "agent"), (3, "admin")):
                connection.execute(text(
                    "INSERT INTO users (id, username, email, password_hash, role, reputation_points, session_version,"
                    " created_at) VALUES (:id, :name, :email, :hash, :role, 0, 1, :now)"),
                    {"id": user_id, "name": f"user{user_id}", "email": f"u{user_id}@example.com",
                     "hash": f"scrypt:hash{user_id}", "role": role, "now": utcnow()})
                connection.execute(text("INSERT INTO api_tokens (user_id, name, token_digest, created_at) "
                                        "VALUES (:id, 'old', :digest, :now)"),
                    {"id": user_id, "digest": f"{user_id:064d}", "now": utcnow()})
        before = utcnow()
        # To the head, not just a6c0ffee0116: the models below read every column later migrations add to users.
        upgrade(directory=MIGRATIONS, revision="head")
        tokens = {token.user_id: token for token in db.session.scalars(select(ApiToken))}
        assert tokens[1].scopes == "read write"
        assert tokens[2].scopes == "read write care:read care:write"
        assert tokens[3].scopes == "read write care:read care:write moderate"
        for token in tokens.values():
            assert before + timedelta(days=90) - timedelta(seconds=1) <= token.expires_at <= \
                utcnow() + timedelta(days=90)
            assert token.password_binding == accounts.password_binding(token.user)
            assert accounts.token_problem(token, now=utcnow()) is None
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="a6c0ffee0111")
        with db.engine.connect() as connection:
            columns = {column["name"] for column in inspect_schema(connection).get_columns("api_tokens")}
            assert columns == {"id", "user_id", "name", "token_digest", "created_at", "revoked_at"}
        db.engine.dispose()
