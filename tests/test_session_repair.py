"""The session side of issue 5: context and fix attempts in turn frames, replaceCellId, approval."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from agent_helpers import new_session
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_repair import PNG, fix_reply
from test_session import API_KEY, Recorder, make_settings, turn_frame

from jupyter_code_interp.chat.session import ChatSession
from jupyter_code_interp.conversations.store import ConversationStore
from jupyter_code_interp.files.paths import FileAccess

CONTEXT = {
    "cells": [{"id": "u1", "type": "code", "source": "rows = 4", "executionCount": 1}],
    "activeIndex": 0,
    "kernel": {"language": "python", "state": {"python": "3.11.4", "packages": {}}, "error": None},
}


def _session(recorder: Recorder, llm: ScriptedLLM, **settings: Any) -> ChatSession:
    return new_session(
        recorder.send,
        make_settings(llm, **settings),
        ConversationStore(),
        logging.getLogger("test-session-repair"),
    )


def _result(request_id: str, cell_id: str, **result: Any) -> dict[str, Any]:
    outputs = result.pop("outputs", [])
    return {
        "type": "execute_result",
        "requestId": request_id,
        "result": {
            "outputs": outputs,
            "executionCount": 1,
            "cellId": cell_id,
            "cellIndex": 1,
            **result,
        },
    }


ERROR = {
    "output_type": "error",
    "ename": "NameError",
    "evalue": "name 'x' is not defined",
    "traceback": [],
}


async def test_a_fix_replaces_the_cell_through_the_panel(scripted_llm: ScriptedLLM) -> None:
    recorder = Recorder()
    session = _session(recorder, scripted_llm)
    scripted_llm.push(
        tool_reply("print(x)"), fix_reply("x = 1\nprint(x)", "cell-7"), text_reply("1")
    )
    await session.handle(turn_frame("t1", context=CONTEXT, maxFixAttempts=99))
    first = await recorder.next("execute_request")
    assert "replaceCellId" not in first
    await session.handle(_result(first["requestId"], "cell-7", outputs=[ERROR]))
    second = await recorder.next("execute_request")
    assert second["replaceCellId"] == "cell-7" and second["code"] == "x = 1\nprint(x)"
    await session.handle(
        _result(
            second["requestId"],
            "cell-7",
            outputs=[{"output_type": "stream", "name": "stdout", "text": "1\n"}],
        )
    )
    finished = await recorder.next("turn_finished")
    await session.join()
    assert finished["reason"] == "done"
    started = [frame for frame in recorder.frames if frame["type"] == "step_started"]
    assert started[1]["replaceCellId"] == "cell-7"
    assert started[1]["attempt"] == {"number": 1, "of": 10}  # 99 clamped to the 0-10 range
    user = scripted_llm.requests[0]["messages"][1]["content"]
    assert user.startswith("<notebook_context>") and "rows = 4" in user
    assert "Python 3.11.4" in scripted_llm.requests[0]["messages"][0]["content"]


async def test_the_configured_attempts_apply_without_a_frame_value(
    scripted_llm: ScriptedLLM,
) -> None:
    recorder = Recorder()
    session = _session(recorder, scripted_llm, max_fix_attempts=0)
    scripted_llm.push(tool_reply("print(x)"))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("execute_request")
    await session.handle(_result(request["requestId"], "c", outputs=[ERROR]))
    finished = await recorder.next("turn_finished")
    await session.join()
    assert finished["reason"] == "gave_up"
    assert "NameError: name 'x' is not defined" in finished["message"]


async def test_a_malformed_context_refuses_the_turn(scripted_llm: ScriptedLLM) -> None:
    recorder = Recorder()
    session = _session(recorder, scripted_llm)
    bad = {**CONTEXT, "cells": [{"id": "u1", "source": 42}]}
    await session.handle(turn_frame("t1", context=bad))
    error = await recorder.next("error")
    assert error == {
        "type": "error",
        "turnId": "t1",
        "message": "'context.cells[0]'.source must be a string.",
    }
    await session.handle(turn_frame("t2", context=[1]))
    assert (await recorder.next("error"))["message"] == (
        "Field 'context' of a 'turn' frame must be an object."
    )
    assert scripted_llm.requests == []


async def test_skipped_results_reach_the_model_and_bad_ones_are_refused(
    scripted_llm: ScriptedLLM,
) -> None:
    recorder = Recorder()
    session = _session(recorder, scripted_llm)
    scripted_llm.push(tool_reply("danger()"), text_reply("Skipped, fine."))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("execute_request")
    await session.handle(_result(request["requestId"], "c1", skipped=True))
    await recorder.next("turn_finished")
    await session.join()
    tool = next(m for m in scripted_llm.requests[1]["messages"] if m["role"] == "tool")
    assert tool["content"].startswith("The user skipped this cell")

    scripted_llm.push(tool_reply("again()"), text_reply("ok"))
    await session.handle(turn_frame("t2"))
    request = await recorder.next("execute_request")
    await session.handle(_result(request["requestId"], "c2", skipped="yes"))
    assert (await recorder.next("error"))["message"] == "'result.skipped' must be a boolean."
    await recorder.next("turn_finished")
    await session.join()


async def test_a_vision_model_of_a_provider_gets_the_image(scripted_llm: ScriptedLLM) -> None:
    recorder = Recorder()
    providers = {
        "eyes": {
            "preset": "custom",
            "base_url": scripted_llm.base_url,
            "api_key": API_KEY,
            "models": [{"id": "vision-model", "vision": True, "context_window": 8000}],
        }
    }
    session = _session(recorder, scripted_llm, providers=providers)
    scripted_llm.push(tool_reply("plot()"), text_reply("A line."))
    await session.handle(turn_frame("t1", provider="eyes", model="vision-model"))
    request = await recorder.next("execute_request")
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": PNG}}
    await session.handle(_result(request["requestId"], "c1", outputs=[image]))
    finished = await recorder.next("step_finished")
    assert finished["images"] == [{"mime": "image/png", "data": PNG}]
    await recorder.next("turn_finished")
    await session.join()
    body = json.dumps(scripted_llm.requests[1])
    assert f"data:image/png;base64,{PNG}" in body and '"image_url"' in body


async def test_the_context_lists_the_notebook_folder(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    (tmp_path / "work" / "数据").mkdir(parents=True)
    (tmp_path / "work" / "数据" / "gdp.csv").write_text("城市,GDP\n北京,4.4\n", encoding="utf-8")
    (tmp_path / "elsewhere.csv").write_text("not in the notebook's folder")
    recorder = Recorder()
    session = new_session(
        recorder.send,
        make_settings(scripted_llm),
        ConversationStore(),
        logging.getLogger("test-session-repair"),
        files=FileAccess.at(tmp_path),
    )
    scripted_llm.push(text_reply("A CSV file is there."))
    await session.handle(turn_frame("t1", notebook="work/nb.ipynb", context=CONTEXT))
    await recorder.next("turn_finished")
    await session.join()
    user = scripted_llm.requests[0]["messages"][1]["content"]
    size = (tmp_path / "work" / "数据" / "gdp.csv").stat().st_size
    assert f"数据/gdp.csv ({size} B)" in user
    assert "elsewhere.csv" not in user
