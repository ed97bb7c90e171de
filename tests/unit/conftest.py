"""Unit tests are the rules themselves: every one of them runs again under a shifted clock (make test)."""
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Mark every unit test time_sensitive."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.time_sensitive)
