"""Benchmark and budget: the JavaScript the lab extension ships, every chunk gzip -9.

Reads jupyter_code_interp/labextension/static (what the wheel installs into
share/jupyter/labextensions), compresses each `.js` file with gzip level 9 and prints a table per
chunk and the total. Source maps are not counted: the browser only fetches them with the
developer tools open.

Goal: ≤ 140 KB in total (Jupyter AI 3.2 ships ~549 KB). Issue 7 set 130 KB; issue 15 raised it
on purpose by the review diff's `@codemirror/merge` (about 20 KB, a chunk of its own that loads
with the first diff, not at start-up). With `--check` the script exits
with status 1 when the total is past the budget, so that CI fails the build.

Run: python benchmarks/bundle_size.py [--check] [--static DIR] [--budget-kb 140]
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

BUDGET_KB = 140.0
STATIC = Path(__file__).resolve().parent.parent / "jupyter_code_interp" / "labextension" / "static"


def gzipped_size(path: Path) -> int:
    """Bytes of `path` compressed with gzip -9 (no file name or time in the header)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def measure(static: Path) -> list[tuple[str, int, int]]:
    """(name, raw bytes, gzip -9 bytes) of every JavaScript chunk in `static`, largest first."""
    rows = [
        (path.name, path.stat().st_size, gzipped_size(path))
        for path in sorted(static.glob("*.js"))
        if path.is_file()
    ]
    return sorted(rows, key=lambda row: row[2], reverse=True)


def main() -> int:
    """Print the table; with --check, 1 when the total is past the budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when over the budget")
    parser.add_argument("--static", type=Path, default=STATIC, help="the labextension's static/")
    parser.add_argument("--budget-kb", type=float, default=BUDGET_KB, help="budget in KB (1024 B)")
    options = parser.parse_args()
    rows = measure(options.static)
    if not rows:
        print(f"No JavaScript in {options.static}: build the extension first (jlpm build).")
        return 1 if options.check else 0
    total_raw = sum(raw for _, raw, _ in rows)
    total = sum(packed for _, _, packed in rows)
    print(f"Lab extension JavaScript in {options.static}:\n")
    print("| chunk | raw | gzip -9 |")
    print("| --- | ---: | ---: |")
    for name, raw, packed in rows:
        print(f"| {name} | {raw / 1024:.1f} KB | {packed / 1024:.1f} KB |")
    print(f"| **total ({len(rows)} chunks)** | {total_raw / 1024:.1f} KB | {total / 1024:.1f} KB |")
    over = total > options.budget_kb * 1024
    verdict = "OVER the budget" if over else "within the budget"
    print(f"\nGoal: ≤ {options.budget_kb:g} KB gzip -9 in total: {verdict}.")
    if over and options.check:
        print(
            f"bundle budget exceeded: {total / 1024:.1f} KB > {options.budget_kb:g} KB "
            "(find the new dependency with `jlpm build` and a bundle analyser, or raise the "
            "budget in benchmarks/bundle_size.py on purpose)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
