"""Search, members, profiles, uploads, staff insights and feeds in French and Arabic."""
import io
import xml.etree.ElementTree as ET

import pytest

from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import User
from app.questions import services
from app.search import index_sync

NBSP = "\u00a0"



def page(client, path, language, **query):
    response = client.get(path, query_string=query, headers={"Accept-Language": language})
    return response, response.get_data(as_text=True)


@pytest.fixture
def community(make, clock):
    """Two battery threads (one resolved, with its answer) and one about pairing, indexed."""
    asker = make.user("asker")
    resolved = make.question(asker, title="Pulse watch battery drains overnight",
                             body="Battery goes from 80% to 10% while I sleep.", tags=["pulse", "battery"])
    fix = make.answer(resolved, body="Turn off the always-on display; it keeps the screen awake all night.")
    services.accept_answer(asker, fix, now=utcnow())
    make.question(title="Battery icon shows the wrong percentage",
                  body="The X200 case says full but the earbuds die quickly.", tags=["x200", "battery"])
    make.question(title="Cannot pair Aurora speaker with my laptop", tags=["aurora", "bluetooth"])
    index_sync.catch_up(now=utcnow())
    return asker, resolved


# Search ----------------------------------------------------------------------------------


def test_french_search_results_count_their_results_and_answers(client, community):
    response, html = page(client, "/search", "fr", q="battery")
    assert response.status_code == 200
    assert "<title>Recherche" + NBSP + ": battery · " in html
    assert "<h1>Rechercher</h1>" in html and ">Rechercher</button>" in html
    assert 'placeholder="Rechercher dans les questions et les réponses"' in html
    assert ">Pertinence</option>" in html and "> Résolues uniquement</label>" in html
    assert "<code>tag:battery</code> pour une étiquette" in html  # the markup of the help text survives
    assert "2 résultats" in html
    assert "1 réponse ·" in html and "0 réponse ·" in html and "0 vote ·" in html


def test_french_search_in_a_tag_and_did_you_mean(client, community):
    _, html = page(client, "/search", "fr", q="battery", tag="x200")
    assert '1 résultat dans <span class="tag">x200</span>' in html
    _, html = page(client, "/search", "fr", q="batery")
    assert "Vouliez-vous dire <a href=" in html and ">battery</a>\u202f?" in html


def test_french_notice_for_a_search_of_only_left_out_words(client, community):
    _, html = page(client, "/search", "fr", q="-battery")
    assert "Ajoutez un mot à rechercher" + NBSP + ": une recherche composée uniquement de mots exclus" in html
    body = client.get("/api/v1/search?q=-battery", headers={"Accept-Language": "fr"}).json
    assert body["notice"].startswith("Ajoutez un mot à rechercher")  # a plain string in the JSON


def test_french_empty_state_offers_what_to_do_next(client, community):
    _, html = page(client, "/search", "fr", q="warp drive", tag="battery")
    assert "0 résultat dans" in html
    assert f"Aucun résultat pour «{NBSP}warp drive{NBSP}». Vous pouvez{NBSP}:" in html
    assert ">chercher sans les filtres</a> (dans toutes les étiquettes, pas seulement battery)" in html
    assert ">parcourir les questions</a> ou <a" in html
    assert ">poser la question à la communauté</a>" + NBSP + ":" in html
    _, html = page(client, "/search", "fr")
    assert "Saisissez ce que vous cherchez" in html


def test_an_arabic_search_page_is_right_to_left_with_arabic_counting(client, community):
    _, html = page(client, "/search", "ar", q="battery")
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>بحث</h1>" in html and "نتيجتان" in html and "إجابة واحدة" in html
    _, html = page(client, "/search", "ar", q="warp")
    assert "لا نتائج" in html and "لا توجد نتائج مطابقة لـ«warp». يمكنك:" in html


# Members and profiles ----------------------------------------------------------------------


def test_french_members_list_with_dates_and_counts(client, make, clock):
    make.user("lucie")
    make.user("staffer", role="agent")
    _, html = page(client, "/users", "fr")
    assert "<h1>Membres</h1>" in html and "2 membres, classés par réputation" in html
    assert "membre depuis le 14 mars 2031" in html
    assert '<span class="badge badge-staff">Équipe</span>' in html and 'title="Réputation"' in html


def test_french_profile_with_dates_and_reputation_numbers(client, make, clock):
    member = make.user("lucie")
    db.session.get(User, member.id).reputation_points = 12344
    db.session.commit()
    _, html = page(client, f"/users/{member.id}/{slugify('lucie')}", "fr")
    assert "Membre depuis le <time datetime=\"2031-03-14T09:30:00Z\">14 mars 2031</time>" in html
    assert "<dt>Réputation</dt><dd>12\u202f345</dd>" in html  # French digit grouping
    assert "<dt>Réponses acceptées</dt><dd>0</dd>" in html
    assert "Aucun badge pour l’instant." in html and "Aucune question pour l’instant." in html
    assert "Tous les badges et comment les obtenir" in html and "<h2>Historique de réputation</h2>" in html


def test_arabic_profile_and_badges_page(client, make, clock):
    member = make.user("amira")
    _, html = page(client, f"/users/{member.id}/{slugify('amira')}", "ar")
    assert 'dir="rtl"' in html and "<dt>السمعة</dt>" in html and "لا توجد شارات بعد." in html
    _, html = page(client, "/badges", "fr")
    assert "<h1>Badges</h1>" in html and "0 membre" in html and "Chaque badge ne s’obtient qu’une fois." in html


# Uploads ---------------------------------------------------------------------------------


def test_french_upload_form_and_its_error(client, make, sign_in):
    sign_in(make.user("snapper"))
    _, html = page(client, "/uploads/new", "fr")
    assert "<h1>Envoyer une image</h1>" in html and "Description (texte alternatif)" in html
    assert f"PNG, JPEG, GIF ou WebP, jusqu’à 5{NBSP}Mo." in html
    response = client.post("/uploads/new", data={"image": (io.BytesIO(b"not an image"), "notes.png", "image/png")},
                           content_type="multipart/form-data", headers={"Accept-Language": "fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ce fichier n’est pas une image que nous acceptons" + NBSP + ": envoyez une image PNG" in html
    response = client.post("/uploads/new", data={"alt": "x"}, headers={"Accept-Language": "fr"})
    assert "Choisissez une image à envoyer." in response.get_data(as_text=True)


def test_french_upload_error_in_json_for_the_script(client, make, sign_in):
    sign_in(make.user("snapper"))
    response = client.post("/uploads/new", data={"image": (io.BytesIO(b""), "empty.png", "image/png")},
                           content_type="multipart/form-data",
                           headers={"Accept": "application/json", "Accept-Language": "fr"})
    assert response.status_code == 422
    assert "Ce fichier est vide" in response.json["error"]["message"]
    assert response.json["error"]["code"] == "invalid"


def test_moderators_recent_images_in_french(client, make, sign_in):
    sign_in(make.user("mod", role="moderator"))
    _, html = page(client, "/uploads/recent", "fr")
    assert "<h1>Images récentes</h1>" in html and "Aucune image n’a encore été envoyée." in html


# Staff insights and feeds ------------------------------------------------------------------


def test_staff_insights_in_french(client, make, sign_in):
    sign_in(make.user("agent", role="agent"))
    client.get("/search?q=warp+drive")
    _, html = page(client, "/staff/search", "fr")
    assert "<h1>Analyses de la recherche</h1>" in html and "Les 30 derniers jours · réservé à l’équipe" in html
    assert "<dt>Questions évitées</dt><dd>0</dd>" in html and "<dt>Réponses jugées utiles</dt>" in html
    assert "<h2>Recherches sans résultat</h2>" in html and "warp drive" in html
    assert "<th>Requête</th><th>Fois</th><th>Résultats (moy.)</th>" in html
    assert "sur 0 réponse, un par navigateur" in html
    _, html = page(client, "/staff/search", "ar")
    assert 'dir="rtl"' in html and "<h1>تحليلات البحث</h1>" in html and "آخر 30 يومًا" in html


def test_a_french_feed_has_a_french_title_and_stays_valid_xml(client, community):
    _, resolved = community
    response, body = page(client, "/feeds/questions.atom", "fr")
    assert "Accept-Language" in response.vary
    feed = ET.fromstring(body.encode())  # noqa: S314 - our own output, parsed to check it
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.find(f"{atom}title").text.startswith("Questions les plus récentes · ")
    _, body = page(client, f"/feeds/questions/{resolved.id}.atom", "fr")
    feed = ET.fromstring(body.encode())  # noqa: S314 - our own output, parsed to check it
    assert feed.find(f"{atom}title").text.startswith(f"Réponses à{NBSP}: Pulse watch battery")
    assert feed.find(f"{atom}subtitle").text == f"Nouvelles réponses à la question «{NBSP}{resolved.title}{NBSP}»"
    assert "(acceptée)" in feed.find(f"{atom}entry/{atom}title").text
