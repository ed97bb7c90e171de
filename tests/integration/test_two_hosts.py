"""Two app hosts on one database, each with its own index folder: a change through either shows on the other."""
import json
import time
import urllib.error
import urllib.request

from app.auth import services as accounts
from app.clock import utcnow
from tests import builders, servers
from tests.migrating import migrated_to

DEADLINE_SECONDS = 20  # the bar is 2 s (SEARCH_FOLLOW_SECONDS=0.5); the test allows for a loaded machine


def _api(host, method, path, token=None, body=None):
    """(status, JSON) of an API call on a new connection."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(host.base + "/api/v1" + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _within_deadline(check):
    """Seconds until `check()` held, polled every 50 ms; fails past the deadline."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < DEADLINE_SECONDS, "the other host never showed the change"
        time.sleep(0.05)
    return time.monotonic() - started


def _found(host, words, question_id):
    return question_id in [item["id"] for item in _api(host, "GET", f"/search?q={words}")[1]["items"]]


def _suggested(host, words, question_id):
    return question_id in [item["id"] for item in _api(host, "GET", f"/suggest?q={words}")[1]["results"]]


def test_a_change_through_either_host_shows_in_the_others_search(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path / "seed"):
        now = utcnow()
        asker, answerer = builders.user("asker", now=now), builders.user("answerer", now=now)
        asker_token = accounts.create_api_token(asker, now=now)
        answerer_token = accounts.create_api_token(answerer, now=now)
    hosts = {}
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            env = servers.host_environment(tmp_path / name, fresh_database_url, SEARCH_FOLLOW_SECONDS=0.5)
            hosts[name] = servers.Host(env, tmp_path / f"{name}.log", workers=2)
        a, b = hosts["a"], hosts["b"]
        for host in (a, b):  # each worker starts its follower on its first request
            for _ in range(4):
                host.get("/healthz")
        status, question = _api(a, "POST", "/questions", asker_token, {
            "title": "Why does my Aurora speaker crackle above level eight?",
            "body": "It crackles loudly whenever the volume passes eight.", "tags": ["speakers"]})
        assert status == 201, question
        seconds = {"ask: search": _within_deadline(lambda: _found(b, "crackle", question["id"])),
                   "ask: suggest": _within_deadline(lambda: _suggested(b, "aurora+speaker+crackle", question["id"]))}
        status, _ = _api(b, "POST", f"/questions/{question['id']}/answers", answerer_token,
                         {"body": "Lower the bassline equaliser band: the distortion stops."})
        assert status == 201
        seconds["answer: search"] = _within_deadline(lambda: _found(a, "bassline", question["id"]))
        assert b.get(f"/questions/{question['id']}")[0] == 200
        print("seconds until the other host's search showed it:", {k: round(v, 2) for k, v in seconds.items()})
    finally:
        for host in hosts.values():
            host.stop()
    for name in ("a", "b"):
        env = servers.host_environment(tmp_path / name, fresh_database_url)
        assert "The index matches the database." in servers.flask_command(env, "search", "check")
