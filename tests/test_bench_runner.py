"""`jupyter code-interp bench` end to end, as a subprocess: the scripted model, real kernels."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply
from test_cli import SECRET, cli_environment, error_lines, process_gone

from jupyter_code_interp.bench.command import BenchUsageError, check_arguments, open_out
from jupyter_code_interp.bench.runner import ONESHOT_PROMPT, folder_name
from jupyter_code_interp.cli import build_parser

DABENCH = Path(__file__).parent / "data" / "dabench"
# A bench run is a CLI subprocess (≈ 4 s of imports, 15 s when the machine is busy) that starts
# one kernel per task: a test with two runs or four tasks needs more than the default 120 s.
LONG = pytest.mark.timeout(300)


def write_tasks(folder: Path, *tasks: dict[str, Any], extra_lines: tuple[str, ...] = ()) -> Path:
    """A tasks file over a small CSV; each task's question carries its id as a marker."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cities.csv").write_text("city,people\nParis,2100\nLyon,520\nNice,340\n", "utf-8")
    lines = [json.dumps(task, ensure_ascii=False) for task in tasks] + list(extra_lines)
    path = folder / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def task(id: str, expected: Any, kind: str = "number", level: str = "easy") -> dict[str, Any]:
    """One task line; the question starts with a marker the scripted replies are keyed on."""
    return {
        "id": id,
        "question": f"[{id.upper()}-TASK] About `cities.csv`. End with `Answer: <value>`.",
        "language": "en",
        "level": level,
        "files": ["cities.csv"],
        "check": {"kind": kind, "expected": expected},
    }


def marker(id: str) -> str:
    """The text that routes scripted replies to one task."""
    return f"[{id.upper()}-TASK]"


def bench(
    llm: ScriptedLLM, cwd: Path, *arguments: str, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run `jupyter code-interp bench ...` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_code_interp.cli", "bench", *arguments],
        check=False,
        env=cli_environment(llm, cwd),
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def results(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """results.jsonl by (task id, mode)."""
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    found = [json.loads(line) for line in lines]
    return {(line["id"], line["mode"]): line for line in found}


def row(scorecard: str, label: str) -> list[str]:
    """The cells of one line of the printed scorecard."""
    for line in scorecard.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no line {label!r} in:\n{scorecard}")


def wait_for(path: Path, seconds: float = 120) -> str:
    """The content of `path` once a kernel has written it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} was never written")


@LONG
def test_solved_wrong_timed_out_and_failed_tasks_are_scored_and_reported(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    tasks = write_tasks(
        tmp_path / "suite",
        task("rows", 3),
        task("city", "Paris", kind="text", level="medium"),
        task("slow", 1, level="hard"),
        task("auth", 1, level="hard"),
    )
    scripted_llm.push_for(
        marker("rows"),
        tool_reply("import pandas as pd\nprint(len(pd.read_csv('cities.csv')))"),
        text_reply("The file has three rows.\nAnswer: 3"),
    )
    scripted_llm.push_for(marker("city"), tool_reply("1 / 0"), text_reply("Answer: Lyon"))
    scripted_llm.push_for(
        marker("slow"),
        tool_reply(
            "import os, time\nopen('kernel.pid', 'w').write(str(os.getpid()))\ntime.sleep(120)"
        ),
    )
    scripted_llm.push_for(marker("auth"), error_reply(401, f"Incorrect API key: {SECRET}"))
    out = tmp_path / "out"
    completed = bench(
        scripted_llm, tmp_path, "--tasks", str(tasks), "--out", str(out), "--timeout", "25"
    )

    assert completed.returncode == 0, completed.stderr
    found = results(out)
    assert {key: line["verdict"] for key, line in found.items()} == {
        ("rows", "loop"): "solved",
        ("city", "loop"): "wrong",
        ("slow", "loop"): "timeout",
        ("auth", "loop"): "error",
    }
    rows, city, slow, auth = (found[name, "loop"] for name in ("rows", "city", "slow", "auth"))
    assert rows["answer"] == "3" and rows["steps"] == 1 and rows["error"] is None
    assert rows["tokens"]["prompt"] > 0 and rows["tokens"]["completion"] > 0
    assert city["answer"] == "Lyon" and city["expected"] == "Paris"
    assert city["error"] == "ZeroDivisionError: division by zero"
    assert slow["error"] == "the task did not finish within 25 s" and slow["steps"] == 1
    assert "401" in auth["error"] and SECRET not in json.dumps(list(found.values()))

    # Each task ran in its own folder with its data file; the notebooks are kept.
    notebook = nbformat.read(out / rows["notebook"], as_version=4)
    assert rows["notebook"] == "tasks/rows/analysis.ipynb"
    assert (out / "tasks" / "rows" / "cities.csv").is_file()
    assert notebook.cells[0].outputs[0]["text"] == "3\n"
    stuck = nbformat.read(out / slow["notebook"], as_version=4)
    assert "time.sleep(120)" in stuck.cells[0].source
    assert process_gone(int((out / "tasks" / "slow" / "kernel.pid").read_text()))

    # The model saw the file the way the panel attaches it.
    first = next(r for r in scripted_llm.requests if marker("rows") in json.dumps(r["messages"]))
    sent = first["messages"][-1]["content"]
    assert "<attached_files>" in sent and '<file path="cities.csv">' in sent
    assert first["tools"][0]["function"]["name"] == "run_code"

    assert row(completed.stdout, "solved, all tasks") == ["1/4 (25%)"]
    assert row(completed.stdout, "timeout") == ["1"]
    assert row(completed.stdout, "error") == ["1"]
    assert "rows (loop) ✓" in completed.stderr and "slow (loop) ✗ timeout" in completed.stderr
    assert "4/4 · passing loop 1/4" in completed.stderr
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| solved, all tasks | 1/4 (25%) |" in report
    assert "## Not solved (3)" in report
    assert (
        "| city | loop | wrong | Lyon | Paris | ZeroDivisionError: division by zero | "
        "[notebook](tasks/city/analysis.ipynb) |"
    ) in report


@LONG
def test_an_interrupted_run_keeps_finished_tasks_and_resume_runs_the_rest(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    tasks = write_tasks(tmp_path / "suite", task("first", 3), task("second", 2100))
    scripted_llm.push_for(marker("first"), text_reply("Answer: 3"))
    scripted_llm.push_for(
        marker("second"),
        tool_reply(
            "import os, time\nopen('kernel.pid', 'w').write(str(os.getpid()))\ntime.sleep(120)"
        ),
    )
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_code_interp.cli", "bench", "--tasks", str(tasks)]
        + ["--out", str(out)],
        env=cli_environment(scripted_llm, tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        kernel = int(wait_for(out / "tasks" / "second" / "kernel.pid"))
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in error_lines(stderr)[0] and f"--resume --out {out}" in stderr
    assert process_gone(kernel)
    assert list(results(out)) == [("first", "loop")]
    assert row(stdout, "solved, all tasks") == ["1/1 (100%)"]  # what finished

    before = len(scripted_llm.requests)
    scripted_llm.discard_replies()
    scripted_llm.push_for(marker("second"), text_reply("Answer: 2,100"))
    resumed = bench(scripted_llm, tmp_path, "--tasks", str(tasks), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    later = scripted_llm.requests[before:]
    assert later and all(marker("second") in json.dumps(r["messages"]) for r in later)
    assert {key: line["verdict"] for key, line in results(out).items()} == {
        ("first", "loop"): "solved",
        ("second", "loop"): "solved",
    }
    assert "1 to run" in resumed.stderr
    assert row(resumed.stdout, "solved, all tasks") == ["2/2 (100%)"]
    assert not (out / "tasks" / "second" / "kernel.pid").exists()  # a fresh folder


@LONG
def test_the_one_shot_baseline_and_bad_lines_are_counted_side_by_side(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    tasks = write_tasks(
        tmp_path / "suite",
        task("rows", 3),
        extra_lines=('{"id": "broken"', json.dumps({**task("odd", 1), "weight": 2})),
    )
    scripted_llm.push_for(
        marker("rows"),
        tool_reply("import pandas as pd\nprint(len(pd.read_csv('cities.csv')))"),
        text_reply("Answer: 3"),
        text_reply("Probably about ten rows.\nAnswer: 10"),  # the one-shot request comes last
    )
    out = tmp_path / "out"
    completed = bench(
        scripted_llm, tmp_path, "--tasks", str(tasks), "--out", str(out), "--baseline", "oneshot"
    )
    assert completed.returncode == 0, completed.stderr
    found = results(out)
    assert found["rows", "loop"]["verdict"] == "solved"
    oneshot = found["rows", "oneshot"]
    assert oneshot["verdict"] == "wrong" and oneshot["answer"] == "10"
    assert oneshot["steps"] == 0 and oneshot["notebook"] is None
    asked = scripted_llm.requests[-1]
    assert "tools" not in asked
    assert asked["messages"][0] == {"role": "system", "content": ONESHOT_PROMPT}
    assert "<attached_files>" in asked["messages"][1]["content"]
    assert re.search(
        r"^ +loop \(runs code\) +one-shot \(no code\)$", completed.stdout, re.MULTILINE
    )
    assert row(completed.stdout, "solved, all tasks") == ["1/1 (100%)", "0/1 (0%)"]
    assert "skipped (bad input): 2" in completed.stdout
    assert "warning: tasks.jsonl:2: not valid JSON" in completed.stderr
    assert "warning: tasks.jsonl:3: unknown field weight; skipped" in completed.stderr
    assert "tasks.jsonl:3: unknown field weight" in (out / "report.md").read_text("utf-8")


@LONG
def test_dabench_files_are_run_and_scored_per_sub_answer(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    scripted_llm.push_for("mean number of visitors", text_reply("@mean_visitors[138.12]"))
    scripted_llm.push_for(
        "conversion rate", text_reply("@max_conversion[0.15], @best_day[5]")
    )  # half right
    scripted_llm.push_for(
        "sunny days", text_reply("@sunny_higher[Yes] @correlation_coefficient[0.99]")
    )
    out = tmp_path / "out"
    completed = bench(
        scripted_llm,
        tmp_path,
        "dabench",
        "--questions", str(DABENCH / "questions.jsonl"),
        "--labels", str(DABENCH / "labels.jsonl"),
        "--tables", str(DABENCH / "tables"),
        "--out", str(out),
        "--jobs", "3",
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    found = results(out)
    assert {key[0]: line["score"] for key, line in found.items()} == {"0": 1.0, "3": 0.5, "7": 1.0}
    assert found["3", "loop"]["detail"] == "best_day: expected 6"
    assert row(completed.stdout, "solved, all tasks") == ["2/3 (67%)"]
    assert row(completed.stdout, "proportional score (PSAQ)") == ["83.3%"]
    assert row(completed.stdout, "sub-answers right (UASQ)") == ["4/5 (80.0%)"]
    assert "on InfiAgent-DABench" in completed.stdout


@LONG
def test_the_builtin_tasks_are_generated_into_the_results_folder(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    scripted_llm.push(text_reply("Answer: 240"))
    out = tmp_path / "out"
    completed = bench(scripted_llm, tmp_path, "--limit", "1", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert (out / "data" / "tasks.jsonl").is_file()
    assert (out / "data" / "gdp_provinces.csv").is_file()
    assert results(out)["sales-rows", "loop"]["verdict"] == "solved"
    assert (out / "tasks" / "sales-rows" / "sales.csv").is_file()
    assert json.loads((out / "run.json").read_text("utf-8"))["source"] == {
        "suite": "builtin",
        "seed": 2024,
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["dabench", "--questions", "q.jsonl"], "dabench needs --questions, --labels and --tables."),
        (["--questions", "q.jsonl"], "--questions, --labels and --tables belong to `bench dabench`."),
        (["dabench", "--questions", "q", "--labels", "l", "--tables", "t", "--tasks", "x.jsonl"],
         "dabench reads its own files: leave --tasks out."),
        (["--resume"], "--resume needs --out, the folder of the run to continue."),
        (["--jobs", "0"], "--jobs must be at least 1."),
        (["--limit", "0"], "--limit must be at least 1."),
        (["--timeout", "0"], "--timeout must be more than 0 seconds."),
    ],
)  # fmt: skip
def test_contradictory_arguments_are_refused(arguments: list[str], message: str) -> None:
    parsed = build_parser().parse_args(["bench", *arguments])
    with pytest.raises(BenchUsageError) as refused:
        check_arguments(parsed)
    assert str(refused.value) == message


@LONG
def test_input_without_a_usable_task_exits_2(scripted_llm: ScriptedLLM, tmp_path: Path) -> None:
    completed = bench(
        scripted_llm,
        tmp_path,
        "--tasks",
        str(tmp_path / "none.jsonl"),
        "--out",
        str(tmp_path / "o"),
    )
    assert completed.returncode == 2
    assert error_lines(completed.stderr) == ["error: no usable task."]
    assert "warning: " + str(tmp_path / "none.jsonl") + ": the tasks file does not exist" in (
        completed.stderr
    )
    assert scripted_llm.requests == []
    jobs = bench(scripted_llm, tmp_path, "--jobs", "0")
    assert jobs.returncode == 2 and error_lines(jobs.stderr) == [
        "error: --jobs must be at least 1."
    ]


def test_a_results_folder_is_resumed_only_by_the_same_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    meta = {
        "provider": "p",
        "model": "m",
        "source": {"suite": "builtin", "seed": 1},
        "baseline": None,
    }
    first = build_parser().parse_args(["bench", "--out", str(out)])
    assert open_out(first, meta) == out
    assert json.loads((out / "run.json").read_text("utf-8")) == meta
    (out / "results.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(BenchUsageError, match="already has results: add --resume"):
        open_out(first, meta)
    resume = build_parser().parse_args(["bench", "--out", str(out), "--resume"])
    assert open_out(resume, meta) == out
    with pytest.raises(BenchUsageError, match="resume it with the same arguments"):
        open_out(resume, {**meta, "baseline": "oneshot"})
    elsewhere = build_parser().parse_args(["bench", "--out", str(tmp_path / "new"), "--resume"])
    with pytest.raises(BenchUsageError, match="holds no bench run to resume"):
        open_out(elsewhere, meta)


def test_task_folders_get_safe_names() -> None:
    assert folder_name("sales-rows") == "sales-rows"
    assert folder_name("7") == "7"
    climbing = folder_name("../../etc")
    assert "/" not in climbing and not climbing.startswith(".")
    assert climbing != folder_name("__/__/etc")  # a hash keeps changed names apart
    assert folder_name("销售").startswith("task-")
