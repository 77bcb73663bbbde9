"""What a turn is given besides the conversation and the model (TurnOptions), and how it ended
(TurnOutcome)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..limits import (
    COMPUTE_FIGURES,
    CONTEXT_BUDGET,
    MAX_FIX_ATTEMPTS,
    MAX_OUTPUT_TOKENS,
    MAX_STEPS,
    OUTPUT_LIMIT,
)
from .snapshot import NotebookContext


@dataclass
class TurnOptions:
    """The limits and inputs of one turn besides the conversation and the model."""

    max_steps: int = MAX_STEPS.default
    output_limit: int = OUTPUT_LIMIT.default
    max_fix_attempts: int = MAX_FIX_ATTEMPTS.default
    context_budget: int = CONTEXT_BUDGET
    """Prompt tokens a request may use (already capped by the model's context window)."""
    max_output_tokens: int = MAX_OUTPUT_TOKENS
    """Tokens one reply may have (`max_tokens`; 0: no cap sent)."""
    vision: bool = False
    """The model reads image parts: step images are sent to it."""
    notebook: NotebookContext | None = None
    """The notebook and kernel as the turn starts (None: unknown)."""
    turn_id: str | None = None
    compute_figures: bool = COMPUTE_FIGURES
    """A turn about files that ends without a single step is asked once to compute the figures."""
    attached: bool = False
    """Files were attached to the instruction (the turn is about files)."""
    attached_cells: str = ""
    """The `<attached_cells>` block of the instruction (attached.py; '' without cells)."""
    rules: str = ""
    """The project's rules block of the system prompt (rules.py; '' without rules)."""
    trust_edits: bool = False
    """Edits of cells this conversation did not write need no review (deletions still do)."""


@dataclass
class TurnOutcome:
    """How a turn ended."""

    reason: Literal["done", "max_steps", "error", "stopped", "gave_up", "question"]
    """`question`: the model asked the user something (ask_user) and waits for the answer."""
    message: str | None = None
    steps: int = 0
    usage: dict[str, int] = field(
        default_factory=lambda: {"promptTokens": 0, "completionTokens": 0}
    )
    usage_estimated: bool = False
    """True when some request's tokens were estimated (the provider reported no usage)."""
    learned_fenced: bool = False
    """The model (in `auto` mode) answered a tools request with a fenced block this turn."""
