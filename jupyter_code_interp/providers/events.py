"""What a streamed chat completion yields, and how chunks of any OpenAI-compatible server become it.

Servers differ in where they put things (tests/stream_shapes.py has one stream per provider):
usage in a last chunk without choices (OpenAI), in the finish chunk (DeepSeek, llama.cpp) or
inside the choice (Moonshot); tool calls in pieces or whole, with or without `index` (Gemini);
reasoning in `reasoning_content`, `reasoning` or inline `<think>`; metadata-only chunks (Azure's
filter results, OpenRouter's comments). The reader takes each as it comes and never relies on
`finish_reason` to find tool calls.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .reasoning import ThinkSplitter, delta_reasoning


@dataclass
class TextDelta:
    """A piece of the model's visible answer (never reasoning)."""

    text: str


@dataclass
class ReasoningDelta:
    """A piece of the model's reasoning, shown apart and never run."""

    text: str
    field: str
    """Where it came from: reasoning_content, reasoning, or think (inline <think> in content)."""


@dataclass
class ToolCallEvent:
    """A complete tool call, assembled from the streamed deltas."""

    id: str
    name: str
    arguments_json: str
    extra: dict[str, Any] | None = None
    """Provider fields of the call to send back with it (Gemini's `extra_content`)."""


@dataclass
class Usage:
    """Token counts the provider reported for one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Finish:
    """How the stream ended: its finish_reason and the reasoning field its deltas named."""

    reason: str | None
    reasoning_field: str | None = None


StreamEvent = TextDelta | ReasoningDelta | ToolCallEvent | Usage | Finish


@dataclass
class _PartialCall:
    """A tool call whose pieces are still arriving."""

    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    extra: dict[str, Any] | None = None


class ChunkReader:
    """Turns one stream's chunks into events; `finish` gives what only the end can tell."""

    def __init__(self) -> None:
        """Nothing read yet."""
        self.understood = 0
        """Chunks that looked like chat.completion.chunk objects."""
        self._calls: dict[Any, _PartialCall] = {}
        self._splitter = ThinkSplitter()
        self._finish: str | None = None
        self._reasoning_field: str | None = None

    def read(self, chunk: Any) -> list[StreamEvent]:
        """The events one chunk completes, in order."""
        events: list[StreamEvent] = []
        usage = getattr(chunk, "usage", None)
        choices = getattr(chunk, "choices", None)
        if usage is not None or isinstance(choices, list):
            self.understood += 1
        reported = usage_of(usage)
        for choice in choices if isinstance(choices, list) else []:
            reported = reported or usage_of(extra_field(choice, "usage"))  # Moonshot
            self._finish = getattr(choice, "finish_reason", None) or self._finish
            delta = getattr(choice, "delta", None)
            if delta is None:
                continue  # Azure's content-filter annotations
            named, reasoning = delta_reasoning(delta)
            self._reasoning_field = self._reasoning_field or named
            if reasoning:
                events.append(ReasoningDelta(reasoning, named or "reasoning"))
            content = getattr(delta, "content", None)
            if isinstance(content, str) and content:
                events += [_piece_event(*piece) for piece in self._splitter.feed(content)]
            for piece in getattr(delta, "tool_calls", None) or []:
                self._add_call_piece(piece)
        if reported is not None:
            events.append(reported)
        return events

    def finish(self) -> list[StreamEvent]:
        """Held-back content, the complete tool calls, then how the stream finished."""
        events: list[StreamEvent] = [_piece_event(*piece) for piece in self._splitter.finish()]
        for call in self._calls.values():
            call_id = call.id or f"call_{uuid.uuid4().hex[:24]}"
            events.append(ToolCallEvent(call_id, call.name, "".join(call.arguments), call.extra))
        events.append(Finish(self._finish, self._reasoning_field))
        return events

    def _add_call_piece(self, piece: Any) -> None:
        """Merge one streamed tool-call delta into the call it belongs to."""
        calls = self._calls
        index = getattr(piece, "index", None)
        call_id = getattr(piece, "id", None) or ""
        if index is None:
            # Some servers (Gemini) omit the index: match by id, else a new id is a new call.
            index = next((key for key, call in calls.items() if call.id == call_id), None)
            if index is None:
                index = len(calls) if call_id or not calls else list(calls)[-1]
        call = calls.setdefault(index, _PartialCall())
        if call_id and not call.id:
            call.id = call_id
        function = getattr(piece, "function", None)
        name = getattr(function, "name", None)
        if isinstance(name, str) and name and name != call.name:
            call.name += name
        piece_arguments = getattr(function, "arguments", None)
        if isinstance(piece_arguments, str):
            call.arguments.append(piece_arguments)
        extra = extra_field(piece, "extra_content")
        if isinstance(extra, dict) and extra:
            call.extra = {"extra_content": extra}


def _piece_event(kind: str, piece: str) -> TextDelta | ReasoningDelta:
    """The event of one piece of content split by ThinkSplitter."""
    return ReasoningDelta(piece, "think") if kind == "reasoning" else TextDelta(piece)


def extra_field(value: Any, name: str) -> Any:
    """A field the SDK's models do not declare (kept as sent), or None."""
    extra = getattr(value, "model_extra", None) or {}
    return extra.get(name, getattr(value, name, None))


def usage_of(value: Any) -> Usage | None:
    """Usage from the SDK's object or a plain dict, or None."""
    if value is None:
        return None

    def count(name: str) -> int:
        found = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
        return int(found) if isinstance(found, (int, float)) else 0

    return Usage(count("prompt_tokens"), count("completion_tokens"))


def describe_arguments(arguments_json: str) -> dict[str, Any] | str:
    """Decoded tool arguments, or a message saying why they are unusable."""
    try:
        value: Any = json.loads(arguments_json) if arguments_json.strip() else {}
        if isinstance(value, str):
            value = json.loads(value)  # some servers encode the arguments twice
    except ValueError as exc:
        return f"the arguments were not valid JSON ({exc})"
    if not isinstance(value, dict):
        return "the arguments must be a JSON object"
    return value
