"""Two edits started from the same revision: the second is refused with both versions, never saved over the first."""
import re

import pytest
from sqlalchemy import func, select

from app import exceptions
from app.extensions import db
from app.models import Revision
from app.questions import services

FIRST_BODY = "Hold both buttons for **fifteen** seconds, then put them back in the case."
SECOND_BODY = "Reset them from the app: Settings, Earbuds, Reset. It takes a minute."


def _revision_count(owner):
    return db.session.scalar(select(func.count()).select_from(Revision).where(owner))


def _base_revision(page):
    """The revision number an edit form says it started from."""
    found = re.search(r'name="base_revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="base_revision"', page)
    assert found, "the edit form carries no base_revision"
    return int(found.group(1) or found.group(2))


# Services ------------------------------------------------------------------------------


def test_a_question_edit_from_an_old_revision_is_refused_and_the_first_edit_kept(make, clock):
    author, moderator = make.user(), make.user(role="moderator")
    question = make.question(author)
    title, tags = question.title, ["earbuds"]
    services.edit_question(author, question, title, FIRST_BODY, tags, base_revision=1, now=clock.now)
    with pytest.raises(exceptions.EditConflict) as raised:
        services.edit_question(moderator, question, title, SECOND_BODY, tags, base_revision=1, now=clock.now)
    current = raised.value.current
    assert raised.value.status == 409
    assert (current.revision, current.body_source, current.title, current.tags) == (2, FIRST_BODY, title, "earbuds")
    assert "<strong>fifteen</strong>" in current.body_html and current.editor_name == author.username
    db.session.rollback()
    assert question.body_source == FIRST_BODY
    assert _revision_count(Revision.question_id == question.id) == 2

    services.edit_question(moderator, question, title, SECOND_BODY, tags, base_revision=current.revision,
                           now=clock.now)
    assert question.body_source == SECOND_BODY
    assert _revision_count(Revision.question_id == question.id) == 3


def test_an_answer_edit_from_an_old_revision_is_refused_and_the_first_edit_kept(make, clock):
    moderator = make.user(role="moderator")
    answer = make.answer(make.question())
    services.edit_answer(answer.author, answer, FIRST_BODY, base_revision=1, now=clock.now)
    with pytest.raises(exceptions.EditConflict) as raised:
        services.edit_answer(moderator, answer, SECOND_BODY, base_revision=1, now=clock.now)
    assert (raised.value.current.revision, raised.value.current.body_source) == (2, FIRST_BODY)
    db.session.rollback()
    assert answer.body_source == FIRST_BODY

    services.edit_answer(moderator, answer, SECOND_BODY, base_revision=2, now=clock.now)
    assert answer.body_source == SECOND_BODY
    assert _revision_count(Revision.answer_id == answer.id) == 3


def test_the_same_edit_saved_twice_is_neither_a_conflict_nor_a_second_revision(make, clock):
    answer = make.answer(make.question())
    question = answer.question
    for _ in range(2):  # a double submit: both requests carry the revision the form was opened at
        services.edit_answer(answer.author, answer, FIRST_BODY, base_revision=1, now=clock.now)
        services.edit_question(question.author, question, question.title, FIRST_BODY, ["earbuds"], base_revision=1,
                               now=clock.now)
    assert _revision_count(Revision.answer_id == answer.id) == 2
    assert _revision_count(Revision.question_id == question.id) == 2


# Pages ---------------------------------------------------------------------------------


def test_two_tabs_editing_a_question_the_second_gets_409_with_both_versions(client, make, sign_in, clock):
    author = make.user()
    question = make.question(author)
    sign_in(author)
    form_page = client.get(f"/questions/{question.id}/edit").get_data(as_text=True)
    base = _base_revision(form_page)
    assert base == 1
    fields = {"title": question.title, "tags": "earbuds", "base_revision": base}

    first = client.post(f"/questions/{question.id}/edit", data={**fields, "body": FIRST_BODY})
    assert first.status_code == 302
    second = client.post(f"/questions/{question.id}/edit", data={**fields, "body": SECOND_BODY,
                                                                 "reason": "the app way"})
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "saved a newer version" in page
    assert "<strong>fifteen</strong>" in page  # theirs, rendered
    assert "Hold both buttons for **fifteen** seconds" in page  # theirs, as source
    assert f"{SECOND_BODY}</textarea>" in page and 'value="the app way"' in page  # the member's own, unsaved
    assert _base_revision(page) == 2
    db.session.rollback()
    assert question.body_source == FIRST_BODY

    again = client.post(f"/questions/{question.id}/edit", data={**fields, "body": SECOND_BODY, "base_revision": 2})
    assert again.status_code == 302
    assert question.body_source == SECOND_BODY
    assert _revision_count(Revision.question_id == question.id) == 3


def test_two_tabs_editing_an_answer_the_second_gets_409_with_both_versions(client, make, sign_in, clock):
    answer = make.answer(make.question())
    sign_in(answer.author)
    base = _base_revision(client.get(f"/answers/{answer.id}/edit").get_data(as_text=True))
    first = client.post(f"/answers/{answer.id}/edit", data={"body": FIRST_BODY, "base_revision": base})
    assert first.status_code == 302
    second = client.post(f"/answers/{answer.id}/edit", data={"body": SECOND_BODY, "base_revision": base})
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "<strong>fifteen</strong>" in page and "Hold both buttons for **fifteen** seconds" in page
    assert f"{SECOND_BODY}</textarea>" in page and _base_revision(page) == 2
    db.session.rollback()
    assert answer.body_source == FIRST_BODY

    assert client.post(f"/answers/{answer.id}/edit", data={"body": SECOND_BODY, "base_revision": 2}).status_code == 302
    assert answer.body_source == SECOND_BODY


def test_a_double_submit_of_an_edit_form_saves_once(client, make, sign_in, clock):
    answer = make.answer(make.question())
    sign_in(answer.author)
    for _ in range(2):
        response = client.post(f"/answers/{answer.id}/edit", data={"body": FIRST_BODY, "base_revision": 1})
        assert response.status_code == 302
    assert _revision_count(Revision.answer_id == answer.id) == 2


def test_a_malformed_base_revision_is_a_bad_request(client, make, sign_in, clock):
    answer = make.answer(make.question())
    sign_in(answer.author)
    response = client.post(f"/answers/{answer.id}/edit", data={"body": FIRST_BODY, "base_revision": "1x"})
    assert response.status_code == 400
    db.session.rollback()
    assert answer.body_source != FIRST_BODY
