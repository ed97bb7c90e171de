"""The stale store's bounds: count, bytes and age, least recently served dropped first."""
import pytest

from app.stale_pages import StalePages

HTML = (("Content-Type", "text/html; charset=utf-8"),)


def test_the_least_recently_served_copy_goes_first_beyond_the_count():
    store = StalePages(size=2, max_bytes=1000, seconds=60)
    store.put("a", b"A", HTML, now=0)
    store.put("b", b"B", HTML, now=1)
    store.put("a", b"A2", HTML, now=2)  # served again: now the most recent
    store.put("c", b"C", HTML, now=3)
    assert store.get("b", now=3) is None
    assert store.get("a", now=3).body == b"A2" and store.get("c", now=3).body == b"C"
    assert len(store) == 2 and store.total_bytes == 3


def test_the_bodies_never_exceed_the_byte_bound():
    store = StalePages(size=100, max_bytes=10, seconds=60)
    for number in range(5):
        store.put(number, b"x" * 4, HTML, now=number)
    assert store.total_bytes == 8 and len(store) == 2
    assert store.get(3, now=5) is not None and store.get(4, now=5) is not None
    store.put("huge", b"x" * 11, HTML, now=6)  # larger than the whole store: never kept, nothing evicted for it
    assert store.get("huge", now=6) is None and len(store) == 2


def test_a_copy_older_than_the_age_bound_is_never_served():
    store = StalePages(size=10, max_bytes=100, seconds=60)
    store.put("page", b"old", HTML, now=100)
    assert store.get("page", now=160).headers == HTML
    assert store.get("page", now=160.5) is None
    assert len(store) == 0 and store.total_bytes == 0


@pytest.mark.parametrize("bounds", [(0, 10, 60), (10, 0, 60), (10, 10, 0)])
def test_bounds_must_be_positive(bounds):
    with pytest.raises(ValueError, match="must be positive"):
        StalePages(*bounds)
