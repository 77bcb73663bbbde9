"""The one source of the loop's limits and defaults that the server and the panel's settings share,
and of what one user can make the server hold.

`schema/panel.json` repeats the panel's settings for the settings editor (JSON Schema cannot import
Python); tests/test_structure.py fails when the two disagree.
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
MAX_OUTPUT_TOKENS = 8192
"""Tokens one reply may have (sent as `max_tokens`): stops a model that repeats itself for
minutes. Reasoning models count their thinking in it, hence more than a plain answer needs."""
MIN_OUTPUT_TOKENS = 256
"""The output cap is never lowered below this to fit a small context window."""

RULES_LIMIT = 8000
"""Characters of each source of project rules (the nearest AGENTS.md, c.CodeInterpreter.rules)
added to the system prompt; the rest is left out and `turn_started.rules` says it was truncated."""
MAX_ATTACHED_CELLS = 20
"""Cells a `turn` frame may attach (`attachedCells`: Fix, Explain, Ask about cells)."""

TURN_TIME_LIMIT = 3600.0
"""Seconds one turn may take from its start to its end (model replies, cells, approvals)."""

KIB = 1024
MIB = 1024 * KIB
FRAME_LIMITS = {"turn": 8 * MIB, "execute_result": 8 * MIB, "notebook_result": 8 * MIB}
"""Largest client frame of these types, in bytes of UTF-8: a turn with its notebook context (the
panel sends at most ~2 MB of it), a cell's outputs (the panel keeps at most 4 MiB of images)
(a notebook result: the outputs of the cells it ran or read, and a cell as it was)."""
CONTROL_FRAME_BYTES = 64 * KIB
"""Largest client frame of any other type (stop, history, conversations, undo...)."""
TRANSPORT_LIMIT_BYTES = 9 * MIB
"""Larger frames close the socket (1009) as soon as their header says so, before they are read;
between the frame limits and this one the client gets a clear `error` frame."""
CHAT_SOCKETS_PER_USER = 8
"""Chat sockets one user may have open at once (a JupyterLab tab uses one)."""
CHAT_SOCKETS = 64
"""Chat sockets of all users together (clients that send only the token, no login cookie, are a
new anonymous user each time). Each may hold one frame of up to TRANSPORT_LIMIT_BYTES."""
PENDING_FRAME_BYTES_PER_USER = 8 * MIB
"""Bytes of one user's frames being decoded at once (one frame of the largest kind): more frames
wait, their sockets not read meanwhile. Decoded, a frame of many small values takes ~8 times its
size in memory."""
PENDING_FRAME_BYTES = 32 * MIB
"""Bytes of all users' frames being decoded at once."""
OFF_LOOP_FRAME_BYTES = 256 * KIB
"""Frames at least this large are decoded in a worker thread, not on the event loop."""
MAX_PATH_CHARACTERS = 1024
"""Longest path a client may send (a notebook, an attachment, a folder)."""
MAX_NAME_BYTES = 255
"""Longest part of such a path, in bytes of UTF-8 (NAME_MAX of Linux and macOS)."""

PANEL_SETTINGS = {
    "maxSteps": MAX_STEPS,
    "outputLimit": OUTPUT_LIMIT,
    "maxFixAttempts": MAX_FIX_ATTEMPTS,
}
"""The properties of schema/panel.json that must match these limits."""
PANEL_SWITCHES = {"computeFigures": COMPUTE_FIGURES}
"""The boolean properties of schema/panel.json whose defaults must match these."""
