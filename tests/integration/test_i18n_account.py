"""Account, sign-in, messages and notifications in French and Arabic; email in the recipient's language."""
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from app import signals
from app.extensions import db
from app.formatting import age, date_time
from app.messages import services as messages
from app.models import ApiToken, User
from app.notifications import digest
from app.notifications import services as notifications
from app.outbox import OutboxMessage

NB, NNB = "\u00a0", "\u202f"  # French puts a no-break space before : and ; and a narrow one before ? and !



def page(client, path, language):
    response = client.get(path, headers={"Accept-Language": language})
    return response, response.get_data(as_text=True)


def post(client, path, language, data=None, follow=False):
    response = client.post(path, data=data or {}, headers={"Accept-Language": language}, follow_redirects=follow)
    return response, response.get_data(as_text=True)


def speaks(user, locale):
    db.session.get(User, user.id).locale = locale
    db.session.commit()


def emails(topic):
    """The payloads of the queued emails about `topic`, oldest first."""
    db.session.rollback()
    return [row.payload for row in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id))]


# Sign-in and registration ---------------------------------------------------------------------


def test_sign_in_errors_and_labels_in_french(client, make):
    make.user("lucie")
    response, html = post(client, "/sign-in", "fr", {"login": "lucie", "password": "not the password at all"})
    assert response.status_code == 422
    assert '<html lang="fr" dir="ltr">' in html
    assert "Ce nom d’utilisateur ou cette adresse e-mail et ce mot de passe ne correspondent à aucun compte." in html
    assert "Nom d’utilisateur ou adresse e-mail" in html and "Rester connecté sur cet appareil" in html
    assert f"Mot de passe oublié{NNB}?" in html and ">Créer un compte</a>" in html


def test_register_errors_in_french(client, make):
    make.user("taken")
    response, html = post(client, "/register", "fr", {"username": "taken", "email": "new@example.com",
                                                      "password": "short", "confirm": "other"})
    assert response.status_code == 422
    assert "Les deux mots de passe ne correspondent pas." in html
    response, html = post(client, "/register", "fr", {"username": "taken", "email": "new@example.com",
                                                      "password": "a much longer passphrase",
                                                      "confirm": "a much longer passphrase"})
    assert response.status_code == 422 and "Ce nom d’utilisateur est déjà pris." in html
    response, html = post(client, "/register", "fr", {"username": "newcomer", "email": "new@example.com",
                                                      "password": "short", "confirm": "short"})
    assert "Utilisez au moins 10 caractères." in html  # ngettext: the plural form for 10


# Password reset ---------------------------------------------------------------------------------


def test_password_reset_pages_in_french(client, make):
    make.user("lucie")
    _, html = page(client, "/password-reset", "fr")
    assert f"<h1>Mot de passe oublié{NNB}?</h1>" in html
    assert ">Envoyer le lien de réinitialisation</button>" in html and ">Retour à la connexion</a>" in html
    assert "Adresse e-mail" in html
    response, html = post(client, "/password-reset", "fr", {"email": "lucie@example.com"}, follow=True)
    assert "Si un compte utilise cette adresse, nous lui avons envoyé un lien pour choisir un nouveau" in html
    response, html = page(client, "/password-reset/not-a-token", "fr")
    assert response.status_code == 400
    assert "<h1>Choisissez un nouveau mot de passe</h1>" in html
    assert "Ce lien de réinitialisation n’est pas valide." in html and ">Demander un nouveau lien</a>" in html


def test_a_password_reset_email_is_in_the_members_language_not_the_browsers(client, make):
    lucie = make.user("lucie")
    speaks(lucie, "fr")
    post(client, "/password-reset", "en", {"email": "lucie@example.com"})
    [mail] = emails("account:password-reset")
    assert mail["subject"] == "Réinitialisez votre mot de passe"
    assert mail["text"].startswith("Bonjour lucie,")
    assert "dans un délai de 60 minutes" in mail["text"]
    assert f"ignorez cet e-mail{NB}: votre mot de passe reste inchangé." in mail["text"]


# Account pages --------------------------------------------------------------------------------


def test_tokens_page_in_french_with_a_french_date(client, make, sign_in, clock):
    member = make.user("lucie")
    sign_in(member)
    _, html = page(client, "/account/tokens", "fr")
    assert "<h1>Jetons d’API</h1>" in html and ">Créer le jeton</button>" in html
    assert ">dans 30 jours</option>" in html and "Nom du jeton" in html
    assert "Aucun jeton actif." in html
    response, html = post(client, "/account/tokens", "fr", {"name": "synchro", "scopes": ["read"], "days": "30"})
    assert response.status_code == 201
    assert "<strong>Votre nouveau jeton.</strong>" in html
    assert f"Copiez-le maintenant{NB}: il ne sera plus affiché." in html
    token = db.session.scalar(select(ApiToken))
    assert date_time(token.expires_at, "fr") == "13 avr. 2031, 09:30"
    assert ">13 avr. 2031, 09:30</time>" in html  # the clock's 14 March 2031 plus 30 days, in French
    assert "<th scope=\"col\">Portées</th>" in html and ">actif<" in html
    assert "Révoquer le jeton «\u00a0synchro\u00a0»" in html
    response, html = post(client, "/account/tokens", "fr", {"name": "", "scopes": [], "days": "30"})
    assert "Donnez un nom au jeton." in html


def test_following_page_in_french(client, make, sign_in):
    member = make.user("lucie")
    question = make.question(member, title="Mes écouteurs ne se rechargent plus")  # the asker follows it
    sign_in(member)
    post(client, "/tags/earbuds/follow", "fr")
    _, html = page(client, "/account/following", "fr")
    assert "<h1>Ce que vous suivez</h1>" in html and "<h2>Étiquettes que vous suivez</h2>" in html
    assert 'title="Ne plus être averti des nouvelles questions dans earbuds">Ne plus suivre</button>' in html
    assert question.title in html and "Vous ne suivez encore aucune" not in html
    response, html = post(client, "/tags/earbuds/unfollow", "fr", {"next": "/account/following"}, follow=True)
    assert "Vous ne suivez plus earbuds." in html and "Vous ne suivez encore aucune étiquette." in html


def test_an_account_page_in_arabic_is_right_to_left(client, make, sign_in):
    member = make.user("amira")
    speaks(member, "ar")
    sign_in(member)
    _, html = page(client, "/account/tokens", "fr")  # the member's own choice beats the browser
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>رموز API</h1>" in html and ">إنشاء الرمز</button>" in html and "لا توجد رموز نشطة." in html
    _, html = page(client, "/account/email", "fr")
    assert '<html lang="ar" dir="rtl">' in html and ">أرسل رابط التأكيد</button>" in html


# Notifications ---------------------------------------------------------------------------------


def test_notifications_list_with_ages_in_french_and_arabic(client, make, sign_in, clock):
    asker = make.user("asker")
    question = make.question(asker, title="Batterie bloquée à 80 %", now=clock.now - timedelta(days=4))
    answered_at = clock.now - timedelta(days=3)
    make.answer(question, make.user("helper"), now=answered_at)
    sign_in(asker)
    _, html = page(client, "/notifications", "fr")
    assert "<h1>Notifications</h1>" in html
    assert "<strong>helper</strong> a répondu à votre question" in html
    assert ">il y a 3 jours</time>" in html
    assert "1 notification non lue" in html and ">Tout marquer comme lu<" in html and ">Marquer comme lu<" in html
    response, html = post(client, "/notifications/read", "fr", follow=True)
    assert "1 notification marquée comme lue." in html and "0 notification non lue" in html
    _, html = page(client, "/notifications", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "<strong>helper</strong> أجاب عن سؤالك" in html
    assert f">{age(answered_at, clock.now, 'ar')}</time>" in html and "لا إشعارات غير مقروءة" in html


def test_an_empty_notifications_page_in_french(client, make, sign_in):
    sign_in(make.user("lucie"))
    _, html = page(client, "/notifications", "fr")
    assert "Rien pour l’instant." in html
    assert ">posez votre propre question</a> et soyez averti quand on y répond" in html


def test_the_unsubscribe_page_in_french(client, make, clock):
    member = make.user("lucie")
    path = urlsplit(notifications.unsubscribe_url(member.id, now=clock.now)).path
    _, html = page(client, path, "fr")
    assert "<h1>Se désabonner</h1>" in html and ">Se désabonner</button>" in html
    assert "Arrêter tous les e-mails de notification (réponses, commentaires, mentions, résumés)" in html
    _, html = post(client, path, "fr")
    assert f"C’est fait{NB}: <strong>lucie</strong> ne recevra plus d’e-mails de notification." in html
    assert ">Choisir les paramètres des e-mails</a> (connexion nécessaire)" in html
    response, html = page(client, "/email/unsubscribe/forged", "fr")
    assert "Ce lien de désabonnement n’est pas valide." in html


# Private messages ------------------------------------------------------------------------------


def test_inbox_and_conversation_in_french_and_arabic(client, make, sign_in, clock):
    alice, bob = make.user("alice"), make.user("bob")
    sent = messages.send_message(alice, bob.id, "Salut Bob, la mise à jour a-t-elle réglé le souci ?", now=clock.now)
    sign_in(bob)
    _, html = page(client, "/messages", "fr")
    assert "<h1>Messages</h1>" in html and ">1 non lu</span>" in html
    _, html = page(client, "/messages", "ar")
    assert '<html lang="ar" dir="rtl">' in html and ">رسالة واحدة غير مقروءة</span>" in html
    _, html = page(client, f"/messages/{sent.conversation_id}", "fr")
    assert "Conversation avec" in html and ">Tous les messages</a>" in html
    assert "<summary>Signaler</summary>" in html and ">Envoyer aux modérateurs</button>" in html
    assert ">Envoyer</button>" in html and "Le Markdown fonctionne ici." in html
    assert f"Bloquer alice{NNB}? Aucun de vous deux ne pourra plus écrire à l’autre." in html
    response, html = post(client, f"/messages/{sent.conversation_id}", "fr", {"body": ""})
    assert response.status_code == 422 and "Ce champ est requis." in html  # WTForms' own French
    carol = make.user("carol")
    _, html = page(client, f"/users/{carol.id}/message", "fr")
    assert "<h1>Écrire à carol</h1>" in html and "Seuls vous et carol pouvez lire cette conversation." in html


# Email in the recipient's language -----------------------------------------------------------


def test_a_french_member_gets_french_notification_email_from_an_english_members_request(client, make, sign_in):
    asker, helper = make.user("asker"), make.user("helper")
    speaks(asker, "fr")
    speaks(helper, "en")
    question = make.question(asker, title="Lumen X200 will not charge past 80 percent")
    sign_in(helper)
    response, html = post(client, f"/questions/{question.id}/answers", "en",
                          {"body": "Turn off battery protection in Settings, Battery."}, follow=True)
    assert "Thanks for your answer!" in html  # the English member's own page stays English
    [mail] = emails("notification:answer")
    assert mail["subject"] == f"helper a répondu à votre question{NB}: {question.title}"
    text = mail["text"]
    assert text.startswith("Bonjour asker,")
    assert f"helper a répondu à votre question{NB}: «{NB}{question.title}{NB}»" in text
    assert f"Pour l’ouvrir{NB}: " in text and "Se désabonner en un clic" in text
    assert "answered" not in text


def test_a_private_message_notice_is_in_the_recipients_language(client, make, sign_in):
    alice, bob = make.user("alice"), make.user("bob")
    speaks(bob, "fr")
    sign_in(alice)
    post(client, f"/users/{bob.id}/message", "en", {"body": "Hello Bob!"})
    [mail] = emails("notification:message")
    assert mail["subject"] == f"alice vous a envoyé un message{NB}: Messages privés"
    # and the other way round: an English reader of a French member's request reads English
    client.post("/sign-out")
    sign_in(bob)
    conversation = messages.conversation_between(alice.id, bob.id)
    post(client, f"/messages/{conversation.id}", "fr", {"body": "Bonjour Alice !"})
    mails = emails("notification:message")
    assert mails[-1]["subject"] == "bob sent you a message: Private messages"
    assert mails[-1]["text"].startswith("Hi alice,")


def test_a_moderation_notice_is_stored_in_its_readers_language(make, clock):
    author = make.user("auteur")
    speaks(author, "fr")
    question = make.question(author, title="Écouteurs muets")
    moderator = make.user("modo", role="moderator")
    signals.post_moderated.send(moderator, post=question, action="lock", now=clock.now)
    db.session.commit()
    db.session.rollback()
    notice = db.session.scalar(select(notifications.Notification.excerpt)
                               .where(notifications.Notification.kind == "moderation"))
    assert notice == ("Un modérateur a verrouillé votre question «\u00a0Écouteurs muets\u00a0»\u00a0: il reste lisible "
                      "mais n’accepte plus de nouvelles réponses ni de commentaires.")


def test_a_french_digest(make, clock):
    asker = make.user("asker")
    speaks(asker, "fr")
    notifications.set_email_mode(db.session.get(User, asker.id), "daily", now=clock.now)
    question = make.question(asker, title="Batterie bloquée à 80 %")
    make.answer(question, make.user("helper"))
    make.answer(question, make.user("other"))
    next_morning = datetime.combine(clock.now.date() + timedelta(days=1), datetime.min.time()).replace(hour=8)
    assert digest.send_due_digests(now=next_morning) == 1
    [mail] = emails("digest")
    assert mail["subject"] == f"Votre résumé quotidien{NB}: 2 notifications"
    text = mail["text"]
    assert text.startswith("Bonjour asker,")
    assert f"Voici ce qui s’est passé depuis votre dernier résumé{NB}:" in text
    assert f"* helper a répondu à votre question{NB}: «{NB}Batterie bloquée à 80 %{NB}»" in text
    assert f"Toutes vos notifications{NB}: " in text


def test_a_member_without_a_language_gets_the_communitys(app, client, make):
    member = make.user("sam")  # no language chosen: the community's, whatever the browser asked for
    app.config["DEFAULT_LOCALE"] = "fr"
    post(client, "/password-reset", "ar", {"email": "sam@example.com"})
    [mail] = emails("account:password-reset")
    assert mail["subject"] == "Réinitialisez votre mot de passe"
    assert member.locale is None
