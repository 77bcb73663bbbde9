"""Reading InfiAgent-DABench's own files (questions, labels, tables) into bench tasks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jupyter_code_interp.bench.dabench import read_dabench
from jupyter_code_interp.bench.scoring import judge

DATA = Path(__file__).parent / "data" / "dabench"


def test_the_benchmarks_files_become_tasks_with_their_labels() -> None:
    tasks, problems = read_dabench(DATA / "questions.jsonl", DATA / "labels.jsonl", DATA / "tables")
    assert problems == []
    assert [(task.id, task.level, task.language) for task in tasks] == [
        ("0", "easy", "en"),
        ("3", "medium", "en"),
        ("7", "hard", "en"),
    ]
    conversion = tasks[1]
    assert conversion.check.kind == "dabench"
    assert conversion.check.expected == [["max_conversion", "0.15"], ["best_day", "6"]]
    assert conversion.paths() == [DATA / "tables" / "shop_visits.csv"]
    # The benchmark's prompt (Question + constraints), then the format the answer must follow.
    assert conversion.question.startswith(
        "Question: Compute the conversion rate (orders divided by visitors) of every day"
    )
    assert "Create a new column 'conversion' equal to orders / visitors." in conversion.question
    assert conversion.question.endswith(
        'Format: @max_conversion[rate], @best_day[day] where "rate" is a number rounded to two '
        'decimal places and "day" is an integer.'
    )
    assert judge(conversion.check, "@max_conversion[0.15], @best_day[6]").solved


def _copy(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A writable copy of the small DABench set."""
    shutil.copytree(DATA, tmp_path / "set")
    base = tmp_path / "set"
    return base / "questions.jsonl", base / "labels.jsonl", base / "tables"


def _lines(path: Path) -> list[dict]:
    """The JSON lines of a file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, lines: list[object]) -> None:
    """JSON lines (strings are written as they are)."""
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_is_read(tmp_path: Path) -> None:
    questions, labels, tables = _copy(tmp_path)
    asked, answers = _lines(questions), _lines(labels)
    _write(
        questions,
        [
            asked[0],
            "{not json",
            {**asked[1], "hint": "unknown field"},
            {**asked[2], "file_name": "gone.csv"},
            {**asked[0], "id": 11},  # no label
            {key: value for key, value in asked[0].items() if key != "format"} | {"id": 12},
            {**asked[0], "id": 13, "level": "trivial"},
            asked[0],  # the same id again
        ],
    )
    _write(
        labels,
        [
            *answers,
            {"id": 12, "common_answers": [["mean_visitors", "1"]]},
            {"id": 13, "common_answers": [["mean_visitors", "1"]]},
            {"id": 99, "common_answers": [["orphan", "1"]]},
            {"id": 98, "common_answers": [["x", 1]]},
            {"id": 0, "common_answers": [["mean_visitors", "2"]]},
        ],
    )
    tasks, problems = read_dabench(questions, labels, tables)
    assert [task.id for task in tasks] == ["0"]
    assert tasks[0].check.expected == [["mean_visitors", "138.12"]]  # the first label is kept
    assert [str(problem) for problem in problems] == [
        (
            "labels.jsonl:7: common_answers must be a non-empty list of [answer_name, answer] "
            "strings; skipped"
        ),
        "labels.jsonl:8: a second label for question 0 (the first is line 1); skipped",
        (
            "questions.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes "
            "at column 2); skipped"
        ),
        "questions.jsonl:3: unknown field hint; skipped",
        "questions.jsonl:4: data file gone.csv does not exist; skipped",
        "questions.jsonl:5: question 11 has no label in labels.jsonl; skipped",
        "questions.jsonl:6: missing field format; skipped",
        "questions.jsonl:7: level 'trivial' is not one of easy, medium, hard; skipped",
        "questions.jsonl:8: question id 0 is used twice; skipped",
        "labels.jsonl:6: no question has id 99; skipped",
    ]


def test_missing_files_are_reported_and_nothing_is_read(tmp_path: Path) -> None:
    tasks, problems = read_dabench(
        tmp_path / "q.jsonl", DATA / "labels.jsonl", tmp_path / "no-tables"
    )
    assert tasks == []
    assert [problem.message for problem in problems] == [
        "the questions file does not exist",
        "the tables folder does not exist",
    ]
