"""Admin pages, webhooks, API docs, error pages, rate limits and API errors in the reader's language."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app, errors, ratelimits, settings
from app.clock import utcnow
from app.extensions import db
from app.models import User
from app.webhooks import services as webhooks
from tests import builders

FRENCH, ARABIC = {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "ar"}



@pytest.fixture
def admin(make, sign_in):
    """A signed-in admin who chose no language: pages follow the browser's."""
    user = make.user("patronne", role="admin")
    sign_in(user)
    return user


def html(response):
    return response.get_data(as_text=True)


def test_the_settings_page_in_french_with_groups_labels_and_a_refused_value(client, clock, admin):
    page = html(client.get("/admin/settings", headers=FRENCH))
    assert '<html lang="fr" dir="ltr">' in page
    assert "<title>Paramètres" in page and "<h1>Paramètres</h1>" in page
    assert '<h2 id="group-your-brand">Votre marque</h2>' in page  # the anchor stays the same in every language
    assert ">Modération et mises en attente</h2>" in page and ">Webhooks</h2>" in page
    assert "Nom de la communauté" in page and "Autoriser les webhooks vers des adresses privées" in page
    assert "Les valeurs enregistrées ici remplacent aussitôt" in page
    assert ">Motif<" in page and ">Enregistrer<" in page and ">Oui</label>" in page
    assert 'aria-label="Groupes de paramètres"' in page and ">Journal d’audit</a>" in page

    refused = client.post("/admin/settings/WEBHOOK_TIMEOUT_SECONDS", data={"value": "90", "reason": ""},
                          headers=FRENCH)
    assert refused.status_code == 422
    page = html(refused)
    assert "La plus grande valeur permise est 30." in page
    assert "Dites en quelques mots pourquoi vous modifiez ce paramètre" in page

    client.post("/admin/settings/WEBHOOK_TIMEOUT_SECONDS", data={"value": "9", "reason": "lent"}, headers=FRENCH)
    page = html(client.get("/admin/settings", headers=FRENCH))
    assert ">modifié</span>" in page
    assert "Modifié par patronne le" in page and "14 mars 2031" in page
    assert "Revenir à la valeur sans ce changement (5)" in page


def test_the_settings_page_in_arabic_reads_right_to_left(client, admin):
    page = html(client.get("/admin/settings", headers=ARABIC))
    assert '<html lang="ar" dir="rtl">' in page
    assert "<h1>الإعدادات</h1>" in page and '<h2 id="group-your-brand">علامتك التجارية</h2>' in page
    assert "اسم المجتمع" in page and ">حفظ<" in page and ">سجل التدقيق</a>" in page


def test_the_roles_page_in_french(client, admin, make):
    make.user("moderatrice", role="moderator")
    page = html(client.get("/admin/users", headers=FRENCH))
    assert "<h1>Rôles</h1>" in page and ">Changer le rôle</button>" in page and ">Trouver</button>" in page
    assert "<th>Membre</th><th>Rôle</th>" in page and "Nouveau rôle pour moderatrice" in page
    assert '<option value="moderator" selected>modérateur</option>' in page  # the value stays the role code
    assert 'placeholder="Motif"' in page and ">vous</span>" in page
    assert "Personne ne correspond." in html(client.get("/admin/users?q=personne", headers=FRENCH))


def test_the_audit_log_in_french_keeps_action_codes(client, clock, admin):
    client.post("/admin/settings/WEBHOOK_TIMEOUT_SECONDS", data={"value": "7", "reason": "réseau lent"})
    page = html(client.get("/admin/audit", headers=FRENCH))
    assert "<h1>Journal d’audit</h1>" in page and ">Filtrer</button>" in page
    assert "<th>Quand</th><th>Qui</th><th>Action</th><th>Objet</th><th>Pourquoi</th>" in page
    assert "Paramètre modifié<br><code>setting.change</code>" in page  # the label, and the stored code as is
    assert "paramètre WEBHOOK_TIMEOUT_SECONDS" in page and "réseau lent" in page
    assert "14 mars 2031" in page and 'placeholder="p. ex. post., user.suspend"' in page
    assert '<option value="user">membre</option>' in page
    assert "Aucune entrée ne correspond." in html(client.get("/admin/audit?actor=fantome", headers=FRENCH))


def test_the_webhooks_list_and_a_webhook_page_in_french(client, admin):
    hook = webhooks.create(admin, "https://hooks.example.com/peerdesk", ["question.asked"], "CRM", now=utcnow())
    page = html(client.get("/admin/webhooks", headers=FRENCH))
    assert "<h1>Webhooks</h1>" in page and "<h2>Ajouter un webhook</h2>" in page
    assert ">Ajouter le webhook</button>" in page and "Une question est posée" in page
    assert "URL de réception" in page and "aucune pour l’instant" in page
    assert "sans nom d’utilisateur ni mot de passe" in page and "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES" in page

    refused = client.post("/admin/webhooks", data={"url": "ftp://example.com", "events": ["question.asked"]},
                          headers=FRENCH)
    assert refused.status_code == 422
    assert "Seules les URL http:// et https:// peuvent recevoir des webhooks." in html(refused)

    page = html(client.get(f"/admin/webhooks/{hook.id}", headers=FRENCH))
    assert "<h1>Webhook " in page and ">Tous les webhooks</a>" in page and "par patronne" in page
    assert "Afficher le secret de signature" in page and "<h2>Livraisons récentes</h2>" in page
    assert "Rien n’a encore été envoyé." in page and "Supprimer ce webhook\u202f? Plus rien ne lui sera envoyé." in page
    assert "<code>webhook-signature</code> signe <code>webhook-id</code>" in page

    response = client.post(f"/admin/webhooks/{hook.id}/test", headers=FRENCH, follow_redirects=True)
    page = html(response)
    assert "Un événement de test est en file d’attente" in page and ">en attente</span>" in page
    assert 'data-delivery-state="pending"' in page  # the machine state stays English


def test_the_webhooks_page_in_arabic(client, admin):
    page = html(client.get("/admin/webhooks", headers=ARABIC))
    assert '<html lang="ar" dir="rtl">' in page and "<h1>خطافات الويب</h1>" in page
    assert "لا توجد خطافات ويب بعد." in page and "يُطرح سؤال" in page


def test_the_api_docs_page_in_french(client):
    page = html(client.get("/api/docs", headers=FRENCH))
    assert "<title>Documentation de l’API" in page and "<h2>Points d’accès</h2>" in page
    assert "<h2>Schémas</h2>" in page and "demande un jeton d’accès (bearer)" in page
    assert "<th>Paramètre</th>" in page and "URL de base <code>" in page
    assert 'content="L’API JSON v1 de Peerdesk' in page


def test_error_pages_in_french(app, client, make, sign_in):
    missing = client.get("/no-such-page", headers=FRENCH)
    assert missing.status_code == 404
    assert "Nous n’avons pas trouvé cette page" in html(missing) and "Retour aux questions" in html(missing)
    sign_in(make.user("simple"))
    refused = client.get("/admin/settings", headers=FRENCH)
    assert refused.status_code == 403 and "Vous ne pouvez pas faire cela" in html(refused)
    with app.test_request_context("/", headers=FRENCH):
        page, status = errors.handle_server_error(RuntimeError("boom"))
    assert status == 500
    assert "Un problème est survenu de notre côté. Il a été consigné." in page and "boom" not in page


def test_an_error_page_in_arabic(client):
    missing = client.get("/no-such-page", headers=ARABIC)
    assert '<html lang="ar" dir="rtl">' in html(missing) and "لم نعثر على هذه الصفحة" in html(missing)


def test_an_api_error_is_in_french_with_the_same_code(client):
    english = client.get("/api/v1/questions?page=0", headers={"Accept-Language": "en"})
    french = client.get("/api/v1/questions?page=0", headers=FRENCH)
    assert english.status_code == french.status_code == 422
    assert english.json["error"]["code"] == french.json["error"]["code"] == "invalid"
    assert french.json["error"]["message"] == "page doit être un nombre entier de 1 à 100000."
    assert french.json["error"]["fields"] == {"page": "page doit être un nombre entier de 1 à 100000."}
    body = client.post("/api/v1/suggest/opened", data="x", headers=FRENCH)
    assert body.json["error"]["code"] == "bad_request"
    assert body.json["error"]["message"] == "Envoyez un objet JSON avec Content-Type: application/json."
    arabic = client.get("/api/v1/questions?tab=nope", headers=ARABIC)
    assert arabic.json["error"]["code"] == "invalid" and arabic.json["error"]["message"].startswith("يجب أن تكون tab")


@pytest.fixture
def limited_app(app):
    config = dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                  RATELIMIT_SIGN_UP="2 per hour")
    limited = create_app(config)
    limited.test_client_class = app.test_client_class
    yield limited
    with limited.app_context():
        db.engine.dispose()


def _sign_up(app, username, **headers):
    return app.test_client().post("/register", headers=headers, data={
        "username": username, "email": f"{username}@example.org", "password": builders.PASSWORD,
        "confirm": builders.PASSWORD})


def test_a_rate_limit_refusal_in_french_counts_the_minutes(limited_app, clock):
    assert [_sign_up(limited_app, name).status_code for name in ("premier", "second")] == [302, 302]
    clock.advance(timedelta(minutes=18))
    refused = _sign_up(limited_app, "troisieme", **FRENCH)
    assert refused.status_code == 429
    assert "Vous pourrez créer un autre compte dans 42 minutes." in html(refused)
    clock.advance(timedelta(minutes=41))
    refused = _sign_up(limited_app, "troisieme", **FRENCH, Accept="application/json")
    assert refused.json["error"]["message"].endswith("Vous pourrez créer un autre compte dans 1 minute.")
    arabic = _sign_up(limited_app, "troisieme", **ARABIC)
    assert "يمكنك إنشاء حساب آخر بعد دقيقة." in html(arabic) and 'dir="rtl"' in html(arabic)
    assert db.session.scalar(select(User).filter_by(username="troisieme")) is None


def test_the_count_budgets_in_words_in_french(app):
    with app.test_request_context("/", headers=FRENCH):
        assert ratelimits.counted_limits_in_words() == (
            "au plus 5 par jour par question ou réponse, et 30 par heure en tout, depuis une même adresse")
        assert settings.summary(["a"] * 30) == "30 entrées" and settings.summary(True) == "oui"
