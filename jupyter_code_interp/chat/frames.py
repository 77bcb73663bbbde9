"""Decoding and validation of the frames a panel sends: size, JSON, fields, ids, notebook paths,
execution results.

Every problem is a FrameError whose message goes back to the client in an `error` frame.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..agent.executor import ActionResult, CellRun, ExecutionResult, NotebookAction
from ..agent.snapshot import NotebookContext
from ..files.paths import PathRefused, normalize_client_path
from ..limits import CONTROL_FRAME_BYTES, FRAME_LIMITS, KIB, MAX_ATTACHED_CELLS, MIB

MAX_ID_LENGTH = 200
MAX_CONTEXT_CELLS = 5000
CELL_TYPES = ("code", "markdown", "raw")
CLOSED_MESSAGE = "The chat connection closed before the code could run."
PEEK_CHARACTERS = 1024
"""How far into an oversized frame its type and ids are looked for (it is never parsed)."""
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


class FrameError(Exception):
    """A client frame that cannot be accepted; its message is sent back in an `error` frame."""

    def __init__(self, message: str, turn_id: str | None = None) -> None:
        """Keep the message and the turn it concerns, if known."""
        super().__init__(message)
        self.turn_id = turn_id


def frame_limit(kind: Any) -> int:
    """The largest frame of type `kind` (None: the type is not known yet), in bytes."""
    if kind is None:
        return max(FRAME_LIMITS.values())
    return (
        FRAME_LIMITS.get(kind, CONTROL_FRAME_BYTES)
        if isinstance(kind, str)
        else CONTROL_FRAME_BYTES
    )


def utf8_size(text: str | bytes) -> int:
    """The size of a frame in bytes of UTF-8."""
    if isinstance(text, bytes) or text.isascii():  # isascii() is O(1) on a str
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def peek_field(text: str | bytes, name: str) -> str | None:
    """The string field `name` of a frame, found in its first characters without parsing it
    (JSON strings escape their quotes, so only a real key matches); None if not there."""
    head = text[:PEEK_CHARACTERS]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    pattern = rf'"{re.escape(name)}"\s*:\s*"([^"\\]{{1,{MAX_ID_LENGTH}}})"'
    found = re.search(pattern, head)
    return found.group(1) if found else None


def _size(size: int) -> str:
    """`size` bytes as the limits are written (KiB, MiB)."""
    if size >= MIB:
        return f"{size / MIB:.1f} MiB".replace(".0 ", " ")
    return f"{size / KIB:.1f} KiB".replace(".0 ", " ")


def oversized_message(kind: str | None, size: int, limit: int) -> str:
    """What a client hears about a frame over its limit."""
    which = f"'{kind}' frames" if kind else "frames"
    return f"The frame is {_size(size)}; {which} may be at most {_size(limit)}."


def _refuse_constant(constant: str) -> Any:
    """JSON has no NaN or Infinity (a browser's JSON.parse refuses them): refuse them too."""
    raise FrameError(
        f"The frame holds {constant}, which is not JSON; send a number or null instead."
    )


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, built by Python code: see `decode_frame`."""
    return dict(pairs)


def _integer(text: str) -> int:
    """A JSON integer, parsed by Python code: see `decode_frame`."""
    return int(text)


def decode_frame(text: str | bytes, cooperative: bool = False) -> dict[str, Any]:
    """A client frame decoded from JSON, or a FrameError saying why it cannot be.

    `cooperative` (for a worker thread): json's C decoder holds the GIL until it is done, so a
    frame of many small values would stall the event loop in any thread; with hooks written in
    Python it reaches the interpreter at every object and integer, where the GIL is handed over
    (every 5 ms) to the loop. Slower (about twice for a notebook context); only one long string,
    or a long array of strings, still holds the GIL from start to end.
    """
    hooks: dict[str, Any] = {}
    if cooperative:
        hooks = {"object_pairs_hook": _object, "parse_int": _integer}
    try:
        value = json.loads(text, parse_constant=_refuse_constant, **hooks)
    except RecursionError:
        raise FrameError("The frame is nested too deeply to be read.") from None
    except (ValueError, UnicodeDecodeError):
        raise FrameError("The frame is not valid JSON.") from None
    if not isinstance(value, dict):
        raise FrameError("A frame must be a JSON object.")
    return value


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
    """`path` as the one form that keys its conversation and its one-turn lock (`./a.ipynb`,
    `a.ipynb/` and `d//a.ipynb` are `a.ipynb` and `d/a.ipynb`), if it is inside the server root;
    else a FrameError."""
    if not path.strip():
        raise FrameError("Field 'notebook' must not be empty.")
    # Stricter than normalize_client_path: `a/../b.ipynb` is refused, not read as `b.ipynb`.
    if ".." in path.replace("\\", "/").split("/"):
        raise FrameError(f"Notebook path '{path}' contains '..'; it must stay inside the root.")
    try:
        normalized = normalize_client_path(path, "Notebook path")
    except PathRefused as refused:
        raise FrameError(str(refused)) from None
    if not normalized:
        raise FrameError(f"Notebook path '{path}' names the root folder, not a notebook.")
    return normalized


def parse_execution_result(frame: dict[str, Any]) -> ExecutionResult:
    """The ExecutionResult an `execute_result` frame carries (its `error` or its `result`)."""
    if frame.get("error") is not None:
        why: str = frame_field(frame, "error", str)
        return ExecutionResult(failure=why.strip() or "The panel could not run the code.")
    result: dict[str, Any] = frame_field(frame, "result", dict)
    outputs = _outputs("result.outputs", result.get("outputs"))
    for name, kind in {"executionCount": int, "cellId": str, "cellIndex": int}.items():
        _optional(f"result.{name}", result.get(name), kind)
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


def _optional(where: str, value: Any, kind: type) -> Any:
    """`value` if it is None or of `kind` (bool is no int here); else a FrameError."""
    if value is not None and (
        not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    ):
        raise FrameError(f"'{where}' must be {_kind_name(kind)} or null.")
    return value


def _outputs(where: str, value: Any) -> list[dict[str, Any]]:
    """A checked list of nbformat outputs (None: none)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FrameError(f"'{where}' must be a list of nbformat output objects.")
    for position, output in enumerate(value):
        _check_output(f"{where}[{position}]", output)
    return value


def _cell_run(where: str, run: Any) -> CellRun:
    """One `{cellId, cellIndex, outputs, executionCount}` of a notebook result, checked."""
    if not isinstance(run, dict) or not isinstance(run.get("cellId"), str):
        raise FrameError(f"'{where}' must be an object with a string 'cellId'.")
    return CellRun(
        run["cellId"],
        _optional(f"{where}.cellIndex", run.get("cellIndex"), int),
        _outputs(f"{where}.outputs", run.get("outputs")),
        _optional(f"{where}.executionCount", run.get("executionCount"), int),
    )


def _before(value: Any) -> dict[str, Any] | None:
    """The `before` of an edit or deletion (what Undo restores), checked."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FrameError("'result.before' must be an object.")
    if value.get("cellType", "code") not in CELL_TYPES:
        raise FrameError(f"'result.before.cellType' must be one of {', '.join(CELL_TYPES)}.")
    if not isinstance(value.get("source", ""), str):
        raise FrameError("'result.before.source' must be a string.")
    return {
        "cellType": value.get("cellType", "code"),
        "source": value.get("source", ""),
        "outputs": _outputs("result.before.outputs", value.get("outputs")),
        "executionCount": _optional(
            "result.before.executionCount", value.get("executionCount"), int
        ),
        "index": _optional("result.before.index", value.get("index"), int),
    }


def parse_action_result(frame: dict[str, Any], request: NotebookAction) -> ActionResult:
    """The ActionResult a `notebook_result` frame carries for `request` (its error or result)."""
    if frame.get("error") is not None:
        why: str = frame_field(frame, "error", str)
        return ActionResult(error=why.strip() or "The panel could not do it.")
    result: dict[str, Any] = frame_field(frame, "result", dict)
    accepted = result.get("accepted", True)
    if not isinstance(accepted, bool):
        raise FrameError("'result.accepted' must be a boolean.")
    runs = result.get("runs") or []
    if not isinstance(runs, list):
        raise FrameError("'result.runs' must be a list of the cells that ran.")
    done = ActionResult(
        cell_id=_optional("result.cellId", result.get("cellId"), str),
        cell_index=_optional("result.cellIndex", result.get("cellIndex"), int),
        accepted=accepted,
        comment=_optional("result.comment", result.get("comment"), str),
        before=_before(result.get("before")),
        runs=[_cell_run(f"result.runs[{i}]", run) for i, run in enumerate(runs)],
    )
    outputs = _outputs("result.outputs", result.get("outputs"))
    count = _optional("result.executionCount", result.get("executionCount"), int)
    if request.action == "read":
        done.outputs = outputs
    elif request.action == "edit" and request.run and accepted and not done.runs:
        cell = done.cell_id or request.cell_id or ""
        done.runs = [CellRun(cell, done.cell_index, outputs, count)]
    return done


def _is_text(value: Any) -> bool:
    """nbformat text: a string or a list of strings."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(line, str) for line in value)
    )


def _check_output(where: str, output: Any) -> None:
    """A FrameError unless `output` is an nbformat v4 output of the types the panel sends; its
    fields end up in frames and the stored history, which a browser must be able to read."""
    if not isinstance(output, dict) or output.get("output_type") not in OUTPUT_TYPES:
        raise FrameError(
            f"'{where}' must be an nbformat output with output_type {', '.join(OUTPUT_TYPES)}."
        )
    kind = output["output_type"]
    if kind == "stream":
        fields = {"name": output.get("name", "stdout"), "text": output.get("text", "")}
    elif kind == "error":
        fields = {"ename": output.get("ename", ""), "evalue": output.get("evalue", "")}
        if not _is_text(output.get("traceback", [])) or isinstance(output.get("traceback"), str):
            raise FrameError(f"'{where}.traceback' must be a list of strings.")
    else:
        data = output.get("data", {})
        if not isinstance(data, dict) or not isinstance(output.get("metadata", {}), dict):
            raise FrameError(f"'{where}.data' and '.metadata' must be objects.")
        # JSON mime types may hold any JSON; every other one is text (base64 for images).
        fields = {mime: value for mime, value in data.items() if not mime.endswith("json")}
    for name, value in fields.items():
        if not _is_text(value):
            raise FrameError(f"'{where}.{name}' must be a string (or a list of strings).")


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


def parse_attached_cells(value: Any) -> list[dict[str, Any]]:
    """The `attachedCells` of a `turn` frame ([] when absent), each `{id, index, source,
    outputs}` checked; FrameError naming the field when malformed."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FrameError(
            f"Field 'attachedCells' of a 'turn' frame must be an array, not {_json_type(value)}."
        )
    if len(value) > MAX_ATTACHED_CELLS:
        raise FrameError(
            f"'attachedCells' has {len(value)} cells; attach at most {MAX_ATTACHED_CELLS}."
        )
    cells: list[dict[str, Any]] = []
    for position, cell in enumerate(value):
        where = f"attachedCells[{position}]"
        if not isinstance(cell, dict):
            raise FrameError(f"'{where}' must be an object with id, index, source and outputs.")
        cell_id, index = cell.get("id"), cell.get("index")
        if not isinstance(cell_id, str) or not cell_id.strip() or len(cell_id) > MAX_ID_LENGTH:
            raise FrameError(f"'{where}.id' must be a non-empty string of at most {MAX_ID_LENGTH}.")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise FrameError(f"'{where}.index' must be an integer of at least 0.")
        if not isinstance(cell.get("source", ""), str):
            raise FrameError(f"'{where}.source' must be a string.")
        outputs = cell.get("outputs") or []
        if not isinstance(outputs, list):
            raise FrameError(f"'{where}.outputs' must be a list of nbformat output objects.")
        for number, output in enumerate(outputs):
            _check_output(f"{where}.outputs[{number}]", output)
        source = cell.get("source") or ""
        cells.append({"id": cell_id, "index": index, "source": source, "outputs": outputs})
    return cells
