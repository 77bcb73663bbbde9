"""Silent inspection of a Python kernel: its version, key libraries and the user's variables.

The kernel-side code is a real function of this module (linted, type-checked, tested) whose
source is sent to the kernel once; the panel (and the headless executor) then evaluates
`INSPECT_EXPRESSION` through `user_expressions` of a silent execute request, so the notebook gets
no execution count and no output. The result's `text/plain` is the state as JSON.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

KEY_PACKAGES = (
    "numpy",
    "pandas",
    "polars",
    "matplotlib",
    "seaborn",
    "plotly",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "pyarrow",
    "openpyxl",
    "torch",
)
"""Distributions whose versions the model is told (scikit-learn is imported as sklearn)."""
MAX_VARIABLES = 50
MAX_REPR = 200
"""Characters of a plain value's repr."""
MAX_SAMPLE = 800
"""Characters of a table's sample rows."""
MAX_COLUMNS = 40
"""Columns whose dtypes are listed per table."""


# The annotations stay quoted: this source runs in kernels without `from __future__ import
# annotations`, possibly on Pythons older than `dict[str, int]` at run time.
def _code_interp_inspect(
    packages: "list[str]",  # noqa: UP037
    limits: "dict[str, int]",  # noqa: UP037
) -> "object":  # noqa: UP037
    """Kernel side: the kernel state as an object whose text/plain repr is its JSON."""
    import importlib.metadata
    import json
    import platform
    import reprlib
    import sys
    import types

    def cut(text: str, limit: int) -> str:
        return text if len(text) <= limit else text[:limit] + "…"

    def versions() -> "dict[str, str]":  # noqa: UP037
        found = {}
        for name in packages:
            try:
                found[name] = importlib.metadata.version(name)
            except Exception:  # noqa: BLE001, S112 - not installed or broken metadata
                continue
        return found

    short = reprlib.Repr()
    short.maxstring = short.maxother = limits["repr"]
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = 8

    def table(value: "Any", kind: str) -> "dict[str, Any]":  # noqa: UP037
        shape = [int(size) for size in value.shape]
        entry: "dict[str, Any]" = {"shape": shape}  # noqa: UP037
        if kind == "DataFrame":
            dtypes = value.dtypes if hasattr(value.dtypes, "items") else dict(value.schema)
            pairs = list(dtypes.items())
            entry["dtypes"] = {str(col): str(dtype) for col, dtype in pairs[: limits["columns"]]}
            if len(pairs) > limits["columns"]:
                entry["moreColumns"] = len(pairs) - limits["columns"]
            head = value.head(3)
            if hasattr(head, "iloc"):
                head = head.iloc[:, : limits["columns"] // 2]
                text = head.to_string(max_colwidth=40)
            else:
                text = str(head)
        else:
            entry["dtype"] = str(value.dtype)
            head = value.head(5)
            text = head.to_string() if hasattr(head, "to_string") else str(head)
        entry["sample"] = cut(text, limits["sample"])
        return entry

    def describe(name: str, value: "Any") -> "dict[str, Any] | None":  # noqa: UP037
        if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType)):
            return None
        if isinstance(value, (type, types.MethodType)):
            return None
        kind = type(value).__name__
        module = type(value).__module__ or ""
        entry: "dict[str, Any]" = {"name": name, "type": kind}  # noqa: UP037
        try:
            if module.split(".")[0] in ("pandas", "polars") and kind in ("DataFrame", "Series"):
                entry.update(table(value, kind))
            elif module != "builtins" and hasattr(value, "shape") and hasattr(value, "dtype"):
                # Arrays and tensors: shape and dtype only, never a repr of the data.
                entry["shape"] = [int(size) for size in tuple(value.shape)]
                entry["dtype"] = str(value.dtype)
                if not entry["shape"]:
                    entry["repr"] = cut(short.repr(value), limits["repr"])
            else:
                if isinstance(value, (list, tuple, dict, set, frozenset, str, bytes)):
                    entry["len"] = len(value)
                entry["repr"] = cut(short.repr(value), limits["repr"])
        except Exception as error:  # noqa: BLE001 - a broken object must not break the rest
            entry["error"] = f"could not describe it ({type(error).__name__})"
        return entry

    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    namespace = dict(shell.user_ns) if shell is not None else {}
    hidden = set(getattr(shell, "user_ns_hidden", {}) or {})
    variables: "list[dict[str, Any]]" = []  # noqa: UP037
    truncated = False
    for name, value in namespace.items():
        if name.startswith("_") or name in hidden or name in ("In", "Out", "exit", "quit"):
            continue
        try:
            entry = describe(name, value)
        except Exception as error:  # noqa: BLE001 - e.g. a __class__ property that raises
            entry = {"name": name, "type": "?", "error": type(error).__name__}
        if entry is None:
            continue
        if len(variables) >= limits["variables"]:
            truncated = True
            break
        variables.append(entry)
    state = {
        "python": platform.python_version(),
        "packages": versions(),
        "variables": variables,
        "truncated": truncated,
    }
    text = json.dumps(state, ensure_ascii=True, default=str)

    class CodeInterpState:
        def __repr__(self) -> str:
            return text

        def _repr_json_(self) -> "dict[str, Any]":  # noqa: UP037
            return state

    return CodeInterpState()


INSPECT_EXPRESSION = "_code_interp_inspect(*_code_interp_inspect_args)"
"""Evaluated through `user_expressions`; its text/plain is the state's JSON."""


def python_inspect_setup() -> str:
    """Python source defining the inspection function and its arguments in the kernel."""
    limits = {
        "variables": MAX_VARIABLES,
        "repr": MAX_REPR,
        "sample": MAX_SAMPLE,
        "columns": MAX_COLUMNS,
    }
    arguments = json.dumps([list(KEY_PACKAGES), limits])
    source = inspect.getsource(_code_interp_inspect)
    return f"{source}\n_code_interp_inspect_args = {arguments}\n"


def inspect_code() -> dict[str, dict[str, str]]:
    """The payload of GET /code-interp/kernel-inspect, per kernel language."""
    return {"python": {"setup": python_inspect_setup(), "expression": INSPECT_EXPRESSION}}


def parse_state(text: str) -> dict[str, Any] | None:
    """The state from the expression's text/plain (None if it is not a JSON object)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
