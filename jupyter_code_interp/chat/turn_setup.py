"""The options of one turn: limits, fix attempts, context budget, vision, notebook context.

One place for the panel's turns and the CLI's: limits a client asks for are clamped to the ranges
of limits.py; missing ones take `c.CodeInterpreter`'s values.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agent.attached import attached_cells_block
from ..agent.loop import TurnOptions
from ..agent.messages import effective_budget, output_cap
from ..agent.snapshot import MAX_LISTED_FILES, NotebookContext
from ..files.workspace import list_files
from ..limits import MAX_FIX_ATTEMPTS, MAX_STEPS, OUTPUT_LIMIT

if TYPE_CHECKING:
    from ..config import CodeInterpreter
    from ..providers.registry import ModelChoice


async def turn_options(
    settings: CodeInterpreter,
    choice: ModelChoice,
    *,
    turn_id: str | None = None,
    max_steps: int | None = None,
    output_limit: int | None = None,
    fix_attempts: int | None = None,
    context: NotebookContext | None = None,
    workdir: Path | None = None,
    attached: bool = False,
    compute_figures: bool | None = None,
    rules: str = "",
    attached_cells: list[dict[str, Any]] | None = None,
    trust_edits: bool = False,
) -> TurnOptions:
    """TurnOptions for a turn; `workdir` (the notebook's directory) adds its listing to `context`.

    `attached`: files came with the instruction; `compute_figures` None: the server's setting;
    `rules`: the project's rules block; `attached_cells`: the turn frame's (checked);
    `trust_edits`: edits of cells the conversation did not write are not reviewed.
    """
    spec = choice.spec
    window = spec.context_window if spec else None
    cap = output_cap(settings.max_output_tokens, window)
    if context is not None and workdir is not None:
        found, truncated = await asyncio.to_thread(list_files, workdir, "", MAX_LISTED_FILES)
        context = replace(context, files=found, files_truncated=truncated)
    limit = OUTPUT_LIMIT.clamp(settings.output_limit if output_limit is None else output_limit)
    language = context.language if context is not None else None
    return TurnOptions(
        max_steps=MAX_STEPS.clamp(settings.max_steps if max_steps is None else max_steps),
        output_limit=limit,
        max_fix_attempts=MAX_FIX_ATTEMPTS.clamp(
            settings.max_fix_attempts if fix_attempts is None else fix_attempts
        ),
        context_budget=effective_budget(settings.context_budget, window, cap),
        max_output_tokens=cap,
        vision=bool(spec and spec.vision),
        notebook=context,
        turn_id=turn_id,
        compute_figures=settings.compute_figures if compute_figures is None else compute_figures,
        attached=attached,
        attached_cells=attached_cells_block(attached_cells or [], limit, language),
        rules=rules,
        trust_edits=trust_edits,
    )
