"""Web pages through the test client: reading for everyone, writing for members, errors next to fields."""
import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Answer, Comment, Question
from app.questions import services


@pytest.fixture
def thread(make):
    """A resolved question with an accepted answer, another answer and comments."""
    asker = make.user("asker")
    question = make.question(asker, title="My X200 earbuds will not charge in the case",
                             tags=["x200", "charging"])
    accepted = make.answer(question, make.user("helper"), "Clean the contacts with a dry cotton swab.")
    other = make.answer(question, make.user("other"), "Try a different USB-C cable and charger.")
    services.cast_vote(asker, other, 1, now=utcnow())
    services.accept_answer(asker, accepted, now=utcnow())
    make.comment(question, text="Which firmware version?")
    make.comment(question, text="Worked for me https://example.com/guide", answer=accepted)
    return question, accepted, other


@pytest.mark.parametrize("path", ["/", "/questions", "/tags", "/tags/x200", "/users", "/sign-in", "/register"]
                         + [f"/?tab={tab}" for tab in ("newest", "active", "votes", "unanswered", "unresolved",
                                                       "resolved", "bogus")])
def test_visitors_read_every_public_page(client, thread, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"Peerdesk Community" in response.data  # the default brand (app/brand.py)


def test_question_page_shows_the_accepted_answer_first_then_by_score(client, thread):
    question, accepted, other = thread
    page = client.get(f"/questions/{question.id}/my-x200-earbuds-will-not-charge-in-the-case").get_data(as_text=True)
    assert page.index(f'id="answer-{accepted.id}"') < page.index(f'id="answer-{other.id}"')
    assert "Accepted answer" in page and "Resolved" in page
    assert "Which firmware version?" in page and 'href="https://example.com/guide"' in page
    assert "Sign in</a> or" in page  # visitors are invited to answer, not shown the form


def test_slug_is_optional_and_corrected(client, thread):
    question = thread[0]
    for path in (f"/questions/{question.id}", f"/questions/{question.id}/wrong-slug"):
        response = client.get(path)
        assert response.status_code == 301
        slug = "my-x200-earbuds-will-not-charge-in-the-case"
        assert response.headers["Location"].endswith(f"/questions/{question.id}/{slug}")


def test_lists_show_score_answers_resolved_tags_author(client, thread):
    page = client.get("/?tab=resolved").get_data(as_text=True)
    assert "My X200 earbuds will not charge in the case" in page
    assert "badge-resolved" in page and ">x200<" in page and "asker" in page
    assert "My X200 earbuds" not in client.get("/?tab=unresolved").get_data(as_text=True)
    assert "My X200 earbuds" not in client.get("/?tab=unanswered").get_data(as_text=True)


def test_tag_page_filters_and_unknown_tags_are_404(client, thread, make):
    make.question(title="A question about something else entirely", tags=["speakers"])
    page = client.get("/tags/x200").get_data(as_text=True)
    assert "My X200 earbuds" in page and "something else entirely" not in page
    assert client.get("/tags/no-such-tag").status_code == 404


@pytest.mark.parametrize("path", ["/questions/999999", "/answers/999999", "/users/999999", "/questions/0",
                                  "/answers/999999/revisions", "/questions/999999/revisions"])
def test_missing_things_are_404(client, path):
    assert client.get(path).status_code == 404


def test_deleted_questions_are_gone_for_visitors(client, make):
    author = make.user()
    question = make.question(author)
    services.delete_question(author, question, now=utcnow())
    assert client.get(f"/questions/{question.id}", follow_redirects=True).status_code == 404
    assert question.title not in client.get("/?tab=newest").get_data(as_text=True)


def test_view_count_rises_with_views(client, thread):
    question = thread[0]
    url = f"/questions/{question.id}/my-x200-earbuds-will-not-charge-in-the-case"
    for _ in range(3):
        client.get(url)
    db.session.rollback()  # end this session's read snapshot: the counter wrote on its own connection
    assert question.view_count == 3


@pytest.mark.parametrize("method, path", [
    ("get", "/questions/ask"), ("post", "/questions/ask"), ("post", "/questions/{q}/answers"),
    ("post", "/questions/{q}/comments"), ("post", "/questions/{q}/vote"), ("post", "/answers/{a}/vote"),
    ("post", "/answers/{a}/accept"), ("post", "/questions/{q}/unaccept"), ("get", "/questions/{q}/edit"),
    ("get", "/answers/{a}/edit"), ("post", "/questions/{q}/delete"), ("post", "/answers/{a}/delete"),
    ("post", "/preview"), ("get", "/account/password"),
])
def test_writing_needs_an_account(client, thread, method, path):
    question, accepted, _ = thread
    response = getattr(client, method)(path.format(q=question.id, a=accepted.id))
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]


def test_ask_posts_a_question_and_redirects_to_it(client, make, sign_in):
    sign_in(make.user("curious"))
    response = client.post("/questions/ask", data={
        "title": "How long does the X200 battery last?", "body": "Mine lasts four hours, is that normal?",
        "tags": "x200 battery"})
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert response.headers["Location"].endswith(f"/questions/{question.id}/how-long-does-the-x200-battery-last")
    assert [t.name for t in question.tags] == ["battery", "x200"] and question.author.username == "curious"


def test_ask_errors_show_next_to_the_fields_and_keep_the_draft(client, make, sign_in):
    sign_in(make.user())
    response = client.post("/questions/ask", data={"title": "Too short", "body": "My long draft body text " * 3,
                                                   "tags": "Bad_Tag"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Title must be at least 15 characters" in page and "not a valid tag" in page
    assert "My long draft body text" in page
    assert db.session.scalar(select(Question)) is None


def test_answer_and_comment_through_the_page(client, thread, make, sign_in):
    question, accepted, _ = thread
    sign_in(make.user("newcomer"))
    response = client.post(f"/questions/{question.id}/answers",
                           data={"body": "Reset the case by holding its button for 20 seconds."})
    assert response.status_code == 302
    answer = db.session.scalars(select(Answer).order_by(Answer.id.desc())).first()
    assert response.headers["Location"].endswith(f"#answer-{answer.id}") and answer.author.username == "newcomer"
    response = client.post(f"/questions/{question.id}/comments", data={"body": "Thanks!", "answer_id": accepted.id})
    assert response.status_code == 302
    assert db.session.scalars(select(Comment).order_by(Comment.id.desc())).first().answer_id == accepted.id


def test_a_too_short_answer_comes_back_with_the_error_and_the_draft(client, thread, make, sign_in):
    sign_in(make.user())
    response = client.post(f"/questions/{thread[0].id}/answers", data={"body": "Reset it"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at least 20 characters" in page and "Reset it" in page


@pytest.mark.parametrize("answer_id", ["abc", "-1", "99999999"])
def test_a_comment_on_a_bad_answer_id_is_refused(client, thread, make, sign_in, answer_id):
    sign_in(make.user())
    response = client.post(f"/questions/{thread[0].id}/comments", data={"body": "Hello there", "answer_id": answer_id})
    assert response.status_code in (400, 404)


def test_voting_through_the_page_answers_json_for_scripts(client, thread, make, sign_in):
    _, _, other = thread
    sign_in(make.user("fan"))
    response = client.post(f"/answers/{other.id}/vote", data={"value": "1"}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json == {"score": 2, "vote": 1}
    response = client.post(f"/answers/{other.id}/vote", data={"value": "0"})  # the lit arrow asks for no vote
    assert response.status_code == 302
    db.session.expire_all()
    assert other.score == 1


def test_voting_on_your_own_post_is_403(client, thread, sign_in):
    question = thread[0]
    sign_in(question.author)
    response = client.post(f"/questions/{question.id}/vote", data={"value": "1"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"]["message"] == "You cannot vote on your own post."


def test_accepting_is_for_the_asker(client, thread, make, sign_in):
    _, _, other = thread
    sign_in(make.user("stranger"))
    assert client.post(f"/answers/{other.id}/accept").status_code == 403


def test_editing_someone_elses_post_is_403(client, thread, make, sign_in):
    question, accepted, _ = thread
    sign_in(make.user("stranger"))
    assert client.get(f"/questions/{question.id}/edit").status_code == 403
    assert client.post(f"/answers/{accepted.id}/edit", data={"body": "x" * 40}).status_code == 403


def test_editing_keeps_a_visible_revision_history(client, thread, sign_in):
    question, _, _ = thread
    sign_in(question.author)
    response = client.post(f"/questions/{question.id}/edit", data={
        "title": question.title, "body": question.body_source + "\n\nEdit: it is the right earbud.",
        "tags": "x200 charging", "reason": "added which earbud"})
    assert response.status_code == 302
    page = client.get(f"/questions/{question.id}/revisions").get_data(as_text=True)
    assert "Revision 2" in page and "added which earbud" in page and "+Edit: it is the right earbud." in page


def test_preview_renders_markdown_for_members(client, make, sign_in):
    sign_in(make.user())
    response = client.post("/preview", data={"body": "**bold** <script>x</script>"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.json["html"] and "<script" not in response.json["html"]


def test_profile_shows_reputation_posts_and_accepted_count(client, thread):
    _, accepted, _ = thread
    helper = accepted.author
    page = client.get(f"/users/{helper.id}/helper").get_data(as_text=True)
    assert "Accepted answers" in page and "Member since" in page
    assert ">16<" in page  # reputation 1 + 15 for the accepted answer
    assert "My X200 earbuds will not charge in the case" in page


def test_staff_posts_carry_a_badge(client, make):
    question = make.question()
    make.answer(question, make.user("lumen-care", role="agent"), "Official fix: update the firmware to 2.1.")
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "badge-staff" in page
