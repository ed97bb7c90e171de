"""The question list, thread, ask and edit pages in French and Arabic: headings, plurals, dates, errors, flashes."""
from datetime import timedelta

import pytest

from app import badges, reputation
from app.clock import utcnow
from app.extensions import db
from app.formatting import slugify
from app.models import User
from app.questions import services


def page(client, path, language):
    response = client.get(path, headers={"Accept-Language": language})
    return response, response.get_data(as_text=True)


def question_url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


@pytest.fixture
def thread(make, clock):
    """A question asked three days ago with two answers (the older one accepted) and a comment on each post."""
    start = utcnow() - timedelta(days=3)
    asker = make.user("asker", now=start)
    helper = make.user("helper", now=start)
    question = make.question(asker, title="My X200 earbuds stopped pairing", tags=("earbuds",), now=start)
    first = make.answer(question, helper, now=start + timedelta(days=1))
    make.answer(question, now=start + timedelta(days=1, hours=2))
    make.comment(question, helper, "Which firmware do you have?", now=start + timedelta(hours=5))
    make.comment(question, asker, "That worked, thanks!", answer=first, now=start + timedelta(days=2))
    services.accept_answer(asker, first, now=start + timedelta(days=2))
    return asker, question, first


def test_the_question_list_in_french_has_its_tabs_and_counts(client, make, clock):
    for number in range(3):
        make.question(title=f"Pairing problem with my X200 earbuds, case {number}", tags=("earbuds",))
    response, html = page(client, "/", "fr")
    assert response.status_code == 200
    assert "<title>Questions actives ·" in html
    assert "<p class=\"muted\">3 questions</p>" in html
    assert 'aria-label="Trier et filtrer"' in html
    assert ">Actives</a>" in html and ">Sans réponse</a>" in html and ">Les mieux notées</a>" in html
    assert "<h2>Étiquettes populaires</h2>" in html and "Toutes les étiquettes ›" in html

    _, html = page(client, "/?tab=resolved", "fr")
    assert "<title>Questions résolues ·" in html
    assert '<p class="muted">0 question</p>' in html  # French counts zero in the singular
    assert "Aucune question résolue pour le moment." in html and "Poser votre propre question" in html

    _, html = page(client, "/tags/earbuds?tab=resolved", "fr")
    assert "Questions avec l’étiquette" in html and '<span class="tag tag-large">earbuds</span>' in html
    assert "Aucune question résolue avec l’étiquette <strong>earbuds</strong> pour l’instant." in html
    assert ("Rechercher « earbuds »</a> dans toutes les questions, ou "
            '<a href="/tags">parcourir les étiquettes</a>') in html


def test_the_question_list_counts_in_arabic(client, make, clock):
    make.question(title="Pairing problem with my X200 earbuds, one", tags=("earbuds",))
    _, html = page(client, "/", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert '<p class="muted">سؤال واحد</p>' in html and ">النشطة</a>" in html
    make.question(title="Pairing problem with my X200 earbuds, two", tags=("earbuds",))
    _, html = page(client, "/", "ar")
    assert '<p class="muted">سؤالان</p>' in html
    make.question(title="Pairing problem with my X200 earbuds, three", tags=("earbuds",))
    _, html = page(client, "/tags", "ar")
    assert "<h1>الوسوم</h1>" in html and "وسم واحد مستخدم" in html and "3 أسئلة" in html


def test_a_thread_in_french_for_a_visitor(client, thread):
    _, question, first = thread
    response, html = page(client, question_url(question), "fr")
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in html
    assert '<h2 id="answers-heading">2 réponses</h2>' in html
    assert "Aller à la réponse acceptée" in html
    assert f'<h3 class="visually-hidden" id="answer-{first.id}-heading">Réponse acceptée de helper</h3>' in html
    assert '<span aria-hidden="true">✓</span> Réponse acceptée</p>' in html
    assert "✓ Résolue" in html
    assert "Posée <time" in html and ">il y a 3 jours</time>" in html  # the question's age
    assert "Dernière activité <time" in html and ">il y a 1 jour</time>" in html
    assert "Vue 0 fois" in html
    assert ">il y a 2 jours</time>" in html  # the comment on the accepted answer
    assert "Cette réponse vous a-t-elle aidé ?" in html and ">Oui</button>" in html and ">Non</button>" in html
    assert "<h2>Votre réponse</h2>" in html
    assert '">Se connecter</a> ou <a href="/register">rejoindre la communauté</a> pour répondre.' in html
    assert 'title="Nouvelles réponses à cette question"' in html
    assert "Historique</a>" in html and ">Lien</a>" in html


def test_a_thread_in_french_for_its_asker(client, thread, sign_in):
    asker, question, _ = thread
    sign_in(asker)
    _, html = page(client, question_url(question), "fr")
    assert ">Retirer l’acceptation</button>" in html and ">✓ Accepter cette réponse</button>" in html
    assert "<summary>Ajouter un commentaire</summary>" in html and ">Ajouter le commentaire</button>" in html
    assert ">Modifier</a>" in html
    assert "Le Markdown fonctionne : **gras**" in html and ">Publier votre réponse</button>" in html


def test_a_thread_in_arabic_is_right_to_left(client, thread):
    _, question, first = thread
    _, html = page(client, question_url(question), "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert '<h2 id="answers-heading">إجابتان</h2>' in html
    assert f'id="answer-{first.id}-heading">إجابة مقبولة من helper</h3>' in html
    assert "انتقل إلى الإجابة المقبولة" in html
    assert "طُرح <time" in html and ">قبل 3 أيام</time>" in html
    assert ">قبل يومين</time>" in html
    assert "هل ساعدتك هذه الإجابة؟" in html and ">نعم</button>" in html
    assert "<h2>إجابتك</h2>" in html and "للإجابة." in html


def test_the_ask_form_in_french_with_an_error_then_a_flash(client, make, sign_in):
    sign_in(make.user("lucie"))
    response, html = page(client, "/questions/ask", "fr")
    assert response.status_code == 200
    assert "<title>Poser une question ·" in html and "<h1>Poser une question</h1>" in html
    assert ">Titre</label>" in html and ">Détails</label>" in html and ">Étiquettes</label>" in html
    assert "Une question précise, de 15 à 150 caractères" in html and ">Aperçu</h3>" in html
    assert ">Publier votre question</button>" in html

    headers = {"Accept-Language": "fr"}
    body = "The left earbud stopped pairing after the firmware update."
    response = client.post("/questions/ask", data={"title": "Help!", "body": body, "tags": "earbuds"}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Le titre doit compter au moins 15 caractères (il en compte 5)." in html
    assert "<h1>Poser une question</h1>" in html

    response = client.post("/questions/ask", data={"title": "My earbuds stopped pairing", "body": body,
                                                   "tags": "earbuds"}, headers=headers, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Votre question est publiée. Les réponses s’afficheront ici." in html
    assert '<h2 id="answers-heading">0 réponse</h2>' in html and "Aucune réponse pour l’instant." in html


def test_the_edit_forms_in_french_with_an_error_then_a_flash(client, thread, sign_in):
    asker, question, first = thread
    sign_in(asker)
    headers = {"Accept-Language": "fr"}
    _, html = page(client, f"/questions/{question.id}/edit", "fr")
    assert "<title>Modifier : My X200 earbuds stopped pairing ·" in html and "<h1>Modifier la question</h1>" in html
    assert ">Résumé de la modification</label>" in html and "Facultatif : ce que vous avez modifié et pourquoi." in html
    assert ">Enregistrer les modifications</button>" in html and ">Annuler</a>" in html

    response = client.post(f"/questions/{question.id}/edit", headers=headers,
                           data={"title": question.title, "body": "Too short.", "tags": "earbuds"})
    assert response.status_code == 422
    assert "Le corps doit compter au moins 20 caractères (il en compte 10)." in response.get_data(as_text=True)

    response = client.post(f"/questions/{question.id}/edit", headers=headers, follow_redirects=True,
                           data={"title": question.title, "tags": "earbuds", "reason": "More detail",
                                 "body": "The left earbud stopped pairing after the firmware update, twice."})
    html = response.get_data(as_text=True)
    assert "Votre modification est enregistrée." in html
    assert "modifiée <time" in html  # the edited link under the question

    _, html = page(client, f"/questions/{question.id}/revisions", "fr")
    assert "<h1>Historique des révisions</h1>" in html
    assert "Révision 1 (originale)" in html and "<h2>Révision 2</h2>" in html and "« More detail »" in html

    client.post("/sign-out")
    sign_in(first.author)
    response, html = page(client, f"/answers/{first.id}/edit", "fr")
    assert response.status_code == 200, html
    assert "<h1>Modifier la réponse</h1>" in html and "À : <a href=" in html and ">Votre réponse</label>" in html


def test_a_late_comment_edit_is_refused_in_french_with_the_minutes_counted(client, make, clock, sign_in):
    author = make.user("camille")
    question = make.question(author)
    comment = make.comment(question, author, "Did you try another cable first?")
    sign_in(author)
    clock.advance(timedelta(minutes=6))
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "Did you try another USB cable?"},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 403
    assert ("Un commentaire ne peut être modifié que pendant 5 minutes après sa publication. "
            "Supprimez-le et commentez de nouveau s’il doit changer.") in response.get_data(as_text=True)


def test_a_members_french_choice_shows_a_french_flash_after_answering(client, make, sign_in):
    question = make.question()
    member = make.user("amelie")
    db.session.get(User, member.id).locale = "fr"
    db.session.commit()
    sign_in(member)
    response = client.post(f"/questions/{question.id}/answers", follow_redirects=True,
                           data={"body": "Hold both buttons for fifteen seconds until the light blinks."})
    html = response.get_data(as_text=True)
    assert "Merci pour votre réponse !" in html and '<h2 id="answers-heading">1 réponse</h2>' in html


def test_badge_names_and_reputation_reasons_follow_the_reader(client, thread):
    _, html = page(client, "/badges", "fr")
    assert ">Serviable</span> A publié une première réponse." in html and ">Bonne réponse</span>" in html
    _, html = page(client, "/badges", "ar")
    assert '<html lang="ar" dir="rtl">' in html and ">حلّال المشكلات</span>" in html
    _, html = page(client, "/badges", "en")
    assert ">Helpful</span> Posted a first answer." in html
    event = reputation.ReputationEvent(reason="answer_accepted", amount=15)
    assert event.reason_text == "Your answer was accepted" and isinstance(event.reason_text, str)
    assert isinstance(badges.BADGES["helpful"].name, str)  # plain text, safe in JSON
