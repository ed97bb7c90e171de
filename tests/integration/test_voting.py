"""Votes: one per member per post, set explicitly, switching, scores and reputation kept exact."""
import threading
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.exceptions import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.models import Answer, AnswerVote, QuestionVote, User
from app.questions import services


@pytest.fixture
def thread(make):
    """An asker, an answerer, a voter, a question and an answer."""
    asker, answerer, voter = make.user("asker"), make.user("answerer"), make.user("voter")
    question = make.question(asker)
    answer = make.answer(question, answerer)
    return question, answer, asker, answerer, voter


def test_upvote_raises_score_and_author_reputation(thread):
    question, answer, asker, answerer, voter = thread
    assert services.cast_vote(voter, answer, 1, now=utcnow()) == 1
    assert services.cast_vote(voter, question, 1, now=utcnow()) == 1
    db.session.expire_all()
    assert (answer.score, question.score) == (1, 1)
    assert answerer.reputation == 1 + 10
    assert asker.reputation == 1 + 5


def test_the_same_vote_again_keeps_it(thread):
    """A vote says what the member wants, so sending it twice (two tabs, a retry) changes nothing the second time."""
    _, answer, _, answerer, voter = thread
    services.cast_vote(voter, answer, 1, now=utcnow())
    assert services.cast_vote(voter, answer, 1, now=utcnow()) == 1
    db.session.expire_all()
    assert answerer.reputation == 1 + 10
    assert db.session.get(AnswerVote, (voter.id, answer.id)).value == 1


def test_the_api_may_still_ask_for_the_same_vote_again_to_withdraw_it(thread):
    _, answer, _, answerer, voter = thread
    services.cast_vote(voter, answer, 1, now=utcnow(), same_again_withdraws=True)
    assert services.cast_vote(voter, answer, 1, now=utcnow(), same_again_withdraws=True) == 0
    db.session.expire_all()
    assert answerer.reputation == 1
    assert db.session.scalar(select(func.count()).select_from(AnswerVote)) == 0


def test_other_value_switches_the_vote(thread):
    _, answer, _, answerer, voter = thread
    services.cast_vote(voter, answer, 1, now=utcnow())
    assert services.cast_vote(voter, answer, -1, now=utcnow()) == -1
    db.session.expire_all()
    assert answerer.reputation_points == -2
    assert db.session.get(AnswerVote, (voter.id, answer.id)).value == -1


def test_zero_withdraws_and_is_harmless_without_a_vote(thread):
    question, _, asker, _, voter = thread
    assert services.cast_vote(voter, question, 0, now=utcnow()) == 0
    services.cast_vote(voter, question, -1, now=utcnow())
    assert services.cast_vote(voter, question, 0, now=utcnow()) == 0
    db.session.expire_all()
    assert asker.reputation_points == 0
    assert db.session.scalar(select(func.count()).select_from(QuestionVote)) == 0


def test_reputation_never_shows_below_one(thread, make):
    question, _, asker, _, _ = thread
    for number in range(3):
        services.cast_vote(make.user(f"critic{number}"), question, -1, now=utcnow())
    db.session.expire_all()
    assert asker.reputation_points == -6
    assert asker.reputation == 1


def test_nobody_votes_on_their_own_post(thread):
    question, answer, asker, answerer, _ = thread
    with pytest.raises(PermissionDenied):
        services.cast_vote(asker, question, 1, now=utcnow())
    with pytest.raises(PermissionDenied):
        services.cast_vote(answerer, answer, -1, now=utcnow())
    db.session.expire_all()
    assert (question.score, answer.score) == (0, 0)


@pytest.mark.parametrize("value", [2, -2, "1", None, True, 1.0, [1]])
def test_only_up_down_or_withdraw_are_votes(thread, value):
    _, answer, _, _, voter = thread
    with pytest.raises(ValidationError):
        services.cast_vote(voter, answer, value, now=utcnow())


def test_no_vote_on_deleted_posts(thread):
    _, answer, _, answerer, voter = thread
    services.delete_answer(answerer, answer, now=utcnow())
    with pytest.raises(NotFound):
        services.cast_vote(voter, answer, 1, now=utcnow())


def vote_in_page(client, answer, value):
    """What the page's script sends: the vote the member wants, answered with JSON."""
    return client.post(f"/answers/{answer.id}/vote", data={"value": str(value)}, headers={"Accept": "application/json"})


def test_two_tabs_sending_up_keep_one_up_vote(client, thread, sign_in):
    _, answer, _, answerer, voter = thread
    sign_in(voter)
    for _tab in range(2):
        response = vote_in_page(client, answer, 1)
        assert response.status_code == 200 and response.json == {"score": 1, "vote": 1}
    db.session.expire_all()
    assert answerer.reputation == 1 + 10


def test_a_stale_tab_withdrawing_a_vote_already_withdrawn_sees_none_and_zero(client, thread, sign_in):
    _, answer, _, answerer, voter = thread
    sign_in(voter)
    vote_in_page(client, answer, 1)
    assert vote_in_page(client, answer, 0).json == {"score": 0, "vote": 0}  # the first tab withdraws
    response = vote_in_page(client, answer, 0)  # the second still shows the arrow lit, and withdraws too
    assert response.status_code == 200 and response.json == {"score": 0, "vote": 0}
    db.session.expire_all()
    assert answerer.reputation == 1


def test_a_stale_tab_voting_down_switches_and_says_so(client, thread, sign_in):
    _, answer, _, answerer, voter = thread
    sign_in(voter)
    vote_in_page(client, answer, 1)
    assert vote_in_page(client, answer, -1).json == {"score": -1, "vote": -1}
    db.session.expire_all()
    assert answerer.reputation_points == -2


@pytest.mark.parametrize("data", [{}, {"value": ""}, {"value": "up"}, {"value": "2"}])
def test_a_page_vote_must_say_which_vote(client, thread, sign_in, data):
    _, answer, _, _, voter = thread
    sign_in(voter)
    response = client.post(f"/answers/{answer.id}/vote", data=data, headers={"Accept": "application/json"})
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert answer.score == 0


class VoteBoxes(HTMLParser):
    """The page's vote boxes in order (the question's first): each its score and {direction: (value, pressed, lit)}."""

    def __init__(self):
        super().__init__()
        self.boxes, self._in_score = [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "data-vote-box" in attributes:
            self.boxes.append({"score": None, "buttons": {}})
        elif tag == "span" and "data-score" in attributes:
            self._in_score = True
        elif tag == "button" and "vote" in classes:
            direction = "up" if "vote-up" in classes else "down"
            self.boxes[-1]["buttons"][direction] = (attributes.get("value"), attributes.get("aria-pressed"),
                                                    "is-active" in classes)

    def handle_data(self, data):
        if self._in_score:
            self.boxes[-1]["score"], self._in_score = data.strip(), False


def question_vote_box(page):
    """The question's vote box as the page shows it."""
    parser = VoteBoxes()
    parser.feed(page)
    return parser.boxes[0]


def test_without_javascript_two_tabs_sending_up_show_one_up_vote(client, thread, sign_in):
    question, _, _, _, voter = thread
    sign_in(voter)
    for _tab in range(2):
        response = client.post(f"/questions/{question.id}/vote", data={"value": "1"}, follow_redirects=True)
        assert response.status_code == 200
    box = question_vote_box(response.get_data(as_text=True))
    # The lit arrow asks for no vote when pressed again; the other asks for its own direction.
    assert box == {"score": "1", "buttons": {"up": ("0", "true", True), "down": ("-1", "false", False)}}


def test_without_javascript_a_stale_withdrawal_shows_no_vote(client, thread, sign_in):
    question, _, _, _, voter = thread
    sign_in(voter)
    client.post(f"/questions/{question.id}/vote", data={"value": "-1"})
    client.post(f"/questions/{question.id}/vote", data={"value": "0"})
    response = client.post(f"/questions/{question.id}/vote", data={"value": "0"}, follow_redirects=True)
    box = question_vote_box(response.get_data(as_text=True))
    assert box == {"score": "0", "buttons": {"up": ("1", "false", False), "down": ("-1", "false", False)}}


def vote_at_once(app, votes):
    """Cast (user_id, answer_id) up-votes from one thread each, released together; returns their errors."""
    errors, start = [], threading.Barrier(len(votes))

    def vote(user_id, answer_id):
        with app.app_context():
            try:
                user, target = db.session.get(User, user_id), db.session.get(Answer, answer_id)
                db.session.commit()  # hand the connection back: many waiting threads exceed the pool
                start.wait()
                services.cast_vote(user, target, 1, now=utcnow())
            except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
                errors.append(error)
            finally:
                db.session.remove()

    db.session.commit()  # end the caller's read snapshot, so afterwards it sees what the threads wrote
    workers = [threading.Thread(target=vote, args=pair) for pair in votes]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def test_concurrent_votes_from_many_members_all_count(app, thread, make):
    """Many threads vote on one post at once: the score is exact, no vote lost (a read-modify-write keeps 50 of 400)."""
    _, answer, _, answerer, _ = thread
    voter_ids = [make.user(f"crowd{number}").id for number in range(24)]
    assert vote_at_once(app, [(user_id, answer.id) for user_id in voter_ids]) == []
    db.session.expire_all()
    assert answer.score == len(voter_ids)
    assert answerer.reputation_points == 10 * len(voter_ids)
    assert db.session.scalar(select(func.count()).select_from(AnswerVote)) == len(voter_ids)


def test_one_member_double_clicking_keeps_one_vote(app, thread):
    """The same member sending the same vote twice at once: kept, never counted twice."""
    _, answer, _, answerer, voter = thread
    assert vote_at_once(app, [(voter.id, answer.id)] * 2) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AnswerVote)) == 1
    assert (answer.score, answerer.reputation_points) == (1, 10)
