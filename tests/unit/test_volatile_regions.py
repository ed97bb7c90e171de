"""The cross-host validator: markers never sent, marked regions never hashed, an unclosed marker hiding nothing."""
from app.http_caching import VOLATILE_CLOSE, VOLATILE_OPEN, volatile, without_volatile


def marked(text):
    return f"{VOLATILE_OPEN}{text}{VOLATILE_CLOSE}".encode()


def test_the_body_sent_loses_the_markers_and_keeps_what_they_marked():
    sent, _ = without_volatile(b"<p>Viewed " + marked("12 times") + b"</p>")
    assert sent == b"<p>Viewed 12 times</p>"


def test_only_a_change_outside_the_marked_regions_moves_the_validator():
    page = b"<h1>Earbuds</h1><span>%s</span><p>%s</p>"
    _, before = without_volatile(page % (marked("5 minutes ago"), b"Score 3"))
    _, later = without_volatile(page % (marked("2 days ago"), b"Score 3"))
    _, voted = without_volatile(page % (marked("2 days ago"), b"Score 4"))
    assert before == later != voted
    _, moved = without_volatile(b"<h1>Earbuds</h1><span></span><p>Score 3" + marked("5 minutes ago") + b"</p>")
    assert moved != before  # a region that moved or appeared is a change of the page


def test_an_unclosed_marker_hides_nothing_from_the_validator():
    _, one = without_volatile(VOLATILE_OPEN.encode() + b"<p>Score 3</p>")
    _, other = without_volatile(VOLATILE_OPEN.encode() + b"<p>Score 4</p>")
    assert one != other


def test_the_filter_escapes_what_it_marks():
    assert volatile("<b>3</b>") == f"{VOLATILE_OPEN}&lt;b&gt;3&lt;/b&gt;{VOLATILE_CLOSE}"
