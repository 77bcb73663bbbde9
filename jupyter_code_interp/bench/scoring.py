"""Judging a model's final answer: numbers with a tolerance, exact values, sets, DABench's form.

Built-in tasks ask for a last line `Answer: <value>` (or `答案：<值>`); the scorer reads the last
such line, or the whole reply when it is a single short line. Values are compared after NFKC
normalisation (full-width digits and punctuation become ASCII) and without surrounding quotes,
backticks, bold markers and a final full stop.

Numbers: an optional sign (ASCII or U+2212), digits with optional thousands separators
(`1,234.5`), decimals, an exponent (`1.2e5`); a `%` after the number is ignored (the question
says whether it wants a percentage); `万` (10⁴) and `亿` (10⁸) after it multiply it
(`约 12.3 万` is 123000). The first number of the answer is the one judged.

DABench (`@name[value]`) is scored exactly as its `eval_closed_form.py` does: the answers are
found with the regular expression `@(\\w+)\\[(.*?)\\]` (the last one wins when a name repeats),
and a sub-answer is right if it equals the label as a string, or both parse as floats that differ
by less than 1e-6 (InfiAgent/InfiAgent, examples/DA-Agent/eval_closed_form.py: `extract_format`,
`is_equal`). A question is solved when all its sub-answers are right; its score is the share of
right sub-answers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .tasks import Check

ANSWER_LINE = re.compile(
    r"^[\s>*_#-]*(?:final\s+)?(?:answer|答案)\s*[*_]*\s*[:：]\s*(.*)$", re.IGNORECASE
)
NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.,])([-+]?)(\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?!,\d))(\.\d+)?(?:[eE]([-+]?\d+))?\s*(%|万|亿)?"
)
DABENCH_ANSWER = re.compile(r"@(\w+)\[(.*?)\]")
"""The benchmark's own pattern (eval_closed_form.py, extract_format)."""
SET_SEPARATORS = re.compile(r"\s*(?:[,;、]|\band\b|和)\s*")
MULTIPLIERS = {"万": 1e4, "亿": 1e8}
SHORT_REPLY = 80
"""A reply without an answer line is taken whole when it is one line of at most this length."""


@dataclass(frozen=True)
class Verdict:
    """A judged answer: solved or not, the share of sub-answers right, and what was read."""

    solved: bool
    score: float
    answer: str | None
    """The value the scorer read (None: it found no answer)."""
    detail: str = ""


def normalize(text: str) -> str:
    """NFKC, U+2212 as '-', whitespace folded, and no wrapping quotes, marks or final stop."""
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    text = " ".join(text.split())
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip("`*_\"'“”‘’「」").strip()
        if text.endswith((".", "。")):
            text = text[:-1]
    return text


def answer_of(reply: str) -> str | None:
    """The value of the reply's last `Answer:` line, the whole of a one-line reply, or None."""
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        found = ANSWER_LINE.match(unicodedata.normalize("NFKC", line))
        if found and normalize(found.group(1)):
            return normalize(found.group(1))
    if len(lines) == 1 and len(lines[0]) <= SHORT_REPLY:
        return normalize(lines[0])
    return None


def parse_number(text: str) -> float | None:
    """The first number in `text` (see the module docstring for the forms read), or None."""
    found = NUMBER.search(normalize(text))
    if found is None:
        return None
    sign, whole, decimals, exponent, unit = found.group(1, 2, 3, 4, 5)
    value = float(f"{sign}{whole.replace(',', '')}{decimals or ''}e{exponent or 0}")
    return value * MULTIPLIERS.get(unit or "", 1.0)


def items(text: str) -> set[str]:
    """The values of a list answer, each normalised and case-folded."""
    return {normalize(part).casefold() for part in SET_SEPARATORS.split(text) if normalize(part)}


def judge(check: Check, reply: str) -> Verdict:
    """Judge the model's final reply against `check`."""
    if check.kind == "dabench":
        return judge_dabench(check.expected, reply)
    answer = answer_of(reply)
    if answer is None:
        return Verdict(False, 0.0, None, "no `Answer:` line")
    if check.kind == "number":
        value = parse_number(answer)
        if value is None:
            return Verdict(False, 0.0, answer, "no number in the answer")
        solved = abs(value - float(check.expected)) <= check.tolerance + 1e-9
        detail = "" if solved else f"expected {check.expected}"
        return Verdict(solved, float(solved), answer, detail)
    if check.kind == "set":
        wanted = {normalize(item).casefold() for item in check.expected}
        solved = items(answer) == wanted
        detail = "" if solved else f"expected {', '.join(check.expected)}"
        return Verdict(solved, float(solved), answer, detail)
    solved = answer.casefold() == normalize(str(check.expected)).casefold()
    return Verdict(solved, float(solved), answer, "" if solved else f"expected {check.expected}")


def dabench_answers(reply: str) -> dict[str, str]:
    """The `@name[value]` answers of a reply; a repeated name keeps its last value."""
    return dict(DABENCH_ANSWER.findall(reply))


def dabench_equal(response: str | None, label: str) -> bool:
    """The benchmark's `is_equal`: the same string, or floats less than 1e-6 apart."""
    if response == label:
        return True
    try:
        return abs(float(response) - float(label)) < 1e-6  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def judge_dabench(labels: list[list[str]], reply: str) -> Verdict:
    """Each labelled sub-answer judged on its own; solved when all are right."""
    found = dabench_answers(reply)
    right = [name for name, value in labels if dabench_equal(found.get(name), value)]
    wrong = [f"{name}: expected {value}" for name, value in labels if name not in right]
    shown = " ".join(f"@{name}[{value}]" for name, value in found.items()) or None
    return Verdict(len(right) == len(labels), len(right) / len(labels), shown, "; ".join(wrong))
