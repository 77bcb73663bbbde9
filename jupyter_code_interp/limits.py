"""The one source of the loop's limits and defaults that the server and the panel's settings share.

`schema/panel.json` repeats them for the settings editor (JSON Schema cannot import Python);
tests/test_limits.py fails when the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """A whole-number setting: its default and the closed range a client may ask for."""

    default: int
    minimum: int
    maximum: int

    def clamp(self, value: int | None) -> int:
        """`value` moved into the range; the default when None."""
        if value is None:
            return self.default
        return max(self.minimum, min(self.maximum, value))


MAX_STEPS = Limit(default=10, minimum=1, maximum=50)
"""Code cells one turn may run."""
OUTPUT_LIMIT = Limit(default=4000, minimum=500, maximum=100_000)
"""Characters of a step's outputs sent to the model (head and tail kept)."""
MAX_FIX_ATTEMPTS = Limit(default=3, minimum=0, maximum=10)
"""Automatic fixes after a failing cell before the turn gives up."""
CONTEXT_BUDGET = 32_000
"""Prompt tokens one request may use, before a model's context window lowers it."""
COMPUTE_FIGURES = True
"""A turn about files (attached or named) that answers without running code is asked once to
compute the figures (panel setting `computeFigures`, c.CodeInterpreter.compute_figures)."""
MIN_CONTEXT_BUDGET = 1000
"""No request is planned below this, however small a model's window."""

PANEL_SETTINGS = {
    "maxSteps": MAX_STEPS,
    "outputLimit": OUTPUT_LIMIT,
    "maxFixAttempts": MAX_FIX_ATTEMPTS,
}
"""The properties of schema/panel.json that must match these limits."""
PANEL_SWITCHES = {"computeFigures": COMPUTE_FIGURES}
"""The boolean properties of schema/panel.json whose defaults must match these."""
