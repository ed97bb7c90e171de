"""Hidden or deleted questions leave the care queue with their clocks stopped, and come back when shown again."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.care import queries, services, sweep
from app.care.models import CareItem
from app.exceptions import Conflict
from app.extensions import db
from app.moderation import services as moderation
from app.questions import services as threads

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


@pytest.fixture
def moderator(make):
    return make.user("mod1", role="moderator")


def _item(item_id):
    db.session.rollback()
    return db.session.get(CareItem, item_id)


def _queue_ids(now):
    return [row[0].id for row in queries.queue(now)]


def test_a_hidden_question_leaves_the_queue_at_once_and_comes_back_when_shown(make, moderator, clock):
    question = make.question()
    item = services.send_to_queue(moderator, question, "", now=clock.now)
    hidden_at = clock.now + timedelta(minutes=10)
    moderation.hide_post(moderator, question, "Personal data in the post", now=hidden_at)
    withdrawn = _item(item.id)
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at == hidden_at and not withdrawn.is_open
    assert _queue_ids(hidden_at) == [] and queries.open_count() == 0
    # Hours later its clock has not run: no breach is marked, nobody is told.
    assert sweep.run(clock.now + timedelta(hours=5)).breaches == []
    shown_at = clock.now + timedelta(hours=6)
    moderation.unhide_post(moderator, question, "Edited out", now=shown_at)
    back = _item(item.id)
    assert back.status == "new" and back.withdrawn_at is None and back.is_open
    assert back.paused_seconds >= int((shown_at - hidden_at).total_seconds())  # the time away does not count
    assert _queue_ids(shown_at) == [item.id]


def test_a_question_its_author_deleted_is_out_of_the_queue_and_withdrawn_by_the_sweep(make, moderator, clock):
    author = make.user()
    question = make.question(author=author)
    item = services.send_to_queue(moderator, question, "", now=clock.now)
    threads.delete_question(author, question, now=clock.now + timedelta(minutes=1))
    assert _queue_ids(clock.now + timedelta(minutes=1)) == []
    result = sweep.run(clock.now + timedelta(minutes=2))
    assert result.withdrawn == 1 and _item(item.id).status == "withdrawn"
    moderation.restore_post(moderator, db.session.get(type(question), question.id), None,
                            now=clock.now + timedelta(minutes=3))
    assert _item(item.id).status == "new"


def test_a_withdrawn_item_cannot_be_worked(make, moderator, clock):
    question = make.question()
    item = services.send_to_queue(moderator, question, "", now=clock.now)
    moderation.delete_post(moderator, question, "spam", now=clock.now)
    with pytest.raises(Conflict):
        services.set_status(moderator, _item(item.id), "in_progress", now=clock.now)


def test_the_agent_opening_a_withdrawn_item_is_told_why(client, make, moderator, clock, sign_in):
    question = make.question()
    item = services.send_to_queue(moderator, question, "", now=clock.now)
    moderation.hide_post(moderator, question, "Personal data", now=clock.now)
    sign_in(make.user("agent1", role="agent"))
    response = client.get(f"/staff/care/items/{item.id}", follow_redirects=True)
    assert response.status_code == 200 and "withdrawn" in response.get_data(as_text=True)


def test_the_sweep_never_queues_a_hidden_question(make, moderator, clock):
    question = make.question()
    moderation.hide_post(moderator, question, "Spam", now=clock.now)
    assert sweep.run(clock.now + timedelta(hours=2)).created == 0
    db.session.rollback()
    assert db.session.scalar(select(CareItem)) is None
