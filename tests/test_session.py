"""ChatSession without tornado: frames in, frames out, against the scripted LLM over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from agent_helpers import new_session
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply

from jupyter_code_interp.chat.session import ChatSession, SocketExecutor
from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.conversations.store import ConversationStore

API_KEY = "sk-session-test-0123456789SECRET"
WAIT = 30.0


class Recorder:
    """Plays the socket: keeps every frame the session sends, lets a test wait for one."""

    def __init__(self) -> None:
        """No frames yet."""
        self.frames: list[dict[str, Any]] = []
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send(self, frame: dict[str, Any]) -> None:
        """The session's `send`: frames must be JSON-serializable, as on the wire."""
        json.dumps(frame, ensure_ascii=False)
        self.frames.append(frame)
        await self._queue.put(frame)

    async def next(self, kind: str, turn_id: str | None = None) -> dict[str, Any]:
        """The next frame of type `kind` (and turn), skipping others."""

        async def wait() -> dict[str, Any]:
            while True:
                frame = await self._queue.get()
                if frame["type"] == kind and (turn_id is None or frame.get("turnId") == turn_id):
                    return frame

        return await asyncio.wait_for(wait(), WAIT)


def make_settings(llm: ScriptedLLM, **overrides: Any) -> CodeInterpreter:
    """Settings pointing at the scripted LLM."""
    values: dict[str, Any] = {
        "base_url": llm.base_url,
        "api_key": API_KEY,
        "models": ["scripted-model", "second-model"],
    }
    values.update(overrides)
    return CodeInterpreter(**values)


def turn_frame(turn_id: str, notebook: str = "nb.ipynb", **extra: Any) -> dict[str, Any]:
    """A valid `turn` frame."""
    return {
        "type": "turn",
        "turnId": turn_id,
        "notebook": notebook,
        "instruction": "compute",
        **extra,
    }


def ok_result(request_id: str, text: str) -> dict[str, Any]:
    """An `execute_result` frame for a cell that printed `text`."""
    return {
        "type": "execute_result",
        "requestId": request_id,
        "result": {
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
            "executionCount": 1,
            "cellId": "cell-1",
            "cellIndex": 0,
        },
    }


@pytest.fixture
def recorder() -> Recorder:
    """A fresh socket stand-in."""
    return Recorder()


@pytest.fixture
def session(scripted_llm: ScriptedLLM, recorder: Recorder) -> ChatSession:
    """A session on the scripted LLM."""
    return new_session(
        recorder.send,
        make_settings(scripted_llm),
        ConversationStore(),
        logging.getLogger("test-session"),
    )


async def test_turn_events_carry_turn_id_and_end_with_turn_finished(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("print(2 + 2)"), text_reply("四 = 4"))
    await session.handle(turn_frame("t1", model="second-model"))
    request = await recorder.next("execute_request")
    assert request["code"] == "print(2 + 2)"
    assert request["step"] == 1
    await session.handle(ok_result(request["requestId"], "4\n"))
    finished = await recorder.next("turn_finished")
    await session.join()

    usage = finished.pop("usage")
    assert finished == {"type": "turn_finished", "turnId": "t1", "reason": "done"}
    assert (usage["provider"], usage["model"]) == ("default", "second-model")
    kinds = [frame["type"] for frame in recorder.frames]
    assert kinds[:4] == ["turn_started", "step_started", "execute_request", "step_finished"]
    assert kinds[-1] == "turn_finished"
    assert all(frame["turnId"] == "t1" for frame in recorder.frames)
    assert recorder.frames[0]["model"] == "second-model"
    assert scripted_llm.requests[0]["model"] == "second-model"
    text = "".join(frame["delta"] for frame in recorder.frames if frame["type"] == "text")
    assert text == "四 = 4"
    step_finished = recorder.frames[3]
    assert step_finished["status"] == "ok"
    assert step_finished["cellId"] == "cell-1"
    # The panel's output reached the model as the tool result.
    tool_messages = [m for m in scripted_llm.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_messages and "4" in tool_messages[0]["content"]


async def test_stop_cancels_a_turn_waiting_for_the_panel(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("import time; time.sleep(60)"), text_reply("second turn"))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("execute_request")
    await session.handle({"type": "stop", "turnId": "t1"})
    finished = await recorder.next("turn_finished", "t1")
    assert finished["reason"] == "stopped"
    assert finished["message"]

    # The abandoned request is no longer accepted...
    await session.handle(ok_result(request["requestId"], "late\n"))
    error = await recorder.next("error")
    assert "Unknown requestId" in error["message"]
    # ...and the notebook is free for a new turn.
    await session.handle(turn_frame("t2"))
    assert (await recorder.next("turn_finished", "t2"))["reason"] == "done"


async def test_close_fails_pending_executions() -> None:
    recorder = Recorder()
    settings = CodeInterpreter(base_url="http://127.0.0.1:9/v1", api_key=API_KEY)
    session = new_session(recorder.send, settings, ConversationStore(), logging.getLogger("t"))
    execution = asyncio.create_task(SocketExecutor(session, "t1").execute("1 + 1"))
    await recorder.next("execute_request")
    session.close()
    result = await asyncio.wait_for(execution, WAIT)
    assert result.status == "aborted"
    assert result.failure is not None and "closed" in result.failure
    # A closed session runs nothing more.
    assert (await SocketExecutor(session, "t2").execute("2")).status == "aborted"
    await session.join()


async def test_close_cancels_running_turns_silently(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("x = 1"))
    await session.handle(turn_frame("t1"))
    await recorder.next("execute_request")
    sent_before_close = len(recorder.frames)
    session.close()
    await asyncio.wait_for(session.join(), WAIT)
    assert session.running_notebooks == []
    assert len(recorder.frames) == sent_before_close  # nothing is written to a closed socket


async def test_second_turn_for_the_same_notebook_is_refused(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("y = 2"), text_reply("other notebook done"), text_reply("A done"))
    await session.handle(turn_frame("a", "work/笔记.ipynb"))
    request = await recorder.next("execute_request", "a")

    await session.handle(turn_frame("b", "work/笔记.ipynb"))
    refused = await recorder.next("error")
    assert refused["turnId"] == "b"
    assert "already running in 'work/笔记.ipynb'" in refused["message"]

    # A reset of the busy notebook is refused too; another notebook runs at the same time.
    await session.handle({"type": "reset", "notebook": "work/笔记.ipynb"})
    assert "stop it before a reset" in (await recorder.next("error"))["message"]
    await session.handle(turn_frame("c", "other.ipynb"))
    assert (await recorder.next("turn_finished", "c"))["reason"] == "done"

    await session.handle(ok_result(request["requestId"], ""))
    assert (await recorder.next("turn_finished", "a"))["reason"] == "done"
    assert not any(frame.get("turnId") == "b" for frame in recorder.frames if frame is not refused)


async def test_max_steps_from_the_frame_is_clamped(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("a = 1"), text_reply("a is 1."))
    await session.handle(turn_frame("t1", maxSteps=0, outputLimit=10))
    request = await recorder.next("execute_request")
    await session.handle(ok_result(request["requestId"], "x" * 2000))
    finished = await recorder.next("turn_finished")
    assert finished["reason"] == "max_steps"  # 0 became 1: one step ran, then the final answer
    assert [f["step"] for f in recorder.frames if f["type"] == "step_started"] == [1]
    assert "tools" not in scripted_llm.requests[1]
    output = next(m for m in scripted_llm.requests[1]["messages"] if "x" * 100 in m["content"])
    assert 400 <= output["content"].count("x") < 2000  # outputLimit 10 was raised to 500


async def test_provider_error_ends_the_turn_with_a_safe_message(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(error_reply(401, f"Incorrect API key provided: {API_KEY}"))
    await session.handle(turn_frame("t1"))
    finished = await recorder.next("turn_finished")
    assert finished["reason"] == "error"
    assert "401" in finished["message"]
    assert API_KEY not in json.dumps(recorder.frames)


class FailingStore(ConversationStore):
    """A store that breaks, with the key in its message, to exercise the unexpected path."""

    def get(self, notebook: str) -> Conversation:
        """Always fails."""
        raise RuntimeError(f"store exploded while holding {API_KEY}")


async def test_unexpected_failure_is_reported_and_logged_without_the_key(
    scripted_llm: ScriptedLLM, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    session = new_session(
        recorder.send, make_settings(scripted_llm), FailingStore(), logging.getLogger("t-fail")
    )
    with caplog.at_level(logging.ERROR, logger="t-fail"):
        await session.handle(turn_frame("t1"))
        finished = await recorder.next("turn_finished")
    assert finished["reason"] == "error"
    assert "RuntimeError" in finished["message"]
    assert "store exploded" in caplog.text
    assert API_KEY not in caplog.text
    assert API_KEY not in json.dumps(recorder.frames)


async def test_unconfigured_provider_refuses_the_turn(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    session = new_session(
        recorder.send, CodeInterpreter(), ConversationStore(), logging.getLogger("t")
    )
    await session.handle(turn_frame("t1"))
    error = await recorder.next("error")
    assert error["turnId"] == "t1"
    assert "OPENAI_API_KEY" in error["message"]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"kind": "turn"}, "string field 'type'"),
        ({"type": 7}, "string field 'type'"),
        ({"type": "dance"}, "Unknown frame type 'dance'"),
        ({"type": "turn", "notebook": "a.ipynb", "instruction": "x"}, "missing the field 'turnId'"),
        ({"type": "turn", "turnId": "t", "instruction": "x"}, "missing the field 'notebook'"),
        ({"type": "turn", "turnId": "t", "notebook": "a.ipynb"}, "missing the field 'instruction'"),
        (turn_frame("t", instruction="   "), "instruction is empty"),
        (turn_frame("t", instruction=["x"]), "'instruction' of a 'turn' frame must be a string"),
        (turn_frame("t", notebook="/etc/passwd.ipynb"), "is absolute"),
        (turn_frame("t", notebook="C:\\x.ipynb"), "is absolute"),
        (turn_frame("t", notebook="a/../../x.ipynb"), "contains '..'"),
        (turn_frame("t", notebook="a\\..\\x.ipynb"), "contains '..'"),
        (turn_frame("t", model="gpt-unknown"), "Model 'gpt-unknown' is not offered"),
        (turn_frame("t", maxSteps="3"), "'maxSteps' of a 'turn' frame must be an integer"),
        (turn_frame("t", maxSteps=True), "must be an integer, not a boolean"),
        (turn_frame("t", outputLimit=1.5), "'outputLimit' of a 'turn' frame must be an integer"),
        (turn_frame(""), "'turnId' must be a non-empty string"),
        ({"type": "execute_result", "requestId": "nope", "error": "x"}, "Unknown requestId"),
        ({"type": "execute_result", "result": {}}, "missing the field 'requestId'"),
        ({"type": "stop", "turnId": "ghost"}, "No running turn has turnId 'ghost'"),
        ({"type": "stop"}, "missing the field 'turnId'"),
        ({"type": "reset", "notebook": "../up.ipynb"}, "contains '..'"),
        ({"type": "reset", "notebook": 3}, "'notebook' of a 'reset' frame must be a string"),
    ],
)
async def test_bad_frames_get_specific_error_frames(
    recorder: Recorder, frame: dict[str, Any], expected: str
) -> None:
    # No request reaches a model for a refused frame: the endpoint need not exist.
    settings = CodeInterpreter(
        base_url="http://127.0.0.1:9/v1", api_key=API_KEY, models=["scripted-model"]
    )
    session = new_session(recorder.send, settings, ConversationStore(), logging.getLogger("t"))
    await session.handle(frame)
    assert len(recorder.frames) == 1
    error = recorder.frames[0]
    assert error["type"] == "error"
    assert expected in error["message"]
    assert session.running_notebooks == []


async def test_malformed_result_fails_the_step_instead_of_hanging(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("z = 3"))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("execute_request")
    await session.handle(
        {"type": "execute_result", "requestId": request["requestId"], "result": {"outputs": "x"}}
    )
    error = await recorder.next("error")
    assert error["turnId"] == "t1"
    assert "result.outputs" in error["message"]
    step = await recorder.next("step_finished")
    assert step["status"] == "aborted"
    assert (await recorder.next("turn_finished"))["reason"] == "error"


async def test_panel_error_becomes_an_aborted_step(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(tool_reply("w = 4"))
    await session.handle(turn_frame("t1"))
    request = await recorder.next("execute_request")
    await session.handle(
        {
            "type": "execute_result",
            "requestId": request["requestId"],
            "error": "The notebook was closed.",
        }
    )
    step = await recorder.next("step_finished")
    assert step["status"] == "aborted"
    finished = await recorder.next("turn_finished")
    assert finished["reason"] == "error"
    assert finished["message"] == "The notebook was closed."


async def test_reset_starts_a_new_conversation(
    session: ChatSession, recorder: Recorder, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push(text_reply("first"), text_reply("second"))
    await session.handle(turn_frame("t1", instruction="remember the word banana"))
    await recorder.next("turn_finished")
    await session.handle({"type": "reset", "notebook": "nb.ipynb"})
    await session.handle(turn_frame("t2", instruction="what was the word?"))
    await recorder.next("turn_finished", "t2")
    assert "banana" not in json.dumps(scripted_llm.requests[1]["messages"])
