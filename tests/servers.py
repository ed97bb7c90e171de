"""Real app servers for the tests that need processes: gunicorn hosts on 127.0.0.1, each with its own folder."""
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from app.config import REPO_ROOT


def free_port():
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def host_environment(folder, database_url, **settings):
    """The environment of one host: its database, its own index folder and instance, and `settings` on top."""
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "host-test", "FLASK_APP": "wsgi",
            "SEARCH_INDEX_DIR": str(folder / "index"), "UPLOADS_DIR": str(folder / "uploads"),
            "RATELIMIT_ENABLED": "false", "SEARCH_SEMANTIC": "false", "REQUEST_LOG": "false",
            **{name: str(value) for name, value in settings.items()}}


def flask_command(environment, *arguments):
    """Run `flask <arguments>` as a host would (migrations, seeding); fails with its output."""
    result = subprocess.run([sys.executable, "-m", "flask", *arguments], cwd=REPO_ROOT, env=environment,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Host:
    """A gunicorn master and its workers, serving wsgi:app on a port of its own."""

    def __init__(self, environment, log_path, workers=2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                 "--graceful-timeout", "20", "wsgi:app"],
                cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        self.wait_until_serving()

    def log(self):
        """What the host wrote so far (for a failing assertion's message)."""
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self):
        """Poll until gunicorn answers, however long a loaded machine takes to start it; one that exits
        (a taken port, an import error) fails at once, with its log."""
        while self.process.poll() is None:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=30).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")

    def get(self, path, **headers):
        """(status, body) of a GET on a new connection, as a separate visitor's."""
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def api(self, method, path, token=None, body=None):
        """(status, JSON, or text when not JSON) of an API call on a new connection; (None, the error) when the
        connection died under it (a killed worker)."""
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(self.base + "/api/v1" + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            try:
                return error.code, json.loads(text or "{}")
            except ValueError:
                return error.code, text
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as error:
            return None, repr(error)

    def stop(self, how=signal.SIGTERM):
        """Stop gracefully (SIGTERM: workers finish and exit) or not (SIGKILL); returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(how)
            try:
                return self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return self.process.returncode


@contextlib.contextmanager
def serving(environment, log_path, workers=2):
    """A Host for the duration of the block, stopped at the end whatever happens."""
    host = Host(environment, log_path, workers)
    try:
        yield host
    finally:
        host.stop()
