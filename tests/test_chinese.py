"""Chinese end to end on a real server: instruction, language rule, kernel setup, plot fonts."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_handlers import NO_AUTH, Fetch, on_server_loop, open_panel
from tornado.httpclient import HTTPClientError

from jupyter_code_interp.agent.prompts import system_prompt
from jupyter_code_interp.kernel.headless import KernelExecutor
from jupyter_code_interp.kernel.setup_code import python_setup_code

INSTRUCTION = "画出四个直辖市的 GDP 柱状图，标题用中文，代码注释也用中文"
LANGUAGE_RULE = "Write in the language of the user's latest instruction"

PLOT_CELL = """\
# 用中文标题画图，并检查有没有缺字的警告
import io, json, warnings
from matplotlib.figure import Figure
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    figure = Figure()
    axes = figure.subplots()
    axes.bar(["北京", "上海", "天津", "重庆"], [4.4, 4.7, 1.7, 3.0])
    axes.set_title("四个直辖市的 GDP（万亿元）")
    figure.savefig(io.BytesIO(), format="png")
print(json.dumps({"缺字警告": [str(w.message) for w in caught]}, ensure_ascii=False))
"""


@on_server_loop
async def test_kernel_setup_endpoint_serves_the_python_code(jp_fetch: Fetch) -> None:
    response = await jp_fetch("code-interp", "kernel-setup")
    assert response.code == 200
    assert json.loads(response.body) == {"python": python_setup_code()}


@on_server_loop
async def test_kernel_setup_endpoint_requires_authentication(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("code-interp", "kernel-setup", headers=NO_AUTH)
    assert refused.value.code in (401, 403)


@pytest.mark.parametrize("mode", ["tools", "fenced"])
def test_the_system_prompt_asks_for_the_users_language_everywhere(mode: str) -> None:
    prompt = system_prompt(mode)  # type: ignore[arg-type]
    assert LANGUAGE_RULE in prompt
    for part in ("explanations of errors", "the comments in your code", "Chinese code comments"):
        assert part in prompt


@on_server_loop
async def test_a_chinese_turn_end_to_end(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_root_dir: Path
) -> None:
    code_interp_server.push(
        tool_reply(PLOT_CELL, text="先画图。"),
        text_reply("图已画好：上海的 GDP 最高。"),
    )
    panel = await open_panel(jp_ws_fetch)
    executor = KernelExecutor(nbformat.v4.new_notebook(), jp_root_dir / "直辖市.ipynb")
    await executor.start()  # runs the kernel setup, as the panel does before its first cell
    try:
        frames = await panel.run_turn(
            {
                "type": "turn",
                "turnId": "zh",
                "notebook": "直辖市.ipynb",
                "instruction": INSTRUCTION,
            },
            executor,
        )
    finally:
        await executor.shutdown()
        panel.socket.close()

    assert (frames[-1]["type"], frames[-1]["reason"]) == ("turn_finished", "done")
    text = "".join(frame["delta"] for frame in frames if frame["type"] == "text")
    assert text == "先画图。图已画好：上海的 GDP 最高。"
    first, second = code_interp_server.requests
    # The instruction reached the model byte for byte, after a system prompt with the rule.
    assert first["messages"][0]["role"] == "system"
    assert LANGUAGE_RULE in first["messages"][0]["content"]
    assert first["messages"][-1] == {"role": "user", "content": INSTRUCTION}
    # The plot rendered without missing glyphs, and the model read that in Chinese.
    fed_back = json.dumps(second["messages"][-1], ensure_ascii=False)
    assert '{\\"缺字警告\\": []}' in fed_back
    cell = executor.notebook.cells[0]
    assert cell.source == PLOT_CELL
    assert cell.execution_count == 1  # the setup ran silently
