"""Every answer to "Did this solve your problem?" is kept, with its 1-5 score and comment; the report counts each."""
import csv
import io
from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text, update

from app.care import metrics, services
from app.care.models import RATING_COMMENT_MAX, CareItem
from app.exceptions import Conflict, PermissionDenied, ValidationError
from app.extensions import db
from app.questions import services as threads
from tests.migrating import MIGRATIONS, migrated_to

pytestmark = pytest.mark.time_sensitive

T0 = datetime(2026, 10, 5, 9, 0)
SINCE, UNTIL, NOW = T0 - timedelta(days=1), T0 + timedelta(days=2), T0 + timedelta(days=1)


def _item(question):
    db.session.rollback()
    return db.session.scalar(select(CareItem).where(CareItem.question_id == question.id))


def _ratings(question):
    return [(r.episode, r.solved, r.score, r.comment) for r in _item(question).ratings]


@pytest.fixture
def agents(clock, make):
    clock.set(T0 - timedelta(days=30))
    return make.user("ann", role="agent"), make.user("bob", role="agent")


@pytest.fixture
def resolved(agents, make):
    """A queued question an agent resolved at T0 + 1 h."""
    question = threads.ask_question(make.user(), "The watch will not pair with my phone", "It worked yesterday; "
                                    "today the phone does not find it at all.", ["pulse"], now=T0)
    services.send_to_queue(agents[0], question, "", now=T0)
    services.set_status(agents[0], _item(question), "resolved", now=T0 + timedelta(hours=1))
    return question


def test_no_then_yes_keeps_both_answers_and_shows_50_percent(agents, resolved):
    asker = resolved.author
    services.record_feedback(asker, resolved, False, now=T0 + timedelta(hours=2))
    item = _item(resolved)
    assert item.status == "new" and item.reopened_count == 1 and item.episode == 2
    services.set_status(agents[0], item, "resolved", now=T0 + timedelta(hours=3))
    services.record_feedback(asker, resolved, True, now=T0 + timedelta(hours=4))
    assert _ratings(resolved) == [(1, False, None, None), (2, True, None, None)]
    figures = metrics.compute(SINCE, UNTIL, NOW)
    assert figures["satisfaction"] == {"rated": 2, "satisfied": 1, "yes": 1, "share": 0.5, "scored": 0,
                                       "average": None}
    assert figures["weekly_satisfaction"][0]["share"] == 0.5


def test_a_score_decides_satisfaction_when_given(agents, make, resolved):
    services.record_feedback(resolved.author, resolved, True, "2", "Solved, but it took three days.",
                             now=T0 + timedelta(hours=2))
    other = make.question(now=T0)
    services.send_to_queue(agents[0], other, "", now=T0)
    services.set_status(agents[0], _item(other), "resolved", now=T0 + timedelta(hours=1))
    services.record_feedback(other.author, other, False, 5, now=T0 + timedelta(hours=2))
    satisfaction = metrics.compute(SINCE, UNTIL, NOW)["satisfaction"]
    # 2 of 5 is not satisfied although solved; a 5 is satisfied although not solved yet.
    assert satisfaction == {"rated": 2, "satisfied": 1, "yes": 1, "share": 0.5, "scored": 2, "average": 3.5}


def test_a_second_answer_about_the_same_resolution_is_refused_and_the_first_stands(resolved):
    services.record_feedback(resolved.author, resolved, True, 4, now=T0 + timedelta(hours=2))
    with pytest.raises(Conflict, match="already answered"):
        services.record_feedback(resolved.author, resolved, False, 1, "Changed my mind", now=T0 + timedelta(hours=3))
    assert _ratings(resolved) == [(1, True, 4, None)]
    assert _item(resolved).status == "resolved"


def test_an_answer_about_an_older_resolution_is_refused(agents, resolved):
    services.record_feedback(resolved.author, resolved, False, now=T0 + timedelta(hours=2))
    services.set_status(agents[0], _item(resolved), "resolved", now=T0 + timedelta(hours=3))
    with pytest.raises(Conflict, match="reopened since"):
        services.record_feedback(resolved.author, resolved, True, now=T0 + timedelta(hours=4), episode=1)
    services.record_feedback(resolved.author, resolved, True, now=T0 + timedelta(hours=4), episode=2)
    assert [r[:2] for r in _ratings(resolved)] == [(1, False), (2, True)]


def test_only_the_asker_answers_and_only_after_a_resolution(make, agents):
    question = make.question(now=T0)
    services.send_to_queue(agents[0], question, "", now=T0)
    with pytest.raises(Conflict):
        services.record_feedback(question.author, question, True, now=T0)
    services.set_status(agents[0], _item(question), "resolved", now=T0 + timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        services.record_feedback(make.user(), question, True, now=T0 + timedelta(hours=2))
    assert _ratings(question) == []


@pytest.mark.parametrize(("score", "comment", "field"), [
    ("0", None, "score"), ("6", None, "score"), ("five", None, "score"), ("4.5", None, "score"), ("-1", None, "score"),
    ("٣", None, "score"), ("1" * 5000, None, "score"), (0, None, "score"), (6, None, "score"), (True, None, "score"),
    (None, "x" * (RATING_COMMENT_MAX + 1), "comment"), (None, ["a list"], "comment"),
])
def test_bad_scores_and_comments_are_refused_with_a_message(resolved, score, comment, field):
    with pytest.raises(ValidationError) as error:
        services.record_feedback(resolved.author, resolved, True, score, comment, now=T0 + timedelta(hours=2))
    assert list(error.value.errors) == [field]
    assert _ratings(resolved) == []


@pytest.mark.parametrize(("score", "comment", "stored"), [
    ("", "", (None, None)), (None, "   \n ", (None, None)), (" 3 ", None, (3, None)),
    (5, "Great\x00 help", (5, "Great help")),
    ("1", "x" * RATING_COMMENT_MAX, (1, "x" * RATING_COMMENT_MAX)),
])
def test_empty_means_none_and_text_is_cleaned(resolved, score, comment, stored):
    services.record_feedback(resolved.author, resolved, True, score, comment, now=T0 + timedelta(hours=2))
    assert _ratings(resolved)[0][2:] == stored


def test_the_form_offers_a_labelled_scale_and_records_score_and_comment(client, sign_in, resolved):
    sign_in(resolved.author)
    page = client.get(f"/questions/{resolved.id}", follow_redirects=True).get_data(as_text=True)
    form = page[page.index('id="care-followup"'):page.index("</form>", page.index('id="care-followup"'))]
    assert "<fieldset" in form and "<legend>How satisfied are you with the help you got?" in form
    for value, label in ((1, "Very dissatisfied"), (5, "Very satisfied")):
        assert f'<input type="radio" name="score" value="{value}">' in form and label in form
    assert 'name="episode" value="1"' in form and 'name="comment"' in form
    response = client.post(f"/questions/{resolved.id}/care-feedback",
                           data={"solved": "yes", "score": "4", "comment": "<script>alert(1)</script> thanks",
                                 "episode": "1"})
    assert response.status_code == 302
    assert _ratings(resolved) == [(1, True, 4, "<script>alert(1)</script> thanks")]
    page = client.get(f"/questions/{resolved.id}", follow_redirects=True).get_data(as_text=True)
    assert 'id="care-followup"' not in page  # answered: the form is gone


def test_the_form_keeps_the_answers_and_explains_a_bad_field(client, sign_in, resolved):
    sign_in(resolved.author)
    response = client.post(f"/questions/{resolved.id}/care-feedback",
                           data={"solved": "no", "score": "9", "comment": "Still <b>broken</b>", "episode": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose a score from 1 to 5" in page
    assert "Still &lt;b&gt;broken&lt;/b&gt;</textarea>" in page and 'aria-invalid="true"' in page
    assert _ratings(resolved) == [] and _item(resolved).status == "resolved"
    response = client.post(f"/questions/{resolved.id}/care-feedback",
                           data={"solved": "yes", "comment": "x" * 20000, "episode": "1"})
    assert response.status_code == 422 and "at most 1,000 characters" in response.get_data(as_text=True)
    assert client.post(f"/questions/{resolved.id}/care-feedback",
                       data={"solved": "yes", "episode": "one"}).status_code == 400


def test_a_second_answer_through_the_form_is_a_409_naming_the_first(client, sign_in, resolved):
    sign_in(resolved.author)
    data = {"solved": "yes", "score": "5", "episode": "1"}
    assert client.post(f"/questions/{resolved.id}/care-feedback", data=data).status_code == 302
    response = client.post(f"/questions/{resolved.id}/care-feedback", data={**data, "solved": "no", "score": "1"})
    assert response.status_code == 409 and "solved, 5 of 5" in response.get_data(as_text=True)
    assert _ratings(resolved) == [(1, True, 5, None)]


def test_staff_see_every_answer_on_the_item_with_the_comment_escaped(client, sign_in, agents, resolved):
    services.record_feedback(resolved.author, resolved, False, 2, "<img src=x onerror=alert(1)>",
                             now=T0 + timedelta(hours=2))
    sign_in(agents[0])
    page = client.get(f"/staff/care/items/{_item(resolved).id}").get_data(as_text=True)
    assert 'data-rating="1"' in page and "2 of 5 (Dissatisfied)" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    reasons = [r.detail for r in _item(resolved).reasons if r.kind == "not_solved"]
    assert reasons == ["The asker said the resolution did not solve the problem: "
                       "\u201c<img src=x onerror=alert(1)>\u201d"]


@pytest.fixture
def team(clock, make, agents):
    """Five items opened at T0: ann holds A, B and C, bob holds D, E is unassigned; times and ratings below."""
    ann, bob = agents
    questions = [make.question(now=T0) for _ in range(5)]
    for question in questions:
        services.send_to_queue(ann, question, "", now=T0)
    a, b, c, d, e = (_item(q) for q in questions)
    for item, agent in ((a, ann), (b, ann), (c, ann), (d, bob)):
        services.assign(ann, item, agent, now=T0)
    for question, minutes in ((questions[0], 10), (questions[1], 30), (questions[3], 40)):
        db.session.execute(update(CareItem).where(CareItem.question_id == question.id)
                           .values(first_response_at=T0 + timedelta(minutes=minutes)))
    db.session.commit()
    # A: resolved at 60 min, "no" (score 2), reopened at 70, resolved again at 130 (60 min), "yes" 5.
    services.set_status(ann, _item(questions[0]), "resolved", now=T0 + timedelta(minutes=60))
    services.record_feedback(questions[0].author, questions[0], False, 2, now=T0 + timedelta(minutes=70))
    services.set_status(ann, _item(questions[0]), "resolved", now=T0 + timedelta(minutes=130))
    services.record_feedback(questions[0].author, questions[0], True, 5, now=T0 + timedelta(minutes=140))
    # B: resolved at 180 min, "yes" without a score.
    services.set_status(ann, _item(questions[1]), "resolved", now=T0 + timedelta(minutes=180))
    services.record_feedback(questions[1].author, questions[1], True, now=T0 + timedelta(minutes=190))
    # C: still open, nobody responded. D (bob): resolved at 90 min, "yes" with a 3.
    services.set_status(bob, _item(questions[3]), "resolved", now=T0 + timedelta(minutes=90))
    services.record_feedback(questions[3].author, questions[3], True, 3, "OK in the end", now=T0 + timedelta(hours=2))
    clock.set(NOW)
    return questions


def test_per_agent_figures_equal_hand_computed_values(team):
    rows = {row["assignee"]: row for row in metrics.compute(SINCE, UNTIL, NOW)["agents"]}
    assert list(rows) == ["ann", "bob", "unassigned"]
    ann, bob, nobody = rows["ann"], rows["bob"], rows["unassigned"]
    assert ann["items"] == 3 and bob["items"] == 1 and nobody["items"] == 1
    assert ann["first_response"] == {"median": 20.0, "count": 2}  # 10 and 30 minutes; C has none
    assert ann["resolution"] == {"median": 120.0, "count": 2}  # A's latest episode 60 min, B 180 min
    # A: 2 (no) and 5 (yes); B: a "yes" without a score. Satisfied: the 5 and B's yes.
    assert ann["satisfaction"] == {"rated": 3, "satisfied": 2, "yes": 2, "share": 2 / 3, "scored": 2, "average": 3.5}
    assert bob["first_response"] == {"median": 40.0, "count": 1} and bob["resolution"] == {"median": 90.0, "count": 1}
    assert bob["satisfaction"] == {"rated": 1, "satisfied": 0, "yes": 1, "share": 0.0, "scored": 1, "average": 3}
    assert nobody["first_response"]["count"] == 0 and nobody["satisfaction"]["share"] is None


def test_the_agents_csv_and_the_report_page(client, make, sign_in, team):
    lines = metrics.export_csv("agents", SINCE, UNTIL, NOW).splitlines()
    assert lines[0] == ("assignee,items,first_responses,median_first_response_minutes,resolved,"
                        "median_resolution_minutes,ratings,satisfied_ratings,satisfaction_share,scores,average_score")
    assert lines[1:] == ["ann,3,2,20.0,2,120.0,3,2,0.6667,2,3.5", "bob,1,1,40.0,1,90.0,1,0,0.0,1,3",
                         "unassigned,1,0,,0,,0,0,,0,"]
    sign_in(make.user(role="moderator"))
    page = client.get(f"/staff/care/report?start={SINCE.date()}&end={UNTIL.date()}").get_data(as_text=True)
    row = page[page.index('data-agent="ann"'):page.index("</tr>", page.index('data-agent="ann"'))]
    assert "<td>3</td>" in row and "20 min" in row and "2.0 h" in row and "67%" in row and "3.5 of 5" in row
    assert 'data-figure="satisfaction">50%<' in page and 'data-figure="ratings">4<' in page
    assert "figure=agents" in page


def _csv(figure):
    return list(csv.DictReader(io.StringIO(metrics.export_csv(figure, SINCE, UNTIL, NOW))))


def test_every_item_csv_has_an_assignee_column_and_the_satisfaction_csv_lists_each_answer(team):
    assert [row["assignee"] for row in _csv("items")] == ["ann", "ann", "ann", "bob", ""]
    assert [row["assignee"] for row in _csv("resolved")] == ["ann", "ann", "bob"]
    assert all("assignee" in row for row in _csv("breaches"))
    first = _csv("items")[0]
    assert (first["ratings"], first["satisfied_ratings"], first["average_score"]) == ("2", "1", "3.5")
    answers = _csv("satisfaction")
    assert list(answers[0]) == ["item_id", "question_id", "title", "assignee", "resolution", "solved", "score",
                                "satisfied", "comment", "rated_at"]
    assert [(r["assignee"], r["resolution"], r["solved"], r["score"], r["satisfied"], r["comment"]) for r in answers] \
        == [("ann", "1", "False", "2", "False", ""), ("bob", "1", "True", "3", "False", "OK in the end"),
            ("ann", "2", "True", "5", "True", ""), ("ann", "1", "True", "", "True", "")]


def test_the_migration_turns_each_surviving_answer_into_a_rating(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path, "a6c0ffee0111"):
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, username, email, password_hash, role, reputation_points, session_version, "
                "created_at) VALUES (1, 'asker', 'a@example.com', 'x', 'member', 0, 1, '2026-01-01 00:00:00')"))
            for qid in (1, 2, 3):
                connection.execute(text(
                    "INSERT INTO questions (id, author_id, title, body_source, body_html, score, answer_count, "
                    "view_count, created_at, last_activity_at, version) VALUES (:id, 1, 'An old question here', "
                    "'b', '<p>b</p>', 0, 0, 0, '2026-01-02 00:00:00', '2026-01-02 00:00:00', 0)"), {"id": qid})
            # 1: said yes after its first resolution; 2: said no (reopened once); 3: never answered.
            for qid, status, reopened, satisfied in ((1, "resolved", 0, True), (2, "new", 1, False),
                                                     (3, "resolved", 0, None)):
                connection.execute(text(
                    "INSERT INTO care_items (id, question_id, status, category, team, priority_score, sentiment, "
                    "matched_words, created_at, opened_at, paused_seconds, reopened_count, satisfied, satisfied_at, "
                    "updated_at) VALUES (:id, :id, :status, 'question', 'care', 0, 0, '[]', '2026-01-02 00:00:00', "
                    "'2026-01-02 00:00:00', 0, :reopened, :satisfied, :at, '2026-01-03 00:00:00')"),
                    {"id": qid, "status": status, "reopened": reopened, "satisfied": satisfied,
                     "at": None if satisfied is None else "2026-01-03 00:00:00"})
        upgrade(directory=MIGRATIONS, revision="a6c0ffee0114")
        with db.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT item_id, episode, solved, score, rater_id FROM care_ratings ORDER BY item_id")).all()
        assert [(i, e, bool(s), sc, r) for i, e, s, sc, r in rows] == [(1, 1, True, None, 1), (2, 1, False, None, 1)]
        downgrade(directory=MIGRATIONS, revision="a6c0ffee0111")
        db.engine.dispose()
