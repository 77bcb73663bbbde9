"""KernelExecutor against real ipykernels."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import NoSuchKernel

from jupyter_code_interp.kernel.headless import KernelExecutor

SECRET = "sk-kernel-test-0123456789SECRET"


def stream_text(outputs: list[dict[str, object]]) -> str:
    """All stream text of some outputs."""
    return "".join(str(output.get("text", "")) for output in outputs)


async def wait_until_gone(pid: int) -> bool:
    """True once no process has `pid` (polling, the kernel may take a moment to exit)."""
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_cells_are_inserted_after_the_last_inserted_and_run(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 标题"), nbformat.v4.new_code_cell("a = 1")]
    )
    executor = KernelExecutor(notebook, tmp_path / "nb.ipynb")
    await executor.start()
    try:
        first = await executor.execute("x = 6 * 7\nprint('答案', x)")
        # The user adds a cell at the end meanwhile: the next one still follows the first.
        notebook.cells.append(nbformat.v4.new_markdown_cell("user note"))
        second = await executor.execute("x / 0")
        executor.begin_turn()
        third = await executor.execute("x + 1")
    finally:
        await executor.shutdown()

    assert first.status == "ok"
    assert first.cell_index == 2
    assert stream_text(first.outputs) == "答案 42\n"
    assert first.execution_count == 1
    assert notebook.cells[2].id == first.cell_id
    assert notebook.cells[2].outputs[0]["text"] == "答案 42\n"

    assert second.status == "error"
    assert second.cell_index == 3
    assert second.error is not None and second.error["ename"] == "ZeroDivisionError"
    assert notebook.cells[4].source == "user note"

    assert third.cell_index == 5  # a new turn starts at the end
    assert third.outputs[0]["data"]["text/plain"] == "43"
    assert [cell.id for cell in notebook.cells[2:4]] + [notebook.cells[5].id] == executor.inserted
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert notebook.metadata["language_info"]["name"] == "python"
    nbformat.validate(notebook)


async def test_kernel_runs_in_the_notebook_directory_without_the_api_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("CODE_INTERP_VISIBLE", "yes")
    folder = tmp_path / "数据"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    executor = KernelExecutor(nbformat.v4.new_notebook(), folder / "nb.ipynb")
    await executor.start()
    try:
        result = await executor.execute(
            "import os\n"
            "print(os.environ.get('OPENAI_API_KEY', 'absent'))\n"
            "print(os.environ.get('CODE_INTERP_VISIBLE'))\n"
            "print(open('data.csv').read().splitlines()[1])\n"
            "print(os.getpid())"
        )
    finally:
        await executor.shutdown()
    lines = stream_text(result.outputs).splitlines()
    assert lines[:3] == ["absent", "yes", "1,2"]
    assert SECRET not in stream_text(result.outputs)
    assert os.environ["OPENAI_API_KEY"] == SECRET  # the server's own environment is not touched
    assert await wait_until_gone(int(lines[3]))


async def test_kernelspec_comes_from_the_notebook_metadata(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "no-such-kernel", "display_name": "X", "language": "x"}}
    )
    executor = KernelExecutor(notebook, tmp_path / "nb.ipynb")
    assert executor.kernel_name == "no-such-kernel"
    with pytest.raises(NoSuchKernel):
        await executor.start()
    result = await executor.execute("1")
    assert result.status == "aborted"
    assert notebook.cells == []


async def test_shutdown_stops_the_kernel_process(tmp_path: Path) -> None:
    executor = KernelExecutor(nbformat.v4.new_notebook(), tmp_path / "nb.ipynb")
    await executor.start()
    result = await executor.execute("import os; os.getpid()")
    await executor.shutdown()
    await executor.shutdown()  # twice is harmless
    pid = int(result.outputs[0]["data"]["text/plain"])
    assert await wait_until_gone(pid)
    assert (await executor.execute("1")).failure == "The kernel is not running."


async def test_cells_are_replaced_in_place_and_only_inserted_ones(tmp_path: Path) -> None:
    user_cell = nbformat.v4.new_code_cell("secret = 1")
    notebook = nbformat.v4.new_notebook(cells=[user_cell])
    executor = KernelExecutor(notebook, tmp_path / "nb.ipynb")
    await executor.start()
    try:
        failed = await executor.execute("value = 1 / 0")
        fixed = await executor.execute("value = 1 / 1\nvalue", replace_cell_id=failed.cell_id)
        refused = await executor.execute("print('x')", replace_cell_id=user_cell.id)
        unknown = await executor.execute("print('x')", replace_cell_id="no-such-cell")
    finally:
        await executor.shutdown()
    assert failed.status == "error"
    assert (fixed.status, fixed.cell_id, fixed.cell_index) == ("ok", failed.cell_id, 1)
    assert fixed.outputs[0]["data"]["text/plain"] == "1.0"
    assert [cell.source for cell in notebook.cells] == ["secret = 1", "value = 1 / 1\nvalue"]
    assert notebook.cells[1].execution_count == 2
    assert (
        refused.failure
        == f"Cell '{user_cell.id}' was not inserted by this run; it cannot be replaced."
    )
    assert unknown.status == "aborted"
    assert executor.inserted == [failed.cell_id]
    nbformat.validate(notebook)


async def test_turn_context_inspects_the_kernel_silently(tmp_path: Path) -> None:
    (tmp_path / "数据.csv").write_text("a\n1\n", encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标题")])
    executor = KernelExecutor(notebook, tmp_path / "nb.ipynb")
    await executor.start()
    try:
        first = await executor.execute("总数 = 42")
        context = await executor.turn_context()
        after = await executor.execute("总数")
    finally:
        await executor.shutdown()
    assert context.cells[0]["source"] == "# 标题" and context.cells[1]["source"] == "总数 = 42"
    assert context.active_index == 1
    assert ("数据.csv", 4) in context.files
    state = context.kernel_state
    assert state is not None and state["variables"] == [
        {"name": "总数", "type": "int", "repr": "42"}
    ]
    assert after.execution_count == (first.execution_count or 0) + 1  # the inspection was silent
    assert len(notebook.cells) == 3
