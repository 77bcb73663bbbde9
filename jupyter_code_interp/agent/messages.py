"""The context builder: the messages of one request, fitted into one token budget.

The conversation keeps everything (each turn's rendered notebook snapshot in its user message's
private `_context`, the cells attached to it in `_attached`, each step's images in `_images`);
private keys never leave the server. When the whole does not fit, the least useful parts go first:

1. the notebook snapshots of earlier turns, then their attached cells, oldest first;
2. the outputs in the current snapshot, cells far from the active cell first;
3. the tool outputs of earlier turns, cut to head and tail with a marker, oldest first;
4. the tool outputs of the current turn except the latest results (the current error);
5. the cells of the current snapshot (far ones first), then the snapshot itself;
6. whole earlier turns, oldest first;
7. the middle of the current turn's attached cells (head and tail kept).

The system prompt, the current instruction and the latest step results are never dropped. Tokens
are usage.py's estimate (one per CJK character, one per 4 ASCII characters; here every non-ASCII
character counts one, which is faster and never less), multiplied by the ratio reported/estimated
of the turn's earlier requests whose usage the provider reported (kept within 0.5..3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ..limits import MIN_CONTEXT_BUDGET, MIN_OUTPUT_TOKENS
from ..providers.events import describe_arguments
from .outputs import truncate_middle
from .snapshot import NotebookSnapshot
from .usage import IMAGE_TOKENS, MESSAGE_OVERHEAD, estimate_messages, estimate_tokens

RequestMode = Literal["tools", "fenced", "answer"]
"""How a request runs code: tool calls, fenced blocks, or not at all (the final answer)."""
MAX_IMAGE_PARTS = 4
"""Image parts per request: older images stay as the text placeholders of their step's output."""
IMAGES_PER_STEP = 2
TRIMMED_OUTPUT_CHARS = 600
"""An old tool output cut to fit keeps about this many characters (head and tail)."""
ECHOED_REASONING_FIELDS = ("reasoning_content", "reasoning")
"""Reasoning fields a provider may want back (inline <think> never goes back)."""
PROVIDER_KEYS = ("_reasoning", "_call_extras")
"""Private keys request_messages turns into provider fields for the producer of a message."""
DROPPED_TURNS_NOTE = (
    "\n\n(Earlier turns of this conversation were left out to fit the context budget.)"
)


def output_cap(setting: int, context_window: int | None) -> int:
    """Tokens one reply may have: the setting (0: none), at most a quarter of a known window."""
    if not setting or not context_window:
        return setting
    return max(MIN_OUTPUT_TOKENS, min(setting, context_window // 4))


def effective_budget(setting: int, context_window: int | None, reply_tokens: int = 0) -> int:
    """The prompt budget of a request: the setting, at most 3/4 of the model's context window,
    and leaving room in it for the reply (`reply_tokens`, the output cap) and a margin for the
    estimate (1/16 of the window): a server answers 400, or silently cuts the prompt, when
    prompt and reply do not fit."""
    if context_window:
        room = context_window - reply_tokens - context_window // 16
        return max(MIN_CONTEXT_BUDGET, min(setting, context_window * 3 // 4, room))
    return setting


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A message without the server's private keys (those starting with `_`)."""
    return {key: value for key, value in message.items() if not key.startswith("_")}


def turn_starts(messages: list[dict[str, Any]]) -> list[int]:
    """Indexes of the user messages that start turns (marked `_turn`; unmarked: every user one)."""
    marked = [index for index, message in enumerate(messages) if "_turn" in message]
    if marked:
        return sorted({0, *marked})
    return [
        index
        for index, message in enumerate(messages)
        if index == 0 or message.get("role") == "user"
    ]


def _text(content: Any) -> str:
    """The text of a message content (string or parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


@dataclass
class _Entry:
    """One history message while the builder decides what to keep."""

    message: dict[str, Any]
    turn: int
    starts_turn: bool
    content: str
    tokens: int
    context: str = ""
    context_tokens: int = 0
    attached: str = ""
    """The cells attached to the instruction (after the instruction, when the entry is kept)."""
    attached_tokens: int = 0
    trimmable: bool = False
    kept: bool = True
    trimmed: bool = False


@dataclass
class BuiltContext:
    """The messages of one request and what it took to fit them."""

    messages: list[dict[str, Any]]
    tokens: int
    """Estimated (calibrated) prompt tokens of `messages`."""
    budget: int
    snapshot: str = ""
    """The current turn's snapshot as sent (empty when none or left out)."""
    dropped: list[str] = field(default_factory=list)
    """What was left out or cut, in the order it happened (for logs and tests)."""


def _entries(messages: list[dict[str, Any]], current_start: int) -> list[_Entry]:
    """The history as entries with token counts; tool outputs marked trimmable."""
    starts = set(turn_starts(messages))
    last_assistant = max(
        (index for index, message in enumerate(messages) if message.get("role") == "assistant"),
        default=-1,
    )
    entries: list[_Entry] = []
    turn = -1
    for index, message in enumerate(messages):
        if index in starts:
            turn += 1
        content = _text(message.get("content"))
        tokens = MESSAGE_OVERHEAD + estimate_tokens(content)
        if message.get("tool_calls"):
            tokens += estimate_tokens(json.dumps(message["tool_calls"], ensure_ascii=False))
        reasoning = message.get("_reasoning")
        if isinstance(reasoning, dict) and reasoning.get("field") in ECHOED_REASONING_FIELDS:
            tokens += estimate_tokens(str(reasoning.get("text", "")))  # may be sent back
        entry = _Entry(message, turn, index in starts, content, tokens)
        context = message.get("_context")
        if entry.starts_turn and index != current_start and isinstance(context, str):
            entry.context, entry.context_tokens = context, estimate_tokens(context) + 2
        attached = message.get("_attached")
        if entry.starts_turn and isinstance(attached, str) and attached:
            entry.attached, entry.attached_tokens = attached, estimate_tokens(attached) + 1
        is_output = message.get("role") == "tool" or (
            message.get("role") == "user" and not entry.starts_turn
        )
        # The results of the latest step (which hold the current error, if any) stay whole.
        entry.trimmable = is_output and not (index > last_assistant >= current_start)
        entries.append(entry)
    return entries


def _images(entries: list[_Entry], vision: bool) -> dict[int, list[dict[str, str]]]:
    """The newest MAX_IMAGE_PARTS images by entry position (none for a model without vision)."""
    if not vision:
        return {}
    chosen: dict[int, list[dict[str, str]]] = {}
    left = MAX_IMAGE_PARTS
    for position in range(len(entries) - 1, -1, -1):
        images = entries[position].message.get("_images")
        if left <= 0:
            break
        if isinstance(images, list) and images:
            picked = [image for image in images[:IMAGES_PER_STEP] if isinstance(image, dict)]
            picked = picked[-left:]
            chosen[position] = picked
            left -= len(picked)
    return chosen


def build_context(
    system: str,
    messages: list[dict[str, Any]],
    *,
    current_start: int,
    snapshot: NotebookSnapshot | None,
    budget: int,
    mode: RequestMode,
    vision: bool = False,
    ratio: float = 1.0,
    reserve: int = 0,
    producer: str = "",
    fence: str = "python",
) -> BuiltContext:
    """The messages of one request, within `budget` tokens as far as the never-dropped parts allow.

    `current_start` is the index of the current turn's user message; `snapshot` its notebook;
    `reserve` tokens are set aside (the tool schema); `ratio` calibrates the estimate;
    `producer` (ChatProvider.source) gets back the provider fields of the replies it wrote;
    `fence` tags tool calls rewritten for fenced requests (the kernel's language).
    """
    limit = int(budget / max(ratio, 0.1))
    target = limit
    for _ in range(4):
        built = _fit(
            system,
            messages,
            current_start,
            snapshot,
            (target, budget, reserve),
            mode,
            vision,
            ratio,
            (producer, fence),
        )
        # The pass works on per-part counts (markers and joins are not in them): check the
        # request as sent, and aim lower if it is over.
        excess = int(built.tokens / max(ratio, 0.1)) + reserve - limit
        if excess <= 0:
            break
        target -= excess + 16
    return built


def _fit(
    system: str,
    messages: list[dict[str, Any]],
    current_start: int,
    snapshot: NotebookSnapshot | None,
    sizes: tuple[int, int, int],
    mode: RequestMode,
    vision: bool,
    ratio: float,
    wanted: tuple[str, str],
) -> BuiltContext:
    """One pass of the builder, aiming at `limit` estimated tokens (`sizes`: limit, budget,
    reserve; `wanted`: the producer and the fence tag, see build_context)."""
    limit, budget, reserve = sizes
    producer, fence = wanted
    entries = _entries(messages, current_start)
    images = _images(entries, vision)
    if snapshot is not None:
        snapshot.reset()
    total = reserve + estimate_tokens(system) + MESSAGE_OVERHEAD
    total += sum(entry.tokens + entry.context_tokens + entry.attached_tokens for entry in entries)
    total += sum(len(found) for found in images.values()) * IMAGE_TOKENS
    total += snapshot.tokens if snapshot is not None else 0
    dropped: list[str] = []

    def trim(position: int, entry: _Entry) -> int:
        cut = truncate_middle(entry.content, TRIMMED_OUTPUT_CHARS)
        saved = estimate_tokens(entry.content) - estimate_tokens(cut)
        entry.content, entry.trimmed = cut, True
        entry.tokens -= saved
        dropped.append(f"output of message {position} trimmed")
        return saved

    for entry in entries:
        if total > limit and entry.context_tokens:
            total -= entry.context_tokens
            entry.context, entry.context_tokens = "", 0
            dropped.append(f"snapshot of turn {entry.turn}")
    current_turn = next((e.turn for e in entries[current_start:] if e.starts_turn), None)
    for entry in entries:
        if total > limit and entry.attached_tokens and entry.turn != current_turn:
            total -= entry.attached_tokens
            entry.attached, entry.attached_tokens = "", 0
            dropped.append(f"attached cells of turn {entry.turn}")
    if total > limit and snapshot is not None:
        total -= snapshot.drop_outputs(total - limit)
        dropped.append(f"outputs of {len(snapshot.dropped_outputs)} snapshot cells")
    for current in (False, True):
        for position, entry in enumerate(entries):
            if total <= limit:
                break
            in_current = entry.turn == current_turn
            long_enough = len(entry.content) > TRIMMED_OUTPUT_CHARS + 100
            if entry.trimmable and in_current == current and long_enough and not entry.trimmed:
                total -= trim(position, entry)
    if total > limit and snapshot is not None:
        total -= snapshot.drop_sources(total - limit)
        dropped.append(f"{len(snapshot.dropped_sources)} snapshot cells")
    dropped_turns = False
    for entry in entries:
        if total <= limit:
            break
        if entry.turn != current_turn and entry.kept and entry.starts_turn:
            for other in entries:
                if other.turn == entry.turn and other.kept:
                    other.kept = False
                    total -= other.tokens + other.context_tokens + other.attached_tokens
            dropped_turns = True
            dropped.append(f"turn {entry.turn}")
    if dropped_turns:
        system += DROPPED_TURNS_NOTE
    for entry in entries:
        long_enough = len(entry.attached) > TRIMMED_OUTPUT_CHARS + 100
        if total > limit and long_enough and entry.kept:
            kept = max(0, entry.attached_tokens - (total - limit)) / entry.attached_tokens
            cut = truncate_middle(
                entry.attached, max(TRIMMED_OUTPUT_CHARS, int(len(entry.attached) * kept))
            )
            total -= entry.attached_tokens - estimate_tokens(cut)
            entry.attached, entry.attached_tokens = cut, estimate_tokens(cut)
            dropped.append(f"attached cells of turn {entry.turn} cut")
    rendered = snapshot.render() if snapshot is not None else ""
    assembled = _assemble(entries, images, current_start, rendered)
    sent = request_messages(system, assembled, mode, producer, fence)
    return BuiltContext(sent, int(estimate_messages(sent) * ratio), budget, rendered, dropped)


def _image_message(images: list[dict[str, str]]) -> dict[str, Any]:
    """A user message carrying a step's images as data-URL image parts."""
    parts: list[dict[str, Any]] = [{"type": "text", "text": "The images the code above produced:"}]
    for image in images:
        url = f"data:{image.get('mime', 'image/png')};base64,{image.get('data', '')}"
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return {"role": "user", "content": parts}


def _assemble(
    entries: list[_Entry],
    images: dict[int, list[dict[str, str]]],
    current_start: int,
    snapshot: str,
) -> list[dict[str, Any]]:
    """The kept messages, public, with snapshots prefixed and image messages after tool results."""
    assembled: list[dict[str, Any]] = []
    pending: list[dict[str, str]] = []
    for position, entry in enumerate(entries):
        if not entry.kept:
            continue
        if pending and entry.message.get("role") != "tool":
            assembled.append(_image_message(pending))
            pending = []
        message = public(entry.message)
        message.update({key: entry.message[key] for key in PROVIDER_KEYS if key in entry.message})
        if entry.trimmed:
            message["content"] = entry.content
        if entry.attached:
            message["content"] = f"{message.get('content') or ''}{entry.attached}"
        prefix = snapshot if position == current_start else entry.context
        if prefix and entry.starts_turn:
            message["content"] = f"{prefix}\n\n{message['content']}"
        assembled.append(message)
        pending.extend(images.get(position, []))
    if pending:
        assembled.append(_image_message(pending))
    return assembled


def _as_fenced(message: dict[str, Any], fence: str = "python") -> dict[str, Any]:
    """A tools-mode message rewritten for a model that does not know tool messages (code in
    blocks tagged `fence`, the kernel's language)."""
    if message.get("role") == "tool":
        return {"role": "user", "content": f"Output of the code you ran:\n{message['content']}"}
    if message.get("role") == "assistant" and message.get("tool_calls"):
        parts = [message.get("content") or ""]
        for call in message["tool_calls"]:
            arguments = describe_arguments(call["function"]["arguments"])
            code = arguments.get("code") if isinstance(arguments, dict) else None
            parts.append(f"```{fence}\n{code}\n```" if isinstance(code, str) else "")
        return {"role": "assistant", "content": "\n\n".join(part for part in parts if part)}
    return message


def _parts(content: Any) -> list[dict[str, Any]]:
    """A message content as a list of parts."""
    if isinstance(content, list):
        return list(content)
    return [{"type": "text", "text": str(content or "")}]


def request_messages(
    system: str,
    messages: list[dict[str, Any]],
    mode: RequestMode,
    producer: str = "",
    fence: str = "python",
) -> list[dict[str, Any]]:
    """The system prompt and history as sent: fenced-compatible if needed, user runs merged, and
    the provider fields `producer` wants back (see `_give_back`)."""
    prepared: list[dict[str, Any]] = [{"role": "system", "content": system}]
    private: dict[int, dict[str, Any]] = {}
    for message in messages:
        message = message if mode == "tools" else _as_fenced(message, fence)
        kept = {key: message[key] for key in PROVIDER_KEYS if key in message}
        message = public(message)
        previous = prepared[-1]
        if message.get("role") == "user" and previous.get("role") == "user":
            # Images follow tool results as a user message (and conversations stored before
            # unanswered turns were dropped may hold two in a row); some chat templates reject
            # consecutive user messages: send one.
            first, second = previous.get("content"), message.get("content")
            if isinstance(first, str) and isinstance(second, str):
                merged: Any = first + "\n\n" + second
            else:
                merged = _parts(first) + _parts(second)
            prepared[-1] = {**previous, "content": merged}
        else:
            if kept and message.get("role") == "assistant":
                private[len(prepared)] = kept
            prepared.append(message)
    if producer and private:
        _give_back(prepared, private, producer)
    return prepared


def _give_back(
    prepared: list[dict[str, Any]], private: dict[int, dict[str, Any]], producer: str
) -> None:
    """Put back what `producer` needs of its own replies, and nothing for anyone else.

    Tool-call extras (Gemini's thought signatures) return on their calls. Reasoning returns in
    the field it came in, by DeepSeek's rule (api-docs.deepseek.com guides/thinking_mode, also
    Kimi's): between two user messages where the model called tools, every assistant message
    carries it (empty if it had none), in every later request; elsewhere it is dropped.
    """
    reasoning: dict[int, dict[str, Any]] = {}
    for index, kept in private.items():
        record = kept.get("_reasoning")
        if isinstance(record, dict) and record.get("by") == producer:
            reasoning[index] = record
        extras = kept.get("_call_extras")
        if isinstance(extras, dict) and extras.get("by") == producer:
            calls = extras.get("calls") or {}
            prepared[index]["tool_calls"] = [
                {**call, **calls.get(call.get("id"), {})}
                for call in prepared[index].get("tool_calls") or []
            ]
    span: list[int] = []
    for index in [*range(1, len(prepared)), len(prepared)]:
        if index < len(prepared) and prepared[index].get("role") != "user":
            span.append(index)
            continue
        assistants = [i for i in span if prepared[i].get("role") == "assistant"]
        fields = {reasoning[i].get("field") for i in assistants if i in reasoning}
        field_name = next((f for f in ECHOED_REASONING_FIELDS if f in fields), None)
        if field_name and any(prepared[i].get("tool_calls") for i in assistants):
            for i in assistants:
                prepared[i][field_name] = str(reasoning.get(i, {}).get("text", ""))
        span = []
