"""The million-question bench's fill (bench/bench_million.py): COPY writes rows the app's writes would agree with."""
import random
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.migrating import migrated_to

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_million  # noqa: E402  (bench/ is not a package: its scripts import each other by name)

END = datetime(2026, 1, 1)


def _psycopg_url(url):
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.postgres_only  # the fill is PostgreSQL's COPY
def test_the_fill_keeps_every_derived_column_consistent(fresh_database_url, tmp_path):
    with migrated_to(fresh_database_url, tmp_path):
        url = _psycopg_url(fresh_database_url)
        filled = bench_million.fill(url, bench_million.Generator(random.Random(3), 1500, END), care_days=30)

        assert bench_million.inconsistencies(url) == dict.fromkeys(bench_million.CONSISTENCY_CHECKS, 0)
        counts = filled.counts
        assert counts["questions"] == 1500 and counts["users"] == 300
        # A community's proportions: answers, votes and comments outnumber questions; most history is exempt from care.
        assert 2 * counts["questions"] < counts["answers"] < 4 * counts["questions"]
        assert counts["answer_votes"] > counts["answers"] and counts["comments"] > counts["questions"] // 2
        assert 0.9 * counts["questions"] < counts["care_exemptions"] < counts["questions"]
        assert filled.question_urls and filled.drafts and filled.tags


@pytest.mark.postgres_only
def test_a_broken_derived_column_is_reported(fresh_database_url, tmp_path):
    import psycopg

    with migrated_to(fresh_database_url, tmp_path):
        url = _psycopg_url(fresh_database_url)
        bench_million.fill(url, bench_million.Generator(random.Random(4), 1000, END), care_days=30)
        with psycopg.connect(url) as connection:
            connection.execute("UPDATE questions SET score = score + 1 WHERE id = 7")
            connection.execute("UPDATE users SET reputation_points = reputation_points - 3 WHERE id = 2")

        found = bench_million.inconsistencies(url)
        assert found["question scores"] == 1 and found["reputation points"] == 1


def test_the_same_seed_fills_the_same_community():
    first, second = (bench_million.Generator(random.Random(9), 2000, END) for _ in range(2))
    assert [first.maker.title() for _ in range(5)] == [second.maker.title() for _ in range(5)]
    assert first.body("Lead.", 2, 4) == second.body("Lead.", 2, 4)
