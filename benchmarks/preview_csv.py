"""Benchmark: the preview of a 200 MB CSV reads only what it needs.

Writes a CSV of about 200 MB (UTF-8 and GB18030 variants, Chinese headers and cities) in a
temporary directory, then previews each in a fresh Python subprocess and reports:

- wall time of `preview_file` (best and median of several runs in that process),
- peak Python allocations during the preview (tracemalloc),
- growth of the process's peak resident memory (ru_maxrss) across the preview, measured after
  the imports, so only the preview's own memory counts.

Goals (issue 3): ≤ 0.5 s and ≤ 50 MB above baseline. Run: python benchmarks/preview_csv.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL_SECONDS = 0.5
GOAL_MEGABYTES = 50.0
CITIES = ["北京市", "上海市", "天津市", "重庆市", "广州市", "深圳市", "成都市", "武汉市"]

_MEASURE = r"""
import json, resource, statistics, sys, time, tracemalloc
from pathlib import Path
from jupyter_code_interp.files.preview import preview_file

path, runs = Path(sys.argv[1]), int(sys.argv[2])
baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
preview = preview_file(path)
first = time.perf_counter() - start
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = [first]
for _ in range(runs - 1):
    start = time.perf_counter()
    preview_file(path)
    times.append(time.perf_counter() - start)
print(json.dumps({
    "first": first,
    "best": min(times),
    "median": statistics.median(times),
    "traced_peak": peak,
    "rss_delta": (after_kb - baseline_kb) * 1024,
    "problem": preview.problem,
    "facts": preview.facts,
}, ensure_ascii=False))
"""


def write_csv(path: Path, target_bytes: int, encoding: str) -> int:
    """A CSV of about `target_bytes`; returns its data row count."""
    header = "地区,年份,季度,GDP（亿元）,增长率,人口（万人）,备注\n"
    rows = 0
    block: list[str] = []
    with path.open("w", encoding=encoding, newline="") as stream:
        stream.write(header)
        written = len(header.encode(encoding))
        while written < target_bytes:
            block.clear()
            for index in range(10_000):
                number = rows + index
                # Values of varying width, like real data: the row estimate is not exact.
                note = "初步核算" if number % 7 == 0 else ""
                block.append(
                    f"{CITIES[number % len(CITIES)]},{2000 + number % 24},Q{number % 4 + 1},"
                    f"{(number * 7919) % 10 ** (3 + number % 4)}.{number % 10},"
                    f"{(number % 230) / 10 - 3:.1f}%,{(number * 31) % 3000},{note}\n"
                )
            chunk = "".join(block)
            stream.write(chunk)
            written += len(chunk.encode(encoding))
            rows += len(block)
    return rows


def measure(path: Path, runs: int) -> dict[str, Any]:
    """Preview `path` in a fresh interpreter; the figures it reports."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), str(runs)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    figures: dict[str, Any] = json.loads(result.stdout)
    return figures


def machine() -> str:
    """CPU model, core count, Python version."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    """Write the files, measure, print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200, help="size of each CSV")
    parser.add_argument("--runs", type=int, default=5, help="previews per file")
    options = parser.parse_args()
    print(f"Machine: {machine()}")
    rows_line = []
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as folder:
        for encoding in ("utf-8", "gb18030"):
            path = Path(folder) / f"gdp-{encoding}.csv"
            start = time.perf_counter()
            rows = write_csv(path, options.megabytes * 1024 * 1024, encoding)
            print(
                f"wrote {path.name}: {path.stat().st_size / 2**20:.0f} MB, {rows:,} rows "
                f"in {time.perf_counter() - start:.1f} s",
                file=sys.stderr,
            )
            figures = measure(path, options.runs)
            facts = figures["facts"]
            estimate = int(facts.get("rowsEstimate", facts.get("rows", 0)))
            rows_line.append(
                f"| {encoding} | {path.stat().st_size / 2**20:.0f} MB | {rows:,} | {estimate:,} "
                f"({(estimate - rows) / rows:+.2%}) | {figures['first'] * 1000:.1f} ms | "
                f"{figures['median'] * 1000:.1f} ms | {figures['traced_peak'] / 2**20:.2f} MB | "
                f"{figures['rss_delta'] / 2**20:.2f} MB |"
            )
            if figures["problem"]:
                print(f"problem: {figures['problem']}", file=sys.stderr)
            path.unlink()  # keep at most one big file on disk
    print()
    print(
        "| encoding | size | rows | estimated rows | first preview | median of "
        f"{options.runs} | traced peak | RSS growth |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows_line))
    print(f"\nGoals: ≤ {GOAL_SECONDS} s, ≤ {GOAL_MEGABYTES:.0f} MB above baseline.")


if __name__ == "__main__":
    main()
