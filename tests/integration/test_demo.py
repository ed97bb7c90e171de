"""The demo community: believable, consistent through the real services, and the same for the same seed."""
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from app import demo, reputation, validation
from app.auth.services import clean_username
from app.clock import utcnow
from app.exceptions import Conflict
from app.extensions import db
from app.models import Answer, AnswerVote, Comment, Question, QuestionVote, Revision, Tag, User, question_tags
from app.search import index_sync

NOW = datetime(2026, 5, 1, 12, 0)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# The demo_community tests only read the community that `flask seed-demo` loaded once for the
# run, into a database of its own; the last two use the ordinary, emptied test database.


def test_seed_demo_reports_what_it_loaded_and_catches_the_search_index_up(demo_community):
    assert demo_community.exit_code == 0, demo_community.output
    assert demo_community.output.startswith("Demo community loaded: 46 members, 5 staff, 160 questions, ")
    assert "Search index caught up" in demo_community.output
    assert index_sync.differences() == {"missing": [], "extra": [], "stale": [], "without a current vector": []}


def test_the_demo_brings_its_own_synonyms_as_a_setting_the_product_ships_none(demo_community):
    from app import settings
    from app.audit import AuditEntry
    from app.search.queries import SYNONYMS

    assert settings.default_of(settings.DEFINITIONS[SYNONYMS]) == []
    assert "earbuds earbud earphones buds bud" in settings.get(SYNONYMS)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == SYNONYMS)).one()
    assert entry.actor_id is None and entry.after["value"] == settings.get(SYNONYMS)


def test_the_same_seed_stores_what_the_planner_produces(demo_community):
    # Same seed, same community: what was stored is what the planner produces on its own.
    titles = db.session.scalars(select(Question.title).order_by(Question.id)).all()
    assert titles == [thread.title for thread in demo.plan(2026, now=utcnow()).threads]


def test_demo_accounts_have_every_role_and_the_documented_password(demo_community):
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles["member"] >= 40 and roles["agent"] == 3 and roles["moderator"] == 1 and roles["admin"] == 1
    admin, member = (db.session.scalar(select(User).where(User.username == name)) for name in ("admin", "demo"))
    assert admin.role == "admin" and member.role == "member"
    assert admin.check_password(demo.DEMO_PASSWORD) and member.check_password(demo.DEMO_PASSWORD)
    assert _count(Question, Question.author_id == member.id) >= 2


def test_demo_members_are_verified_so_they_may_flag_and_post_links(demo_community):
    assert _count(User) >= 45 and _count(User, User.email_verified_at.is_(None)) == 0


def test_demo_threads_are_varied_like_a_real_community(demo_community):
    questions = db.session.scalars(select(Question)).all()
    assert len(questions) >= 150 and len({q.title for q in questions}) == len(questions)
    assert all(1 <= len(q.tags) <= 5 for q in questions)
    assert _count(Tag, Tag.question_count > 0) >= 10
    unanswered = [q for q in questions if q.answer_count == 0]
    unresolved = [q for q in questions if q.answer_count and q.accepted_answer_id is None]
    resolved = [q for q in questions if q.accepted_answer_id is not None]
    assert len(unanswered) >= 5 and len(unresolved) >= 15 and len(resolved) >= 0.4 * len(questions)
    assert max(q.answer_count for q in questions) <= 10
    assert len({q.view_count for q in questions}) > 50
    bodies = " ".join(q.body_html for q in questions)
    assert "<pre>" in bodies and "<ul>" in bodies and "<ol>" in bodies
    staff_ids = select(User.id).where(User.role == "agent")
    official = db.session.scalars(select(Answer.body_html).where(Answer.author_id.in_(staff_ids))).all()
    assert official and all("Lumen Care here" in body for body in official)
    assert "https://lumen.example/" in " ".join(official)
    assert _count(Comment, Comment.answer_id.is_(None)) and _count(Comment, Comment.answer_id.is_not(None))
    for model in (QuestionVote, AnswerVote):
        assert _count(model, model.value == 1) > _count(model, model.value == -1) > 0


def test_demo_counters_agree_with_what_they_count(demo_community):
    expected = reputation.points_from_history()
    for user_id, points in db.session.execute(select(User.id, User.reputation_points)):
        assert points == expected.get(user_id, 0), user_id
    live_answers = dict(db.session.execute(
        select(Answer.question_id, func.count()).where(Answer.deleted_at.is_(None)).group_by(Answer.question_id)).all())
    for question_id, answer_count in db.session.execute(select(Question.id, Question.answer_count)):
        assert answer_count == live_answers.get(question_id, 0), question_id
    tag_id = question_tags.c.tag_id
    tagged = dict(db.session.execute(select(tag_id, func.count()).group_by(tag_id)).all())
    assert all(tag.question_count == tagged.get(tag.id, 0) for tag in db.session.scalars(select(Tag)))
    for post, vote, column in ((Question, QuestionVote, QuestionVote.question_id),
                               (Answer, AnswerVote, AnswerVote.answer_id)):
        sums = dict(db.session.execute(select(column, func.sum(vote.value)).group_by(column)).all())
        assert all(score == sums.get(post_id, 0) for post_id, score in db.session.execute(select(post.id, post.score)))
    accepted = db.session.execute(select(Question.id, Answer.question_id)
                                  .join(Answer, Answer.id == Question.accepted_answer_id)).all()
    assert all(question_id == answer_question for question_id, answer_question in accepted)
    assert _count(Revision) == _count(Question) + _count(Answer)


def test_demo_timestamps_follow_each_other_and_end_by_the_time_it_was_seeded(demo_community):
    started, finished = demo_community.started, demo_community.finished
    questions = {q.id: q for q in db.session.scalars(select(Question))}
    asked = [q.created_at for q in questions.values()]
    assert min(asked) < started - timedelta(days=365) and max(asked) > started - timedelta(days=7)
    answers = {a.id: a for a in db.session.scalars(select(Answer))}
    for answer in answers.values():
        assert questions[answer.question_id].created_at < answer.created_at <= finished
    for comment in db.session.scalars(select(Comment)):
        post = answers[comment.answer_id] if comment.answer_id else questions[comment.question_id]
        assert post.created_at < comment.created_at <= finished
    latest = {q.id: q.created_at for q in questions.values()}
    for post in list(answers.values()) + db.session.scalars(select(Comment)).all():
        latest[post.question_id] = max(latest[post.question_id], post.created_at)
    assert all(q.last_activity_at >= latest[q.id] and q.last_activity_at <= finished for q in questions.values())
    for revision in db.session.scalars(select(Revision)):
        post = questions[revision.question_id] if revision.question_id else answers[revision.answer_id]
        assert revision.created_at == post.created_at
    for model, posts, column in ((QuestionVote, questions, "question_id"), (AnswerVote, answers, "answer_id")):
        assert all(posts[getattr(v, column)].created_at < v.created_at <= finished
                   for v in db.session.scalars(select(model)))
    first_activity = {}
    for author_id, created_at in [(q.author_id, q.created_at) for q in questions.values()] + [
            (a.author_id, a.created_at) for a in answers.values()]:
        first_activity[author_id] = min(created_at, first_activity.get(author_id, created_at))
    for user in db.session.scalars(select(User)):
        assert user.created_at < first_activity.get(user.id, finished)
    joined = db.session.scalars(select(User.created_at).where(User.role == "member")).all()
    assert min(joined) < min(asked) and max(joined) > started - timedelta(days=90)  # people keep joining


def test_the_plan_is_repeatable_and_follows_every_rule():
    community = demo.plan(7, now=NOW)
    assert community == demo.plan(7, now=NOW)
    assert [t.title for t in community.threads] != [t.title for t in demo.plan(8, now=NOW).threads]
    joined = {account.username: account.joined for account in community.accounts}
    assert all(clean_username(name) == name for name in joined)
    for thread in community.threads:
        assert validation.clean_title(thread.title) == thread.title
        assert validation.clean_tags(thread.tags) == thread.tags
        assert validation.clean_body(thread.body) == thread.body
        assert joined[thread.asker] < thread.asked_at <= thread.last_activity_at <= NOW
        assert all(earlier.at < later.at for earlier, later in pairwise(thread.answers))
        assert thread.accepted is None or 0 <= thread.accepted < len(thread.answers)
        for post, author, at in [(thread, thread.asker, thread.asked_at),
                                 *((answer, answer.author, answer.at) for answer in thread.answers)]:
            assert joined[author] < at <= thread.last_activity_at
            voters = [voter for voter, _, _ in post.votes]
            assert author not in voters and len(set(voters)) == len(voters)
            assert all(joined[voter] < moment and at < moment <= NOW for voter, _, moment in post.votes)
            assert all(joined[note.author] < note.at and at < note.at <= thread.last_activity_at
                       for note in post.comments)
            assert all(validation.clean_comment(note.text) == note.text for note in post.comments)


def test_if_empty_leaves_a_database_with_questions_alone(runner, make):
    make.question()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "already has questions" in result.output
    assert _count(Question) == 1 and _count(User, User.username == "demo") == 0


def test_seeding_twice_is_refused_before_anything_is_written(make):
    make.user("demo")
    with pytest.raises(Conflict, match="already exist"):
        demo.seed(now=NOW)
    assert _count(User) == 1 and _count(Question) == 0
