"""Two app hosts on one database, each with its own index folder: a change through either shows on the other."""
import concurrent.futures
import contextlib
import http.cookiejar
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from app import outbox
from app.auth import services as accounts
from app.care.models import CareItem, CareReason
from app.clock import utcnow
from app.database import begin_write
from app.extensions import db
from app.outbox import OutboxMessage
from tests import builders, servers
from tests.mailbox import Mailbox
from tests.migrating import migrated_to

DEADLINE_SECONDS = 20  # the bar is 2 s (SEARCH_FOLLOW_SECONDS=0.5); the test allows for a loaded machine
# The in-app sweep runs every 5 s at the shortest (app/background.py): a few rounds on a loaded machine.
WORKER_DEADLINE_SECONDS = 120
QUESTION_ROW, SEARCH_RESULT = '<li class="question-row">', '<li class="search-result">'


def _within_deadline(check, deadline=DEADLINE_SECONDS):
    """Seconds until `check()` held, polled every 50 ms; fails past the deadline."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < deadline, "the other host never showed the change"
        time.sleep(0.05)
    return time.monotonic() - started


def _seconds_per_surface(surfaces, started):
    """Seconds from `started` until each surface showed the change, each polled by a thread of its own.

    A figure ends when the visitor's request that saw the change returned: it counts that request's
    own time, as a visitor would, and none spent looking at the other surfaces.
    """
    def poll(check):
        while not check():
            if time.monotonic() - started > DEADLINE_SECONDS:
                return None
            time.sleep(0.05)
        return time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(surfaces)) as pool:
        seconds = dict(zip(surfaces, pool.map(poll, surfaces.values()), strict=True))
    stale = sorted(name for name, value in seconds.items() if value is None)
    assert not stale, f"still stale after {DEADLINE_SECONDS} s: {stale}; the others after {seconds}"
    print({name: round(value, 2) for name, value in seconds.items()})
    return seconds


def _shared_settings():
    """What hosts share besides the database: Redis for rate limits, as a deployment would, when the run has it."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        return {}
    # A prefix of this test's own, so no other test's counters (or a rerun's) refuse its requests.
    return {"RATELIMIT_ENABLED": "true", "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": f"two-hosts-{uuid.uuid4().hex[:12]}"}


@contextlib.contextmanager
def _two_hosts(tmp_path, database_url, **settings):
    """Hosts a and b (gunicorn, two workers each) on one database, each with its own folder; stopped at the end."""
    shared, hosts = _shared_settings(), []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            env = servers.host_environment(tmp_path / name, database_url, SEARCH_FOLLOW_SECONDS=0.5, **shared,
                                           **settings)
            hosts.append(servers.Host(env, tmp_path / f"{name}.log", workers=2))
        for host in hosts:  # each worker starts its follower (and any switched-on job) on its first request
            for _ in range(4):
                host.get("/healthz")
        yield hosts
    finally:
        for host in hosts:
            host.stop()


def _assert_search_check_is_clean(tmp_path, database_url):
    for name in ("a", "b"):
        env = servers.host_environment(tmp_path / name, database_url)
        assert "The index matches the database." in servers.flask_command(env, "search", "check")


def _errors(host):
    """The host's log from its first traceback on (for a failing assertion's message)."""
    log = host.log()
    return log[log.find("Traceback"):][:5000] if "Traceback" in log else "(no traceback in the host's log)"


def _csrf_token(page):
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page[:2000]
    return match.group(1)


class Member:
    """A browser signed in on one host: cookies of its own and its session's CSRF token."""

    def __init__(self, host, username):
        self.host = host
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf_token = _csrf_token(self.get("/sign-in")[1])
        status, page = self.post("/sign-in", login=username, password=builders.PASSWORD)
        assert status == 200 and 'action="/sign-out"' in page, (status, page[:2000])
        self.csrf_token = _csrf_token(page)

    def _open(self, request):
        try:
            with self._opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path):
        """(status, body) of a GET, redirects followed."""
        return self._open(urllib.request.Request(self.host.base + path))

    def post(self, path, **fields):
        """(status, body) of a form POST with the session's CSRF token, redirects followed."""
        data = urllib.parse.urlencode({"csrf_token": self.csrf_token, **fields}).encode()
        return self._open(urllib.request.Request(self.host.base + path, data=data, method="POST"))


def _path(url):
    return urllib.parse.urlsplit(url).path


def _row(page, path, marker):
    """The list row (each opens with `marker`) that links to `path`, or None."""
    for row in page.split(marker)[1:]:
        row = row.split("</ol>")[0]
        if f'href="{path}"' in row:
            return row
    return None


# What a visitor of `host` sees, each a check the polling repeats ------------------------------------------


def _page_shows(host, path, *texts):
    status, page = host.get(path)
    return status == 200 and all(text in page for text in texts)


def _page_gone(host, question_id):
    return host.get(f"/questions/{question_id}")[0] == 404


def _row_shows(host, list_path, path, *texts, marker=QUESTION_ROW):
    status, page = host.get(list_path)
    row = _row(page, path, marker) if status == 200 else None
    return row is not None and all(re.search(text, row) for text in texts)


def _row_gone(host, list_path, path, marker=QUESTION_ROW):
    status, page = host.get(list_path)
    return status in (200, 404) and _row(page, path, marker) is None


def _suggested(host, words, question_id):
    return question_id in [item["id"] for item in host.api("GET", f"/suggest?q={words}")[1]["results"]]


def _found(host, words, question_id):
    return question_id in [item["id"] for item in host.api("GET", f"/search?q={words}")[1]["items"]]


def _sitemap_lastmod(host, path):
    """The sitemap's <lastmod> of the question at `path`, or None when the sitemap does not list it."""
    match = re.search(rf"<loc>[^<]*{re.escape(path)}</loc>(?:<lastmod>([^<]*)</lastmod>)?",
                      host.get("/sitemap-questions-1.xml")[1])
    return None if match is None else match.group(1) or ""


def _warm(host, *paths):
    """Visit each page a few times first, so each worker's page cache holds the page as it was."""
    for path in paths:
        for _ in range(3):
            host.get(path)


def _gone_everywhere(host, question, words):
    """The checks that a question hidden or deleted left every surface of `host`."""
    path, title = question["path"], question["title"]
    return {"page": lambda: _page_gone(host, question["id"]), "home": lambda: _row_gone(host, "/", path),
            "tag": lambda: _row_gone(host, "/tags/speakers", path),
            "search": lambda: _row_gone(host, f"/search?q={words}", path, marker=SEARCH_RESULT),
            "api search": lambda: not _found(host, words, question["id"]),
            "api": lambda: host.api("GET", f"/questions/{question['id']}")[0] == 404,
            "suggest": lambda: not _suggested(host, words, question["id"]),
            "feed": lambda: title not in host.get("/feeds/questions.atom")[1],
            "tag feed": lambda: title not in host.get("/feeds/tags/speakers.atom")[1],
            "sitemap": lambda: _sitemap_lastmod(host, path) is None}


def _ask(host, token, title, body, tags=("speakers",)):
    status, question = host.api("POST", "/questions", token, {"title": title, "body": body, "tags": list(tags)})
    assert status == 201, question
    return {"id": question["id"], "title": title, "path": _path(question["url"])}


def _print_table(figures):
    surfaces = sorted({surface for row in figures.values() for surface in row})
    print("\nseconds until the other host showed each change (the bar: 2 s on an idle machine)")
    print("change".ljust(20) + "".join(surface.rjust(11) for surface in surfaces))
    for kind, row in figures.items():
        print(kind.ljust(20) + "".join((f"{row[s]:.2f}" if s in row else "-").rjust(11) for s in surfaces))
    print("slowest:", max((max(row.values()), kind) for kind, row in figures.items()))


def test_every_kind_of_change_shows_on_the_other_hosts_pages_lists_search_feeds_and_sitemap(
        fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path / "seed"):
        now = utcnow()
        asker = builders.user("asker", now=now - timedelta(days=30))  # past new members' limits
        builders.user("moderator", role="moderator", now=now)
        tokens = {"asker": accounts.create_api_token(asker, now=now),
                  "answerer": accounts.create_api_token(builders.user("answerer", now=now), now=now),
                  "voters": [accounts.create_api_token(builders.user(f"voter{n}", now=now), now=now)
                             for n in range(3)]}
        original = builders.question(asker, "How do I pair two Aurora speakers for stereo sound",
                                     "I own two Aurora speakers and want left and right channels.", ["speakers"],
                                     now=now)
        original_id = original.id
    figures = {}
    with _two_hosts(tmp_path, fresh_database_url) as (a, b):
        asker_a, moderator_a = Member(a, "asker"), Member(a, "moderator")
        asker_b, moderator_b = Member(b, "asker"), Member(b, "moderator")
        original = {"id": original_id, "path": _path(a.api("GET", f"/questions/{original_id}")[1]["url"])}

        # Ask, through a; seen on b.
        _warm(b, "/", "/tags/speakers", "/search?q=crackle", "/feeds/questions.atom", "/feeds/tags/speakers.atom",
              "/sitemap-questions-1.xml")
        question = _ask(a, tokens["asker"], "Why does my Aurora speaker crackle above level eight",
                        "It crackles loudly whenever the volume passes eight.")
        started = time.monotonic()
        path, title = question["path"], question["title"]
        figures["ask (a to b)"] = _seconds_per_surface({
            "page": lambda: _page_shows(b, path, title), "home": lambda: _row_shows(b, "/", path),
            "tag": lambda: _row_shows(b, "/tags/speakers", path),
            "search": lambda: _row_shows(b, "/search?q=crackle", path, marker=SEARCH_RESULT),
            "api search": lambda: _found(b, "crackle", question["id"]),
            "suggest": lambda: _suggested(b, "aurora+speaker+crackle", question["id"]),
            "feed": lambda: title in b.get("/feeds/questions.atom")[1],
            "tag feed": lambda: title in b.get("/feeds/tags/speakers.atom")[1],
            "sitemap": lambda: _sitemap_lastmod(b, path) is not None}, started)

        # Edit (a new title, body and tag), through a; seen on b.
        status, form = asker_a.get(f"/questions/{question['id']}/edit")
        base_revision = re.search(r'name="base_revision" type="hidden" value="(\d+)"', form).group(1)
        _warm(b, path, "/", "/search?q=hisses", "/feeds/questions.atom", "/sitemap-questions-1.xml")
        title = "Why does my Aurora speaker hiss and crackle above level eight"
        status, page = asker_a.post(f"/questions/{question['id']}/edit", title=title,
                                    body="It hisses after the firmware update whenever the volume passes eight.",
                                    tags="speakers firmware", base_revision=base_revision)
        started = time.monotonic()
        assert status == 200 and title in page, page[:2000]
        path = f"/questions/{question['id']}/why-does-my-aurora-speaker-hiss-and-crackle-above-level-eight"
        figures["edit (a to b)"] = _seconds_per_surface({
            "page": lambda: _page_shows(b, path, title, "firmware update"),
            "home": lambda: _row_shows(b, "/", path, "/tags/firmware"),
            "tag": lambda: _row_shows(b, "/tags/firmware", path),
            "search": lambda: _row_shows(b, "/search?q=hisses", path, marker=SEARCH_RESULT),
            "suggest": lambda: _suggested(b, "aurora+speaker+hiss", question["id"]),
            "feed": lambda: title in b.get("/feeds/questions.atom")[1],
            "tag feed": lambda: title in b.get("/feeds/tags/firmware.atom")[1],
            "sitemap": lambda: _sitemap_lastmod(b, path) is not None}, started)

        # Answer, through b; seen on a.
        lastmod = _sitemap_lastmod(a, path)
        _warm(a, path, "/", "/tags/speakers", "/search?q=bassline", f"/feeds/questions/{question['id']}.atom")
        status, answer = b.api("POST", f"/questions/{question['id']}/answers", tokens["answerer"],
                              {"body": "Lower the bassline equaliser band: the distortion stops."})
        started = time.monotonic()
        assert status == 201, answer
        one_answer = r"<strong>1</strong> answer\b"
        figures["answer (b to a)"] = _seconds_per_surface({
            "page": lambda: _page_shows(a, path, "bassline equaliser"),
            "home": lambda: _row_shows(a, "/", path, one_answer),
            "tag": lambda: _row_shows(a, "/tags/speakers", path, one_answer),
            "search": lambda: _row_shows(a, "/search?q=bassline", path, marker=SEARCH_RESULT),
            "api search": lambda: _found(a, "bassline", question["id"]),
            "feed": lambda: "bassline equaliser" in a.get(f"/feeds/questions/{question['id']}.atom")[1],
            "sitemap": lambda: _sitemap_lastmod(a, path) not in (None, lastmod)}, started)

        # Accept, through a; seen on b.
        _warm(b, path, "/", "/tags/speakers", "/search?q=hisses&resolved=true",
              f"/feeds/questions/{question['id']}.atom")
        status, page = asker_a.post(f"/answers/{answer['id']}/accept")
        started = time.monotonic()
        assert status == 200 and 'class="accepted-label"' in page
        figures["accept (a to b)"] = _seconds_per_surface({
            "page": lambda: _page_shows(b, path, 'class="accepted-label"'),
            "home": lambda: _row_shows(b, "/", path, "stat-resolved"),
            "tag": lambda: _row_shows(b, "/tags/speakers", path, "stat-resolved"),
            "search": lambda: _row_shows(b, "/search?q=hisses&resolved=true", path, marker=SEARCH_RESULT),
            "feed": lambda: "(accepted)" in b.get(f"/feeds/questions/{question['id']}.atom")[1],
            "api": lambda: b.api("GET", f"/questions/{question['id']}")[1]["accepted_answer_id"] == answer["id"],
        }, started)

        # Votes, through b; seen on a.
        _warm(a, path, "/", "/tags/speakers", "/search?q=hisses")
        for token in tokens["voters"]:
            assert b.api("POST", f"/questions/{question['id']}/vote", token, {"value": 1})[0] == 200
        started = time.monotonic()
        figures["3 votes (b to a)"] = _seconds_per_surface({
            "page": lambda: _page_shows(a, path, '<span class="score">3<'),
            "home": lambda: _row_shows(a, "/", path, r"<strong>3</strong> votes"),
            "tag": lambda: _row_shows(a, "/tags/speakers", path, r"<strong>3</strong> votes"),
            "search": lambda: _row_shows(a, "/search?q=hisses", path, r"\b3 votes", marker=SEARCH_RESULT),
            "api": lambda: a.api("GET", f"/questions/{question['id']}")[1]["score"] == 3}, started)

        # Hide (a moderator), through a; gone from b.
        hidden = _ask(b, tokens["asker"], "Aurora speaker buzzes near the router", "A faint buzz near the router.")
        _within_deadline(lambda: not any(check() for check in _gone_everywhere(b, hidden, "buzzes").values()))
        _warm(b, hidden["path"], "/", "/tags/speakers", "/search?q=buzzes", "/feeds/questions.atom",
              "/feeds/tags/speakers.atom", "/sitemap-questions-1.xml")
        status, _ = moderator_a.post(f"/moderation/posts/question/{hidden['id']}/hide", note="Off topic")
        started = time.monotonic()
        assert status == 200
        figures["hide (a to b)"] = _seconds_per_surface(_gone_everywhere(b, hidden, "buzzes"), started)

        # Delete (the asker's own), through b; gone from a.
        deleted = _ask(a, tokens["asker"], "Aurora speaker rattles on the shelf", "The shelf rattles at low bass.")
        _within_deadline(lambda: not any(check() for check in _gone_everywhere(a, deleted, "rattles").values()))
        _warm(a, deleted["path"], "/", "/tags/speakers", "/search?q=rattles", "/feeds/questions.atom",
              "/feeds/tags/speakers.atom", "/sitemap-questions-1.xml")
        status, _ = asker_b.post(f"/questions/{deleted['id']}/delete")
        started = time.monotonic()
        assert status == 200
        figures["delete (b to a)"] = _seconds_per_surface(_gone_everywhere(a, deleted, "rattles"), started)

        # Close as a duplicate (a moderator), through b; on a the question links its original.
        _warm(a, path, "/", "/search?q=hisses", "/sitemap-questions-1.xml")
        status, page = moderator_b.post(f"/questions/{question['id']}/close", reason="duplicate",
                                        duplicate_of=str(original["id"]))
        started = time.monotonic()
        assert status == 200 and f'class="duplicate-link" href="{original["path"]}"' in page, page[:2000]
        link = f'class="duplicate-link" href="{original["path"]}"'
        figures["duplicate (b to a)"] = _seconds_per_surface({
            "page": lambda: _page_shows(a, path, link),
            "home": lambda: _row_shows(a, "/", path, re.escape(link)),
            "search": lambda: (_row_shows(a, "/search?q=hisses", original["path"], marker=SEARCH_RESULT)
                               and _row_gone(a, "/search?q=hisses", path, marker=SEARCH_RESULT)),
            "api": lambda: (a.api("GET", f"/questions/{question['id']}")[1]["duplicate_of"] or {}).get("id")
            == original["id"],
            "sitemap": lambda: _sitemap_lastmod(a, path) is None}, started)
    _print_table(figures)
    _assert_search_check_is_clean(tmp_path, fresh_database_url)


def test_two_hundred_concurrent_votes_over_both_hosts_give_the_exact_score(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path / "seed"):
        now = utcnow()
        question = builders.question(builders.user("asker", now=now), "Aurora speaker crackles above level eight",
                                     now=now)
        question_id = question.id
        # 150 up and 50 down: a lost or doubled vote of either kind moves the score.
        votes = [(accounts.create_api_token(builders.user(f"voter{n}", now=now), now=now), -1 if n % 4 == 0 else 1)
                 for n in range(200)]
    expected = sum(value for _, value in votes)
    with _two_hosts(tmp_path, fresh_database_url) as hosts:

        def vote(numbered):
            number, (token, value) = numbered
            sent = time.monotonic()
            answer = hosts[number % 2].api("POST", f"/questions/{question_id}/vote", token, {"value": value})
            return answer, time.monotonic() - sent

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            answers, latencies = zip(*pool.map(vote, enumerate(votes)), strict=True)
        latencies = sorted(latencies)
        print(f"\n200 votes over two hosts from 16 threads: {time.monotonic() - started:.2f} s; per vote p50 "
              f"{latencies[100]:.2f} s, p95 {latencies[190]:.2f} s, max {latencies[-1]:.2f} s")
        assert [status for status, _ in answers] == [200] * 200, [body for status, body in answers if status != 200]
        for host in hosts:
            assert host.api("GET", f"/questions/{question_id}")[1]["score"] == expected
            _within_deadline(lambda host=host: _page_shows(host, f"/questions/{question_id}",
                                                           f'<span class="score">{expected}<'))
    _assert_search_check_is_clean(tmp_path, fresh_database_url)


def test_two_care_sweeps_and_two_outbox_workers_on_two_hosts_never_duplicate(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path / "seed"):
        now = utcnow()
        # Past the 60 minutes unanswered already: the first (full) sweeps of all four workers race for them.
        overdue = [builders.question(builders.user(f"overdue{n}", now=now - timedelta(hours=2)),
                                     now=now - timedelta(hours=2)).id for n in range(10)]
        # Each asker is emailed once about the answer a host posts.
        answered = [builders.question(builders.user(f"asker{n}", now=now), now=now).id for n in range(10)]
        answerer = accounts.create_api_token(builders.user("answerer", now=now), now=now)
    with Mailbox() as mailbox:
        with _two_hosts(tmp_path, fresh_database_url, CARE_IN_APP_SWEEP="true", OUTBOX_IN_PROCESS="true",
                        CARE_SWEEP_INTERVAL_SECONDS=5, OUTBOX_POLL_SECONDS=0.5, SMTP_HOST="127.0.0.1",
                        SMTP_PORT=mailbox.port, SITE_URL="http://community.test") as hosts:
            for number, question_id in enumerate(answered):
                status, body = hosts[number % 2].api("POST", f"/questions/{question_id}/answers", answerer,
                                    {"body": "Hold both buttons for fifteen seconds until the light blinks."})
                assert status == 201, body
            with migrated_to(fresh_database_url, tmp_path / "later"):
                askers = [builders.user(f"crossing{n}", now=utcnow() - timedelta(hours=2)) for n in range(10)]
                # Asked ten seconds short of the 60 minutes: the incremental sweeps of a running deployment take
                # them as the threshold passes. Each is stamped just before its commit, as a request's write is
                # (a question committed after its threshold passed is left to the hourly catch-up).
                crossing = [builders.question(asker, now=utcnow() - timedelta(minutes=60, seconds=-10)).id
                            for asker in askers]
                now = utcnow()
                begin_write(db.session)  # a burst all four deliverers see due at once
                for n in range(40):
                    outbox.enqueue("email", {"to": f"reader{n}@example.com", "subject": f"Burst message {n}",
                                             "text": "One of forty.", "headers": {}, "user_id": None}, now=now)
                db.session.commit()

                state = {}

                def all_done():
                    db.session.rollback()
                    state["queued"] = db.session.scalars(select(CareItem.question_id)
                                                         .where(CareItem.question_id.in_(overdue + crossing))).all()
                    state["undelivered"] = db.session.execute(
                        select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.last_status)
                        .where(OutboxMessage.delivered_at.is_(None))).all()
                    return len(set(state["queued"])) == 20 and not state["undelivered"]

                started = time.monotonic()
                while not all_done():
                    assert time.monotonic() - started < WORKER_DEADLINE_SECONDS, (
                        f"queued {sorted(state['queued'])} of {sorted(overdue + crossing)}; undelivered "
                        f"{state['undelivered'][:5]}...\n" + "\n".join(_errors(host) for host in hosts))
                    time.sleep(0.2)
                seconds = time.monotonic() - started
                print(f"\nevery care item queued and every message delivered {seconds:.2f} s after the burst")
        # The hosts have exited: nothing more can arrive, so these counts are final.
        with migrated_to(fresh_database_url, tmp_path / "after"):
            items = db.session.execute(select(CareItem.question_id, func.count()).group_by(CareItem.question_id)).all()
            assert sorted(items) == sorted((question_id, 1) for question_id in overdue + crossing)
            reasons = db.session.execute(select(CareReason.kind, func.count()).join(CareItem)
                                         .group_by(CareReason.kind)).all()
            assert reasons == [("unanswered", 20)]
            rows = db.session.execute(select(OutboxMessage.payload, OutboxMessage.attempts)
                                      .where(OutboxMessage.kind == "email")).all()
            assert len(rows) == 50 and {attempts for _, attempts in rows} == {1}
        received = sorted((str(message["To"]), str(message["Subject"])) for message in mailbox.messages)
        assert len(received) == len(set(received)) == 50, received
        for n in range(10):
            assert len(mailbox.to(f"asker{n}@example.com")) == 1
        for n in range(40):
            assert [str(m["Subject"]) for m in mailbox.to(f"reader{n}@example.com")] == [f"Burst message {n}"]
