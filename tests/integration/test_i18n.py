"""Pages in the reader's language and time zone: the member's choice, else Accept-Language, else the community's."""
from datetime import datetime

import pytest

from app import settings
from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import User
from app.search import index_sync


def page(client, path, language=None):
    response = client.get(path, headers={"Accept-Language": language} if language else {})
    return response, response.get_data(as_text=True)


def question_url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


def test_a_french_browser_gets_french_navigation_and_lang_fr(client):
    response, html = page(client, "/", "fr-FR,fr;q=0.9,en;q=0.5")
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in html
    assert ">Questions</a>" in html and ">Étiquettes</a>" in html and ">Se connecter</a>" in html
    assert ">Aller au contenu</a>" in html and 'placeholder="Rechercher des questions…"' in html
    assert "Accept-Language" in response.vary


def test_an_arabic_browser_gets_a_right_to_left_page(client):
    _, html = page(client, "/", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert ">تسجيل الدخول</a>" in html and ">الأسئلة</a>" in html


def test_no_header_or_an_unshipped_language_gets_the_communitys_default(client, make):
    _, html = page(client, "/", "de-DE,de;q=0.9")
    assert '<html lang="en" dir="ltr">' in html and ">Sign in</a>" in html
    # An admin's change reaches visitors at once, cached pages included (it moves the community's version).
    settings.change(make.user("boss", role="admin"), "DEFAULT_LOCALE", "fr", "A French community", now=utcnow())
    _, html = page(client, "/", "de-DE,de;q=0.9")
    assert '<html lang="fr"' in html and ">Se connecter</a>" in html


def test_a_members_language_beats_accept_language(client, make, sign_in):
    member = make.user("amira")
    db.session.get(User, member.id).locale = "ar"
    db.session.commit()
    sign_in(member)
    _, html = page(client, "/", "fr")
    assert '<html lang="ar" dir="rtl">' in html and ">الإعدادات</a>" in html and ">تسجيل الخروج</button>" in html


def test_choosing_a_language_and_time_zone_on_the_account_page(client, make, sign_in):
    member = make.user("lucie")
    sign_in(member)
    _, html = page(client, "/account/language")
    assert '<option lang="fr" value="fr">Français</option>' in html and "Europe/Paris" in html
    response = client.post("/account/language", data={"locale": "fr", "time_zone": "Europe/Paris"},
                           headers={"Accept-Language": "en"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Votre langue et votre fuseau horaire sont enregistrés." in html  # already in the new language
    assert '<option selected value="fr">' in html or 'selected value="fr"' in html or 'value="fr" selected' in html
    saved = db.session.get(User, member.id)
    assert (saved.locale, saved.time_zone) == ("fr", "Europe/Paris")
    _, overview = page(client, "/account")
    assert "Paramètres du compte" in overview and "Europe/Paris" in overview and "Français" in overview
    # Blank choices go back to following the browser and the community.
    client.post("/account/language", data={"locale": "", "time_zone": ""})
    saved = db.session.get(User, member.id)
    db.session.refresh(saved)
    assert (saved.locale, saved.time_zone) == (None, None)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"locale": "xx", "time_zone": ""}, "locale", "Choose one of the languages in the list: English, Français,"),
    ({"locale": "", "time_zone": "Mars/Olympus_Mons"}, "time_zone",
     "“Mars/Olympus_Mons” is not a time zone we know. Choose one from the list"),
    ({"locale": "", "time_zone": "../../etc/passwd"}, "time_zone", "is not a time zone we know"),
])
def test_unknown_languages_and_zones_are_refused_with_a_clear_message(client, make, sign_in, data, field, message):
    member = make.user()
    sign_in(member)
    response = client.post("/account/language", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    saved = db.session.get(User, member.id)
    assert (saved.locale, saved.time_zone) == (None, None)


def test_dates_are_shown_in_the_members_time_zone(client, make, sign_in):
    # Joined at 23:30 UTC on 14 March: already the 15th in Tokyo.
    joined = make.user("kenji", now=datetime(2031, 3, 14, 23, 30))
    profile = f"/users/{joined.id}/{slugify(joined.username)}"
    reader = make.user("reader")
    sign_in(reader)
    _, html = page(client, profile)
    assert "Mar 14, 2031" in html
    user = db.session.get(User, reader.id)
    user.time_zone, user.locale = "Asia/Tokyo", "fr"
    db.session.commit()
    _, html = page(client, profile)
    assert "15 mars 2031" in html and "Mar 14, 2031" not in html


def test_visitors_get_the_communitys_time_zone(app, client, make):
    joined = make.user("kenji", now=datetime(2031, 3, 14, 23, 30))
    profile = f"/users/{joined.id}/{slugify(joined.username)}"
    app.config["DEFAULT_TIME_ZONE"] = "Asia/Tokyo"
    _, html = page(client, profile)
    assert "Mar 15, 2031" in html


def test_the_page_cache_never_serves_a_page_in_another_language(client, make):
    question = make.question()
    url = question_url(question)
    for _round in range(2):  # the second round is served from the cache
        for language, sign_in_text, lang in (("fr", "Se connecter", "fr"), ("en", "Sign in", "en"),
                                              ("ar", "تسجيل الدخول", "ar"), (None, "Sign in", "en")):
            response, html = page(client, url, language)
            assert response.status_code == 200
            assert f'<html lang="{lang}"' in html and f">{sign_in_text}</a>" in html, (language, _round)
            assert "Accept-Language" in response.vary


def test_a_validator_from_one_language_does_not_match_another(client, make):
    question = make.question()
    url = question_url(question)
    french, _ = page(client, url, "fr")
    assert french.headers.get("ETag")
    english = client.get(url, headers={"Accept-Language": "en", "If-None-Match": french.headers["ETag"]})
    assert english.status_code == 200 and ">Sign in</a>" in english.get_data(as_text=True)


def test_error_pages_and_api_errors_are_in_the_readers_language(client):
    response, html = page(client, "/no/such/page", "fr")
    assert response.status_code == 404
    assert "Nous n’avons pas trouvé cette page" in html and "Retour aux questions" in html
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "not_found", "message": "لا يوجد شيء على هذا العنوان. ربما يكون الرابط قديمًا، أو أُزيل ما كان يعرضه."}
    english = client.get("/api/v1/no-such-thing").get_json()["error"]
    assert english["code"] == "not_found" and english["message"].startswith("There is nothing at this address.")


def test_sign_in_and_register_errors_and_flashes_are_translated(client, make):
    response = client.post("/sign-in", data={"login": "", "password": ""}, headers={"Accept-Language": "fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Saisissez votre nom d’utilisateur ou votre adresse e-mail." in html
    make.user("taken")
    response = client.post("/register", headers={"Accept-Language": "fr"}, data={
        "username": "taken", "email": "new@example.com", "password": "short", "confirm": "other"})
    html = response.get_data(as_text=True)
    assert "Les deux mots de passe ne correspondent pas." in html
    response = client.post("/register", headers={"Accept-Language": "ar"}, data={
        "username": "taken", "email": "new@example.com", "password": "short", "confirm": "short"})
    assert "استخدم 10 أحرف على الأقل." in response.get_data(as_text=True)
    response = client.post("/register", headers={"Accept-Language": "fr"}, follow_redirects=True, data={
        "username": "nouvelle", "email": "nouvelle@example.com", "password": "a long passphrase here",
        "confirm": "a long passphrase here"})
    assert "Bienvenue dans la communauté, nouvelle\u202f!" in response.get_data(as_text=True)
    response = client.post("/sign-out", headers={"Accept-Language": "fr"}, follow_redirects=True)
    assert "Déconnexion effectuée." in response.get_data(as_text=True)


def test_members_words_keep_their_own_direction_in_a_right_to_left_page(client, make):
    """An English title or post in an Arabic page is laid out left to right (its punctuation stays at its end)."""
    question = make.question(title="Why won't my X200 charge?")
    make.answer(question, body="Try another cable, a shorter one.")
    make.comment(question)
    _, html = page(client, question_url(question), "ar")
    assert '<h1 dir="auto">Why won&#39;t my X200 charge?</h1>' in html
    assert html.count('class="post-body prose" dir="auto"') == 2 and 'class="comment-body" dir="auto"' in html
    _, listing = page(client, "/", "ar")
    assert 'dir="auto">Why won&#39;t my X200 charge?</a>' in listing
    index_sync.catch_up(now=utcnow())
    _, results = page(client, "/search?q=charge", "ar")
    assert 'dir="auto">Why won&#39;t my X200 charge?</a>' in results and 'class="snippet" dir="auto"' in results
