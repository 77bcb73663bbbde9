"""Simple data tasks on the real local model: the product's loop through the CLI against a control.

Qwen2.5-Coder-1.5B-Instruct Q4_K_M (scripts/fetch_local_model.py; tests and benchmarks only) is
served by xllamacpp (llama.cpp, `--jinja`, 2 threads, 8k context, 1024 tokens per reply at most,
temperature 0.3 for every request). Each task gets a fresh folder with its data file and a fresh
kernel, and is run

- `control`: the ~100-line loop of benchmarks/control_loop.py;
- `fenced`:  `jupyter code-interp run … --attach FILE` with the model's tool mode `fenced`;
- `auto`:    the same with tool mode `auto` (tools requests; the loop watches what the model does).

Same step cap (6) for all. An answer passes when it holds the expected number (relative
tolerance 0.1 %) or name. Prints pass/total and the median seconds per task for each mode, and
the load average (the machine is shared: local inference slows down 3-10× under load). Figures
only: it never fails a CI run.

    python benchmarks/local_model_tasks.py [--modes control fenced auto] [--limit N]
        [--budget SECONDS] [--task-timeout SECONDS]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "benchmarks"))

from control_loop import solve
from fetch_local_model import default_dir as model_dir
from fetch_local_model import fetch

MODEL = "qwen2.5-coder-1.5b"
STEPS = 6
REGIONS = ["North", "South", "East", "West"]
PROVINCES = [
    ("北京", 43760.7, 2185.8),
    ("上海", 47218.7, 2487.5),
    ("广东", 135673.2, 12706.0),
    ("江苏", 128222.2, 8526.0),
    ("浙江", 82553.0, 6627.0),
    ("四川", 60132.9, 8368.0),
    ("河南", 59132.4, 9815.0),
    ("湖北", 55803.6, 5838.0),
]
SERVE = """
import sys, xllamacpp
p = xllamacpp.CommonParams()
p.model.path, p.port, p.n_ctx, p.n_parallel, p.n_predict = sys.argv[1], int(sys.argv[2]), 8192, 1, 1024
p.use_jinja = True
p.sampling.temp, p.sampling.seed = 0.3, 7
p.cpuparams.n_threads = p.cpuparams_batch.n_threads = 2
server = xllamacpp.Server(p)
print("ready", flush=True)
sys.stdin.read()
"""


@dataclass
class Task:
    """One question about one data file, with the expected answer."""

    name: str
    file: str
    question: str
    expected: float | str


def write_data(folder: Path) -> list[Task]:
    """The data files (deterministic) and the tasks about them, answers computed here."""
    rng = random.Random(7)
    rows = []
    for index in range(120):
        amount = None if index % 17 == 5 else round(rng.uniform(10, 900), 2)
        rows.append((f"2024-{index % 12 + 1:02d}-{index % 28 + 1:02d}", REGIONS[index % 4], amount))
    lines = ["date,region,amount"] + [f"{d},{r},{'' if a is None else a}" for d, r, a in rows]
    (folder / "sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = ["省份,GDP亿元,人口万"] + [f"{p},{g},{n}" for p, g, n in PROVINCES]
    (folder / "gdp.csv").write_bytes(("\n".join(table) + "\n").encode("gbk"))
    amounts = [a for _, _, a in rows if a is not None]
    by_region = {r: sum(a for _, rr, a in rows if rr == r and a is not None) for r in REGIONS}
    return [
        Task("total", "sales.csv", "What is the total of the amount column of sales.csv?",
             round(sum(amounts), 2)),
        Task("missing", "sales.csv", "How many rows of sales.csv have no amount?",
             float(len(rows) - len(amounts))),
        Task("top-region", "sales.csv", "Which region has the highest total amount in sales.csv?",
             max(by_region, key=lambda r: by_region[r])),
        Task("mean-east", "sales.csv", "What is the mean amount of the East region in sales.csv?",
             round(statistics.mean(a for _, r, a in rows if r == "East" and a is not None), 2)),
        Task("gdp-sum", "gdp.csv", "gdp.csv 中所有省份的 GDP 总和是多少（亿元）？",
             round(sum(g for _, g, _ in PROVINCES), 1)),
        Task("per-person", "gdp.csv", "In gdp.csv, which province has the highest GDP per person?",
             max(PROVINCES, key=lambda p: p[1] / p[2])[0]),
    ]  # fmt: skip


def passed(answer: str, expected: float | str) -> bool:
    """Whether `answer` holds the expected name, or a number within 0.1 % of it."""
    if isinstance(expected, str):
        return expected.lower() in answer.lower()
    for found in re.findall(r"-?\d[\d,]*\.?\d*", answer):
        try:
            value = float(found.replace(",", ""))
        except ValueError:
            continue
        if abs(value - expected) <= max(0.01, abs(expected) * 1e-3):
            return True
    return False


def product(url: str, mode: str, folder: Path, task: Task, timeout: float) -> str:
    """The final answer of `jupyter code-interp run` (text after its last step line)."""
    config = folder.with_name(folder.name + "-config")  # not in the notebook's folder listing
    config.mkdir()
    (config / "jupyter_server_config.py").write_text(
        f"c.CodeInterpreter.providers = {{'qwen': {{'base_url': {url!r}, "
        f"'models': [{{'id': {MODEL!r}, 'tool_mode': {mode!r}, 'context_window': 8192}}]}}}}\n"
        "c.CodeInterpreter.default_provider = 'qwen'\n",
        encoding="utf-8",
    )
    environment = {**os.environ, "JUPYTER_CONFIG_DIR": str(config)}
    environment["JUPYTER_DATA_DIR"] = str(config / "data")  # nothing learned across tasks
    command = [sys.executable, "-m", "jupyter_code_interp.cli", "run", "task.ipynb"]
    command += [task.question, "--attach", task.file, "--provider", "qwen", "--model", MODEL]
    try:
        output = subprocess.run(
            command + ["--max-steps", str(STEPS)],
            cwd=folder,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        ).stdout
    except subprocess.TimeoutExpired as expired:
        seen = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else ""
        return f"(timed out after {timeout:g} s; steps: {seen.count('] running')})"
    return re.split(r"^\[step \d+\].*$", output, flags=re.MULTILINE)[-1]


def serve(model: Path, port: int) -> subprocess.Popen[str]:
    """llama.cpp's server for `model` on 127.0.0.1:`port`, once it is ready."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(model), str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    return server


def main() -> None:
    """Run the tasks in each mode and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", nargs="+", default=["control", "fenced", "auto"])
    parser.add_argument("--limit", type=int, default=None, help="the first N tasks only")
    parser.add_argument("--budget", type=float, default=3600, help="seconds; then no new task")
    parser.add_argument("--task-timeout", type=float, default=600)
    parser.add_argument("--port", type=int, default=8893)
    options = parser.parse_args()
    model = fetch(model_dir())
    server = serve(model, options.port)
    url = f"http://127.0.0.1:{options.port}/v1"
    began = time.monotonic()
    results: dict[str, list[tuple[str, bool, float]]] = {mode: [] for mode in options.modes}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            tasks = write_data(Path(scratch))[: options.limit]
            for task in tasks:
                for mode in options.modes:
                    if time.monotonic() - began > options.budget:
                        break
                    folder = Path(scratch) / f"{task.name}-{mode}"
                    folder.mkdir()
                    (folder / task.file).write_bytes((Path(scratch) / task.file).read_bytes())
                    started = time.monotonic()
                    try:
                        if mode == "control":
                            answer = solve(url, MODEL, folder, task.question, task.file, STEPS)
                        else:
                            answer = product(url, mode, folder, task, options.task_timeout)
                    except Exception as error:  # noqa: BLE001 - a failed task scores 0
                        answer = f"(failed: {type(error).__name__}: {error})"
                    seconds = time.monotonic() - started
                    ok = passed(answer, task.expected)
                    results[mode].append((task.name, ok, seconds))
                    tail = " ".join(answer.split())[-100:]
                    print(f"{mode:8} {task.name:11} {'PASS' if ok else 'fail'} {seconds:6.0f} s  …{tail}",
                          flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    load = os.getloadavg()
    print(f"\nlocal model tasks ({MODEL} Q4_K_M, xllamacpp, 2 threads; load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}):")  # fmt: skip
    for mode, runs_of_mode in results.items():
        if runs_of_mode:
            solved = sum(ok for _, ok, _ in runs_of_mode)
            median = statistics.median(seconds for _, _, seconds in runs_of_mode)
            print(f"  {mode:8} {solved}/{len(runs_of_mode)} passed, median {median:.0f} s per task")


if __name__ == "__main__":
    main()
