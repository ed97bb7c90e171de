"""Closing questions: duplicates lead to their original, in the page, search and suggestions."""
import pytest

from app.clock import utcnow
from app.exceptions import PermissionDenied, ValidationError
from app.questions import services
from app.search import index_sync


@pytest.fixture
def pair(make):
    """An original with an accepted answer, and a differently worded duplicate."""
    asker = make.user("asker")
    original = make.question(asker, title="How do I factory reset the Pulse watch?",
                             body="I want to wipe it before selling it.", tags=["pulse"])
    answer = make.answer(original, body="Settings, System, Reset: hold the crown for ten seconds.")
    services.accept_answer(asker, answer, now=utcnow())
    duplicate = make.question(title="Wiping my smartwatch clean before giving it away",
                              body="Which menu erases everything? Mine has a zebrafish face.", tags=["pulse"])
    return original, duplicate


def test_a_moderator_closes_a_duplicate_and_the_page_points_to_the_original(client, make, sign_in, pair):
    original, duplicate = pair
    sign_in(make.user("mod", role="moderator"))
    response = client.post(f"/questions/{duplicate.id}/close", data={"reason": "duplicate",
                                                                    "duplicate_of": original.id})
    assert response.status_code == 302
    page = client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert "This question has been answered before." in page and original.title in page
    assert "takes no new answers" in page and 'name="body" rows="10"' not in page
    assert client.get(f"/api/v1/questions/{duplicate.id}").json["status"] == "closed"


def test_the_close_box_offers_the_most_alike_questions_first_and_closes_onto_the_one_ticked(
        client, make, sign_in, pair):
    original, duplicate = pair
    make.question(title="Pulse watch strap snapped at the pin", body="The strap broke after a week of use.")
    index_sync.catch_up(now=utcnow())
    sign_in(make.user("mod", role="moderator"))
    page = client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    start = page.index('class="duplicate-candidates"')
    box = page[start:page.index("</fieldset>", start)]
    assert box.index(f'value="{original.id}"') < box.index("strap snapped")  # no shared content word: the meaning
    assert f'value="{duplicate.id}"' not in box
    response = client.post(f"/questions/{duplicate.id}/close", data={"reason": "duplicate", "candidate": original.id})
    assert response.status_code == 302
    assert client.get(f"/api/v1/questions/{duplicate.id}").json["status"] == "closed"
    page = client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert "This question has been answered before." in page and original.title in page


def test_members_see_no_close_box_and_no_candidates(client, make, sign_in, pair):
    _, duplicate = pair
    sign_in(make.user())
    page = client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert "duplicate-candidates" not in page and "Close question" not in page


def test_search_and_suggestions_lead_to_the_original(client, make, pair):
    original, duplicate = pair
    services.close_question(make.user(role="moderator"), duplicate, "duplicate", duplicate_of_id=original.id,
                            now=utcnow())
    index_sync.catch_up(now=utcnow())
    results = client.get("/api/v1/suggest?q=zebrafish").json["results"]
    assert [r["id"] for r in results] == [original.id]
    items = client.get("/api/v1/search?q=zebrafish").json["items"]
    assert [item["id"] for item in items] == [original.id]
    ids = [r["id"] for r in client.get(f"/api/v1/suggest?q=zebrafish&exclude={original.id}").json["results"]]
    assert original.id not in ids


def test_a_solved_suggestion_shows_its_accepted_answer_and_says_so(client, make, pair):
    original, _ = pair
    index_sync.catch_up(now=utcnow())
    results = client.get("/api/v1/suggest?q=factory reset the pulse wa").json["results"]
    first = results[0]
    assert first["id"] == original.id and first["excerpt_of"] == "accepted answer"
    assert "hold the crown for ten seconds" in first["snippet"]
    unanswered = make.question(title="Factory reset of the Pulse dock", body="Is there a reset pin on the dock?")
    index_sync.catch_up(now=utcnow())
    results = client.get("/api/v1/suggest?q=factory reset of the pulse do").json["results"]
    assert {r["id"]: r["excerpt_of"] for r in results}[unanswered.id] == "question"


def test_closed_questions_take_no_answers(make, pair):
    _, duplicate = pair
    services.close_question(make.user(role="moderator"), duplicate, "off-topic", now=utcnow())
    with pytest.raises(Exception, match="closed"):
        make.answer(duplicate)


def test_only_moderators_close_and_reopen(make, pair):
    original, duplicate = pair
    for role in ("member", "agent"):
        with pytest.raises(PermissionDenied):
            services.close_question(make.user(role=role), duplicate, "off-topic", now=utcnow())
    moderator = make.user(role="moderator")
    services.close_question(moderator, duplicate, "resolved-elsewhere", now=utcnow())
    with pytest.raises(PermissionDenied):
        services.reopen_question(duplicate.author, duplicate, now=utcnow())
    services.reopen_question(moderator, duplicate, now=utcnow())
    assert not duplicate.is_closed and duplicate.duplicate_of_id is None


@pytest.mark.parametrize("reason, target", [("nonsense", None), ("duplicate", None), ("duplicate", "self"),
                                            ("duplicate", 999999), ("duplicate", "12")])
def test_bad_close_requests_are_refused(make, pair, reason, target):
    _, duplicate = pair
    target = duplicate.id if target == "self" else target
    with pytest.raises(ValidationError):
        services.close_question(make.user(role="moderator"), duplicate, reason, duplicate_of_id=target, now=utcnow())


def test_a_duplicate_of_a_duplicate_points_at_the_root(make, pair):
    original, duplicate = pair
    moderator = make.user(role="moderator")
    services.close_question(moderator, duplicate, "duplicate", duplicate_of_id=original.id, now=utcnow())
    third = make.question(title="Erase all data on the watch, how?")
    services.close_question(moderator, third, "duplicate", duplicate_of_id=duplicate.id, now=utcnow())
    assert third.duplicate_of_id == original.id


def test_members_get_403_from_the_close_route(client, make, sign_in, pair):
    sign_in(make.user())
    assert client.post(f"/questions/{pair[1].id}/close", data={"reason": "off-topic"}).status_code == 403
