"""The options of one turn of the panel: limits, fix attempts, budget, vision, notebook context.

Kept out of session.py, which only passes the validated frame fields through.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from .agent import TurnOptions
from .context import effective_budget
from .frames import clamp
from .repair import MAX_FIX_ATTEMPTS_RANGE
from .snapshot import MAX_LISTED_FILES, NotebookContext
from .workspace import list_files

if TYPE_CHECKING:
    from .config import CodeInterpreter
    from .registry import ModelChoice
    from .turn_files import TurnFiles


async def turn_options(
    settings: CodeInterpreter,
    choice: ModelChoice,
    turn_id: str,
    limits: tuple[int, int],
    fix_attempts: int | None,
    context: NotebookContext | None,
    files: TurnFiles | None,
) -> TurnOptions:
    """TurnOptions for a turn frame: `limits` is (max steps, output limit), already clamped.

    The notebook context gets the listing of the notebook's directory (the kernel's cwd).
    """
    spec = choice.spec
    if context is not None and files is not None:
        found, truncated = await asyncio.to_thread(list_files, files.workdir, "", MAX_LISTED_FILES)
        context = replace(context, files=found, files_truncated=truncated)
    attempts = settings.max_fix_attempts if fix_attempts is None else fix_attempts
    return TurnOptions(
        max_steps=limits[0],
        output_limit=limits[1],
        max_fix_attempts=clamp(attempts, MAX_FIX_ATTEMPTS_RANGE),
        context_budget=effective_budget(
            settings.context_budget, spec.context_window if spec else None
        ),
        vision=bool(spec and spec.vision),
        notebook=context,
        turn_id=turn_id,
    )
