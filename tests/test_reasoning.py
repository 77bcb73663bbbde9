"""Reasoning told apart from the answer (inline <think>, reasoning fields) and sent back only as
the producer's rules require (DeepSeek thinking mode: with the tool-call turns, not otherwise)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scripted_llm import ScriptedLLM
from stream_shapes import deepseek_thinking, ollama_think_inline

from jupyter_code_interp.agent.messages import request_messages
from jupyter_code_interp.chat.turn_recorder import TurnRecorder
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.conversations.store import ConversationStore
from jupyter_code_interp.providers.client import (
    ChatProvider,
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
)
from jupyter_code_interp.providers.reasoning import ThinkSplitter

THOUGHT = "<think>\nplan: print it\n</think>\n\nThe answer."


def _split(pieces: list[str]) -> tuple[str, str]:
    splitter = ThinkSplitter()
    parts = [part for piece in pieces for part in splitter.feed(piece)] + splitter.finish()
    text = "".join(piece for kind, piece in parts if kind == "text")
    reasoning = "".join(piece for kind, piece in parts if kind == "reasoning")
    return text, reasoning


@pytest.mark.parametrize("cut", range(len(THOUGHT) + 1))
def test_think_tags_split_at_any_point(cut: int) -> None:
    assert _split([THOUGHT[:cut], THOUGHT[cut:]]) == ("The answer.", "\nplan: print it\n")


def test_every_character_its_own_chunk() -> None:
    assert _split(list(THOUGHT)) == ("The answer.", "\nplan: print it\n")


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        (["<think>still thinking"], ("", "still thinking")),
        (["<think>cut at </thi"], ("", "cut at </thi")),
        (["<thi"], ("<thi", "")),
        (["<table>|a|</table>"], ("<table>|a|</table>", "")),
        (["Use <think> tags like this."], ("Use <think> tags like this.", "")),
        (["  \n", "<think>x</think>y"], ("y", "x")),
        (["plain answer"], ("plain answer", "")),
    ],
    ids=[
        "unclosed",
        "cut-in-close-tag",
        "lone-prefix",
        "other-tag",
        "not-leading",
        "blank-first",
        "plain",
    ],
)
def test_think_edge_cases(pieces: list[str], expected: tuple[str, str]) -> None:
    assert _split(pieces) == expected


async def _events(llm: ScriptedLLM) -> list[StreamEvent]:
    provider = ChatProvider(llm.base_url, None, 30.0, {}, max_retries=0)
    try:
        return [event async for event in provider.stream("m", [{"role": "user", "content": "q"}])]
    finally:
        await provider.aclose()


async def test_client_yields_reasoning_events_and_names_the_field(
    scripted_llm: ScriptedLLM,
) -> None:
    scripted_llm.push(deepseek_thinking("Think.", text="Answer."))
    events = await _events(scripted_llm)
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Think."]
    assert {e.field for e in events if isinstance(e, ReasoningDelta)} == {"reasoning_content"}
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Answer."
    assert events[-1] == Finish("stop", "reasoning_content")


async def test_client_yields_inline_think_as_reasoning(scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push(ollama_think_inline("Hmm.", "Done.", size=2))
    events = await _events(scripted_llm)
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert reasoning.strip() == "Hmm."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Done."
    assert events[-1] == Finish("stop", None)  # inline thinking is never sent back


# -- what goes back ------------------------------------------------------------------------------

DEEPSEEK = "https://api.deepseek.com/v1#deepseek-reasoner"


def _assistant(text: str | None, reasoning: str, calls: int = 0, by: str = DEEPSEEK) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    message["_reasoning"] = {"field": "reasoning_content", "text": reasoning, "by": by}
    if calls:
        message["tool_calls"] = [
            {"id": f"c{i}", "type": "function", "function": {"name": "run_code", "arguments": "{}"}}
            for i in range(calls)
        ]
    return message


def _history() -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "turn 1", "_turn": "1"},
        _assistant(None, "r1", calls=1),
        {"role": "tool", "tool_call_id": "c0", "content": "42"},
        _assistant("It is 42.", "r2"),
        {"role": "user", "content": "turn 2", "_turn": "2"},
        _assistant("Yes.", "r3"),
        {"role": "user", "content": "turn 3", "_turn": "3"},
    ]


def test_reasoning_goes_back_with_tool_call_turns_only() -> None:
    sent = request_messages("system", _history(), "tools", DEEPSEEK)
    assistants = [message for message in sent if message["role"] == "assistant"]
    assert [m.get("reasoning_content") for m in assistants] == ["r1", "r2", None]
    assert all(not key.startswith("_") for message in sent for key in message)


def test_a_tool_call_turn_message_without_reasoning_gets_an_empty_one() -> None:
    history = _history()
    del history[3]["_reasoning"]  # thinking mode may skip thinking for one message
    sent = request_messages("system", history, "tools", DEEPSEEK)
    assert [m.get("reasoning_content") for m in sent if m["role"] == "assistant"][:2] == ["r1", ""]


def test_reasoning_never_goes_to_another_producer_or_in_fenced_mode() -> None:
    for producer, mode in (("http://127.0.0.1:11434/v1#qwen3", "tools"), (DEEPSEEK, "fenced")):
        sent = request_messages("system", _history(), mode, producer)
        assert not any("reasoning_content" in message for message in sent)


def test_the_reasoning_field_goes_back_under_its_own_name() -> None:
    by = "https://openrouter.ai/api/v1#deepseek/deepseek-r1"
    history = [
        {"role": "user", "content": "q", "_turn": "1"},
        {
            **_assistant(None, "why", calls=1, by=by),
            "_reasoning": {"field": "reasoning", "text": "why", "by": by},
        },
        {"role": "tool", "tool_call_id": "c0", "content": "ok"},
    ]
    sent = request_messages("system", history, "tools", by)
    assert sent[2].get("reasoning") == "why" and "reasoning_content" not in sent[2]
    think = [
        {**history[0]},
        {**history[1], "_reasoning": {"field": "think", "text": "x", "by": by}},
        history[2],
    ]
    assert "reasoning" not in request_messages("system", think, "tools", by)[2]


def test_the_recorder_keeps_one_reasoning_event_with_its_duration() -> None:
    recorder = TurnRecorder(ConversationStore(None), "t1", "q", [], logging.getLogger("test"))
    recorder.begin(Conversation("a.ipynb"))
    for frame in (
        {"type": "reasoning", "delta": "one "},
        {"type": "reasoning", "delta": "two"},
        {"type": "reasoning", "delta": "", "seconds": 2.5},
        {"type": "text", "delta": "Answer"},
    ):
        recorder.observe({**frame, "turnId": "t1"})
    events = recorder.record.events
    assert events[0] == {"type": "reasoning", "delta": "one two", "seconds": 2.5, "turnId": "t1"}
    assert events[1]["type"] == "text"
