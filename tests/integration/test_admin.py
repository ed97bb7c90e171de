"""Admin pages: the audit log (browse, filter, never edit), settings (validated, audited) and roles (audited)."""
from datetime import timedelta
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from sqlalchemy import select

from app import settings
from app.audit import AuditEntry
from app.clock import utcnow
from app.exceptions import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User
from app.moderation import services


class SettingsPage(HTMLParser):
    """The headings, the elements by id with their text, the controls and the labels of a page."""

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self, html):
        super().__init__()
        self.headings, self.by_id, self.controls, self.label_for = [], {}, [], {}
        self._open = []  # (tag, attrs, text parts) of the elements whose text is kept
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select"):
            self.controls.append((tag, attrs))
        if tag not in self.VOID:
            self._open.append((tag, attrs, []))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, attrs, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if self._open:
                self._open[-1][2].append("".join(parts))
            if open_tag in ("h1", "h2", "h3", "h4"):
                self.headings.append((int(open_tag[1]), text))
            if "id" in attrs:
                self.by_id[attrs["id"]] = (attrs, text)
            if open_tag == "label" and "for" in attrs:
                self.label_for[attrs["for"]] = text
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)

    def control(self, control_id):
        """The tag and attributes of the control with this id."""
        return next((tag, attrs) for tag, attrs in self.controls if attrs.get("id") == control_id)

    def described_by(self, control_id):
        """The texts of the elements a control's aria-describedby names."""
        _, attrs = self.control(control_id)
        return [self.by_id[ref][1] for ref in (attrs.get("aria-describedby") or "").split()]


def setting_changes():
    """The audit entries of setting changes, oldest first."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "setting.change")
                              .order_by(AuditEntry.id)).all()


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


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t "])
def test_a_setting_change_without_a_reason_is_refused_saving_and_auditing_nothing(make, clock, reason):
    admin = make.user(role="admin")
    with pytest.raises(ValidationError) as refused:
        settings.change(admin, "FLAG_HIDE_THRESHOLD", "5", reason, now=clock.now)
    assert "reason" in refused.value.errors
    settings.change(admin, "FORBIDDEN_PHRASES_REJECT", "yes", "why not", now=clock.now)
    with pytest.raises(ValidationError) as refused_reset:
        settings.change(admin, "FORBIDDEN_PHRASES_REJECT", None, reason, now=clock.now)
    assert "reason" in refused_reset.value.errors
    assert settings.get("FLAG_HIDE_THRESHOLD") == 3 and settings.get("FORBIDDEN_PHRASES_REJECT") is True
    assert db.session.get(settings.Setting, "FLAG_HIDE_THRESHOLD") is None
    assert [entry.reason for entry in setting_changes()] == ["why not"]


def test_a_bad_value_and_a_missing_reason_are_both_reported(make, clock):
    with pytest.raises(ValidationError) as refused:
        settings.change(make.user(role="admin"), "FLAG_HIDE_THRESHOLD", "lots", " ", now=clock.now)
    assert set(refused.value.errors) == {"FLAG_HIDE_THRESHOLD", "reason"}


def test_saving_the_current_value_changes_nothing_and_is_not_audited(make, clock):
    admin = make.user(role="admin")
    unchanged = settings.change(admin, "FLAG_HIDE_THRESHOLD", "3", "same as the default", now=clock.now)
    assert not unchanged.changed and unchanged.value == 3
    assert db.session.get(settings.Setting, "FLAG_HIDE_THRESHOLD") is None  # still follows the environment
    assert settings.change(admin, "FLAG_HIDE_THRESHOLD", "5", "big launch", now=clock.now).changed
    saved_at = clock.now
    clock.advance(timedelta(hours=1))
    for same in ("5", " 5 "):
        assert not settings.change(admin, "FLAG_HIDE_THRESHOLD", same, "again", now=clock.now).changed
    assert db.session.get(settings.Setting, "FLAG_HIDE_THRESHOLD").updated_at == saved_at
    assert not settings.change(admin, "FORBIDDEN_PHRASES", "", "nothing to forbid", now=clock.now).changed
    assert not settings.change(admin, "FORBIDDEN_PHRASES_REJECT", None, "default already", now=clock.now).changed
    assert not settings.change(admin, "FORBIDDEN_PHRASES_REJECT", "false", "", now=clock.now).changed
    assert [entry.reason for entry in setting_changes()] == ["big launch"]


def test_every_setting_has_a_group_and_a_human_label(app):
    for definition in settings.DEFINITIONS.values():
        assert definition.label and definition.label != definition.name and definition.group, definition.name
    groups = {definition.name: definition.group for definition in settings.DEFINITIONS.values()}
    assert groups["CARE_UNANSWERED_MINUTES"] == groups["CARE_TEAMS"] == "Care queue"
    assert groups["HOLD_FIRST_POSTS"] == groups["FLAG_HIDE_THRESHOLD"] != groups["CARE_TEAMS"]
    assert groups["SEARCH_SYNONYMS"] == "Search" and groups["DIGEST_HOUR_UTC"] == "Notifications"


def test_the_overview_groups_settings_and_says_where_each_value_comes_from(app, make, clock, monkeypatch):
    admin = make.user("boss", role="admin")
    monkeypatch.setenv("FLAG_DAILY_LIMIT", "40")
    settings.change(admin, "FLAG_HIDE_THRESHOLD", "5", "big launch", now=clock.now)
    groups = settings.overview()
    headings = [group.heading for group in groups]
    assert headings[0] == "Your brand" and len(headings) == len(set(headings))
    current = {entry.definition.name: entry for group in groups for entry in group.settings}
    assert set(current) == set(settings.DEFINITIONS)
    changed = current["FLAG_HIDE_THRESHOLD"]
    assert (changed.value, changed.source, changed.changed_by, changed.changed_at) == (5, "changed", "boss",
                                                                                      clock.now)
    assert changed.fallback == 3
    assert (current["FLAG_DAILY_LIMIT"].value, current["FLAG_DAILY_LIMIT"].source) == (40, "environment")
    assert (current["HOLD_FIRST_POSTS"].value, current["HOLD_FIRST_POSTS"].source) == (0, "default")


def test_the_settings_page_refuses_an_empty_reason_next_to_the_field(client, admin):
    response = client.post("/admin/settings/FLAG_HIDE_THRESHOLD", data={"value": "5", "reason": "  "})
    assert response.status_code == 422
    page = SettingsPage(response.get_data(as_text=True))
    assert any("Say why" in text for text in page.described_by("reason-FLAG_HIDE_THRESHOLD"))
    assert page.control("reason-FLAG_HIDE_THRESHOLD")[1].get("aria-invalid") == "true"
    assert page.control("value-FLAG_HIDE_THRESHOLD")[1].get("value") == "5"  # what the admin typed stays
    assert settings.get("FLAG_HIDE_THRESHOLD") == 3 and setting_changes() == []


def test_the_settings_page_says_no_change_when_the_value_is_the_current_one(client, admin):
    response = client.post("/admin/settings/FLAG_HIDE_THRESHOLD", data={"value": "3", "reason": "same"},
                           follow_redirects=True)
    assert response.status_code == 200 and "No change" in response.get_data(as_text=True)
    assert setting_changes() == []


def test_the_settings_page_groups_settings_with_labels_and_proper_controls(clock, client, admin):
    client.post("/admin/settings/HOLD_FIRST_POSTS", data={"value": "2", "reason": "spam wave"})
    page = SettingsPage(client.get("/admin/settings").get_data(as_text=True))
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and all(later - earlier <= 1 for earlier, later in pairwise(levels))
    group_headings = [text for level, text in page.headings if level == 2]
    assert {"Care queue", "Moderation and holds", "Search", "Notifications"} <= set(group_headings)
    setting_headings = [text for level, text in page.headings if level == 3]
    definition = settings.DEFINITIONS["CARE_UNANSWERED_MINUTES"]
    assert any(text.startswith(str(definition.label)) for text in setting_headings)  # labels are lazy strings
    assert not any(name in setting_headings for name in settings.DEFINITIONS)
    for name, definition in settings.DEFINITIONS.items():
        control_ids = [f"value-{name}-yes", f"value-{name}-no"] if definition.type is bool else [f"value-{name}"]
        for control_id in control_ids:
            assert page.label_for.get(control_id), control_id
        assert page.label_for.get(f"reason-{name}"), name
        assert str(definition.description) in " ".join(page.described_by(control_ids[0]))
    assert page.control("value-FORBIDDEN_PHRASES_REJECT-yes")[1]["type"] == "radio"
    assert "checked" in page.control("value-FORBIDDEN_PHRASES_REJECT-no")[1]
    tag, attrs = page.control("value-FLAG_HIDE_THRESHOLD")
    assert (tag, attrs["type"], attrs["min"], attrs["max"], attrs["step"]) == ("input", "number", "1", "100", "1")
    assert page.control("value-CARE_RESOLUTION_HOURS")[1]["step"] == "any"
    assert page.control("value-FORBIDDEN_PHRASES")[0] == page.control("value-CARE_ACKNOWLEDGE_MESSAGE")[0] == "textarea"
    assert "Default" in page.by_id["source-FLAG_HIDE_THRESHOLD"][1]
    changed = page.by_id["source-HOLD_FIRST_POSTS"][1]
    assert "boss" in changed and "2031" in changed


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
