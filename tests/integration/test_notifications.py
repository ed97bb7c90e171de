"""Notifications: who hears about what, the bell and the page, following questions, roles."""
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app import signals
from app.clock import utcnow
from app.extensions import db
from app.models import Question
from app.notifications import services
from app.notifications.models import Follow, Notification
from app.outbox import OutboxMessage
from app.questions import services as threads
from tests import corpora

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def _notes(user, kind=None):
    """The member's notifications (of `kind`; without one, all but badges: test_badges_and_reputation has those)."""
    db.session.rollback()
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    query = query.where(Notification.kind == kind) if kind else query.where(Notification.kind != "badge")
    return list(db.session.scalars(query))


def _kinds(user):
    return [n.kind for n in _notes(user)]


def _followers(question):
    db.session.rollback()
    return set(db.session.scalars(select(Follow.user_id).where(Follow.question_id == question.id)))


@pytest.fixture
def asker(make):
    return make.user("asker")


@pytest.fixture
def question(make, asker):
    return make.question(asker, title="Why does my Lumen X200 drop the connection?")


def test_an_answer_notifies_the_asker_and_emails_them(make, asker, question):
    helper = make.user("helper")
    answer = make.answer(question, helper)
    [note] = _notes(asker)
    assert (note.kind, note.actor_id, note.question_id, note.answer_id, note.read_at) == (
        "answer", helper.id, question.id, answer.id, None)
    assert "Hold both buttons" in note.excerpt
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "notification:answer"))
    assert email.payload["to"] == asker.email and email.payload["user_id"] == asker.id
    assert email.payload["subject"] == f"helper answered your question: {question.title}"
    assert _notes(helper) == []  # nobody hears about their own action


def test_answering_your_own_question_notifies_nobody(asker, make, question):
    make.answer(question, asker)
    assert _notes(asker) == []


def test_a_comment_notifies_the_author_of_the_post_it_is_on(make, asker, question):
    helper, commenter = make.user("helper"), make.user("commenter")
    answer = make.answer(question, helper)
    make.comment(question, commenter, "Which firmware version do you have?")
    make.comment(question, commenter, "This worked for me as well, thanks", answer=answer)
    assert _kinds(asker) == ["answer", "comment"]
    [on_answer] = _notes(helper, "comment")
    assert on_answer.answer_id == answer.id and on_answer.excerpt == "This worked for me as well, thanks"
    assert on_answer.comment_id is not None


def test_acceptance_notifies_the_answerer(make, asker, question):
    helper = make.user("helper")
    answer = make.answer(question, helper)
    threads.accept_answer(asker, answer, now=utcnow())
    [note] = _notes(helper, "accepted")
    assert note.actor_id == asker.id and note.answer_id == answer.id
    threads.accept_answer(asker, answer, now=utcnow())  # accepting again changes nothing and notifies nobody again
    assert len(_notes(helper, "accepted")) == 1


def test_mentions_notify_existing_members_once_and_never_the_author(make, asker):
    carol, dave = make.user("carol"), make.user("Dave")
    question = make.question(asker, body="Pinging @carol and @dave (and @ghost who does not exist), also @asker.")
    assert _kinds(carol) == ["mention"] and _kinds(dave) == ["mention"]
    assert _notes(asker) == []
    make.comment(question, dave, "@carol @carol see `@asker` in code, but not here: carol@example.com")
    assert _kinds(carol) == ["mention", "mention"]
    assert _kinds(asker) == ["comment"]  # the comment, not a mention from inside code


def test_an_edit_that_adds_a_mention_tells_only_the_newly_mentioned(make, asker):
    carol, dave = make.user("carol"), make.user("dave")
    question = make.question(asker, body="Asking @carol because she has the same lamp at home.")
    assert _kinds(carol) == ["mention"]
    threads.edit_question(asker, question, question.title,
                          "Asking @carol because she has the same lamp at home, and @dave too.", ["earbuds"],
                          now=utcnow())
    assert _kinds(carol) == ["mention"] and _kinds(dave) == ["mention"]
    answer = make.answer(question, carol, body="Mine flickers as well, no fix yet on my side.")
    threads.edit_answer(carol, answer, "Mine flickers as well; @dave found the fix in the firmware notes.",
                        now=utcnow())
    [from_answer] = _notes(dave)[1:]
    assert from_answer.answer_id == answer.id and from_answer.actor_id == carol.id
    threads.edit_answer(carol, answer, "Mine flickered as well; @dave found the fix in the firmware notes.",
                        now=utcnow())
    assert len(_notes(dave)) == 2  # still mentioned, not newly


def test_a_mention_of_the_asker_in_an_answer_counts_once_as_an_answer(make, asker, question):
    make.answer(question, body="@asker hold both buttons for fifteen seconds until the light blinks.")
    assert _kinds(asker) == ["answer"]


def test_askers_answerers_and_commenters_follow_automatically(make, asker, question):
    helper, commenter = make.user(), make.user()
    make.answer(question, helper)
    make.comment(question, commenter)
    assert _followers(question) == {asker.id, helper.id, commenter.id}


def test_followers_hear_about_new_answers_and_staff_replies(make, asker, question):
    follower, agent = make.user("follower"), make.user("agent", role="agent")
    services.follow(follower, question.id, now=utcnow())
    make.answer(question, make.user())
    assert _kinds(follower) == ["followed_answer"]
    make.answer(question, agent, body="Lumen support here: firmware 2.1.4 fixes this, please update.")
    assert _kinds(follower) == ["followed_answer", "staff_reply"]
    assert _kinds(asker) == ["answer", "answer"]  # the asker hears it as an answer to their question
    make.comment(question, agent, "Update: 2.1.5 is out too.")
    assert _kinds(follower)[-1] == "staff_reply"
    services.unfollow(follower, question.id)
    make.answer(question, agent, body="One more official note for everyone following this thread.")
    assert len(_notes(follower)) == 3


def test_moderation_decisions_reach_the_author_signed_by_a_moderator(make, asker, question):
    moderator = make.user(role="moderator")
    answer = make.answer(question, make.user("writer"))
    writer = answer.author
    db.session.rollback()
    # The moderation feature sends this inside its write transaction; here the test is that transaction.
    signals.post_moderated.send(moderator, post=db.session.get(type(answer), answer.id), action="hide",
                                reason="Contains a phone number", now=utcnow())
    db.session.commit()
    [note] = _notes(writer, "moderation")
    assert note.actor_id is None and note.answer_id == answer.id and note.question_id == question.id
    assert note.excerpt == (f"A moderator hid your answer to “{question.title}”. The moderator's reason: Contains a "
                            "phone number. Only you and the moderators can see it now; you can edit it to fix the "
                            "problem.")
    signals.post_moderated.send(moderator, post=db.session.get(Question, question.id), action="restore", now=utcnow())
    db.session.commit()
    assert _notes(asker, "moderation")[0].excerpt == (
        f"A moderator restored your question “{question.title}”, which had been deleted.")


def test_a_moderator_hiding_a_comment_tells_its_author(make, asker, question):
    from app.moderation import services as moderation

    commenter = make.user("commenter")
    comment = make.comment(question, commenter, "Call me on my private number for help")
    moderation.hide_post(make.user(role="moderator"), comment, note="Personal data", now=utcnow())
    [note] = _notes(commenter, "moderation")
    assert note.comment_id == comment.id and note.question_id == question.id
    assert note.excerpt == (f"A moderator hid your comment on “{question.title}”. The moderator's reason: Personal "
                            "data. Only you and the moderators can see it now.")


def test_a_decision_taken_by_the_system_reaches_the_author(app, make, asker, question):
    from app.moderation import services as moderation

    app.config["FLAG_HIDE_THRESHOLD"] = 2
    for _ in range(2):
        moderation.flag_post(make.flagger(), db.session.get(Question, question.id), "spam", now=utcnow())
    [note] = _notes(asker, "moderation")
    assert note.actor_id is None
    assert note.excerpt == (f"Your question “{question.title}” was hidden after members flagged it as spam, until a "
                            "moderator reviews it. Only you and the moderators can see it now; you can edit it to "
                            "fix the problem.")


# Plain words: what happened, to what, and why, never the queue's internal codes.
PLAIN_DECISIONS = [
    ("agree-hide", "A moderator hid your answer to “{title}” after a member flagged it as rude or abusive. "
                   "Only you and the moderators can see it now; you can edit it to fix the problem."),
    ("agree-delete", "A moderator deleted your answer to “{title}” after a member flagged it as rude or abusive."),
    ("disagree", "A moderator looked at the flag on your answer to “{title}” and found nothing wrong with it: "
                 "everyone can see it."),
    ("ignore", "A moderator looked at the flag on your answer to “{title}” and left it as it is."),
]


@pytest.mark.parametrize("action, words", PLAIN_DECISIONS)
def test_a_review_decision_says_what_happened_to_what_and_why(make, question, action, words):
    from app.moderation import services as moderation
    from app.moderation.models import ReviewItem

    writer = make.user("writer")
    answer = make.answer(question, writer)
    moderation.flag_post(make.flagger(), answer, "rude", now=utcnow())
    moderation.decide(make.user(role="moderator"), db.session.scalar(select(ReviewItem)), action, now=utcnow())
    [note] = _notes(writer, "moderation")
    assert note.excerpt == words.format(title=question.title)
    assert "Decision" not in note.excerpt and action not in note.excerpt


def test_a_moderators_own_flag_hides_without_naming_them(make, question):
    from app.moderation import services as moderation

    writer = make.user("writer")
    answer = make.answer(question, writer)
    moderation.flag_post(make.user("sheriff", role="moderator"), answer, "spam", now=utcnow())
    [note] = _notes(writer, "moderation")
    assert note.excerpt.startswith(
        f"A moderator hid your answer to “{question.title}” after a member flagged it as spam.")
    assert "sheriff" not in note.excerpt and "threshold" not in note.excerpt


@pytest.fixture
def spam_answer(app, make, asker, question):
    """A spam answer that the asker and a follower heard about, then hidden by members' spam flags."""
    from app.moderation import services as moderation

    follower = make.user("follower")
    services.follow(follower, question.id, now=utcnow())
    answer = make.answer(question, make.user("spammer"), body="Buy cheap zorblax pills at zorblax dot example today")
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    for _ in range(2):
        moderation.flag_post(make.flagger(), answer, "spam", now=utcnow())
    return answer, follower


def test_a_hidden_spam_answer_leaves_no_excerpt_in_the_notifications_it_caused(client, sign_in, spam_answer, asker):
    _, follower = spam_answer
    for member in (asker, follower):
        sign_in(member)
        listing = client.get("/notifications").get_data(as_text=True)
        assert "zorblax" not in listing
        assert "an answer that was removed" in listing
        client.post("/sign-out")


def test_a_deleted_answer_leaves_no_excerpt_either(client, sign_in, make, asker, question):
    from app.moderation import services as moderation

    answer = make.answer(question, make.user("helper"), body="Here is my phone number, call me any time at all")
    moderation.delete_post(make.user(role="moderator"), answer, now=utcnow())
    sign_in(asker)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "phone number" not in listing and "an answer that was removed" in listing


def test_a_digest_not_sent_yet_leaves_out_the_hidden_spam_answer(clock, app, make, asker, question):
    from datetime import timedelta

    from app.moderation import services as moderation
    from app.notifications import digest

    services.set_email_mode(asker, "daily", now=utcnow())
    make.answer(question, make.user("helper"), body="Hold both buttons for fifteen seconds, it resets the pairing.")
    spam = make.answer(question, make.user("spammer"), body="Buy cheap zorblax pills at zorblax dot example today")
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    moderation.flag_post(make.flagger(), spam, "spam", now=utcnow())
    assert digest.send_due_digests(now=utcnow() + timedelta(days=1)) == 1
    text = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "digest")).payload["text"]
    assert "Hold both buttons" in text
    assert "zorblax" not in text and "an answer that was removed" in text


def test_a_rolled_back_post_leaves_no_notification(make, asker, question):
    with pytest.raises(Exception, match="closed"):
        threads.close_question(make.user(role="moderator"), question, "off-topic", now=utcnow())
        make.answer(question)
    assert _notes(asker) == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# Pages ------------------------------------------------------------------------------------


def test_the_bell_counts_unread_and_the_page_lists_them(client, sign_in, make, asker, question):
    make.answer(question, make.user("helper"))
    make.comment(question, make.user("commenter"))
    sign_in(asker)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="Notifications: 2 unread"' in page and "data-unread-count>2<" in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert "helper</strong> answered your question" in listing
    assert "commenter</strong> commented on your post" in listing
    assert listing.count("is-unread") == 2


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(client, sign_in, make, asker, question):
    answer = make.answer(question)
    [note] = _notes(asker)
    sign_in(asker)
    response = client.get(f"/notifications/{note.id}")
    assert response.status_code == 302 and response.location.endswith(f"#answer-{answer.id}")
    assert _notes(asker)[0].read_at is not None
    assert 'aria-label="Notifications: 0 unread"' in client.get("/").get_data(as_text=True)


def test_mark_one_and_mark_all_read(client, sign_in, make, asker, question):
    make.answer(question)
    make.answer(question)
    first, second = _notes(asker)
    sign_in(asker)
    assert client.post(f"/notifications/{first.id}/read").status_code == 302
    assert [n.read_at is not None for n in _notes(asker)] == [True, False]
    client.post("/notifications/read")
    assert all(n.read_at for n in _notes(asker))


def test_nobody_opens_or_marks_another_members_notifications(client, sign_in, make, asker, question):
    make.answer(question)
    [note] = _notes(asker)
    sign_in(make.user("intruder"))
    assert client.get(f"/notifications/{note.id}").status_code == 404
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    assert client.get("/notifications/999999").status_code == 404
    assert _notes(asker)[0].read_at is None


@pytest.mark.parametrize("method, path", [("get", "/notifications"), ("post", "/notifications/read"),
                                          ("get", "/notifications/1"), ("post", "/notifications/1/read"),
                                          ("post", "/questions/1/follow"), ("post", "/questions/1/unfollow")])
def test_visitors_are_sent_to_sign_in(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/sign-in" in response.location


def test_visitors_see_no_bell_and_no_follow_button(client, question):
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Notifications:" not in page and "/follow" not in page


@pytest.mark.parametrize("role", ["member", "agent", "moderator", "admin"])
def test_any_member_follows_and_unfollows_from_the_question_page(client, sign_in, make, question, role):
    member = make.user(role=role)
    sign_in(member)
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/questions/{question.id}/follow"' in page
    response = client.post(f"/questions/{question.id}/follow")
    assert response.status_code == 302 and f"/questions/{question.id}/" in response.location
    assert member.id in _followers(question)
    page = client.get(response.location).get_data(as_text=True)
    assert f'action="/questions/{question.id}/unfollow"' in page
    client.post(f"/questions/{question.id}/follow")  # twice is harmless
    client.post(f"/questions/{question.id}/unfollow")
    assert member.id not in _followers(question)


def test_following_a_missing_or_deleted_question_is_a_404(client, sign_in, make, question):
    sign_in(make.user())
    assert client.post("/questions/999999/follow").status_code == 404
    threads.delete_question(question.author, question, now=utcnow())
    assert client.post(f"/questions/{question.id}/follow").status_code == 404


def test_notifications_page_is_paginated_and_empty_state(client, sign_in, make):
    lonely = make.user("lonely")
    sign_in(lonely)
    assert "Nothing yet" in client.get("/notifications").get_data(as_text=True)
    assert client.get("/notifications?page=99999999999").status_code == 200


def test_hostile_text_in_posts_is_escaped_in_the_list(client, sign_in, make, asker):
    """XSS payloads with markup that fit a comment: one in 75 from each of the 21 sources that have some."""
    entries = [e for e in corpora.load("xss_payloads.json")
               if "<" in e["payload"] and 2 <= len(e["payload"].strip()) <= 600]
    payloads = [entry["payload"] for entry in corpora.xss_sample(every=75, payloads=entries)]
    question = make.question(asker)
    commenter = make.user()
    for payload in payloads:
        make.comment(question, commenter, payload)
    sign_in(asker)
    response = client.get("/notifications?page=1")
    assert response.status_code == 200
    listing = response.get_data(as_text=True)
    assert "<script" not in listing.split("<main", 1)[1].lower()
    # Parsed, not searched: an escaped payload shows "&lt;img onerror=..." as text, which is the point.
    assert _event_handlers(listing) == []


class _HandlerFinder(HTMLParser):
    """Collects every on* attribute of every element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [f"<{tag} {name}=...>" for name, _ in attrs if name.startswith("on")]

    handle_startendtag = handle_starttag


def _event_handlers(page):
    finder = _HandlerFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def test_a_removed_thread_is_not_shown_again_in_others_notifications(client, sign_in, make, asker, question):
    follower = make.user("follower")
    services.follow(follower, question.id, now=utcnow())
    make.answer(question, body="Secret workaround that the moderators will remove soon enough.")
    threads.delete_question(make.user(role="moderator"), question, now=utcnow())
    sign_in(follower)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "a question that was removed" in listing
    assert question.title not in listing and "Secret workaround" not in listing
    [note] = _notes(follower)
    response = client.get(f"/notifications/{note.id}", follow_redirects=True)
    assert response.request.path == "/notifications" and "no longer there" in response.get_data(as_text=True)


def test_notifications_from_the_community_itself_are_signed_so(client, sign_in, make, asker, question):
    # The care queue (app/care) reminds askers through services.notify, with no actor: the community, by its name.
    client.application.config["BRAND_NAME"] = "Acme Community"
    services.notify(asker, "care_reminder", question=question, excerpt="Accept the answer that solved it.",
                    now=utcnow())
    db.session.commit()
    sign_in(asker)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Acme Community</strong> reminds you that your question has answers" in listing
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "notification:care_reminder"))
    assert email.payload["subject"].startswith("Acme Community reminds you that your question has answers")
