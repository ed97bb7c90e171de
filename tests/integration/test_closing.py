"""Closing questions: duplicates lead to their original, in the page, search and suggestions."""
import re

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.exceptions import PermissionDenied, ValidationError
from app.extensions import db
from app.formatting import slugify
from app.notifications.models import Notification
from app.outbox import OutboxMessage
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


# Issue 13, item 8: a closed duplicate says so everywhere, the API names the original, the asker hears of it,
# and the close box finds the original by title.


def _close_as_duplicate(make, duplicate, original, now):
    moderator = make.user("closer", role="moderator")
    services.close_question(moderator, duplicate, "duplicate", duplicate_of_id=original.id, now=now)
    return moderator


def _row_of(page, question):
    """The list item of a page that links to this question."""
    link = page.index(f'href="/questions/{question.id}/')
    return page[page.rindex("<li", 0, link):page.index("</li>", link)]


def _thread_meta(page):
    start = page.index('class="thread-meta')
    return page[start:page.index("</div>", start)]


def test_a_closed_duplicate_says_so_and_links_its_original_on_the_thread_and_in_lists(
        clock, client, make, sign_in, pair):
    original, duplicate = pair
    _close_as_duplicate(make, duplicate, original, clock.now)
    original_link = f'href="/questions/{original.id}/'
    meta = _thread_meta(client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True))
    assert "Closed as duplicate" in meta and original_link in meta and original.title in meta
    assert "Open" not in meta and "badge-open" not in meta
    for path in ("/?tab=newest", "/?tab=unanswered", "/tags/pulse", f"/users/{duplicate.author_id}"):
        row = _row_of(client.get(path, follow_redirects=True).get_data(as_text=True), duplicate)
        assert "Closed as duplicate" in row and original_link in row, path
    sign_in(duplicate.author)
    row = _row_of(client.get("/account/following").get_data(as_text=True), duplicate)
    assert "Closed as duplicate" in row and original_link in row


def test_a_question_closed_for_another_reason_shows_closed_not_open(clock, client, make, pair):
    _, question = pair
    services.close_question(make.user(role="moderator"), question, "off-topic", now=clock.now)
    index_sync.catch_up(now=clock.now)
    meta = _thread_meta(client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True))
    assert "Closed" in meta and "Open" not in meta and "duplicate" not in meta
    for path in ("/?tab=newest", "/tags/pulse", "/search?q=zebrafish"):
        row = _row_of(client.get(path).get_data(as_text=True), question)
        assert "Closed" in row and "duplicate" not in row, path


def test_an_open_question_still_shows_open(client, pair):
    original, duplicate = pair
    meta = _thread_meta(client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True))
    assert "Open" in meta and "Closed" not in meta
    meta = _thread_meta(client.get(f"/questions/{original.id}", follow_redirects=True).get_data(as_text=True))
    assert "Resolved" in meta and "Closed" not in meta


def test_the_api_names_the_original_of_a_closed_duplicate(clock, client, make, pair):
    original, duplicate = pair
    _close_as_duplicate(make, duplicate, original, clock.now)
    detail = client.get(f"/api/v1/questions/{duplicate.id}").json
    assert detail["status"] == "closed"
    assert detail["closed"] == {"reason": "duplicate", "closed_at": clock.now.isoformat() + "Z"}
    assert detail["duplicate_of"] == {"id": original.id, "title": original.title,
                                      "url": f"http://localhost/questions/{original.id}/"
                                             "how-do-i-factory-reset-the-pulse-watch"}
    [summary] = [item for item in client.get("/api/v1/questions?tab=newest").json["items"]
                 if item["id"] == duplicate.id]
    assert summary["closed"] == detail["closed"] and summary["duplicate_of"] == detail["duplicate_of"]
    still_open = client.get(f"/api/v1/questions/{original.id}").json
    assert still_open["closed"] is None and still_open["duplicate_of"] is None


def test_the_openapi_document_describes_closed_and_duplicate_of(client):
    summary = client.get("/api/v1/openapi.json").json["components"]["schemas"]["QuestionSummary"]
    assert {"closed", "duplicate_of"} <= set(summary["required"])
    assert summary["properties"]["duplicate_of"]["nullable"] is True
    assert set(summary["properties"]["duplicate_of"]["required"]) == {"id", "title", "url"}
    assert summary["properties"]["closed"]["nullable"] is True


def _notifications_of(user):
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_the_asker_is_told_once_in_plain_words_when_their_question_is_closed_as_a_duplicate(
        clock, client, make, sign_in, pair):
    original, duplicate = pair
    helper = make.user("helper")
    make.answer(duplicate, helper, body="Try the settings menu, I think it is under System somewhere.")
    before = len(_notifications_of(duplicate.author))
    moderator = make.user("closer", role="moderator")
    sign_in(moderator)
    assert client.post(f"/questions/{duplicate.id}/close", data={"reason": "duplicate",
                                                                "duplicate_of": original.id}).status_code == 302
    [note] = _notifications_of(duplicate.author)[before:]
    assert note.kind == "duplicate" and note.question_id == original.id and note.actor_id is None
    assert note.excerpt == (f"Your question “{duplicate.title}” was closed as a duplicate of “{original.title}” "
                            "by a moderator: its answers may solve your problem.")
    assert [n.kind for n in _notifications_of(helper) if n.kind != "badge"] == []  # followers are not told
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "notification:duplicate"))
    assert email.payload["to"] == duplicate.author.email and original.title in email.payload["subject"]
    assert f"/questions/{original.id}/" in email.payload["text"] and duplicate.title in email.payload["text"]
    client.post("/sign-out")
    sign_in(duplicate.author)
    words = " ".join(re.sub(r"<[^>]+>", " ", client.get("/notifications").get_data(as_text=True)).split())
    assert f"A moderator closed your question as a duplicate of · {original.title}" in words
    opened = client.get(f"/notifications/{note.id}")
    assert opened.status_code == 302 and f"/questions/{original.id}/" in opened.location


def test_no_one_is_told_when_the_asker_closes_their_own_question_or_it_is_closed_for_another_reason(
        clock, make, pair):
    original, duplicate = pair
    moderator = make.user("closer", role="moderator")
    own = make.question(moderator, title="Resetting the Pulse watch to factory settings")
    services.close_question(moderator, own, "duplicate", duplicate_of_id=original.id, now=clock.now)
    assert _notifications_of(moderator) == []
    before = len(_notifications_of(duplicate.author))
    services.close_question(moderator, duplicate, "off-topic", now=clock.now)
    services.reopen_question(moderator, duplicate, now=clock.now)
    assert len(_notifications_of(duplicate.author)) == before


def test_the_close_box_finds_the_original_by_title_without_javascript(clock, client, make, sign_in, pair):
    _, duplicate = pair
    elsewhere = make.question(title="Dock firmware update stops at forty percent",
                              body="The charging dock never finishes its update.", tags=["dock"])
    index_sync.catch_up(now=clock.now)
    sign_in(make.user("mod", role="moderator"))
    page = client.get(f"/questions/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert 'name="duplicate_query"' in page  # the search box is there before anyone searches
    page = client.get(f"/questions/{duplicate.id}/{slugify(duplicate.title)}",
                      query_string={"duplicate_query": "dock firmware update"}).get_data(as_text=True)
    start = page.index('class="duplicate-search-results"')
    found = page[start:page.index("</fieldset>", start)]
    assert f'name="candidate" value="{elsewhere.id}"' in found and elsewhere.title in found
    assert f'value="{duplicate.id}"' not in found
    assert 'value="dock firmware update"' in page and 'id="close-box" open' in page
    response = client.post(f"/questions/{duplicate.id}/close", data={"reason": "duplicate", "candidate": elsewhere.id})
    assert response.status_code == 302
    assert client.get(f"/api/v1/questions/{duplicate.id}").json["duplicate_of"]["id"] == elsewhere.id
