"""The public hostile-input corpora of tests/data (sources and licences in tests/data/README.md)."""
import json
from pathlib import Path

import pytest

TESTDATA = Path(__file__).resolve().parent / "data"


def load(name):
    """One corpus, parsed; a missing file fails the test that needs it (never a skip)."""
    path = TESTDATA / name
    if not path.is_file():
        pytest.fail(f"hostile-input corpus not found at {path}: it is part of the repository")
    return json.loads(path.read_text(encoding="utf-8"))
