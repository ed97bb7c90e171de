"""The care pages in French and Arabic: the queue, an item with its clocks, flashes, the report and its charts'
words, the agents page, the asker's follow-up, and staff notices in the recipient's language."""
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.care import services
from app.care.models import CareItem
from app.extensions import db
from app.notifications.models import Notification
from app.questions import services as threads

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
AR = {"Accept-Language": "ar"}
# Friday 16:30 in Paris (CET): half an hour of business hours left on Friday, so the first response is due Monday.
FRIDAY = datetime(2031, 3, 7, 16, 30, tzinfo=ZoneInfo("Europe/Paris")).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)



@pytest.fixture
def agent(make):
    return make.user("agent1", role="agent")


@pytest.fixture
def queued(app, make, agent, clock):
    """A question asked at FRIDAY and queued by hand at once; technical support keeps Paris office hours."""
    app.config["CARE_BUSINESS_HOURS"] = ["technical support=Mon-Fri 09:00-17:00 Europe/Paris"]
    clock.set(FRIDAY)
    question = threads.ask_question(make.user(now=FRIDAY - timedelta(days=1)), "The watch will not pair",
                                    "The phone no longer finds it since this morning.", ["pulse"], now=FRIDAY)
    services.send_to_queue(agent, question, "", now=FRIDAY)
    return question, db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def get(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def json_block(page, element_id):
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_the_queue_in_french_names_statuses_priorities_reasons_and_due_times(client, sign_in, agent, queued):
    sign_in(agent)
    page = get(client, "/staff/care", FR)
    assert '<html lang="fr" dir="ltr">' in page
    assert "<title>File d’assistance ·" in page and "<h1>File d’assistance</h1>" in page
    assert "1 élément, échéance la plus proche en premier." in page
    assert ">Nouveau</td>" in page and '<span class="badge badge-reason">Envoyé par l’équipe</span>' in page
    assert re.search(r'class="priority priority-\w+">(urgente|haute|normale|basse)</span>', page)
    assert ">question<br>" in page  # the category (French "question" too)
    # The due time in the team's zone, in French: Monday 09:30 in Paris.
    assert "échéance <time" in page and ">lun. 10 mars 09:30 CET</time> · heures ouvrées" in page
    assert "2 j 17 h restantes" in page
    assert "première réponse attendue dans 2 j 17 h, compté depuis la mise en file" in page
    assert "posée <time" in page and ">il y a 0 s</time>" in page
    assert '<option value="">Toutes</option>' in page and ">Filtrer</button>" in page
    assert ">Non attribués</option>" in page and ">Pas encore de réponse</option>" in page


def test_the_item_page_in_french_with_its_clocks_and_a_french_date(client, sign_in, agent, queued, clock):
    question, item = queued
    clock.set(FRIDAY + timedelta(minutes=45))  # 17:15 in Paris: the office closed with 15 minutes of target left
    sign_in(agent)
    page = get(client, f"/staff/care/items/{item.id}", FR)
    assert f"<h2>Élément n° {item.id}</h2>" in page and "<dt>Première réponse</dt>" in page
    assert "2 j 16 h restantes" in page and "il y a 45 min" in page
    assert "Posée le <time" in page and ">7 mars 2031, 15:30</time>" in page  # the reader's zone: UTC by default
    assert "Horaires de technical support : Mon-Fri 09:00-17:00 Europe/Paris." in page
    assert ">Prendre en charge</button>" in page and ">Enregistrer le tri</button>" in page
    assert "<h2>Aucune réponse</h2>" not in page and "<h2>0 réponse</h2>" in page
    assert '<option value="complaint">réclamation</option>' in page
    assert f"<title>Assistance : {question.title} ·" in page


def test_claim_and_assign_flash_in_french(client, sign_in, agent, queued, make):
    _, item = queued
    sign_in(agent)
    response = client.post(f"/staff/care/items/{item.id}/claim", headers=FR, follow_redirects=True)
    assert "L’élément est à vous." in response.get_data(as_text=True)
    response = client.post(f"/staff/care/items/{item.id}/assign", data={"assignee": "none"}, headers=FR,
                           follow_redirects=True)
    assert "Attribution enregistrée." in response.get_data(as_text=True)
    response = client.post(f"/staff/care/items/{item.id}/notes", data={"body": " "}, headers=FR,
                           follow_redirects=True)
    assert "Rédigez la note." in response.get_data(as_text=True)


def test_the_report_in_french_with_its_labels_and_the_charts_words(client, sign_in, agent, queued):
    sign_in(agent)
    page = get(client, "/staff/care/report?start=2031-03-01&end=2031-03-14", FR)
    assert "<h1>Mesurer l’assistance</h1>" in page and "<h2>Questions posées</h2>" in page
    assert "<h2>Respect des SLA</h2>" in page and "<h3>Par catégorie</h3>" in page
    assert "Les délais de SLA comptent à partir de l’entrée de l’élément dans la file d’assistance" in page
    assert "Les heures ouvrées (technical support: Mon-Fri 09:00-17:00 Europe/Paris)" in page
    assert ">CSV des éléments</a>" in page and "Aucun délai ne s’est arrêté ni n’a été dépassé" in page
    assert 'aria-label="Éléments ouverts par statut : les chiffres sont dans le tableau ci-dessous."' in page
    words = json_block(page, "care-chart-strings")
    assert words["open_items"] == "Éléments ouverts" and words["median"] == "Médiane"
    assert words["hours"] == "{value} h" and words["items_axis"] == "Éléments"
    assert words["compliance_tooltip"] == "{percent} (respectés : {met} sur {decided})"
    assert words["satisfaction_tooltip"] == "{percent} des {rated} personnes ayant répondu"
    data = json_block(page, "care-chart-data")
    assert data["times"]["labels"] == ["Première réponse (quiconque)", "Première réponse de l’équipe",
                                       "Résolution des éléments d’assistance"]
    assert data["open_by_status"]["labels"][0] == "Nouveau"
    assert data["open_by_assignee"]["labels"] == ["non attribué"]


def test_the_agents_page_in_french_and_its_flash(client, sign_in, agent):
    sign_in(agent)
    page = get(client, "/staff/care/agents", FR)
    assert "<h1>Agents</h1>" in page and "<h2>Définir la disponibilité</h2>" in page
    assert "<td>Disponible</td>" in page and '<option value="1">Absent</option>' in page
    assert "Personne (les éléments retournent dans la file)" in page and ">Enregistrer les équipes</button>" in page
    response = client.post("/staff/care/agents", data={"away": "1", "backup": "none"}, headers=FR,
                           follow_redirects=True)
    assert "Disponibilité enregistrée." in response.get_data(as_text=True)


def test_the_ratings_feedback_page_in_french_explains_a_bad_score(client, sign_in, agent, queued):
    question, item = queued
    services.set_status(agent, item, "resolved", now=FRIDAY + timedelta(minutes=10))
    sign_in(question.author)
    thread = client.get(f"/questions/{question.id}", headers=FR, follow_redirects=True).get_data(as_text=True)
    assert "Cela a-t-il résolu votre problème ?" in thread and ">Oui, c’est résolu</button>" in thread
    assert "Très insatisfait" in thread and "(facultatif, seule l’équipe le lit)" in thread
    response = client.post(f"/questions/{question.id}/care-feedback", headers=FR,
                           data={"solved": "yes", "score": "9", "episode": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Cela a-t-il résolu votre problème ? ·" in page and "‹ Retour à la question" in page
    assert "Votre réponse n’est pas encore enregistrée : vérifiez le champ signalé." in page
    assert "Choisissez une note de 1 à 5, ou n’en mettez pas." in page
    response = client.post(f"/questions/{question.id}/care-feedback", headers=FR,
                           data={"solved": "yes", "score": "5", "episode": "1"}, follow_redirects=True)
    assert "Merci ! Ravis que ce soit résolu." in response.get_data(as_text=True)


def test_the_queue_in_arabic_is_right_to_left_with_arabic_counting(client, sign_in, agent, queued):
    sign_in(agent)
    page = get(client, "/staff/care", AR)
    assert '<html lang="ar" dir="rtl">' in page
    assert "<h1>قائمة الدعم</h1>" in page and "عنصر واحد، الأقرب إلى تجاوز المهلة أولًا." in page
    assert ">جديد</td>" in page and "متبقٍّ 2 ي 17 س" in page and ">منخفضة</span>" in page
    assert ">تصفية</button>" in page


def test_the_report_in_arabic_is_right_to_left(client, sign_in, agent, queued):
    sign_in(agent)
    page = get(client, "/staff/care/report", AR)
    assert '<html lang="ar" dir="rtl">' in page and "<h1>قياس الدعم</h1>" in page
    assert json_block(page, "care-chart-strings")["open_items"] == "العناصر المفتوحة"


def test_a_staff_notice_is_written_in_the_recipients_language(make, agent, queued):
    _, item = queued
    french = make.user("agentfr", role="agent")
    french.locale = "fr"
    db.session.commit()
    services.assign(agent, item, french, now=FRIDAY + timedelta(minutes=5))
    notice = db.session.scalar(select(Notification).where(Notification.user_id == french.id))
    assert notice.excerpt == "L’élément d’assistance « The watch will not pair » est à vous (technical support)."

