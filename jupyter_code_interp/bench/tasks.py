"""Bench tasks: a question, its data files and how to check the answer; read from JSONL.

A tasks file has one JSON object a line:

    {"id": "sales-rows", "question": "...", "language": "en", "level": "easy",
     "files": ["sales.csv"], "check": {"kind": "number", "expected": 240, "tolerance": 0}}

`files` are relative to the tasks file's folder. Check kinds: `number` (`expected`, `tolerance`:
absolute), `text` (`expected`), `set` (`expected`: a list) and `dabench` (`expected`: the
benchmark's `[[name, value], ...]`). A line that cannot be used (not JSON, an unknown or missing
field, a data file that is missing or unreadable) is reported with its line number and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHECK_KINDS = ("number", "text", "set", "dabench")
LEVELS = ("easy", "medium", "hard")
TASK_FIELDS = {"id", "question", "language", "level", "files", "check"}
CHECK_FIELDS = {"kind", "expected", "tolerance"}


@dataclass(frozen=True)
class Check:
    """How an answer is judged: its kind, the expected value and (numbers) the tolerance."""

    kind: str
    expected: Any
    tolerance: float = 0.0


@dataclass(frozen=True)
class Task:
    """One question over data files, with its answer check."""

    id: str
    question: str
    language: str
    level: str
    files: tuple[str, ...]
    check: Check
    folder: Path = field(default=Path("."), compare=False)
    """Where `files` are (the tasks file's folder)."""

    def paths(self) -> list[Path]:
        """The data files as paths."""
        return [self.folder / name for name in self.files]

    def as_json(self) -> dict[str, Any]:
        """The task as one line of a tasks file."""
        line = asdict(self)
        line.pop("folder")
        line["files"] = list(self.files)
        return line


@dataclass(frozen=True)
class Problem:
    """An input line that was skipped, and why."""

    source: str
    line: int
    """1 for the first line; 0 when the whole file is the problem."""
    message: str

    def __str__(self) -> str:
        """`file:line: message` (`file: message` for a problem with the whole file)."""
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


class BadLine(ValueError):
    """A line that cannot be used; the message says why."""


def numbered_json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) for each non-blank line; BadLine values for broken ones."""
    with path.open(encoding="utf-8-sig", errors="strict") as file:
        number = 0
        while True:
            number += 1
            try:
                line = file.readline()
            except UnicodeDecodeError as error:
                yield number, BadLine(f"not UTF-8 text ({error.reason})")
                return
            if not line:
                return
            if not line.strip():
                continue
            try:
                yield number, json.loads(line.strip())
            except json.JSONDecodeError as error:
                yield number, BadLine(f"not valid JSON ({error.msg} at column {error.colno})")


def check_fields(value: Any, known: set[str], required: Iterable[str], what: str) -> dict[str, Any]:
    """`value` as a dict with only `known` keys and every `required` one, or BadLine."""
    if not isinstance(value, dict):
        raise BadLine(f"{what} must be a JSON object, not {type(value).__name__}")
    unknown = sorted(set(value) - known)
    if unknown:
        raise BadLine(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    missing = [name for name in required if name not in value]
    if missing:
        raise BadLine(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return value


def _text_field(value: dict[str, Any], name: str) -> str:
    """A non-empty string field."""
    found = value[name]
    if not isinstance(found, str) or not found.strip():
        raise BadLine(f"field {name} must be a non-empty string")
    return found


def data_problem(folder: Path, name: str) -> str | None:
    """Why the data file `name` in `folder` cannot be used (missing, a folder, unreadable)."""
    path = folder / name
    if not path.exists():
        return f"data file {name} does not exist"
    if not path.is_file():
        return f"data file {name} is not a file"
    try:
        with path.open("rb") as file:
            file.read(1)
    except OSError as error:
        return f"data file {name} cannot be read ({error.strerror or error})"
    return None


def answer_pairs(value: Any) -> bool:
    """Whether `value` is DABench's `[[answer_name, answer], ...]` (strings, at least one)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            for pair in value
        )
    )


def parse_check(value: Any) -> Check:
    """The `check` object of a task line, or BadLine."""
    found = check_fields(value, CHECK_FIELDS, ("kind", "expected"), "check")
    kind = found["kind"]
    if kind not in CHECK_KINDS:
        raise BadLine(f"check kind {kind!r} is not one of {', '.join(CHECK_KINDS)}")
    expected = found["expected"]
    tolerance = found.get("tolerance", 0)
    if kind == "number" and (isinstance(expected, bool) or not isinstance(expected, (int, float))):
        raise BadLine("a number check needs a number as expected")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise BadLine("tolerance must be a number ≥ 0")
    if kind == "text" and not isinstance(expected, str):
        raise BadLine("a text check needs a string as expected")
    if kind == "set" and not (
        isinstance(expected, list) and all(isinstance(item, str) for item in expected)
    ):
        raise BadLine("a set check needs a list of strings as expected")
    if kind == "dabench" and not answer_pairs(expected):
        raise BadLine("a dabench check needs [[name, value], ...] as expected")
    return Check(kind, expected, float(tolerance))


def parse_task(value: Any, folder: Path) -> Task:
    """One task line, checked (its data files too), or BadLine."""
    found = check_fields(value, TASK_FIELDS, sorted(TASK_FIELDS), "a task")
    level = found["level"]
    if level not in LEVELS:
        raise BadLine(f"level {level!r} is not one of {', '.join(LEVELS)}")
    files = found["files"]
    if not isinstance(files, list) or not all(isinstance(n, str) and n for n in files):
        raise BadLine("files must be a list of file names")
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise BadLine(f"data file {name} must be relative to the tasks file, without '..'")
        problem = data_problem(folder, name)
        if problem is not None:
            raise BadLine(problem)
    return Task(
        id=_text_field(found, "id"),
        question=_text_field(found, "question"),
        language=_text_field(found, "language"),
        level=level,
        files=tuple(files),
        check=parse_check(found["check"]),
        folder=folder,
    )


def read_tasks(path: Path) -> tuple[list[Task], list[Problem]]:
    """The usable tasks of a tasks file and the lines that were skipped (with their numbers)."""
    tasks: list[Task] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    if not path.is_file():
        return [], [Problem(str(path), 0, "the tasks file does not exist")]
    for number, value in numbered_json_lines(path):
        try:
            if isinstance(value, BadLine):
                raise value
            task = parse_task(value, path.parent)
            if task.id in seen:
                raise BadLine(f"task id {task.id} is used twice")
        except BadLine as bad:
            problems.append(Problem(path.name, number, f"{bad}; skipped"))
            continue
        seen.add(task.id)
        tasks.append(task)
    return tasks, problems


def write_tasks(tasks: Iterable[Task], path: Path) -> None:
    """Write a tasks file (UTF-8, one task a line)."""
    lines = [json.dumps(task.as_json(), ensure_ascii=False) + "\n" for task in tasks]
    path.write_text("".join(lines), encoding="utf-8")
