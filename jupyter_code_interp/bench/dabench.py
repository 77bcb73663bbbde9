"""InfiAgent-DABench's own files as bench tasks (the user downloads them; nothing is fetched).

The format, as published in InfiAgent/InfiAgent, examples/DA-Agent (README.md, "Dataset";
data/da-dev-questions.jsonl, data/da-dev-labels.jsonl, data/da-dev-tables/):

- questions, one JSON object a line: `id` (int), `question`, `concepts` (list of strings),
  `constraints`, `format` (the `@answer_name[answer]` forms wanted), `file_name` (a CSV file in
  the tables folder), `level` (easy, medium, hard);
- labels, one a line: `id`, `common_answers`: `[[answer_name, answer], ...]`, strings.

The instruction is the benchmark's own prompt (pipeline/activities/eval.py:
`Question: {question}\\n{constraints}\\n`) followed by its format requirement, worded after
examples/DA-Agent/reformat.py's template. The benchmark instead asks a second model to reformat
free answers; here the model must write the `@name[value]` form itself, so a figure measured
here is comparable to the benchmark's strict scoring but not to its reformatted one. Scoring is
scoring.judge_dabench (the benchmark's `extract_format` and `is_equal`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .tasks import (
    LEVELS,
    BadLine,
    Check,
    Problem,
    Task,
    answer_pairs,
    check_fields,
    data_problem,
    numbered_json_lines,
)

QUESTION_FIELDS = {"id", "question", "concepts", "constraints", "format", "file_name", "level"}
LABEL_FIELDS = {"id", "common_answers"}
FORMAT_NOTE = (
    'Your final answer must contain every "@answer_name[answer]" of the format below, in the '
    "order given, each answer in the range of values it requires. Write it in exactly this form."
)


def instruction(question: dict[str, Any]) -> str:
    """What the model is asked: the benchmark's prompt, then the format it must answer in."""
    return (
        f"Question: {question['question']}\n{question['constraints']}\n\n"
        f"{FORMAT_NOTE}\nFormat: {question['format']}"
    )


def _question(value: Any) -> dict[str, Any]:
    """A question line, checked, or BadLine."""
    found = check_fields(value, QUESTION_FIELDS, sorted(QUESTION_FIELDS), "a question")
    if isinstance(found["id"], bool) or not isinstance(found["id"], (int, str)):
        raise BadLine("field id must be a number or a string")
    for name in ("question", "constraints", "format", "file_name"):
        if not isinstance(found[name], str):
            raise BadLine(f"field {name} must be a string")
    if not found["question"].strip() or not found["file_name"].strip():
        raise BadLine("fields question and file_name must not be empty")
    if "@" not in found["format"]:
        raise BadLine("field format names no @answer_name[answer]")
    if found["level"] not in LEVELS:
        raise BadLine(f"level {found['level']!r} is not one of {', '.join(LEVELS)}")
    return found


def _label(value: Any) -> tuple[str, list[list[str]]]:
    """A label line as (id, [[name, value], ...]), or BadLine."""
    found = check_fields(value, LABEL_FIELDS, sorted(LABEL_FIELDS), "a label")
    answers = found["common_answers"]
    if not answer_pairs(answers):
        raise BadLine("common_answers must be a non-empty list of [answer_name, answer] strings")
    return str(found["id"]), [list(pair) for pair in answers]


def _read_labels(path: Path, problems: list[Problem]) -> dict[str, tuple[int, list[list[str]]]]:
    """Labels by question id, with their line numbers; bad lines go to `problems`."""
    labels: dict[str, tuple[int, list[list[str]]]] = {}
    for number, value in numbered_json_lines(path):
        try:
            if isinstance(value, BadLine):
                raise value
            key, answers = _label(value)
            if key in labels:
                raise BadLine(
                    f"a second label for question {key} (the first is line {labels[key][0]})"
                )
        except BadLine as bad:
            problems.append(Problem(path.name, number, f"{bad}; skipped"))
            continue
        labels[key] = (number, answers)
    return labels


def read_dabench(questions: Path, labels: Path, tables: Path) -> tuple[list[Task], list[Problem]]:
    """The usable DABench tasks and every line that was skipped, with its file and number."""
    problems: list[Problem] = []
    for path, what in ((questions, "questions"), (labels, "labels")):
        if not path.is_file():
            problems.append(Problem(str(path), 0, f"the {what} file does not exist"))
    if not tables.is_dir():
        problems.append(Problem(str(tables), 0, "the tables folder does not exist"))
    if problems:
        return [], problems
    answers = _read_labels(labels, problems)
    tasks: list[Task] = []
    used: set[str] = set()
    asked: set[str] = set()
    """Ids of every question line, usable or not (their labels are not orphans)."""
    for number, value in numbered_json_lines(questions):
        if isinstance(value, dict) and "id" in value:
            asked.add(str(value["id"]))
        try:
            if isinstance(value, BadLine):
                raise value
            found = _question(value)
            key = str(found["id"])
            if key in used:
                raise BadLine(f"question id {key} is used twice")
            if key not in answers:
                raise BadLine(f"question {key} has no label in {labels.name}")
            name = found["file_name"]
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise BadLine(f"file_name {name} must be a name inside the tables folder")
            problem = data_problem(tables, name)
            if problem is not None:
                raise BadLine(problem)
        except BadLine as bad:
            problems.append(Problem(questions.name, number, f"{bad}; skipped"))
            continue
        used.add(key)
        check = Check("dabench", answers[key][1])
        tasks.append(Task(key, instruction(found), "en", found["level"], (name,), check, tables))
    for key, (number, _) in answers.items():
        if key not in asked:
            problems.append(Problem(labels.name, number, f"no question has id {key}; skipped"))
    return tasks, problems
