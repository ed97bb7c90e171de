"""Reminders to accept an answer never burst: each one interval after the last, at most one a day per member,
and none sent late after a lapse or a settings change."""
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import settings
from app.care import options, sweep
from app.care.models import CareReminder
from app.extensions import db
from app.models import Question
from app.notifications.models import Notification

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)


def _answered(make, asker, clock, days_ago=0):
    question = make.question(author=asker, now=clock.now - timedelta(days=days_ago, hours=1))
    answer = make.answer(question, now=clock.now - timedelta(days=days_ago))
    return question, answer.created_at


def _reminders(question):
    db.session.rollback()
    return [(row.number, row.created_at) for row in db.session.scalars(
        select(CareReminder).where(CareReminder.question_id == question.id).order_by(CareReminder.number))]


def _set(name, value, admin, clock):
    settings.change(admin, name, value, "fewer days before the reminder", now=clock.now)


def test_the_second_reminder_is_one_interval_after_the_first_not_two_after_the_answer(make, clock):
    question, answered = _answered(make, make.user(), clock)
    # The sweep did not run on day 3: the first reminder goes out late, on day 4.
    assert sweep.run(answered + timedelta(days=4)).reminders == 1
    assert sweep.run(answered + timedelta(days=6)).reminders == 0  # two intervals after the answer: too soon
    assert sweep.run(answered + timedelta(days=7)).reminders == 1  # one interval after the first reminder
    assert [number for number, _ in _reminders(question)] == [1, 2]
    assert sweep.run(answered + timedelta(days=30)).reminders == 0  # at most twice


def test_a_reminder_that_lapsed_is_not_sent_late(make, clock):
    question, answered = _answered(make, make.user(), clock)
    assert sweep.run(answered + timedelta(days=7)).reminders == 0  # due on day 3, the interval after it has passed
    assert _reminders(question) == []


def test_lowering_the_interval_sends_no_burst(make, clock):
    """The issue's case: one settings change sent 38 second reminders at once, four to one member."""
    admin = make.user(role="admin")
    askers = [make.user(now=clock.now - timedelta(days=90)) for _ in range(5)]
    for asker in askers:
        for days in (0, 5, 8, 11, 20):
            _answered(make, asker, clock, days_ago=days)
    assert sweep.run(clock.now).reminders == 5  # the 5-day-old answers: due on day 3, in the interval after it
    _set(options.REMINDER_DAYS, "1", admin, clock)
    # Due at once under the new interval: the 8, 11 and 20-day-old answers, and a second reminder of the 5-day one.
    assert sweep.run(clock.now + timedelta(minutes=1)).reminders == 0
    assert sweep.run(clock.now + timedelta(days=1, minutes=2)).reminders == 5  # each member's next, one each
    db.session.rollback()
    per_member = Counter(db.session.scalars(select(Question.author_id).join(
        CareReminder, CareReminder.question_id == Question.id)))
    assert per_member == Counter({asker.id: 2 for asker in askers})


def test_a_member_gets_at_most_one_reminder_a_day(make, clock):
    asker = make.user(now=clock.now - timedelta(days=90))
    first, answered = _answered(make, asker, clock)
    second, _ = _answered(make, asker, clock)
    third, _ = _answered(make, asker, clock)
    assert sweep.run(answered + timedelta(days=3)).reminders == 1
    assert sweep.run(answered + timedelta(days=3, hours=12)).reminders == 0
    assert sweep.run(answered + timedelta(days=4, minutes=1)).reminders == 1
    notices = db.session.scalars(select(Notification).where(Notification.user_id == asker.id,
                                                            Notification.kind == "care_reminder")).all()
    assert len(notices) == 2
    days = sorted(created.date() for question in (first, second, third) for _, created in _reminders(question))
    assert len(days) == len(set(days)) == 2
