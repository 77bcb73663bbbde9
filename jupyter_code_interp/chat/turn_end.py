"""How a turn of a chat socket ends when it is not by itself: Stop, or the socket closing.

A socket that closes while a cell runs (the page was reloaded, the tab closed) has its cell's
kernel interrupted through jupyter_server's kernel manager, and the turn's stored outcome says
whether that worked. The messages are for people: translated (`_`) where the locale is known.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from ..i18n import N_, _
from ..kernel.control import InterruptKernel

CONNECTION_LOST_MESSAGE = N_("The connection to the panel was lost, so the turn was stopped.")
CELL_INTERRUPTED_MESSAGE = N_(
    "The panel was closed or reloaded while a cell ran: the turn was stopped and the kernel "
    "interrupted, so the cell did not finish."
)
CELL_NOT_INTERRUPTED_MESSAGE = N_(
    "The panel was closed or reloaded while a cell ran: the turn was stopped, but the kernel "
    "could not be interrupted ({reason}), so the cell may still be running."
)
STOPPED_MESSAGE = N_("The turn was stopped.")
TOO_LONG = N_(
    "The turn took longer than {seconds} s, the most one turn may take "
    "(c.CodeInterpreter.turn_time_limit), so it was stopped."
)


@dataclass
class TurnLimits:
    """The limits a `turn` frame asked for (None: the server's setting)."""

    max_steps: int | None
    output_limit: int | None
    fix_attempts: int | None
    compute_figures: bool | None = None
    trust_edits: bool = False
    """`trustEdits`: edits of cells this conversation did not write need no review."""


@dataclass
class RunningTurn:
    """A turn whose task is still running."""

    turn_id: str
    notebook: str
    task: asyncio.Task[None]
    kernel_id: str | None = None
    """The notebook's kernel (from the `turn` frame): interrupted if the socket closes mid-cell."""
    locale: str | None = None


async def interrupt_cell(
    interrupt_kernel: InterruptKernel | None, kernel_id: str | None, log: logging.Logger
) -> str:
    """Interrupt the kernel running a turn's cell; returns the turn's outcome message."""
    if kernel_id is None or interrupt_kernel is None:
        reason = _("the panel did not say which kernel runs it")
    else:
        try:
            await interrupt_kernel(kernel_id)
            return _(CELL_INTERRUPTED_MESSAGE)
        except Exception as error:  # noqa: BLE001 - the turn must end whatever happened
            log.warning(
                "code-interp: could not interrupt kernel %s (%s: %s)",
                kernel_id,
                type(error).__name__,
                error,
            )
            reason = f"{type(error).__name__}: {error}"
    return _(CELL_NOT_INTERRUPTED_MESSAGE, reason=reason)


def cancelled_ending(
    *, expired_after: float | None, closed: bool, close_message: str | None
) -> dict[str, Any]:
    """The `reason` and `message` of a cancelled turn: its time limit (`expired_after` seconds),
    the socket closing, or the user's Stop."""
    if expired_after is not None:  # c.CodeInterpreter.turn_time_limit, not the user
        return {"reason": "error", "message": _(TOO_LONG, seconds=f"{expired_after:g}")}
    if closed:  # not the user's Stop: the stored record says what happened
        return {"reason": "error", "message": close_message or _(CONNECTION_LOST_MESSAGE)}
    return {"reason": "stopped", "message": _(STOPPED_MESSAGE)}


def describe_error(error: BaseException) -> str:
    """The traceback of `error` as text (for the server log)."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))
