"""Time app.rendering on hostile Markdown and on an ordinary post.

Run from the repository root, as a module: it takes its cases from tests/, which is not part of
the installed project, and `-m` puts the current folder on the path:

    .venv/bin/python -m bench.bench_render
"""

import time

import markdown

from app.rendering import MAX_BODY_LENGTH, RenderError, render_markdown
from tests.unit.test_rendering import OTHER_SLOW_SHAPES, PATHOLOGICAL_PATTERNS, REALISTIC_POST, fill

LENGTHS = (MAX_BODY_LENGTH // 4, MAX_BODY_LENGTH // 2, MAX_BODY_LENGTH)
RUNS = 3


def best_cpu_ms(render, source, runs=RUNS):
    """Best CPU time of a few calls, in ms, and whether the post was refused."""
    best, refused = float("inf"), False
    for _ in range(runs):
        start = time.process_time()
        try:
            render(source)
        except (RenderError, RecursionError):
            refused = True
        best = min(best, time.process_time() - start)
    return best * 1000, refused


def raw_markdown(source):
    """Python-Markdown alone, with the same extensions and no guard."""
    return markdown.markdown(source, extensions=["fenced_code", "tables", "sane_lists"])


def print_table(title, patterns):
    print(f"\n{title}")
    print(f"{'pattern':28}" + "".join(f"{length:>12,}" for length in LENGTHS))
    for name, pattern in patterns.items():
        cells = []
        for length in LENGTHS:
            milliseconds, refused = best_cpu_ms(render_markdown, fill(pattern, length))
            cells.append(f"{milliseconds:9.1f}{' R' if refused else '  '}")
        print(f"{name:28}" + " ".join(cells))


def main():
    print(f"render_markdown: ms of CPU, best of {RUNS}, by post length in characters; R = refused (RenderError)")
    print_table("Patterns from testdata/README.md", PATHOLOGICAL_PATTERNS)
    print_table("Other shapes that are slow in raw Python-Markdown", OTHER_SLOW_SHAPES)

    post = REALISTIC_POST * (5000 // len(REALISTIC_POST) + 1)
    milliseconds, _ = best_cpu_ms(render_markdown, post)
    print(f"\nOrdinary post ({len(post):,} characters: headings, lists, a table, code, links): {milliseconds:.1f} ms")

    # Raw Python-Markdown is so slow that the worst pattern is picked on 1,500 characters first.
    worst = max(
        PATHOLOGICAL_PATTERNS, key=lambda name: best_cpu_ms(raw_markdown, fill(PATHOLOGICAL_PATTERNS[name], 1500), 1)
    )
    source = fill(PATHOLOGICAL_PATTERNS[worst], LENGTHS[0])
    raw_ms, raw_failed = best_cpu_ms(raw_markdown, source, 1)
    guarded_ms, _ = best_cpu_ms(render_markdown, source)
    outcome = "RecursionError" if raw_failed else f"{raw_ms:,.0f} ms"
    print(f"Raw Python-Markdown on the worst pattern, {worst!r} at {len(source):,} characters: {outcome} "
          f"(render_markdown: {guarded_ms:.1f} ms)")


if __name__ == "__main__":
    main()
