"""What keeps a small model on track: repeated code, data answers without code, stop sequences.

Plain bookkeeping for the loop (loop.py): which code already succeeded this turn (an identical
re-run is answered with the earlier output), whether a turn is about files (then an answer without
a single step is sent back once to be computed), and how a fenced reply ended by a stop sequence
is completed or recognised as cut at the wrong fence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .codeblocks import CodeRule, fenced_blocks, first_runnable

FENCE_STOP = ["\n```\n\n"]
"""Stop sequence of fenced-mode requests: a fence line followed by a blank line. It ends a reply
after its closing fence; an untagged opening fence is followed by code, not a blank line, so it
does not fire there. It can fire after a block that does not run (```text): `settle_stop` sees
that, and the loop lets the model continue without stop sequences."""
CLOSING_FENCE = "\n```"
_SPACES = re.compile(r"[ \t]+$", re.MULTILINE)


def normal_code(code: str) -> str:
    """`code` compared for repeats: trailing spaces and surrounding blank lines ignored."""
    return _SPACES.sub("", code).strip("\n")


def names_a_file(text: str, files: list[tuple[str, int]]) -> bool:
    """True if `text` names one of the listed files (its path or its name with a suffix)."""
    lowered = text.lower()
    for path, _ in files:
        name = path.rsplit("/", 1)[-1].lower()
        if "." in name.strip(".") and (name in lowered or path.lower() in lowered):
            return True
    return False


@dataclass
class Settled:
    """How a reply that a stop sequence may have ended is completed."""

    appended: str = ""
    """Text to add to the reply (the closing fence the stop sequence swallowed)."""
    misfired: bool = False
    """The stop sequence ended the reply at a fence that did not close runnable code."""


def settle_stop(text: str, rule: CodeRule, reasoning: str = "") -> Settled:
    """Complete a fenced-mode reply that was requested with FENCE_STOP.

    The stop string is not part of the reply: a reply that ends inside a runnable block got its
    closing fence swallowed, so it is put back. A reply that ends inside another block (or inside
    reasoning, inline or the provider's separate `reasoning`, with nothing visible) was stopped at
    the wrong fence.
    """
    if first_runnable(text, rule) is not None:
        return Settled()
    closed = text + CLOSING_FENCE
    block = first_runnable(closed, rule)
    if block is not None and block.end == len(closed):
        return Settled(CLOSING_FENCE)
    blocks = fenced_blocks(closed)
    if blocks and blocks[-1].end == len(closed):
        # It stopped at the closing fence of a block that does not run (another tag, reasoning).
        return Settled(CLOSING_FENCE, misfired=True)
    if reasoning.strip() and not text.strip():
        return Settled(misfired=True)  # it stopped inside the provider's separate reasoning
    return Settled()


@dataclass
class Repeats:
    """Code that succeeded in this turn, so an identical re-run gets the earlier output instead."""

    succeeded: dict[str, tuple[int, str]] = field(default_factory=dict)
    rounds: int = 0
    """Replies in a row that asked only for code that had already run."""

    def remember(self, code: str, step: int, feedback: str) -> None:
        """Note a step that succeeded, with what the model read about it."""
        self.succeeded.setdefault(normal_code(code), (step, feedback))

    def earlier(self, code: str) -> tuple[int, str] | None:
        """The step and feedback of an earlier success of the same code, if any."""
        return self.succeeded.get(normal_code(code))
