"""What the cross-host validator costs a public page: marker removal and the weak ETag, against the old strong one.

Run from the repository root:

    .venv/bin/python bench/bench_etag.py [--rows 30] [--repeat 2000]

Builds a list page's worth of HTML (`--rows` question rows, each with a marked view count and age, as
templates/_partials/macros.html marks them), then prints microseconds per page for: Werkzeug's strong
ETag over the whole body (what app/http_caching.py did before), and `without_volatile` (the markers out
of the body sent and the weak ETag over the body without its volatile regions, in one pass).
"""
import argparse
import hashlib
import timeit

from werkzeug.http import generate_etag

from app.http_caching import VOLATILE_CLOSE, VOLATILE_OPEN, without_volatile

ROW = ('<li class="question-row"><div class="row-stats"><span class="stat"><strong>{n}</strong> votes</span>'
       '<span class="stat stat-answered"><strong>3</strong> answers</span><span class="stat stat-muted">'
       f'{VOLATILE_OPEN}{{n}}K views{VOLATILE_CLOSE}</span></div><div class="row-main"><h3 class="row-title">'
       '<a href="/questions/{n}/why-wont-my-x200-earbuds-charge-after-the-update" dir="auto">Why won\'t my X200 '
       'earbuds charge after the update, case {n}?</a></h3><div class="row-meta"><ul class="tags"><li><a '
       'class="tag" href="/tags/earbuds">earbuds</a></li><li><a class="tag" href="/tags/charging">charging</a>'
       '</li></ul><span class="row-author"><a href="/users/{n}/member{n}">member{n}</a> asked <time datetime='
       f'"2031-03-14T09:30:00Z">{VOLATILE_OPEN}{{n}} minutes ago{VOLATILE_CLOSE}</time></span></div></div></li>\n')
HEAD = "<meta name='x' content='padding'>" * 120  # a page's head: strings, links, scripts
FRAME = "<!doctype html><html><head>" + HEAD + "</head><body><ol>{}</ol></body></html>"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    opening, closing = VOLATILE_OPEN.encode(), VOLATILE_CLOSE.encode()
    body = FRAME.format("".join(ROW.format(n=n) for n in range(args.rows))).encode()
    cases = {
        "strong ETag over the whole body (before)": lambda: generate_etag(body),
        "markers out, weak ETag without the regions (now)": lambda: without_volatile(body),
        "  of which SHA-1 of the whole body": lambda: hashlib.sha1(body, usedforsecurity=False).hexdigest(),
        "an unmarked body of the same size (now)": lambda: without_volatile(unmarked),
    }
    unmarked = body.replace(opening, b"").replace(closing, b"")
    print(f"page: {len(body):,} bytes, {args.rows} rows, {body.count(opening)} marked regions")
    for name, case in cases.items():
        seconds = min(timeit.repeat(case, number=args.repeat, repeat=5)) / args.repeat
        print(f"{name:50} {seconds * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
