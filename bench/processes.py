"""What the benchmark scripts share: migrating their database and running a server process group."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def migrate():
    """Create the schema with the real migrations, as a deployment does."""
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{result.stderr}")


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process_group(process):
    """SIGTERM the group this process leads, then SIGKILL it if it is still there after 15 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
