"""The words the page's scripts say, the error summary a form sent back with errors shows, and the visitor pages,
in the reader's language."""
import json
import re

import pytest

from app import rendering
from app.formatting import plural_samples, slugify


def page(client, path, language=None):
    response = client.get(path, headers={"Accept-Language": language} if language else {})
    return response, response.get_data(as_text=True)


def script_strings(html):
    found = re.search(r'<script type="application/json" id="pd-strings">(.*?)</script>', html, re.S)
    assert found, "the page carries no #pd-strings"
    return json.loads(found.group(1))


def summary_of(html):
    found = re.search(r'<div class="error-summary" tabindex="-1" role="group" aria-labelledby="([^"]+)">(.*?)</div>',
                      html, re.S)
    assert found, "the page has no error summary"
    return found.group(1), found.group(2)


def test_plural_samples_give_one_count_per_category_of_the_language():
    assert plural_samples("en") == {"other": 0, "one": 1}
    assert plural_samples("fr") == {"one": 0, "other": 2, "many": 1000000}
    assert plural_samples("ar") == {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}
    assert plural_samples("xx-nowhere") == {"other": 0, "one": 1}


def test_an_english_page_gives_the_scripts_their_english_words(client):
    _, html = page(client, "/")
    strings = script_strings(html)
    assert strings["previewUnavailable"] == "Preview unavailable."
    assert strings["scoreUp"] == "Score %(score)s. You voted it useful."
    assert strings["similarFound"] == {"one": "%(num)s similar question found",
                                       "other": "%(num)s similar questions found"}
    assert strings["problems"] == {"one": "There is a problem with this form",
                                   "other": "There are problems with this form"}


def test_a_french_page_gives_the_scripts_french_words_with_frances_plural_forms(client):
    _, html = page(client, "/", "fr-FR,fr;q=0.9")
    strings = script_strings(html)
    assert strings["previewUnavailable"] == "Aperçu indisponible."
    assert strings["scoreDown"] == "Score %(score)s. Vous l’avez jugé inutile."
    assert strings["acceptedAnswer"] == "Réponse acceptée\u00a0:"
    assert strings["noMatch"] == "Aucune question ne correspond\u00a0: essayez d’autres mots de son titre."
    assert strings["uploading"] == "Envoi en cours…"
    assert strings["cookieNotKept"].startswith("Votre navigateur n’a pas conservé notre cookie")
    assert strings["similarFound"] == {"one": "%(num)s question similaire trouvée",
                                       "many": "%(num)s de questions similaires trouvées",
                                       "other": "%(num)s questions similaires trouvées"}
    assert strings["sameProblem"]["other"] == "%(num)s personnes ont ce problème"
    assert strings["fieldError"] == "%(field)s\u00a0: %(error)s"


def test_an_arabic_page_gives_the_scripts_six_plural_forms_and_reads_right_to_left(client):
    _, html = page(client, "/", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    strings = script_strings(html)
    assert strings["previewUnavailable"] == "المعاينة غير متاحة."
    assert strings["scoreNone"] == "النتيجة %(score)s. لم تصوّت."
    similar = strings["similarFound"]
    assert set(similar) == {"zero", "one", "two", "few", "many", "other"}
    assert similar["one"] == "عُثر على سؤال مشابه واحد" and similar["two"] == "عُثر على سؤالين مشابهين"
    assert similar["few"] == "عُثر على %(num)s أسئلة مشابهة" and similar["many"] == "عُثر على %(num)s سؤالًا مشابهًا"
    assert strings["problems"]["two"] == "في هذا النموذج مشكلتان"


def test_the_strings_element_cannot_be_closed_by_a_translation(client):
    _, html = page(client, "/", "fr")
    found = re.search(r'id="pd-strings">(.*?)</script>', html, re.S).group(1)
    assert "<" not in found and "&" not in found.replace("\\u0026", "")


def test_a_form_sent_back_with_errors_has_a_summary_without_javascript(client):
    response = client.post("/register", data={"username": "", "email": "", "password": "", "confirm": ""})
    html = response.get_data(as_text=True)
    labelled_by, summary = summary_of(html)
    assert f'<h2 id="{labelled_by}">There are problems with this form</h2>' in summary
    assert '<a href="#username">Username: Choose a username.</a>' in summary
    assert '<a href="#confirm">Repeat password: Repeat the password.</a>' in summary
    assert summary.count("<li>") == 4
    # One summary per form, above its first field, and the fields keep their own errors.
    assert html.count('class="error-summary"') == 1
    assert html.index('class="error-summary"') < html.index('<label for="username"')
    assert 'id="username-error-1"' in html and 'aria-invalid="true"' in html


def test_the_summary_in_french_says_one_problem_or_several(client):
    several = client.post("/register", data={"username": "", "email": "", "password": "", "confirm": ""},
                          headers={"Accept-Language": "fr"}).get_data(as_text=True)
    _, summary = summary_of(several)
    assert ">Ce formulaire comporte des erreurs</h2>" in summary
    assert '<a href="#username">Nom d’utilisateur\u00a0: Choisissez un nom d’utilisateur.</a>' in summary

    one = client.post("/register", data={"username": "camille", "email": "camille@example.com",
                                         "password": "a long enough passphrase", "confirm": "something else"},
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    _, summary = summary_of(one)
    assert ">Ce formulaire comporte une erreur</h2>" in summary
    assert "Les deux mots de passe ne correspondent pas." in summary and summary.count("<li>") == 1


def test_the_summary_in_arabic(client):
    html = client.post("/register", data={"username": "", "email": "", "password": "", "confirm": ""},
                       headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'dir="rtl"' in html
    _, summary = summary_of(html)
    assert ">في هذا النموذج مشكلات</h2>" in summary  # four: the few form


def test_a_form_without_errors_has_no_summary(client):
    _, html = page(client, "/register", "fr")
    assert "error-summary" not in html.split("</head>", 1)[1]


def test_the_press_again_page_in_french_and_arabic(app, make):
    question = make.question()
    answer = make.answer(question)
    french = app.test_client().post(f"/answers/{answer.id}/helpful", data={"helpful": "yes"},
                                    headers={"Accept-Language": "fr"})
    html = french.get_data(as_text=True)
    assert french.status_code == 200
    assert "<h1>Pas encore compté\u00a0: appuyez encore une fois</h1>" in html
    assert "Votre clic n’a pas été compté. Appuyez de nouveau sur le bouton pour être compté." in html
    assert "<title>Encore un clic · " in html

    arabic = app.test_client().post(f"/answers/{answer.id}/helpful", data={"helpful": "yes"},
                                    headers={"Accept-Language": "ar"})
    html = arabic.get_data(as_text=True)
    assert 'dir="rtl"' in html and "<h1>لم تُحتسب بعد: اضغط مرة أخرى</h1>" in html


def test_the_scripts_first_press_hears_it_was_not_counted_in_french(app, make):
    question = make.question()
    answer = make.answer(question)
    response = app.test_client().post(f"/answers/{answer.id}/helpful", data={"helpful": "yes"},
                                      headers={"Accept-Language": "fr", "Accept": "application/json"})
    assert response.get_json()["message"].startswith("Appuyez de nouveau pour être compté")


def test_a_post_too_long_to_render_says_so_in_the_readers_language(app):
    too_long = "x" * (rendering.MAX_BODY_LENGTH + 1)
    # A context of its own: the locale Flask-Babel keeps on `g` must not outlive it.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "fr"}):
        with pytest.raises(rendering.RenderError) as error:
            rendering.render_markdown(too_long)
    assert str(error.value) == "Un message peut compter au plus 30\u202f000 caractères."
    with pytest.raises(rendering.RenderError) as error:
        rendering.render_markdown(too_long)
    assert str(error.value) == "A post can be at most 30,000 characters long."


def test_the_shared_macros_speak_french(client, make):
    question = make.question()
    make.answer(question)
    _, html = page(client, "/", "fr")
    row = re.search(r'<li class="question-row">.*?</li>', html, re.S).group()
    assert "<strong>0</strong> vote</span>" in row and "<strong>1</strong> réponse" in row
    _, html = page(client, f"/questions/{question.id}/{slugify(question.title)}", "fr")
    assert ">Connectez-vous pour voter<span class=\"visually-hidden\"> sur cette question</span></a>" in html
    assert '<span class="user-card-time">a posé la question <time' in html
