"""Self-repair bookkeeping: which steps are fix attempts, how many are left, when to give up.

After a cell raises, the following steps are attempts (numbered 1..N) until one succeeds; when the
last attempt fails too, the turn gives up and says which error remained. What the model reads
about each step (errors with the attempts left, skipped or edited cells) is written here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..i18n import _
from .executor import ExecutionResult

SKIPPED_FEEDBACK = (
    "The user skipped this cell: it was inserted in the notebook but NOT run. Do not run it "
    "again unless the user asks for it; continue without it, or answer."
)


def _error_name(error: dict[str, Any] | None) -> str:
    """`ZeroDivisionError: division by zero` from an error output."""
    if not error:
        return "an error"
    evalue = str(error.get("evalue") or "").strip()
    ename = str(error.get("ename") or "Error")
    return f"{ename}: {evalue}" if evalue else ename


@dataclass
class FixTracker:
    """Counts the automatic fix attempts after a failure."""

    max_attempts: int
    failing: str | None = None
    """The error the current attempts try to fix (None when the last step worked)."""
    used: int = 0

    def start_step(self) -> dict[str, int] | None:
        """Called when a step starts: its `attempt` (None unless it follows a failure)."""
        if self.failing is None:
            return None
        self.used += 1
        return {"number": self.used, "of": self.max_attempts}

    def finish_step(self, result: ExecutionResult) -> str | None:
        """Called with a step's result: the reason to give up, or None to go on."""
        if result.failure is not None or result.skipped:
            return None
        if result.status == "ok":
            self.failing, self.used = None, 0
            return None
        self.failing = _error_name(result.error)
        if self.used < self.max_attempts:
            return None
        # The reason is the turn's outcome, shown to the user: in the panel's language.
        if self.max_attempts == 0:
            return _(
                "The code failed with {error}; automatic fixes are turned off.", error=self.failing
            )
        if self.used == 1:
            return _(
                "Gave up after 1 fix attempt; the remaining error is {error}.", error=self.failing
            )
        return _(
            "Gave up after {count} fix attempts; the remaining error is {error}.",
            count=self.used,
            error=self.failing,
        )

    @property
    def left(self) -> int:
        """Attempts left for the current failure."""
        return max(0, self.max_attempts - self.used)

    def error_note(self, cell_id: str | None, tools: bool, fence: str = "python") -> str:
        """What the model is told after a failed step: the cell, the attempts left, how to fix
        (`fence`: the tag of runnable blocks in the kernel's language)."""
        if self.left == 0:
            return "No automatic fix attempts are left: the turn ends here."
        where = f'The failing cell has id "{cell_id}". ' if cell_id else ""
        if not cell_id:
            how = "Write the corrected cell."
        elif tools:
            how = (
                f'To fix it, call run_code with "cell_id": "{cell_id}" and the corrected code: '
                "the cell's code is replaced and it runs again in place. Add a new cell instead "
                "only if the fix needs one."
            )
        else:
            how = (
                f"To fix it in place, write the corrected cell with `# cell_id: {cell_id}` as the "
                f"first line of the ```{fence} block: the cell's code is replaced and it runs again."
            )
        return (
            f"{where}Fix attempts left: {self.left} of {self.max_attempts}. First explain the "
            f"cause in one sentence, then fix it. {how}"
        )


def approval_feedback(
    result: ExecutionResult, proposed: str, outputs_text: str, fence: str = "python"
) -> str:
    """The step's output text, preceded by what the user did to the cell (auto-run off)."""
    if result.skipped:
        return SKIPPED_FEEDBACK
    if result.edited_code is not None and result.edited_code != proposed:
        return (
            "The user edited this cell before running it; this is the code that ran:\n"
            f"```{fence}\n{result.edited_code}\n```\nIts output:\n{outputs_text}"
        )
    return outputs_text
