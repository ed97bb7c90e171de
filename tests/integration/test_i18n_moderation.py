"""Moderation in the reader's language: the queue, a post's review page, flagging, my flags, members, suspensions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.formatting import date_time, slugify
from app.models import User
from app.moderation import services
from app.moderation.models import ReviewItem

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

NBSP = "\u00a0"  # French puts a no-break space before “:” and “?”



def page(client, path, language):
    response = client.get(path, headers={"Accept-Language": language}, follow_redirects=True)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def thread_url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


@pytest.fixture
def flagged(make, app):
    """A spam answer that three trusted members flagged (hidden now), and a moderator to review it."""
    app.config["FLAG_HIDE_THRESHOLD"] = 3
    question = make.question(make.user("asker"), title="Halo speaker drops Wi-Fi every evening",
                             body="Around 8pm the speaker loses the network. Router is fine.", tags=["halo"])
    spam = make.answer(question, make.user("spammer"), body="Buy followers cheap at example dot com today!")
    flaggers = [make.flagger(f"flagger{n}") for n in range(3)]
    for flagger in flaggers[:2]:
        services.flag_post(flagger, spam, "spam", now=utcnow())
    services.flag_post(flaggers[2], spam, "rude", "Insults in the last line", now=utcnow())
    return question, spam, flaggers, make.user("mod", role="moderator")


def test_the_moderation_queue_in_french(client, sign_in, flagged):
    question, spam, _, moderator = flagged
    sign_in(moderator)
    html = page(client, "/moderation", "fr")
    assert '<html lang="fr" dir="ltr">' in html
    assert "<title>File de modération" in html and "<h1>File de modération</h1>" in html
    assert "En attente (1)" in html and ">Signalés</a>" in html and ">Retenus pour approbation</a>" in html
    assert f"Trier{NBSP}:" in html and "<strong>Attente la plus longue</strong>" in html
    assert "<strong>Réponse</strong>" in html and "3 signalements" in html
    assert '<span class="badge">Masqué</span>' in html
    assert f"<strong>Grossier ou injurieux</strong>{NBSP}: «{NBSP}Insults in the last line{NBSP}»" in html
    assert f"approuvés{NBSP}: 0 · rejetés{NBSP}: 0" in html
    assert "en attente depuis" in html and ">historique</a>" in html
    assert f">D’accord{NBSP}: masquer</button>" in html and f">Pas d’accord{NBSP}: rétablir</button>" in html
    assert "Note pour les personnes concernées" in html

    response = client.post(f"/moderation/items/{_item_id(spam)}/decide",
                           data={"action": "agree-hide", "note": "Publicité", "next": "/moderation"},
                           headers={"Accept-Language": "fr"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Approuvé{NBSP}: le message reste masqué et les auteurs des signalements sont remerciés." in html
    assert "Rien en attente. La communauté se porte bien." in html
    decided = page(client, "/moderation?status=decided", "fr")
    assert "Signalements approuvés, message masqué par" in decided and f"{NBSP}: «{NBSP}Publicité{NBSP}»" in decided


def _item_id(post):
    return db.session.scalar(select(ReviewItem.id).where(ReviewItem.post_type == "answer",
                                                         ReviewItem.post_id == post.id))


def test_a_posts_review_page_for_staff_in_french(client, sign_in, flagged):
    question, spam, _, moderator = flagged
    sign_in(moderator)
    html = page(client, f"/moderation/posts/answer/{spam.id}", "fr")
    assert "<title>Examiner une réponse" in html and "<h1>Réponse de spammer</h1>" in html
    assert "Dans <a href=" in html and "Le fil autour" in html and f"Question{NBSP}: Halo speaker" in html
    assert "<h2>Signalements (3)</h2>" in html and "<th>Son bilan</th>" in html
    assert "en attente d’un modérateur" in html and "En attente d’une décision" in html
    assert ">Réafficher</button>" in html and ">Supprimer</button>" in html
    assert 'placeholder="Motif (suppression)"' in html
    assert ">Modifier (avec un motif)</a>" in html and ">Historique des modifications</a>" in html
    assert f"L’auteur{NBSP}:" in html and "<dt>Signalements reçus</dt><dd>3</dd>" in html
    assert "Suspendre ou voir le dossier complet" in html


def test_the_flag_form_and_its_refusal_in_french(client, sign_in, make, flagged):
    question, spam, _, _ = flagged
    answer = make.answer(question, make.user("helper"), body="Move the speaker closer to the router.")
    sign_in(make.flagger("veteran"))
    html = page(client, thread_url(question), "fr")
    assert f"Pourquoi un modérateur devrait-il examiner cette réponse{NBSP}?" in html
    assert "> Grossier ou injurieux</label>" in html and "> Nécessite l’attention de l’équipe</label>" in html
    assert "Détails (obligatoires pour «\u00a0Autre chose\u00a0»)" in html and ">Signaler la réponse</button>" in html
    response = client.post(f"/flags/answer/{answer.id}", data={"reason": "off-topic"},
                           headers={"Accept-Language": "fr"}, follow_redirects=True)
    assert f"Merci pour votre signalement{NBSP}: un modérateur va l’examiner." in response.get_data(as_text=True)
    response = client.post(f"/flags/answer/{answer.id}", data={"reason": "spam"},
                           headers={"Accept-Language": "fr"}, follow_redirects=True)
    assert "Vous avez déjà signalé ce message. Un modérateur va l’examiner." in response.get_data(as_text=True)

    client.post("/sign-out")
    sign_in(make.user("newcomer"))  # joined today with no reputation: flagging is earned first
    html = page(client, thread_url(question), "fr")
    assert ("Vous pourrez signaler des messages dès que vous aurez une réputation de 15 ou 7 jours d’ancienneté."
            in html)
    client.post("/sign-out")
    sign_in(make.user("unverified", verified=False))
    html = page(client, thread_url(question), "fr")
    assert f"Vérifiez votre adresse e-mail pour signaler des messages{NBSP}:" in html


def test_my_flags_in_french(client, sign_in, flagged):
    _, _, flaggers, _ = flagged
    sign_in(flaggers[2])
    html = page(client, "/flags/mine", "fr")
    assert "<title>Vos signalements" in html and "<h1>Vos signalements</h1>" in html
    assert "<th>Message</th><th>Motif</th><th>Statut</th><th>Quand</th>" in html
    assert "<td>Grossier ou injurieux</td>" in html and "<td>en attente d’un modérateur</td>" in html
    assert "réponse (retirée)" in html  # hidden by the flags
    assert "il y a" in html or "à l’instant" in html


def test_a_members_moderation_page_and_suspension_in_french(client, sign_in, make):
    member, moderator = make.user("noisy"), make.user("mod", role="moderator")
    sign_in(moderator)
    html = page(client, f"/moderation/users/{member.id}", "fr")
    assert f"<title>noisy{NBSP}: dossier de modération" in html and "membre · inscrit" in html
    assert "<dt>Questions</dt><dd>0</dd>" in html and "<dt>Commentaires</dt><dd>0</dd>" in html
    assert f"Première suspension{NBSP}: nous suggérons <strong>1 jour</strong>." in html
    assert ">3 jours</button>" in html and ">Suspendre jusqu’à cette date</button>" in html
    assert "Motif (le membre le verra)" in html

    response = client.post(f"/moderation/users/{member.id}/suspend", data={"days": "3", "reason": "Insultes"},
                           headers={"Accept-Language": "fr"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    until = db.session.get(User, member.id).suspended_until
    assert f"noisy est suspendu jusqu’au {date_time(until, 'fr')}." in html
    assert "Suspendu jusqu’au <time datetime=\"" in html and f"{NBSP}: Insultes" in html
    assert "<h2>Lever la suspension</h2>" in html and "<th>Du</th><th>Au</th>" in html

    client.post("/sign-out")
    sign_in(member)
    html = page(client, "/", "fr")
    assert f"Vous êtes suspendu jusqu’au {date_time(until, 'fr')}{NBSP}: Insultes" in html


def test_a_refused_write_explains_the_suspension_in_french(client, sign_in, make):
    member, moderator = make.user("troll"), make.user("mod", role="moderator")
    question = make.question(make.user("asker"))
    services.suspend(moderator, member, utcnow() + timedelta(days=7), "Insultes répétées", now=utcnow())
    sign_in(member)
    response = client.post(f"/flags/question/{question.id}", data={"reason": "spam"},
                           headers={"Accept-Language": "fr"}, follow_redirects=True)
    until = db.session.get(User, member.id).suspended_until
    html = response.get_data(as_text=True)
    assert html.count(f"Vous êtes suspendu jusqu’au {date_time(until, 'fr')}{NBSP}: Insultes répétées") >= 2


def test_the_queue_in_arabic_is_right_to_left(client, sign_in, flagged):
    _, _, _, moderator = flagged
    sign_in(moderator)
    html = page(client, "/moderation", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>قائمة الإشراف</h1>" in html and "في الانتظار (1)" in html
    assert "3 بلاغات" in html and "<strong>مسيء أو جارح</strong>" in html and ">موافقة: إخفاء</button>" in html
    assert "<strong>الإجابة</strong>" in html and '<span class="badge">مخفية</span>' in html


def test_the_moderated_note_of_a_hidden_post_in_french(client, sign_in, flagged):
    question, spam, _, _ = flagged
    sign_in(db.session.get(User, spam.author_id))
    html = page(client, thread_url(question), "fr")
    assert (f"<strong>Modéré{NBSP}:</strong> ce message est masqué après des signalements de membres, jusqu’à "
            "l’examen d’un modérateur.") in html
    assert "Seuls vous et les modérateurs pouvez le voir." in html
    assert "Vous pouvez le modifier pour corriger le problème." in html
