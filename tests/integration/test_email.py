"""Notification email through a real SMTP server: immediate, daily digest or none; unsubscribe; the worker."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import background, create_app, mail, outbox
from app import config as app_config
from app.account import services as account_services
from app.clock import utcnow
from app.extensions import db
from app.notifications import digest, services
from app.notifications.models import Notification
from app.outbox import OutboxMessage
from tests import builders
from tests import mailbox as smtp
from tests.conftest import IsolatedClient, _empty_all_tables
from tests.mailbox import body, local_path

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

MORNING = datetime(2026, 11, 23, 6, 0)  # before the digest hour (8 UTC by default)
DIGEST_TIME = datetime(2026, 11, 23, 8, 0)
DAY_BEFORE = datetime(2026, 11, 22, 10, 0)  # after that day's digest


@pytest.fixture
def mailbox(app):
    """A local SMTP server the app sends to."""
    with smtp.configured(app) as box:
        yield box


@pytest.fixture
def evening_before(clock):
    """The clock at 20:00 the day before DIGEST_TIME: what happens now belongs in the next morning's digest."""
    return clock.set(DAY_BEFORE.replace(hour=20))


@pytest.fixture
def thread(make):
    asker = make.user("asker")
    return asker, make.question(asker, title="Lumen X200 will not charge past 80 percent")


def _links(text):
    return re.findall(r"https?://\S+", text)


def _outbox_count(**where):
    db.session.rollback()
    query = select(func.count()).select_from(OutboxMessage)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalar(query)


def test_an_immediate_notification_arrives_with_one_click_unsubscribe(client, make, thread, mailbox):
    asker, question = thread
    make.answer(question, make.user("helper"), body="Turn off battery protection in Settings, Battery.")
    assert outbox.deliver_due(now=utcnow()) == (1, 0)
    [message] = mailbox.messages
    assert mailbox.recipients == [[asker.email]]
    assert message["To"] == f"asker <{asker.email}>"
    assert message["Subject"] == f"helper answered your question: {question.title}"
    assert message["From"] == "Peerdesk Community <no-reply@localhost>"  # MAIL_FROM unset: the community's name
    assert message["Auto-Submitted"] == "auto-generated"
    text = body(message)
    assert "Turn off battery protection" in text
    assert f"{smtp.SITE_URL}/questions/{question.id}/lumen-x200-will-not-charge-past-80-percent#answer-" in text
    unsubscribe = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in _links(text)

    # RFC 8058: the mail client POSTs, with no cookie and no CSRF token.
    visitor = client.application.test_client()
    page = visitor.get(local_path(unsubscribe))
    assert page.status_code == 200 and services.email_mode(asker.id) == "immediate"  # GET changes nothing
    response = visitor.post(local_path(unsubscribe), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "will get no more notification email" in response.get_data(as_text=True)
    assert services.email_mode(asker.id) == "none"
    make.answer(question)
    outbox.deliver_due(now=utcnow())
    assert len(mailbox.to(asker.email)) == 1  # (the first answerer, who follows, hears of it)
    assert len(list(db.session.scalars(select(Notification).where(Notification.user_id == asker.id)))) == 2


def test_the_unsubscribe_endpoint_works_with_csrf_on(app, make, thread):
    app.config["WTF_CSRF_ENABLED"] = True
    asker, _ = thread
    url = services.unsubscribe_url(asker.id, now=utcnow())
    parts = url.split("/email/unsubscribe/", 1)
    assert app.test_client().post("/email/unsubscribe/" + parts[1]).status_code == 200
    assert services.email_mode(asker.id) == "none"


@pytest.mark.parametrize("token", ["nonsense", "a" * 3000, "eyJ1Ijo5OTk5OTl9.forged", "%00"])
def test_a_bad_unsubscribe_link_is_refused_kindly(client, token):
    for method in (client.get, client.post):
        response = method(f"/email/unsubscribe/{token}")
        assert response.status_code in (400, 404)
        assert "not valid" in response.get_data(as_text=True)


def test_a_token_for_another_purpose_does_not_unsubscribe(app, client, make, thread):
    from app import email_tokens

    asker, _ = thread
    token = email_tokens.make("password-reset", {"u": asker.id}, MORNING)
    assert client.post(f"/email/unsubscribe/{token}").status_code == 400
    assert services.email_mode(asker.id) == "immediate"


def test_daily_digest_collects_the_day_and_goes_out_once_at_the_hour(evening_before, clock, make, thread, mailbox):
    asker, question = thread
    services.set_email_mode(asker, "daily", now=DAY_BEFORE)
    make.answer(question, make.user("first"))
    make.comment(question, make.user("second"), "Is it the 2023 model or the newer one?")
    assert _outbox_count() == 0  # nothing immediate
    assert digest.send_due_digests(now=MORNING) == 0
    assert digest.send_due_digests(now=DIGEST_TIME) == 1
    assert digest.send_due_digests(now=DIGEST_TIME + timedelta(hours=3)) == 0  # once a day
    outbox.deliver_due(DIGEST_TIME)
    [message] = mailbox.messages
    assert message["Subject"] == "Your daily summary: 2 notifications"
    text = body(message)
    assert "first answered your question" in text and "second commented on your post" in text
    assert "Is it the 2023 model" in text and message["List-Unsubscribe"]
    # Nothing new: no digest the next day either.
    assert digest.send_due_digests(now=DIGEST_TIME + timedelta(days=1)) == 0
    clock.set(DIGEST_TIME + timedelta(hours=5))
    make.answer(question, make.user("third"))
    assert digest.send_due_digests(now=DIGEST_TIME + timedelta(days=1)) == 1


def test_two_workers_send_one_digest(evening_before, app, make, thread):
    asker, question = thread
    services.set_email_mode(asker, "daily", now=DAY_BEFORE)
    make.answer(question)
    db.session.remove()
    results, start = [], threading.Barrier(3)

    def work():
        with app.app_context():
            start.wait()
            results.append(digest.send_due_digests(now=DIGEST_TIME))
            db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for each in workers:
        each.start()
    for each in workers:
        each.join()
    assert sorted(results) == [0, 0, 1]
    assert _outbox_count(topic="digest") == 1


def test_digest_hour_is_an_admin_setting(evening_before, app, make, thread):
    asker, question = thread
    app.config["DIGEST_HOUR_UTC"] = 18
    services.set_email_mode(asker, "daily", now=DAY_BEFORE.replace(hour=19))
    make.answer(question)
    assert digest.send_due_digests(now=DIGEST_TIME) == 0
    assert digest.send_due_digests(now=DIGEST_TIME.replace(hour=18)) == 1


def test_leaving_the_digest_drops_what_was_waiting(evening_before, make, thread):
    asker, question = thread
    services.set_email_mode(asker, "daily", now=DAY_BEFORE)
    make.answer(question)
    services.set_email_mode(asker, "immediate", now=utcnow())
    assert digest.send_due_digests(now=DIGEST_TIME) == 0
    make.answer(question)
    assert _outbox_count(topic="notification:answer") == 1


def test_none_means_no_email_but_the_bell_still_rings(make, thread):
    asker, question = thread
    services.set_email_mode(asker, "none", now=utcnow())
    make.answer(question)
    assert _outbox_count() == 0
    assert services.unread_count(asker) == 1


def test_email_goes_to_the_current_address_and_never_to_a_deleted_account(make, thread, mailbox):
    asker, question = thread
    make.answer(question)
    asker.email = "new-address@example.com"
    db.session.commit()
    outbox.deliver_due(now=utcnow())
    assert mailbox.recipients == [["new-address@example.com"]]
    make.answer(question)
    account_services.delete_account(asker, "correct horse battery staple", "asker", now=utcnow())
    outbox.deliver_due(now=utcnow())
    assert mailbox.recipients.count(["new-address@example.com"]) == 1
    assert not [r for r in mailbox.recipients if r[0].endswith(".invalid")]
    assert _outbox_count(last_status="skipped: the account no longer exists") == 1


def test_smtp_credentials_are_used(app, make, thread):
    with smtp.configured(app, credentials=("mailer", "s3cret"), SMTP_USERNAME="mailer", SMTP_PASSWORD="s3cret",
                         MAIL_FROM="Lumen <community@lumen.test>") as box:
        make.answer(thread[1])
        assert outbox.deliver_due(now=utcnow()) == (1, 0)
    assert box.logins == ["mailer"] and box.messages[0]["From"] == "Lumen <community@lumen.test>"


@pytest.mark.parametrize("tls, flag", [("starttls", "SMTP_STARTTLS"), ("implicit", "SMTP_USE_TLS")])
def test_tls_to_the_server_with_a_private_ca(app, make, thread, tls, flag):
    with smtp.configured(app, credentials=("mailer", "s3cret"), tls=tls, SMTP_USERNAME="mailer",
                         SMTP_PASSWORD="s3cret", SMTP_CA_FILE=str(smtp.CERTIFICATE), **{flag: "true"}) as box:
        make.answer(thread[1])
        assert outbox.deliver_due(now=utcnow()) == (1, 0)
    assert box.logins == ["mailer"] and len(box.messages) == 1


def test_an_untrusted_certificate_is_refused(app, make, thread):
    with smtp.configured(app, tls="starttls", SMTP_STARTTLS=True) as box:
        make.answer(thread[1])
        assert outbox.deliver_due(now=utcnow()) == (0, 1)
    assert box.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in db.session.scalar(select(OutboxMessage)).last_status


def test_a_server_that_requires_starttls_refuses_plain_mail(app, make, thread):
    with smtp.configured(app, tls="starttls"):
        make.answer(thread[1])
        assert outbox.deliver_due(now=utcnow()) == (0, 1)
    assert "STARTTLS" in db.session.scalar(select(OutboxMessage)).last_status


def test_wrong_smtp_credentials_fail_and_retry(app, make, thread):
    with smtp.configured(app, credentials=("mailer", "s3cret"), SMTP_USERNAME="mailer", SMTP_PASSWORD="wrong"):
        make.answer(thread[1])
        assert outbox.deliver_due(now=utcnow()) == (0, 1)
    row = db.session.scalar(select(OutboxMessage))
    assert "SMTPAuthenticationError" in row.last_status and row.failed_at is None


def test_an_unreachable_server_never_breaks_the_request(app, client, sign_in, make, thread):
    asker, question = thread
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.free_port())  # nothing listens there
    sign_in(make.user("helper"))
    response = client.post(f"/questions/{question.id}/answers",
                           data={"body": "Charge it with the original cable for a full night."})
    assert response.status_code == 302
    assert outbox.deliver_due(now=utcnow()) == (0, 1)
    row = db.session.scalar(select(OutboxMessage))
    assert row.attempts == 1 and row.next_attempt_at > row.last_attempt_at
    assert "Connection" in row.last_status or "refused" in row.last_status.lower()


def test_without_smtp_host_messages_are_logged_and_marked(app, make, thread, caplog):
    app.config["SMTP_HOST"] = ""
    make.answer(thread[1])
    assert outbox.deliver_due(now=utcnow()) == (1, 0)
    row = db.session.scalar(select(OutboxMessage))
    assert row.last_status == mail.NOT_SENT_STATUS
    assert "answered your question" in caplog.text and thread[0].email in caplog.text
    assert f"/questions/{thread[1].id}/" in caplog.text  # readable: a developer can follow the link


def test_header_injection_through_a_title_is_impossible(make, mailbox):
    asker = make.user()
    question = make.question(asker, title="Battery drains fast\r\nBcc: victim@example.com overnight")
    make.answer(question)
    outbox.deliver_due(now=utcnow())
    [message] = mailbox.messages
    assert message["Bcc"] is None and mailbox.recipients == [[asker.email]]


def test_worker_once_sends_digests_and_messages(app, runner, make, thread, mailbox):
    make.answer(thread[1])
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) delivered, 0 failed" in result.output
    assert len(mailbox.messages) == 1


def test_worker_loop_delivers_and_stops_cleanly_on_ctrl_c(app, make, thread, mailbox, database_url):
    make.answer(thread[1])
    db.session.remove()
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_url, "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(mailbox.port), "SITE_URL": smtp.SITE_URL, "OUTBOX_IN_PROCESS": "false",
           "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--interval", "0.2"], cwd=app_config.REPO_ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        mailbox.wait_for(1)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate()
    assert process.returncode == 0, output
    assert "Worker started" in output and "1 delivered" in output and output.rstrip().endswith("Worker stopped.")
    assert "Traceback" not in output


def test_the_in_process_worker_delivers_after_the_request(database_url, _schema, tmp_path):
    config = app_config.testing_config(str(tmp_path / "instance"), database_url, str(tmp_path / "index"))
    config.update(OUTBOX_IN_PROCESS=True, OUTBOX_POLL_SECONDS=30)
    live = create_app(config)
    live.test_client_class = IsolatedClient
    in_process = background.thread_of(live, "outbox")
    assert in_process is not None
    with live.app_context(), smtp.configured(live) as box:
        try:
            asker = builders.user("asker")
            question = builders.question(asker)
            helper = builders.user("helper")
            client = live.test_client()
            client.post("/sign-in", data={"login": helper.username, "password": builders.PASSWORD})
            started = time.monotonic()
            response = client.post(f"/questions/{question.id}/answers",
                                   data={"body": "Try a different USB-C cable and a wall charger."})
            assert response.status_code == 302
            # Woken by the commit, long before the 30 s poll.
            [message] = box.wait_for(1)
            assert time.monotonic() - started < 15
            assert message["To"] == f"asker <{asker.email}>"
        finally:
            in_process.stop()
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()


def test_the_in_process_worker_is_off_in_tests_unless_asked(app):
    assert background.thread_of(app, "outbox") is None
    assert background.running(app) == []


def test_loading_data_can_notify_without_email(make, thread):
    asker, question = thread
    with services.without_email():
        make.answer(question)
    assert services.unread_count(asker) == 1 and _outbox_count() == 0
    make.answer(question)
    assert _outbox_count(topic="notification:answer") == 1


def test_the_demo_community_queues_no_email(demo_community):
    assert demo_community.exit_code == 0, demo_community.output
    assert _outbox_count(kind="email") == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) > 0


def test_non_ascii_names_titles_and_bodies_arrive_intact(make, mailbox):
    asker = make.user("zoe")
    title = "Écran qui clignote 🌙 – «‏שלום‏» après la mise à jour"
    question = make.question(asker, title=title)
    make.answer(question, make.user("soren"), body="Désactivez la luminosité adaptative, puis redémarrez 😊.")
    assert outbox.deliver_due(now=utcnow()) == (1, 0)
    [message] = mailbox.messages
    assert message["Subject"] == f"soren answered your question: {title}"
    assert "zoe" in message["To"] and "redémarrez 😊" in body(message)
