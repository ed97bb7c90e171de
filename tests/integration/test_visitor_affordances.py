"""What a page offers each reader: visitors see why they cannot vote, askers no "me too", empty pages a next step."""
import re
from urllib.parse import unquote

import pytest

from app.care import services as care
from app.clock import utcnow
from app.exceptions import PermissionDenied


def _thread_path(client, question):
    """The question page's canonical path (the short one redirects there)."""
    return client.get(f"/questions/{question.id}", follow_redirects=True).request.path


def _page(client, question):
    return client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)


def test_a_visitor_gets_a_sign_in_link_back_to_the_post_not_grey_arrows(client, make):
    question = make.question(make.user("asker"), title="Does the dock charge two devices?")
    answer = make.answer(question, make.user("helper"), body="Yes, both ports give 15 W each.")
    page = _page(client, question)
    assert not re.search(r'<button[^>]*class="vote[^>]*disabled', page)
    path = _thread_path(client, question)
    links = re.findall(r'<a class="vote-sign-in" href="/sign-in\?next=([^"]+)">Sign in to vote'
                       r'<span class="visually-hidden"> on this (question|answer)</span></a>', page)
    assert [(unquote(target), kind) for target, kind in links] == [(f"{path}#question", "question"),
                                                                   (f"{path}#answer-{answer.id}", "answer")]
    # Signing in from the link comes back to the post it was about.
    response = client.post("/sign-in", data={"login": "helper", "password": make.PASSWORD,
                                              "next": unquote(links[1][0])})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#answer-{answer.id}")


def test_members_still_get_the_vote_buttons(client, make, sign_in):
    question = make.question(make.user("asker"))
    sign_in(make.user("reader"))
    page = _page(client, question)
    assert 'aria-label="This question is useful"' in page and "Sign in to vote" not in page


def test_the_asker_is_not_offered_i_have_this_problem_too_on_their_own_question(client, make, sign_in):
    asker = make.user("asker")
    question = make.question(asker, title="Why does the hub lose wifi at night?")
    assert "I have this problem too" in _page(client, question)  # a visitor
    sign_in(make.user("other"))
    assert "I have this problem too" in _page(client, question)
    client.post("/sign-out")
    sign_in(asker)
    assert "I have this problem too" not in _page(client, question)
    # And a press sent anyway (an old tab, a script) counts nothing.
    response = client.post(f"/questions/{question.id}/same-problem", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"]["message"] == "You asked this question, so your problem is already counted."
    assert care.same_problem_count(question.id) == 0


def test_the_service_refuses_the_askers_own_press(make):
    asker = make.user("asker")
    question = make.question(asker)
    with pytest.raises(PermissionDenied):
        care.press_same_problem(asker, question, now=utcnow())
    assert care.press_same_problem(make.user("other"), question, now=utcnow()) == (1, True)


def test_an_empty_list_says_what_to_do_next(client, make):
    page = client.get("/").get_data(as_text=True)
    assert "No questions here yet." in page and '<a href="/questions/ask">Ask the first question</a>' in page
    make.question(make.user("asker"), tags=["dock"])
    resolved = client.get("/?tab=resolved").get_data(as_text=True)
    assert "No resolved questions right now." in resolved and '<a href="/questions">See all questions</a>' in resolved


def test_an_empty_tag_offers_asking_searching_and_other_tags(client, make):
    question = make.question(make.user("asker"), tags=["dock"])
    make.answer(question, make.user("helper"))
    page = client.get("/tags/dock?tab=unanswered").get_data(as_text=True)
    assert "No unanswered questions tagged <strong>dock</strong> yet." in page
    assert '<a href="/search?q=dock">Search for “dock”</a>' in page and '<a href="/tags">browse the tags</a>' in page
    assert '<a href="/questions/ask">Ask a question about dock</a>' in page


def test_a_search_with_no_results_suggests_other_words_fewer_filters_or_asking(client, make):
    make.question(make.user("asker"), title="Dock charges slowly")
    page = client.get("/search?q=zebra+xylophone&resolved=true").get_data(as_text=True)
    assert "Nothing matched “zebra xylophone”. You could:" in page
    assert '<a href="/search?q=zebra+xylophone">search without the filters</a>' in page
    assert '<a href="/questions/ask">ask the community</a>' in page  # visitors too: the ask page signs them in


def test_a_thread_with_no_answers_points_to_the_answer_form_and_similar_questions(client, make):
    question = make.question(make.user("asker"), title="Dock blinks orange")
    page = _page(client, question)
    assert 'Know the answer? <a href="#answer-form">Write it below</a>.' in page
    assert '<a href="/search?q=Dock+blinks+orange">Search for similar questions</a>' in page


def test_empty_notifications_say_how_to_get_some(client, make, sign_in):
    sign_in(make.user("newcomer"))
    page = client.get("/notifications").get_data(as_text=True)
    assert '<a href="/questions/ask">ask your own question</a> and hear when it is answered' in page
    assert '<a href="/questions?tab=unanswered">answer someone\'s question</a>' in page
