"""The community's own brand: settings (admin page, environment) that every page, feed and email reads."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import brand, mail, settings
from app.auth import services as accounts
from app.clock import utcnow
from app.exceptions import ValidationError
from app.extensions import db
from app.notifications import services as notification_services
from app.outbox import OutboxMessage
from app.security import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[2]
ACME = {"BRAND_NAME": "Acme Community", "BRAND_STAFF_LABEL": "Acme staff",
        "BRAND_DESCRIPTION": "Help with Acme rockets from people who fly them.",
        "BRAND_FOOTER_TEXT": "Run by Acme Rockets Ltd.", "BRAND_SUPPORT_CONTACT": "help@acme.example"}


@pytest.fixture
def admin(make):
    return make.user("boss", role="admin")


def _brand_as(admin, values, now):
    for name, value in values.items():
        settings.change(admin, name, value, "Our own community", now=now)


def test_no_template_or_module_names_the_demo_brand():
    # The demo's brand is data (app/demo/*.toml); the product names none, anywhere it ships.
    places = [ROOT / "templates", ROOT / "static", ROOT / "app"]
    found = []
    for folder in places:
        for path in folder.rglob("*"):
            if not path.is_file() or (ROOT / "app" / "demo") in path.parents or path.suffix in (".npz", ".pyc"):
                continue
            text = path.read_text(encoding="utf-8", errors="ignore")
            found += [f"{path.relative_to(ROOT)}:{number}" for number, line in enumerate(text.splitlines(), 1)
                      if "lumen" in line.lower()]
    assert found == []


def test_the_product_default_is_a_neutral_name_with_the_built_in_colours(client):
    page = client.get("/").get_data(as_text=True)
    assert "<title>Active questions · Peerdesk Community</title>" in page
    assert '<meta property="og:site_name" content="Peerdesk Community">' in page
    assert re.search(r'class="brand"[^>]*>.*Peerdesk Community</a>', page)
    assert "Peerdesk Community · powered by Peerdesk · Answers come from customers like you and from our staff." in page
    assert "/brand.css" not in page and "Contact support" not in page


def test_an_admins_brand_shows_on_every_page_feed_and_label(client, make, admin, clock):
    _brand_as(admin, ACME, clock.now)
    agent = make.user("agent", role="agent")
    pages = {path: client.get(path).get_data(as_text=True) for path in ("/", "/register", "/tags", "/search?q=x")}
    for page in pages.values():
        assert "· Acme Community</title>" in page and '<meta property="og:site_name" content="Acme Community">' in page
        assert 'content="Help with Acme rockets from people who fly them."' in page or "/search" in page
        assert ("Acme Community · powered by Peerdesk · Run by Acme Rockets Ltd. · "
                '<a href="mailto:help@acme.example">Contact support</a>') in page
        assert "Peerdesk Community" not in page
    assert "<h1>Join Acme Community</h1>" in pages["/register"]
    profile = client.get(f"/users/{agent.id}", follow_redirects=True).get_data(as_text=True)
    assert '<span class="badge badge-staff">Acme staff</span>' in profile
    feed = client.get("/feeds/questions.atom")
    assert "<title>Newest questions · Acme Community</title>" in feed.get_data(as_text=True)
    assert "<author><name>Acme Community</name></author>" in feed.get_data(as_text=True)


def test_the_environment_gives_the_defaults_and_the_settings_page_shows_the_brand_group(client, admin, sign_in,
                                                                                       monkeypatch):
    monkeypatch.setenv("BRAND_NAME", "Env Community")
    monkeypatch.setenv("BRAND_PRIMARY_COLOR", "#ffff00")  # unreadable: ignored, with a warning in the log
    page = client.get("/").get_data(as_text=True)
    assert "· Env Community</title>" in page and "/brand.css" not in page
    sign_in(admin)
    listing = client.get("/admin/settings").get_data(as_text=True)
    assert '<h2 id="group-your-brand">Your brand</h2>' in listing
    for label in ("Community name", "Name of the staff", "Logo address", "Main colour", "Accent colour",
                  "Support contact", "Footer text"):
        assert f"<h3>{label}" in listing
    assert "From the environment variable <code>BRAND_NAME</code>" in listing


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BRAND_PRIMARY_COLOR", "#8899ff", "#8899ff has a contrast of 2.61:1 against white"),  # too light to read
    ("BRAND_PRIMARY_COLOR", "#ffffff", "has a contrast of 1.00:1 against white"),
    ("BRAND_ACCENT_COLOR", "#3b5bd", "Give a colour as # and six hexadecimal digits"),
    ("BRAND_ACCENT_COLOR", "blue", "Give a colour as # and six hexadecimal digits"),
    ("BRAND_LOGO_URL", "http://cdn.example/logo.png", "Give the logo's https:// address"),
    ("BRAND_LOGO_URL", "javascript:alert(1)", "Give the logo's https:// address"),
    ("BRAND_LOGO_URL", "//evil.example/logo.png", "Give the logo's https:// address"),
    ("BRAND_SUPPORT_CONTACT", "call us", "Give an email address"),
    ("BRAND_SUPPORT_CONTACT", "javascript:alert(1)", "Give an email address"),
    ("BRAND_NAME", "", "Give the community a name"),
    ("BRAND_FOOTER_TEXT", "x" * 301, "Keep it under 300 characters"),
])
def test_unusable_brand_values_are_refused_with_a_clear_message(admin, clock, name, value, message):
    with pytest.raises(ValidationError) as refused:
        settings.change(admin, name, value, "Rebrand", now=clock.now)
    assert message in refused.value.errors[name]


def test_the_settings_page_says_why_a_colour_is_refused(client, admin, sign_in):
    sign_in(admin)
    response = client.post("/admin/settings/BRAND_PRIMARY_COLOR", data={"value": "#999999", "reason": "Rebrand"})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert "#999999 has a contrast of 2.85:1 against white" in page and "WCAG AA" in page


def test_contrast_follows_wcag():
    assert round(brand.contrast("#000000", "#ffffff"), 2) == 21
    assert round(brand.contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes on white
    assert brand.contrast("#3b5bdb", "#ffffff") == brand.contrast("#ffffff", "#3b5bdb")


def test_brand_colours_come_from_a_cacheable_stylesheet_the_security_policy_allows(client, admin, clock):
    _brand_as(admin, {"BRAND_PRIMARY_COLOR": "#8A2BE2", "BRAND_ACCENT_COLOR": "#5b1a99"}, clock.now)
    page = client.get("/").get_data(as_text=True)
    [href] = re.findall(r'<link rel="stylesheet" href="(/brand\.css\?v=[0-9a-f]+)">', page)
    assert "<style" not in page and "style-src 'self'" in CONTENT_SECURITY_POLICY
    sheet = client.get(href)
    assert sheet.status_code == 200 and sheet.mimetype == "text/css"
    assert "immutable" in sheet.headers["Cache-Control"]
    css = sheet.get_data(as_text=True)
    assert "--brand: #8a2be2;" in css and "--brand-dark: #5b1a99;" in css
    assert "prefers-color-scheme: dark" in css  # the dark theme keeps its own colours
    # New colours, new address: browsers that kept the old stylesheet a year still get the new one.
    settings.change(admin, "BRAND_PRIMARY_COLOR", "#1c4f2a", "Green now", now=clock.now)
    assert href not in client.get("/").get_data(as_text=True)
    assert "max-age=0" in client.get(href).headers["Cache-Control"]  # an old version is not kept forever


def test_a_logo_replaces_the_mark_with_the_name_as_its_text(client, admin, clock):
    _brand_as(admin, {"BRAND_NAME": "Acme Community", "BRAND_LOGO_URL": "/static/acme.svg"}, clock.now)
    page = client.get("/").get_data(as_text=True)
    assert '<img class="brand-logo" src="/static/acme.svg" alt="Acme Community" height="32">' in page
    assert "brand-mark" not in page
    settings.change(admin, "BRAND_LOGO_URL", "https://cdn.acme.example/logo.png", "CDN", now=clock.now)
    assert 'src="https://cdn.acme.example/logo.png"' in client.get("/").get_data(as_text=True)


def test_a_web_address_as_support_contact_is_a_link(client, admin, clock):
    settings.change(admin, "BRAND_SUPPORT_CONTACT", "https://acme.example/support", "Help desk", now=clock.now)
    assert '<a href="https://acme.example/support">Contact support</a>' in client.get("/").get_data(as_text=True)


def test_emails_carry_the_brand_in_their_words_footer_and_from_name(app, admin, clock):
    _brand_as(admin, ACME, clock.now)
    accounts.register("newcomer", "newcomer@example.com", "a long enough password", now=utcnow())
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account:verify-email")).one()
    text = message.payload["text"]
    assert "Welcome to Acme Community!" in text
    assert "Acme Community · " in text and "Support: help@acme.example" in text
    assert mail.build_message(message.payload)["From"] == "Acme Community <no-reply@localhost>"
    # A bare MAIL_FROM is named after the community; one that names a sender is sent as it is.
    app.config["MAIL_FROM"] = "community@acme.example"
    assert mail.build_message(message.payload)["From"] == "Acme Community <community@acme.example>"
    app.config["MAIL_FROM"] = "Acme Rockets <rockets@acme.example>"
    assert mail.build_message(message.payload)["From"] == "Acme Rockets <rockets@acme.example>"


def test_notifications_and_flags_name_the_brands_staff(client, make, admin, clock, sign_in):
    _brand_as(admin, ACME, clock.now)
    follower, agent = make.user("follower"), make.user("agent", role="agent")
    question = make.question(make.user("asker"), title="Which fuel for the Roadrunner model?")
    notification_services.notify(follower, "staff_reply", actor=agent, question=question, now=utcnow())
    db.session.commit()
    sign_in(follower)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "replied as Acme staff on a question you follow" in listing
    answer = make.answer(question, make.user("helper"), body="I only use the blue ones as well.")
    client.post("/sign-out")
    sign_in(make.user("veteran", now=clock.now - timedelta(days=30)))  # members flag after their first week
    response = client.post(f"/flags/answer/{answer.id}", data={"reason": "staff", "text": "Please confirm"},
                           follow_redirects=True)
    assert "Thanks: Acme staff will take a look." in response.get_data(as_text=True)


def test_the_demo_runs_under_its_own_brand_through_the_settings(demo_community):
    from app.audit import AuditEntry

    assert settings.default_of(settings.DEFINITIONS[brand.NAME]) == "Peerdesk Community"
    assert brand.current().name == "Lumen Community" and brand.current().staff_label == "Lumen staff"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == brand.NAME)).one()
    assert entry.actor_id is None
