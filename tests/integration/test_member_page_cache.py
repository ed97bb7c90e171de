"""A member's thread page is kept for every member who stands where they stand in the thread, and is theirs alone.

Each situation below is served twice from the cache and compared with a fresh render of the same page
(the cache switched off): they must be the same page, but for the form token, which is the session's.
"""
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.formatting import slugify
from app.moderation import services as moderation
from app.notifications import services as follows
from app.notifications import tag_follows
from app.questions import services
from tests import builders
from tests.integration.test_query_counts import count_queries


def url(question):
    return f"/questions/{question.id}/{slugify(question.title)}"


def member_client(app, member):
    """A client of its own, signed in as `member`."""
    client = app.test_client()
    response = client.post("/sign-in", data={"login": member.username, "password": builders.PASSWORD})
    assert response.status_code == 302
    return client


def token_of(page):
    """The form token a page carries (one per request, in the head and in every form)."""
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def normalized(page):
    """The page with what may differ between two renders of it taken out: the form token, the view count.

    (View counts are buffered and flushed after responses, so a kept page shows the count it was rendered with.)
    """
    page = page.replace(token_of(page), "TOKEN")
    return re.sub(r"<span>(Viewed|Vue) [\d,\u202f]+ (times?|fois)</span>", "<span>VIEWS</span>", page)


def kept_page(client, path):
    """The page as a repeat visit gets it, and whether the thread was rendered for it (posts read from the database)."""
    client.get(path)
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True), any("answers.body_html" in s for s in statements)


def fresh_page(app, client, path):
    """The same page rendered from the database, the cache switched off."""
    seconds, app.config["PAGE_CACHE_SECONDS"] = app.config["PAGE_CACHE_SECONDS"], 0
    try:
        return client.get(path).get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = seconds


@pytest.fixture
def thread(app, clock):
    """A thread with an accepted answer, another answer, comments, and a moderator who can hide things."""
    asker = builders.user("asker")
    question = builders.question(asker, title="Why does my X200 lose pairing overnight?", tags=("x200", "pairing"))
    first = builders.answer(question, builders.user("alice"), body="Reset the pairing list from the app.")
    second = builders.answer(question, builders.user("bruno"), body="A firmware update fixed it for me.")
    builders.comment(question, builders.user("carla"), "Which firmware do you run?")
    builders.comment(question, builders.user("dan"), "Same here.", answer=first)
    services.accept_answer(asker, first, now=clock.now)
    return {"question": question, "first": first, "second": second, "moderator": builders.user("mod", "moderator")}


def situation(name, thread, clock):
    """A member in one situation in the thread; returns the member."""
    question, second = thread["question"], thread["second"]
    member = builders.flagger(name)
    if name == "answerer":
        builders.answer(question, member, body="My own answer, which only I may edit or delete.")
    elif name == "recent-commenter":
        builders.comment(question, member, "My comment, still editable for a few minutes.", answer=second)
    elif name == "old-commenter":
        builders.comment(question, member, "My comment, no longer editable.", now=clock.now - timedelta(hours=1))
    elif name == "voter":
        services.cast_vote(member, question, 1, now=clock.now)
        services.cast_vote(member, second, -1, now=clock.now)
    elif name == "follower":
        follows.follow(member, question.id, now=clock.now)
        tag_follows.follow_tag(member, "pairing", now=clock.now)
    elif name == "hidden-author":
        answer = builders.answer(question, member, body="An answer a moderator hid: its author still sees it.")
        moderation.hide_post(thread["moderator"], answer, "off topic", now=clock.now)
    elif name == "unverified":
        member.email_verified_at = None
    elif name == "french":
        member.locale = "fr"
    elif name == "new-member":
        member.created_at = clock.now
    if name in ("answerer", "recent-commenter", "old-commenter", "hidden-author"):
        # Writing in a thread follows it: unfollowed, only what they wrote tells their page from a bystander's.
        follows.unfollow(member, question.id)
    db.session.commit()
    return member


SITUATIONS = ["reader", "answerer", "recent-commenter", "old-commenter", "voter", "follower", "hidden-author",
              "unverified", "french", "new-member"]


@pytest.mark.parametrize("name", SITUATIONS)
@pytest.mark.parametrize("first", ["they", "a bystander"])
def test_a_kept_page_is_the_page_a_fresh_render_gives(app, thread, clock, name, first):
    """Whoever kept the page first, each of the two gets the page a fresh render gives them."""
    member = situation(name, thread, clock)
    clients = {"they": member_client(app, member), "a bystander": member_client(app, builders.flagger("bystander"))}
    path = url(thread["question"])
    clients[first].get(path)
    for who in sorted(clients, key=lambda who: who != first):
        kept, rendered = kept_page(clients[who], path)
        assert not rendered, f"{who}: the repeat visit was rendered again instead of kept"
        assert normalized(kept) == normalized(fresh_page(app, clients[who], path)), who
        assert (member.username if who == "they" else "bystander") in kept


def test_members_in_the_same_place_share_one_kept_page_each_with_their_own_name_and_token(app, thread):
    path = url(thread["question"])
    first_reader = member_client(app, builders.flagger("reader1"))
    first_reader.get(path)
    second_reader = member_client(app, builders.flagger("reader2"))
    with count_queries() as statements:
        page = second_reader.get(path).get_data(as_text=True)
    assert not any("answers.body_html" in s for s in statements), "a second reader's first visit was rendered"
    assert "reader2" in page and "reader1" not in page
    # The token in the kept page is the second reader's: their vote goes through with it.
    vote = {"value": "1", "csrf_token": token_of(page)}
    response = second_reader.post(f"/answers/{thread['second'].id}/vote", data=vote,
                                  headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["vote"] == 1


def test_what_one_member_wrote_or_did_never_shows_on_another_members_page(app, thread, clock):
    path = url(thread["question"])
    author = situation("hidden-author", thread, clock)
    voter = situation("voter", thread, clock)
    for member in (author, voter):
        member_client(app, member).get(path)
    page, _ = kept_page(member_client(app, builders.flagger("bystander")), path)
    assert "An answer a moderator hid" not in page
    assert 'aria-pressed="true"' not in page


def test_a_members_own_change_shows_on_their_next_visit(app, thread):
    path = url(thread["question"])
    member = builders.flagger("reader")
    client = member_client(app, member)
    client.get(path)
    page, _ = kept_page(client, path)
    assert 'aria-pressed="true"' not in page
    client.post(f"/questions/{thread['question'].id}/vote", data={"value": "1", "csrf_token": token_of(page)})
    client.post(f"/questions/{thread['question'].id}/follow", data={"csrf_token": token_of(page)})
    page = client.get(path).get_data(as_text=True)
    assert 'aria-pressed="true" aria-label="This question is useful"' in page
    assert "Unfollow" in page


def test_anothers_answer_shows_at_once_on_a_kept_page(app, thread):
    path = url(thread["question"])
    client = member_client(app, builders.flagger("reader"))
    kept_page(client, path)
    builders.answer(thread["question"], body="A new answer from someone else must show at once.")
    assert "A new answer from someone else must show at once." in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("who", ["asker", "agent", "moderator", "suspended"])
def test_some_members_always_get_a_fresh_page(app, thread, clock, who):
    if who == "asker":
        member = thread["question"].author
    elif who == "suspended":
        member = builders.flagger("suspended")
        moderation.suspend(thread["moderator"], member, clock.now + timedelta(days=1), "spam", now=clock.now)
    else:
        member = builders.user(who, role=who)
    client = member_client(app, member)
    _, rendered = kept_page(client, url(thread["question"]))
    assert rendered


def test_a_pending_message_is_shown_once_and_the_page_after_it_has_none(app, thread):
    path = url(thread["question"])
    client = member_client(app, builders.flagger("reader"))
    page, _ = kept_page(client, path)
    response = client.post(f"/questions/{thread['question'].id}/answers",
                           data={"body": "An answer of mine, posted from a kept page.", "csrf_token": token_of(page)})
    assert response.status_code == 302
    after_posting = client.get(path).get_data(as_text=True)
    assert "Thanks for your answer!" in after_posting
    assert "Thanks for your answer!" not in client.get(path).get_data(as_text=True)


def test_a_comments_edit_box_goes_when_its_edit_window_closes(app, thread, clock):
    path = url(thread["question"])
    member = situation("recent-commenter", thread, clock)
    client = member_client(app, member)
    kept, _ = kept_page(client, path)
    assert kept.count('<details class="comment-edit"') == 1
    clock.advance(timedelta(minutes=services.comment_edit_window().seconds // 60 + 1))
    assert '<details class="comment-edit"' not in client.get(path).get_data(as_text=True)
