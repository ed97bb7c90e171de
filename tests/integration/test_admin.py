"""Admin pages: the audit log (browse, filter, never edit), settings (validated, audited) and roles (audited)."""
import pytest
from sqlalchemy import select

from app import settings
from app.audit import AuditEntry
from app.clock import utcnow
from app.exceptions import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User
from app.moderation import services


@pytest.fixture
def admin(make, sign_in):
    """A signed-in admin."""
    user = make.user("boss", role="admin")
    sign_in(user)
    return user


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/settings", "/admin/users"])
@pytest.mark.parametrize("role, status", [(None, 302), ("member", 403), ("agent", 403), ("moderator", 403),
                                          ("admin", 200)])
def test_admin_pages_for_every_role(client, make, sign_in, path, role, status):
    if role:
        sign_in(make.user(role=role))
    assert client.get(path).status_code == status


def test_the_audit_log_lists_and_filters_staff_actions(client, make, admin):
    moderator = make.user("mod", role="moderator")
    question = make.question()
    services.lock_thread(moderator, question, "flame war", now=utcnow())
    services.hide_post(moderator, question, "spam", now=utcnow())
    services.change_role(admin, make.user("newhire"), "agent", "joined support", now=utcnow())
    page = client.get("/admin/audit").get_data(as_text=True)
    for text in ("thread.lock", "post.hide", "user.role", "flame war", "joined support", '{"role": "agent"}'):
        assert text in page, text
    only_mod = client.get("/admin/audit?actor=MOD").get_data(as_text=True)
    assert "thread.lock" in only_mod and "user.role" not in only_mod
    posts = client.get("/admin/audit?action=post.").get_data(as_text=True)
    assert "post.hide" in posts and "thread.lock" not in posts
    by_target = client.get(f"/admin/audit?target_type=question&target_id={question.id}").get_data(as_text=True)
    assert "thread.lock" in by_target and "user.role" not in by_target
    nobody = client.get("/admin/audit?actor=ghost").get_data(as_text=True)
    assert "No entries match." in nobody
    assert client.get("/admin/audit?page=abc&target_id=" + "9" * 500).status_code == 200


def test_settings_list_every_feature_setting(client, admin):
    page = client.get("/admin/settings").get_data(as_text=True)
    for name in ("FLAG_HIDE_THRESHOLD", "FLAG_DAILY_LIMIT", "HOLD_FIRST_POSTS", "FORBIDDEN_PHRASES",
                 "NEW_MEMBER_QUESTIONS_PER_HOUR", *settings.DEFINITIONS):
        assert f"<code>{name}</code>" in page, name


def test_changing_a_setting_is_validated_audited_and_takes_effect(client, admin):
    response = client.post("/admin/settings/FLAG_HIDE_THRESHOLD", data={"value": "5", "reason": "big launch"})
    assert response.status_code == 302
    assert settings.get("FLAG_HIDE_THRESHOLD") == 5
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting.change"))
    assert entry.actor_id == admin.id and entry.target_id == "FLAG_HIDE_THRESHOLD" and entry.reason == "big launch"
    assert entry.before == {"value": 3} and entry.after == {"value": 5}
    for bad in ("zero", "0", "1000", "", "2.5"):
        failed = client.post("/admin/settings/FLAG_HIDE_THRESHOLD", data={"value": bad, "reason": "x"})
        assert failed.status_code == 422, bad
        assert 'role="alert"' in failed.get_data(as_text=True)
    assert settings.get("FLAG_HIDE_THRESHOLD") == 5
    client.post("/admin/settings/FORBIDDEN_PHRASES", data={"value": "crypto giveaway\nbuy followers\n", "reason": "x"})
    assert settings.get("FORBIDDEN_PHRASES") == ["crypto giveaway", "buy followers"]
    client.post("/admin/settings/FLAG_HIDE_THRESHOLD", data={"reset": "1", "reason": "launch over"})
    assert settings.get("FLAG_HIDE_THRESHOLD") == 3
    assert client.post("/admin/settings/NO_SUCH_THING", data={"value": "1"}).status_code == 404
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "setting.change")).all()) == 3


def test_role_changes_need_a_reason_and_are_audited(client, make, admin):
    member = make.user("helpful")
    response = client.post(f"/admin/users/{member.id}/role", data={"role": "moderator", "reason": "community lead"},
                           follow_redirects=True)
    assert "helpful is now moderator" in response.get_data(as_text=True)
    assert db.session.get(User, member.id).role == "moderator"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role"))
    assert entry.before == {"role": "member"} and entry.after == {"role": "moderator"}
    no_reason = client.post(f"/admin/users/{member.id}/role", data={"role": "admin", "reason": ""},
                            follow_redirects=True)
    assert "Say why" in no_reason.get_data(as_text=True) and db.session.get(User, member.id).role == "moderator"
    bogus = client.post(f"/admin/users/{member.id}/role", data={"role": "emperor", "reason": "x"},
                        follow_redirects=True)
    assert "Choose a role" in bogus.get_data(as_text=True)
    own = client.post(f"/admin/users/{admin.id}/role", data={"role": "member", "reason": "x"}, follow_redirects=True)
    assert "another admin" in own.get_data(as_text=True) and db.session.get(User, admin.id).role == "admin"
    found = client.get("/admin/users?q=HELP").get_data(as_text=True)
    assert "helpful" in found


def test_role_change_service_rules(make):
    admin, moderator, member = make.user(role="admin"), make.user(role="moderator"), make.user()
    with pytest.raises(PermissionDenied):
        services.change_role(moderator, member, "agent", "x", now=utcnow())
    with pytest.raises(ValidationError):
        services.change_role(admin, member, "superuser", "x", now=utcnow())
    services.change_role(admin, member, "agent", "support team", now=utcnow())
    assert db.session.get(User, member.id).role == "agent"


def test_a_role_change_from_the_command_line_is_audited_too(runner, make):
    make.user("promoted")
    assert runner.invoke(args=["users", "set-role", "promoted", "moderator"]).exit_code == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role"))
    assert entry.actor_id is None and entry.before == {"role": "member"} and entry.after == {"role": "moderator"}
