"""Validation of the frames a panel sends: fields, ids, notebook paths, execution results.

Every problem is a FrameError whose message goes back to the client in an `error` frame.
"""

from __future__ import annotations

from typing import Any

from ..agent.executor import ExecutionResult
from ..agent.snapshot import NotebookContext
from ..files.paths import PathRefused, normalize_client_path

MAX_ID_LENGTH = 200
MAX_CONTEXT_CELLS = 5000
CELL_TYPES = ("code", "markdown", "raw")
CLOSED_MESSAGE = "The chat connection closed before the code could run."


class FrameError(Exception):
    """A client frame that cannot be accepted; its message is sent back in an `error` frame."""

    def __init__(self, message: str, turn_id: str | None = None) -> None:
        """Keep the message and the turn it concerns, if known."""
        super().__init__(message)
        self.turn_id = turn_id


def frame_field(frame: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    """`frame[name]` checked to be of `kind`; None when optional and absent."""
    if name not in frame or frame[name] is None:
        if required:
            raise FrameError(f"'{frame.get('type')}' frame is missing the field '{name}'.")
        return None
    value = frame[name]
    # bool is an int subclass; a JSON true is never a valid count.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FrameError(
            f"Field '{name}' of a '{frame.get('type')}' frame must be {_kind_name(kind)}, "
            f"not {_json_type(value)}."
        )
    return value


def _kind_name(kind: type) -> str:
    """The JSON name of a Python type, for messages."""
    names = {
        str: "a string",
        int: "an integer",
        dict: "an object",
        list: "an array",
        bool: "a boolean",
    }
    return names.get(kind, kind.__name__)


def _json_type(value: Any) -> str:
    """The JSON type of a decoded value, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    for kind in (str, int, dict, list):
        if isinstance(value, kind):
            return _kind_name(kind)
    if isinstance(value, float):
        return "a number"
    return "null"


def frame_identifier(frame: dict[str, Any], name: str) -> str:
    """A non-empty, reasonably short id field."""
    value: str = frame_field(frame, name, str)
    if not value.strip() or len(value) > MAX_ID_LENGTH:
        raise FrameError(f"Field '{name}' must be a non-empty string of at most {MAX_ID_LENGTH}.")
    return value


def validate_notebook_path(path: str) -> str:
    """`path` if it is a relative path inside the server root, else a FrameError."""
    if not path.strip():
        raise FrameError("Field 'notebook' must not be empty.")
    # Stricter than normalize_client_path: the path keys a conversation, so it must be canonical.
    if ".." in path.replace("\\", "/").split("/"):
        raise FrameError(f"Notebook path '{path}' contains '..'; it must stay inside the root.")
    try:
        normalize_client_path(path, "Notebook path")
    except PathRefused as refused:
        raise FrameError(str(refused)) from None
    return path


def parse_execution_result(frame: dict[str, Any]) -> ExecutionResult:
    """The ExecutionResult an `execute_result` frame carries (its `error` or its `result`)."""
    if frame.get("error") is not None:
        why: str = frame_field(frame, "error", str)
        return ExecutionResult(failure=why.strip() or "The panel could not run the code.")
    result: dict[str, Any] = frame_field(frame, "result", dict)
    outputs = result.get("outputs", [])
    if not isinstance(outputs, list) or not all(
        isinstance(output, dict) and isinstance(output.get("output_type"), str)
        for output in outputs
    ):
        raise FrameError("'result.outputs' must be a list of nbformat output objects.")
    typed = {"executionCount": int, "cellId": str, "cellIndex": int}
    for name, kind in typed.items():
        value = result.get(name)
        if value is not None and (
            not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        ):
            raise FrameError(f"'result.{name}' must be {_kind_name(kind)} or null.")
    skipped = result.get("skipped", False)
    if not isinstance(skipped, bool):
        raise FrameError("'result.skipped' must be a boolean.")
    edited = result.get("code")
    if edited is not None and not isinstance(edited, str):
        raise FrameError("'result.code' must be a string (the code as the user edited it).")
    return ExecutionResult(
        outputs=outputs,
        execution_count=result.get("executionCount"),
        cell_id=result.get("cellId"),
        cell_index=result.get("cellIndex"),
        skipped=skipped,
        edited_code=edited,
    )


def _context_cell(position: int, cell: Any) -> dict[str, Any]:
    """One cell of a turn's `context`, checked."""
    where = f"'context.cells[{position}]'"
    if not isinstance(cell, dict):
        raise FrameError(f"{where} must be an object.")
    if not isinstance(cell.get("source", ""), str):
        raise FrameError(f"{where}.source must be a string.")
    if cell.get("type", "code") not in CELL_TYPES:
        raise FrameError(f"{where}.type must be one of {', '.join(CELL_TYPES)}.")
    outputs = cell.get("outputs") or []
    if not isinstance(outputs, list) or not all(isinstance(output, dict) for output in outputs):
        raise FrameError(f"{where}.outputs must be a list of nbformat output objects.")
    count = cell.get("executionCount")
    return {
        "id": str(cell.get("id") or position),
        "type": cell.get("type", "code"),
        "source": cell.get("source", ""),
        "executionCount": count if isinstance(count, int) and not isinstance(count, bool) else None,
        "outputs": outputs,
    }


def parse_notebook_context(value: Any) -> NotebookContext | None:
    """The `context` of a `turn` frame (None when absent); FrameError when malformed."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FrameError("Field 'context' of a 'turn' frame must be an object.")
    cells = value.get("cells", [])
    if not isinstance(cells, list):
        raise FrameError("'context.cells' must be an array of cells.")
    if len(cells) > MAX_CONTEXT_CELLS:
        raise FrameError(f"'context.cells' has {len(cells)} cells; at most {MAX_CONTEXT_CELLS}.")
    active = value.get("activeIndex", -1)
    if not isinstance(active, int) or isinstance(active, bool):
        raise FrameError("'context.activeIndex' must be an integer.")
    kernel = value.get("kernel")
    if kernel is not None and not isinstance(kernel, dict):
        raise FrameError("'context.kernel' must be an object or null.")
    if kernel is not None and not isinstance(kernel.get("state"), (dict, type(None))):
        raise FrameError("'context.kernel.state' must be an object or null.")
    return NotebookContext(
        cells=[_context_cell(position, cell) for position, cell in enumerate(cells)],
        active_index=active,
        kernel=kernel,
    )
