"""Public addresses come from one module: questions, answers and members, relative or absolute."""
from app import urls


def test_question_answer_and_member_urls_carry_their_slugs(app, make):
    author = make.user("Ada_Lovelace")
    question = make.question(author, title="Why won't my X200 charge past 80%?")
    answer = make.answer(question)
    with app.test_request_context(base_url="https://community.example"):
        assert urls.question_url(question) == f"/questions/{question.id}/why-wont-my-x200-charge-past-80"
        assert urls.question_url(question, external=True) == (
            f"https://community.example/questions/{question.id}/why-wont-my-x200-charge-past-80")
        assert urls.answer_url(answer).endswith(f"/questions/{question.id}/why-wont-my-x200-charge-past-80"
                                                f"#answer-{answer.id}")
        assert urls.member_url(author) == f"/users/{author.id}/ada-lovelace"
        assert urls.question_url(question, page=2).endswith("?page=2")


def test_pages_link_members_and_questions_through_it(client, make):
    author = make.user("grace")
    question = make.question(author, title="Pairing the lamp with a second phone")
    page = client.get(f"/questions/{question.id}/pairing-the-lamp-with-a-second-phone").get_data(as_text=True)
    assert f'href="/users/{author.id}/grace"' in page
    assert f'<link rel="canonical" href="http://localhost/questions/{question.id}/' in page
    assert client.get(f"/users/{author.id}").headers["Location"] == f"/users/{author.id}/grace"


def test_links_that_leave_the_site_use_site_url_with_or_without_a_request(app, make):
    question = make.question(title="Lamp flickers at night")
    app.config["SITE_URL"] = "https://help.brand.example/community/"
    expected = f"https://help.brand.example/community/questions/{question.id}/lamp-flickers-at-night#answer-7"
    assert urls.question_url(question, external="site", _anchor="answer-7") == expected  # a worker: no request
    with app.test_request_context(base_url="http://internal.example:8000"):
        assert urls.question_url(question, external="site", _anchor="answer-7") == expected
        assert urls.question_url(question, external=True).startswith("http://internal.example:8000/questions/")
    assert urls.question_url(question, external=True).startswith("https://help.brand.example/community/questions/")
    assert urls.site_url() == "https://help.brand.example/community"
