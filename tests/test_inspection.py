"""The silent kernel inspection in a real ipykernel: variables, big arrays, hostile objects."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from kernel_helpers import KernelExecutor, running_kernel
from test_handlers import NO_AUTH, Fetch, on_server_loop
from tornado.httpclient import HTTPClientError

from jupyter_code_interp.kernel.inspection import (
    INSPECT_EXPRESSION,
    MAX_REPR,
    MAX_VARIABLES,
    inspect_code,
    parse_state,
    python_inspect_setup,
)

HOSTILE = """
class Broken:
    def __repr__(self):
        raise RuntimeError("no repr for you")

class Huge:
    def __repr__(self):
        return "x" * 10_000_000

broken = Broken()
huge = Huge()
"""


@pytest.fixture
async def kernel() -> AsyncIterator[KernelExecutor]:
    """A fresh python3 kernel with the inspection set up (silently, as the panel does)."""
    async with running_kernel() as executor:
        reply = await executor.client.execute(
            python_inspect_setup(), silent=True, store_history=False, reply=True
        )
        assert reply["content"]["status"] == "ok"
        yield executor


async def _inspect(kernel: KernelExecutor) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state (parsed from text/plain) and the whole reply of a silent inspection."""
    reply = await kernel.client.execute(
        "",
        silent=True,
        store_history=False,
        user_expressions={"state": INSPECT_EXPRESSION},
        reply=True,
        timeout=60,
    )
    found = reply["content"]["user_expressions"]["state"]
    assert found["status"] == "ok", found
    state = parse_state(found["data"]["text/plain"])
    assert state is not None
    return state, reply


def _variable(state: dict[str, Any], name: str) -> dict[str, Any]:
    """One variable of the state by name."""
    return next(item for item in state["variables"] if item["name"] == name)


async def _run(kernel: KernelExecutor, code: str) -> int:
    """Run a normal cell that must succeed; its execution count."""
    result = await kernel.execute(code)
    assert result.error is None, result.outputs
    assert result.execution_count is not None
    return result.execution_count


async def _iopub_of(kernel: KernelExecutor, msg_id: str) -> list[str]:
    """Types of the iopub messages answering `msg_id` (until its idle status)."""
    kinds: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            message = await kernel.client.get_iopub_msg(timeout=5)
        except queue.Empty:
            break
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kinds.append(message["msg_type"])
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    return kinds


async def test_inspection_is_silent_and_reports_the_kernel(kernel: KernelExecutor) -> None:
    first = await _run(kernel, "x = 3\nname = '北京'\nimport os\ndef helper(): pass")
    msg_id = kernel.client.execute(
        "", silent=True, store_history=False, user_expressions={"state": INSPECT_EXPRESSION}
    )
    kinds = await _iopub_of(kernel, msg_id)
    assert set(kinds) == {"status"}  # no execute_input, no stream, no display: nothing shown
    state, reply = await _inspect(kernel)
    assert reply["content"]["execution_count"] == first  # silent: the count did not move
    assert await _run(kernel, "pass") == first + 1
    assert state["python"].count(".") == 2
    assert "matplotlib" in state["packages"]
    names = [item["name"] for item in state["variables"]]
    assert names == ["x", "name"]  # modules, functions, IPython internals and _names skipped
    assert _variable(state, "x") == {"name": "x", "type": "int", "repr": "3"}
    assert _variable(state, "name")["repr"] == "'北京'"
    data = reply["content"]["user_expressions"]["state"]["data"]
    assert data["application/json"] == state
    assert data["text/plain"].isascii()  # ensure_ascii: parses in JavaScript as is


async def test_dataframes_with_chinese_columns_and_big_arrays(kernel: KernelExecutor) -> None:
    await _run(
        kernel,
        "import numpy as np, pandas as pd\n"
        "df = pd.DataFrame({'城市': ['北京', '上海', '天津', '重庆'], 'GDP': [4.4, 4.7, 1.7, 3.0]})\n"
        "s = df['GDP']\n"
        "big = np.zeros(10**7)\n"
        "scalar = np.float64(2.5)",
    )
    state, _ = await _inspect(kernel)
    frame = _variable(state, "df")
    assert frame["type"] == "DataFrame" and frame["shape"] == [4, 2]
    assert frame["dtypes"]["GDP"] == "float64" and "城市" in frame["dtypes"]
    assert "北京" in frame["sample"] and "重庆" not in frame["sample"]  # three sample rows
    series = _variable(state, "s")
    assert series["type"] == "Series" and series["shape"] == [4] and series["dtype"] == "float64"
    array = _variable(state, "big")
    assert array == {"name": "big", "type": "ndarray", "shape": [10**7], "dtype": "float64"}
    assert _variable(state, "scalar")["repr"] in ("2.5", "np.float64(2.5)")
    assert len(json.dumps(state)) < 20_000  # no repr of the 10**7 numbers anywhere


async def test_pandas_is_not_imported_by_the_inspection(kernel: KernelExecutor) -> None:
    await _run(kernel, "values = [1, 2, 3]")
    state, _ = await _inspect(kernel)
    assert _variable(state, "values") == {
        "name": "values",
        "type": "list",
        "len": 3,
        "repr": "[1, 2, 3]",
    }
    result = await kernel.execute("import sys\nprint('pandas' in sys.modules)")
    assert result.outputs[0]["text"].strip() == "False"


async def test_hostile_objects_do_not_break_it(kernel: KernelExecutor) -> None:
    await _run(kernel, HOSTILE + "\nafter = 'still listed'")
    state, _ = await _inspect(kernel)
    broken = _variable(state, "broken")
    assert broken["type"] == "Broken"
    assert broken["repr"].startswith("<Broken instance at 0x")  # the repr raised
    assert len(_variable(state, "huge")["repr"]) <= MAX_REPR + 1
    assert _variable(state, "after")["repr"] == "'still listed'"


async def test_many_variables_are_capped(kernel: KernelExecutor) -> None:
    await _run(kernel, "for i in range(80):\n    globals()[f'v{i}'] = i")
    state, _ = await _inspect(kernel)
    assert len(state["variables"]) == MAX_VARIABLES
    assert state["truncated"] is True


@on_server_loop
async def test_kernel_inspect_endpoint(jp_fetch: Fetch) -> None:
    response = await jp_fetch("code-interp", "kernel-inspect")
    assert response.code == 200
    assert json.loads(response.body) == inspect_code()
    assert json.loads(response.body)["python"]["expression"] == INSPECT_EXPRESSION
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("code-interp", "kernel-inspect", headers=NO_AUTH)
    assert refused.value.code in (401, 403)
