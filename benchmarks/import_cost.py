"""Benchmark: what loading the server extension adds to jupyter_server's own start-up.

In each of N fresh interpreters: import `jupyter_server.serverapp` (what any server has loaded
before it looks for extensions), then time what jupyter_server does to load this extension:
`import jupyter_code_interp` and `_jupyter_server_extension_points()` (which imports the
ExtensionApp, its handlers, the session, the agent loop…). Reports the median and the spread, and
whether heavy optional libraries (openai, httpx, pandas…) were imported on the way; `openai` is
meant to be imported lazily, on the first turn. One more run with `python -X importtime` lists the
modules that cost the most.

Goal (issue 7): ≤ 0.2 s (Jupyter AI's server packages take 1.6–3.1 s each here).

Run: python benchmarks/import_cost.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

GOAL_SECONDS = 0.2
HEAVY = ("openai", "httpx", "pydantic", "pandas", "numpy", "matplotlib", "nbclient", "openpyxl")

_MEASURE = r"""
import json, sys, time
import jupyter_server.serverapp  # the baseline: a server about to load its extensions
before = set(sys.modules)
start = time.perf_counter()
import jupyter_code_interp
points = jupyter_code_interp._jupyter_server_extension_points()
elapsed = time.perf_counter() - start
heavy = ",".join(m for m in sys.argv[1].split(",") if m in sys.modules and m not in before)
print(json.dumps({"seconds": elapsed, "modules": len(set(sys.modules) - before), "heavy": heavy}))
"""


def one_run() -> dict[str, object]:
    """The figures of one fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, ",".join(HEAVY)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def costliest_modules(limit: int) -> list[tuple[int, str]]:
    """(self microseconds, module) of the slowest modules the extension imports."""
    code = (
        "import jupyter_server.serverapp\nimport jupyter_code_interp\n"
        "jupyter_code_interp._jupyter_server_extension_points()"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    lines = result.stderr.splitlines()
    # Only what is imported after jupyter_server.serverapp finished importing.
    start = next(
        (i for i, line in enumerate(lines) if line.rstrip().endswith("| jupyter_server.serverapp")),
        0,
    )
    rows: list[tuple[int, str]] = []
    for line in lines[start + 1 :]:
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 3 and parts[0].split(":")[-1].strip().isdigit():
            rows.append((int(parts[0].split(":")[-1]), parts[2]))
    return sorted(rows, reverse=True)[:limit]


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters to time")
    options = parser.parse_args()
    one_run()  # warm the file system cache and the .pyc files
    runs = [one_run() for _ in range(options.runs)]
    seconds = sorted(float(str(run["seconds"])) for run in runs)
    median = statistics.median(seconds)
    print(f"Import cost of the server extension on top of jupyter_server ({options.runs} runs):")
    print(
        f"  median {median * 1000:.0f} ms, min {seconds[0] * 1000:.0f} ms, "
        f"max {seconds[-1] * 1000:.0f} ms; {runs[0]['modules']} new modules"
    )
    heavy = sorted({str(name) for run in runs for name in str(run["heavy"]).split(",") if name})
    print(f"  heavy libraries imported on the way: {', '.join(heavy) if heavy else 'none'}")
    print("  slowest modules (own import time, one run with -X importtime):")
    for micros, name in costliest_modules(6):
        print(f"    {micros / 1000:7.1f} ms  {name}")
    verdict = "met" if median <= GOAL_SECONDS else "NOT met"
    print(f"Goal: ≤ {GOAL_SECONDS} s: {verdict}.")


if __name__ == "__main__":
    main()
