"""The clock is read only at the edges: services, rules and receivers take `now`."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

CLOCK_NAMES = {"utcnow", "request_now"}

# Where the clock may be read, and why each is an edge.
EDGES = {
    "clock.py": "the clock itself",
    "cli.py": "command-line commands",
    "care/__init__.py": "the `care sweep` command",
    "importer/__init__.py": "the import commands",
    "search/__init__.py": "the search commands and the catch-up after a response",
    "notifications/worker.py": "each round of the outbox worker",
    "background.py": "each round of a background job's thread (PeriodicThread._round only)",
    "models.py": "the search change log's own write time (bookkeeping, not a community moment)",
    "formatting.py": "the `age` template filter, at the request's moment",
    "messages/__init__.py": "the `messaging_state` template helper, at the request's moment",
    "helpfulness/routes.py": "its own view",
    "moderation/hooks.py": "a request hook",
    "auth/bearer.py": "a request decorator",
    "ratelimits.py": "a refused request's message: when the limit lifts, at the request's moment",
    "webhooks/transport.py": "the network edge: the signed timestamp says when the bytes left",
}


class _ClockReads(ast.NodeVisitor):
    """Collects (line, innermost function) of every read of the clock."""

    def __init__(self):
        self.reads, self.functions = [], ["<module>"]

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_Call(self, node):
        f = node.func
        called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else None
        if called in CLOCK_NAMES or (called, owner) in {("now", "datetime"), ("time", "time"), ("today", "date"),
                                                         ("utcnow", "datetime")}:
            self.reads.append((node.lineno, self.functions[-1]))
        self.generic_visit(node)


def _clock_reads(tree):
    """(line, function) of every read of the clock in a module: utcnow(), request_now(), datetime.now(), time.time()."""
    visitor = _ClockReads()
    visitor.visit(tree)
    return visitor.reads


def _is_edge(relative):
    return relative in EDGES or relative.endswith(("routes.py", "/api.py"))


def test_only_edges_read_the_clock():
    below_the_edge = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if _is_edge(relative):
            continue
        below_the_edge += [f"app/{relative}:{line} in {name}()" for line, name in
                           _clock_reads(ast.parse(path.read_text()))]
    assert below_the_edge == [], "pass `now` in from the request, command or worker instead"


def test_background_jobs_read_the_clock_only_at_the_start_of_a_round():
    reads = _clock_reads(ast.parse((APP / "background.py").read_text()))
    assert reads and {name for _, name in reads} == {"_round"}


def test_the_checker_finds_a_clock_read():
    """The test above would catch a service that reads the clock (it is not vacuous)."""
    tree = ast.parse("def enqueue(item):\n    item.at = utcnow()\n\ndef later():\n    return datetime.now(UTC)\n")
    assert _clock_reads(tree) == [(2, "enqueue"), (5, "later")]
