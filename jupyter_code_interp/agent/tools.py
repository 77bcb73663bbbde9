"""The tools of tools mode: their schemas (one source) and the checks of their arguments.

Every schema is sent with every request, so descriptions stay short; the system prompt says how
to work with them. `tool_schemas(language)` names the kernel's language in them.
"""

from __future__ import annotations

from typing import Any

from .languages import kernel_language

MAX_RUN_CELLS = 20
"""Most cells one `run_cells` call may run."""
MAX_PLAN_ITEMS = 12
"""Most items of an `update_plan` checklist."""
PLAN_ITEM_CHARS = 200
"""Longest text of one plan item."""
MAX_CHOICES = 5
"""Most suggested answers of an `ask_user` question."""

NOTEBOOK_TOOLS = {
    "edit_cell": "edit",
    "run_cells": "run",
    "read_output": "read",
    "insert_markdown": "markdown",
    "delete_cell": "delete",
}
"""Tools that are notebook actions (steps), by the `action` they become."""
TURN_TOOLS = frozenset({"ask_user", "update_plan"})
"""Tools that are not steps: they talk to the user."""


class BadArguments(Exception):
    """A tool call's arguments that cannot be used; the message tells the model what is wrong."""


_CELL_ID = {"type": "string", "description": "A cell id (from the notebook context or a result)."}


def _function(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    """One tool in the OpenAI `tools` format."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


def language_name(language: str | None) -> str:
    """The kernel's language as written in prompts (`python` → Python, `r` → R; languages.py)."""
    return kernel_language(language).display


def tool_schemas(language: str | None = None) -> list[dict[str, Any]]:
    """Every tool of tools mode, their descriptions naming the kernel's `language`."""
    lang = language_name(language)
    return [
        _function(
            "run_code",
            f"Run {lang} code as a new cell in the notebook's kernel (state persists) and get "
            "its outputs.",
            {
                "code": {"type": "string", "description": f"The {lang} code of one cell."},
                "cell_id": {
                    "type": "string",
                    "description": "To fix a cell you wrote in this conversation: its id; its "
                    "code is replaced and it runs again.",
                },
            },
            ["code"],
        ),
        _function(
            "edit_cell",
            "Replace the source of an existing cell, then run it (run=false: do not run). The "
            "user reviews edits of cells you did not write.",
            {
                "cell_id": _CELL_ID,
                "source": {"type": "string", "description": "The cell's new source."},
                "run": {"type": "boolean", "description": "Run it after the edit (default true)."},
            },
            ["cell_id", "source"],
        ),
        _function(
            "run_cells",
            f"Run existing cells as they are, in order (at most {MAX_RUN_CELLS}); stops at the "
            "first error.",
            {"cell_ids": {"type": "array", "items": {"type": "string"}}},
            ["cell_ids"],
        ),
        _function(
            "read_output",
            "Read a cell's full outputs as text, one page at a time.",
            {"cell_id": _CELL_ID, "page": {"type": "integer", "description": "1-based page."}},
            ["cell_id"],
        ),
        _function(
            "insert_markdown",
            "Insert a Markdown cell (after after_cell_id, else where the next new cell goes).",
            {"source": {"type": "string"}, "after_cell_id": _CELL_ID},
            ["source"],
        ),
        _function(
            "delete_cell",
            "Delete a cell; the user must accept it.",
            {"cell_id": _CELL_ID},
            ["cell_id"],
        ),
        _function(
            "ask_user",
            "Ask the user a question and end your turn; only when you cannot go on without "
            "their answer.",
            {
                "question": {"type": "string"},
                "choices": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": f"Up to {MAX_CHOICES} short answers shown as buttons.",
                },
            },
            ["question"],
        ),
        _function(
            "update_plan",
            f"Show your plan for a multi-step task as a checklist (1-{MAX_PLAN_ITEMS} items); "
            "send the whole list again to tick items off.",
            {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"text": {"type": "string"}, "done": {"type": "boolean"}},
                        "required": ["text", "done"],
                    },
                }
            },
            ["items"],
        ),
    ]


def _text(arguments: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A string argument; BadArguments saying what is wrong."""
    value = arguments.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadArguments(f'"{name}" must be a non-empty string')
    return value


def check_arguments(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a notebook or turn tool, checked and normalized; BadArguments if bad."""
    checked: dict[str, Any] = {}
    if name in ("edit_cell", "read_output", "delete_cell"):
        checked["cell_id"] = _text(arguments, "cell_id")
    if name == "edit_cell":
        source = arguments.get("source")
        if not isinstance(source, str):
            raise BadArguments('"source" (the cell\'s new source) is missing')
        run = arguments.get("run", True)
        if not isinstance(run, bool):
            raise BadArguments('"run" must be true or false')
        checked.update(source=source, run=run)
    elif name == "run_cells":
        ids = arguments.get("cell_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise BadArguments('"cell_ids" must be a non-empty list of cell ids')
        if len(ids) > MAX_RUN_CELLS:
            raise BadArguments(f'"cell_ids" names {len(ids)} cells; at most {MAX_RUN_CELLS}')
        checked["cell_ids"] = ids
    elif name == "read_output":
        page = arguments.get("page", 1)
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise BadArguments('"page" must be a whole number from 1')
        checked["page"] = page
    elif name == "insert_markdown":
        checked["source"] = _text(arguments, "source")
        checked["after_cell_id"] = _text(arguments, "after_cell_id", required=False) or None
    elif name == "ask_user":
        checked["question"] = _text(arguments, "question")
        choices = arguments.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise BadArguments('"choices" must be a list of short answers')
        if len(choices) > MAX_CHOICES:
            raise BadArguments(f'"choices" has {len(choices)} answers; at most {MAX_CHOICES}')
        checked["choices"] = [choice.strip() for choice in choices if choice.strip()]
    elif name == "update_plan":
        checked["items"] = check_plan(arguments.get("items"))
    return checked


def check_plan(items: Any) -> list[dict[str, Any]]:
    """A plan's items as `{text, done}`; BadArguments unless 1-12 items of at most 200 characters."""
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_PLAN_ITEMS:
        raise BadArguments(f'"items" must be a list of 1 to {MAX_PLAN_ITEMS} items')
    plan = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise BadArguments('each item must be {"text": "...", "done": true|false}')
        text = " ".join(item["text"].split())
        if not text or len(text) > PLAN_ITEM_CHARS:
            raise BadArguments(f"each item's text must have 1 to {PLAN_ITEM_CHARS} characters")
        plan.append({"text": text, "done": item.get("done") is True})
    return plan
