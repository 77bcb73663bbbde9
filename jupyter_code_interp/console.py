"""What `jupyter code-interp run` shows while a turn runs: the answer on stdout, progress on stderr.

The two streams never interleave mid-line: a progress or step line is written only while the
answer's last line is complete, and the answer's text is written only once the progress line is
cleared. On a terminal the progress (step, elapsed time, tokens) is one line that updates in
place; otherwise each step gets plain lines. `verbose` also shows the code of each step.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TextIO

from .agent.usage import UsageMeter

CLEAR_LINE = "\r\x1b[K"
"""Back to the start of the terminal line, erased."""
TICK_SECONDS = 1.0
"""How often the progress line updates on a terminal while nothing else happens."""


def elapsed_text(seconds: float) -> str:
    """`7s`, `1m05s`, `1h02m`."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole // 60 % 60:02d}m"


class TurnConsole:
    """Prints a turn's events; `answer` is the text the model wrote after its last step."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        meter: UsageMeter,
        verbose: bool = False,
        max_steps: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """A console writing the answer to `out` and progress to `err`."""
        self.out, self.err = out, err
        self.meter = meter
        self.verbose = verbose
        self.max_steps = max_steps
        self.clock = clock
        self.started = clock()
        self.step = 0
        self.answer = ""
        """The model's text since its last step: the final answer once the turn is done."""
        self.live = err.isatty()
        """A terminal: the progress line updates in place."""
        self._line_open = False
        """The answer's last line on `out` is not finished yet."""
        self._progress_shown = False
        self._ticker: asyncio.Task[None] | None = None

    def figures(self) -> str:
        """`14s · 1,234 tokens` so far (≈ when some were estimated)."""
        tokens = self.meter.tokens()
        total = tokens["promptTokens"] + tokens["completionTokens"]
        about = "≈" if self.meter.estimated else ""
        return f"{elapsed_text(self.clock() - self.started)} · {about}{total:,} tokens"

    def progress_text(self) -> str:
        """`step 2/10 · 14s · 1,234 tokens`."""
        step = f"step {self.step}/{self.max_steps}" if self.max_steps else f"step {self.step}"
        return f"{step} · {self.figures()}"

    async def emit(self, event: dict[str, Any]) -> None:
        """Show one event of the agent loop."""
        kind = event.get("type")
        if kind == "text":
            self._write_answer(str(event.get("delta", "")))
        elif kind == "step_started":
            self.answer = ""
            self.step = int(event.get("step") or self.step + 1)
            attempt = event.get("attempt")
            fixing = f" (fix attempt {attempt['number']} of {attempt['of']})" if attempt else ""
            self._write_line(f"[step {self.step}] running…{fixing}")
            if self.verbose:
                code = str(event.get("code", ""))
                self._write_line("\n".join(f"    {line}" for line in code.splitlines()))
        elif kind == "question":
            choices = [str(choice) for choice in event.get("choices") or []]
            listed = "".join(f"\n  - {choice}" for choice in choices)
            self._write_answer(f"\n{event.get('question', '')}{listed}\n")
        elif kind == "plan":
            for item in event.get("items") or []:
                self._write_line(f"[plan] [{'x' if item.get('done') else ' '}] {item.get('text')}")
        elif kind == "step_finished":
            status = event.get("status")
            if status == "ok":
                mark = "✓"
            elif status == "error":
                mark = f"✗ {event.get('ename') or 'error'}"
            else:
                mark = "✗ could not run"
            # Without a live progress line, each step's line carries the figures.
            figures = "" if self.live else f" · {self.figures()}"
            self._write_line(f"[step {event.get('step')}] {mark}{figures}")
        self._show_progress()

    def start(self) -> None:
        """Begin updating the progress line every second (on a terminal)."""
        if self.live and self._ticker is None:
            self._ticker = asyncio.ensure_future(self._tick())

    def finish(self) -> None:
        """End the answer's line and the progress line; then the turn's figures on a line."""
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._end_answer_line()
        self._clear_progress()
        steps = f"{self.step} step{'s' if self.step != 1 else ''}"
        self.err.write(f"[turn] {steps} · {self.figures()}\n")
        self.err.flush()

    async def _tick(self) -> None:
        """Redraw the progress line (the elapsed time moves) until cancelled."""
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self._show_progress()

    def _write_answer(self, text: str) -> None:
        """Write answer text to `out` (the progress line is cleared first)."""
        if not text:
            return
        self._clear_progress()
        self.out.write(text)
        self.out.flush()
        self.answer += text
        self._line_open = not text.endswith("\n")

    def _write_line(self, line: str) -> None:
        """A whole line on `err`, after the answer's line is ended and the progress cleared."""
        self._end_answer_line()
        self._clear_progress()
        self.err.write(line + "\n")
        self.err.flush()

    def _end_answer_line(self) -> None:
        """Finish the answer's current line so that the next line on `err` starts clean."""
        if self._line_open:
            self.out.write("\n")
            self.out.flush()
            self._line_open = False

    def _show_progress(self) -> None:
        """Draw the progress line on a terminal, unless the answer's line is unfinished."""
        if not self.live or self._line_open:
            return
        self.err.write(CLEAR_LINE + self.progress_text())
        self.err.flush()
        self._progress_shown = True

    def _clear_progress(self) -> None:
        """Erase the progress line, if it is shown."""
        if self._progress_shown:
            self.err.write(CLEAR_LINE)
            self.err.flush()
            self._progress_shown = False
