"""Command-line tools: users, tokens, roles, reputation; FLASK_APP=wsgi from the repository root."""
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.models import User
from app.questions import services

REPO = Path(__file__).resolve().parents[2]


def test_users_create_with_each_role(runner):
    for role in ("member", "agent", "moderator", "admin"):
        result = runner.invoke(args=["users", "create", f"cli-{role}", "--email", f"{role}@example.com",
                                     "--password", "a long enough secret", "--role", role])
        assert result.exit_code == 0, result.output
        assert f"Created {role} cli-{role}" in result.output
    assert {u.username: u.role for u in db.session.scalars(select(User))}["cli-agent"] == "agent"


def test_users_create_reports_what_is_wrong(runner, make):
    make.user("taken")
    result = runner.invoke(args=["users", "create", "taken", "--email", "bad", "--password", "short"])
    assert result.exit_code != 0
    assert "email" in result.output and "not valid" in result.output
    result = runner.invoke(args=["users", "create", "x", "--email", "x@example.com", "--password", "p",
                                 "--role", "emperor"])
    assert result.exit_code != 0 and "emperor" in result.output


def test_users_token_prints_a_working_token(runner, make, client):
    make.user("integrator")
    result = runner.invoke(args=["users", "token", "integrator", "--name", "crm"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("pd_")
    api_token, _problem = accounts.api_token_for(token, now=utcnow())
    assert api_token.user.username == "integrator" and api_token.scope_names == ("read", "write")
    response = client.post("/api/v1/questions", headers={"Authorization": f"Bearer {token}"},
                           json={"title": "Posted from the command line token", "body": "A body that is long enough.",
                                 "tags": ["cli"]})
    assert response.status_code == 201
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code != 0


def test_set_role(runner, make):
    user = make.user("promoted")
    assert runner.invoke(args=["users", "set-role", "promoted", "moderator"]).exit_code == 0
    db.session.expire_all()
    assert user.role == "moderator"


def test_reputation_recompute_repairs_drift(runner, make):
    asker = make.user()
    question = make.question(asker)
    answer = make.answer(question)
    services.cast_vote(asker, answer, 1, now=utcnow())
    services.accept_answer(asker, answer, now=utcnow())
    answer.author.reputation_points = 999
    asker.reputation_points = -50
    db.session.commit()
    result = runner.invoke(args=["reputation", "recompute"])
    assert result.exit_code == 0 and "2 member(s) corrected" in result.output
    db.session.expire_all()
    assert (answer.author.reputation_points, asker.reputation_points) == (25, 2)


def test_flask_app_wsgi_works_from_the_repository_root(tmp_path):
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "SEARCH_INDEX_DIR": str(tmp_path / "index"), "SECRET_KEY": "cli-test"}
    flask = [sys.executable, "-m", "flask"]
    upgrade = subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    created = subprocess.run([*flask, "users", "create", "rootuser", "--email", "root@example.com", "--password",
                              "a long enough secret", "--role", "admin"], cwd=REPO, env=env, capture_output=True,
                             text=True)
    assert created.returncode == 0 and "Created admin rootuser" in created.stdout, created.stderr
