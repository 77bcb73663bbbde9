"""The scorecard (printed and in DIR/report.md) and the progress line of a bench run."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from .runner import MODES, Result
from .tasks import LEVELS, Problem

MODE_TITLES = {"loop": "loop (runs code)", "oneshot": "one-shot (no code)"}
VERDICTS = ("solved", "wrong", "no_answer", "timeout", "error")


def _share(chosen: list[Result]) -> str:
    """`solved/total (percent)` of the results, or – when there are none."""
    if not chosen:
        return "–"
    solved = sum(result.solved for result in chosen)
    return f"{solved}/{len(chosen)} ({100 * solved / len(chosen):.0f}%)"


def _median(values: Iterable[float], digits: int = 0) -> str:
    """The median, rounded, or – for no values."""
    found = list(values)
    if not found:
        return "–"
    middle = statistics.median(found)
    return f"{middle:,.{digits}f}"


@dataclass
class Scorecard:
    """The figures of a run, per mode."""

    results: list[Result]
    problems: list[Problem]
    title: str
    sub_answers: bool = False
    """Add DABench's sub-answer figures (PSAQ, UASQ) to the table."""

    def modes(self) -> list[str]:
        """The modes this run has results for, loop first."""
        return [mode for mode in MODES if any(result.mode == mode for result in self.results)]

    def of(self, mode: str) -> list[Result]:
        """The results of one mode."""
        return [result for result in self.results if result.mode == mode]

    def rows(self) -> list[tuple[str, list[str]]]:
        """(label, one cell per mode) for each line of the table."""
        modes = self.modes()
        rows = [("solved, all tasks", [_share(self.of(mode)) for mode in modes])]
        for level in LEVELS:
            rows.append(
                (level, [_share([r for r in self.of(m) if r.level == level]) for m in modes])
            )
        for language in sorted({result.language for result in self.results}):
            cells = [_share([r for r in self.of(m) if r.language == language]) for m in modes]
            rows.append((f"language {language}", cells))
        if self.sub_answers:
            rows.append(("proportional score (PSAQ)", [self._proportional(m) for m in modes]))
            rows.append(("sub-answers right (UASQ)", [self._sub_answers(m) for m in modes]))
        steps = [_median(r.steps for r in self.of(m)) if m == "loop" else "–" for m in modes]
        rows.append(("median steps", steps))
        rows.append(
            (
                "median tokens (in + out)",
                [_median(sum(r.tokens.values()) for r in self.of(mode)) for mode in modes],
            )
        )
        rows.append(
            ("median seconds", [_median((r.seconds for r in self.of(mode)), 1) for mode in modes])
        )
        for verdict in VERDICTS[1:]:
            counts = [str(sum(r.verdict == verdict for r in self.of(mode))) for mode in modes]
            if any(count != "0" for count in counts):
                rows.append((verdict.replace("_", " "), counts))
        return rows

    def _proportional(self, mode: str) -> str:
        """The mean share of right sub-answers per question (DABench's PSAQ)."""
        found = self.of(mode)
        return f"{100 * statistics.fmean(r.score for r in found):.1f}%" if found else "–"

    def _sub_answers(self, mode: str) -> str:
        """Right sub-answers over all sub-answers (DABench's UASQ)."""
        found = [(r.score, len(r.expected)) for r in self.of(mode) if isinstance(r.expected, list)]
        total = sum(count for _, count in found)
        right = round(sum(score * count for score, count in found))
        return f"{right}/{total} ({100 * right / total:.1f}%)" if total else "–"

    def text(self) -> str:
        """The scorecard as aligned plain text."""
        modes = self.modes()
        header = ["", *[MODE_TITLES[mode] for mode in modes]]
        table = [header, *[[label, *cells] for label, cells in self.rows()]]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines = [self.title]
        for row in table:
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if self.problems:
            lines.append(f"skipped (bad input): {len(self.problems)}")
            lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)

    def markdown(self) -> str:
        """report.md: the table, the skipped input and the failed tasks with their last error."""
        modes = self.modes()
        lines = [f"# {self.title}", ""]
        lines.append("| | " + " | ".join(MODE_TITLES[mode] for mode in modes) + " |")
        lines.append("|---|" + "---|" * len(modes))
        lines.extend(f"| {label} | " + " | ".join(cells) + " |" for label, cells in self.rows())
        if self.problems:
            lines += ["", f"## Skipped input ({len(self.problems)})", ""]
            lines.extend(f"- `{problem}`" for problem in self.problems)
        failed = [result for result in self.results if not result.solved]
        if failed:
            lines += ["", f"## Not solved ({len(failed)})", ""]
            lines += ["| task | mode | verdict | answer | expected | last error | notebook |"]
            lines += ["|---|---|---|---|---|---|---|"]
            for result in failed:
                cells = [
                    result.id,
                    result.mode,
                    result.verdict.replace("_", " "),
                    result.answer or "",
                    str(result.expected),
                    result.error or result.detail,
                    f"[notebook]({result.notebook})" if result.notebook else "",
                ]
                lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        return "\n".join(lines) + "\n"


def _cell(text: str, limit: int = 160) -> str:
    """Text fit for one markdown table cell."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _clock(seconds: float) -> str:
    """`1h02m`, `3m07s` or `42s`."""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """Tasks done, passing so far, elapsed time and ETA, on stderr (one line a task if no TTY)."""

    def __init__(self, total: int, jobs: int = 1, stream: TextIO | None = None) -> None:
        """Progress over `total` units, `jobs` of them running at once."""
        self.total = total
        self.jobs = max(1, jobs)
        self.stream = stream if stream is not None else sys.stderr
        self.done: list[Result] = []
        self.began = time.monotonic()
        self.live = self.stream.isatty()

    def line(self) -> str:
        """The progress line as it stands."""
        elapsed = time.monotonic() - self.began
        passing = ", ".join(
            f"{mode} {sum(r.solved for r in self.done if r.mode == mode)}"
            f"/{sum(r.mode == mode for r in self.done)}"
            for mode in MODES
            if any(r.mode == mode for r in self.done)
        )
        eta = "–"
        if self.done:
            eta = _clock(elapsed / len(self.done) * (self.total - len(self.done)))
        count = len(self.done)
        width = 20
        filled = width * count // self.total if self.total else width
        bar = "#" * filled + "." * (width - filled)
        return (
            f"[{bar}] {count}/{self.total} · passing {passing or '–'} · "
            f"{_clock(elapsed)} elapsed · ETA {eta}"
        )

    def show(self) -> None:
        """Start the clock (the model is ready) and draw the line (TTY)."""
        self.began = time.monotonic()
        if self.live:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def finished(self, result: Result) -> None:
        """Count one unit and show the line."""
        self.done.append(result)
        mark = "✓" if result.solved else f"✗ {result.verdict.replace('_', ' ')}"
        what = f"{result.id} ({result.mode}) {mark} in {result.seconds:.0f}s"
        if self.live:
            self.stream.write("\r\x1b[2K" + what + "\n" + self.line())
        else:
            self.stream.write(f"{what} · {self.line()}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the live line."""
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
