"""Print the import graph between the top-level modules and packages of app/, and any cycles in it.

Run from the repository root: `.venv/bin/python tools/import_graph.py` (grimp comes with import-linter).
Each line is `package -> the packages it imports (number of import statements)`; function-level
imports count. `make lint` enforces the layers in pyproject.toml; this shows the picture behind them.
"""
import itertools
import os
import sys
from collections import Counter

import grimp

sys.path.insert(0, os.getcwd())  # the app of the checkout it runs in, installed or not


def top(module):
    """`app.care.services` -> `care`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(app)"


def main():
    graph = grimp.build_graph("app", cache_dir=None)
    edges = Counter()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            details = graph.get_import_details(importer=importer, imported=imported)
            if top(importer) != top(imported) and top(importer) != "(app)":
                edges[top(importer), top(imported)] += max(len(details), 1)
    packages = sorted({a for a, _ in edges} | {b for _, b in edges})
    for package in packages:
        targets = sorted((b, n) for (a, b), n in edges.items() if a == package)
        if targets:
            print(f"{package} -> " + ", ".join(f"{b} ({n})" for b, n in targets))
    cycles = sorted((a, b) for (a, b) in edges if (b, a) in edges and a < b)
    longer = [trio for trio in itertools.permutations(packages, 3)
              if trio[0] == min(trio) and all((trio[i], trio[(i + 1) % 3]) in edges for i in range(3))]
    print(f"\n{len(packages)} packages, {len(edges)} package-to-package dependencies, "
          f"{len(cycles)} two-way cycles, {len(longer)} three-way cycles")
    for a, b in cycles:
        print(f"  cycle: {a} <-> {b}")
    for trio in longer:
        print("  cycle: " + " -> ".join((*trio, trio[0])))


if __name__ == "__main__":
    main()
