"""Finding code in a model's text: fenced python blocks and tool calls printed as JSON."""

from __future__ import annotations

import json
import re
from typing import Any

PYTHON_TAGS = frozenset({"python", "py", "python3", "ipython", "ipython3"})
"""Info-string tags of fenced blocks that are run as code."""

RUN_CODE_NAMES = frozenset(
    {"run_code", "python", "run_python", "execute_code", "execute_python", "code_interpreter"}
)
"""Tool names a model may print when it means our `run_code` tool."""

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")
_NAME_KEYS = ("name", "tool", "tool_name", "function", "recipient_name")
_ARGUMENT_KEYS = ("arguments", "parameters", "args", "input", "tool_input")


def _fenced_blocks(text: str) -> list[tuple[str, str, int, int]]:
    """Every terminated fenced block as (tag, code, first line, line after the closing fence)."""
    lines = text.split("\n")
    blocks: list[tuple[str, str, int, int]] = []
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence = opening["fence"]
        indent = len(opening["indent"].expandtabs(4))
        words = opening["info"].strip().split()
        tag = words[0].lower().strip("{}.") if words else ""
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and closing.match(lines[end]) is None:
            end += 1
        if end >= len(lines):
            break  # an unterminated fence is still being streamed: not a block yet
        body = [_dedent(line, indent) for line in lines[index + 1 : end]]
        blocks.append((tag, "\n".join(body), index, end + 1))
        index = end + 1
    return blocks


def _dedent(line: str, indent: int) -> str:
    """Remove up to `indent` columns of leading whitespace, as CommonMark does inside fences."""
    removed = 0
    position = 0
    while position < len(line) and removed < indent and line[position] in " \t":
        removed += 4 if line[position] == "\t" else 1
        position += 1
    return line[position:]


def extract_code_blocks(text: str) -> list[str]:
    """The code of every complete fenced python block in `text`, in order."""
    return [code for tag, code, _, _ in _fenced_blocks(text) if tag in PYTHON_TAGS]


def remove_python_blocks(text: str) -> str:
    """`text` without its complete python blocks (so JSON inside code is not taken for a call)."""
    lines = text.split("\n")
    for tag, _, start, stop in reversed(_fenced_blocks(text)):
        if tag in PYTHON_TAGS:
            del lines[start:stop]
    return "\n".join(lines)


def _loads_if_text(value: Any) -> Any:
    """Decode arguments that were given as a JSON string (possibly encoded twice)."""
    for _ in range(2):
        if not isinstance(value, str):
            return value
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value


def _call_code(candidate: Any) -> list[str]:
    """The code of the `run_code` calls described by one decoded JSON value."""
    if isinstance(candidate, list):
        return [code for item in candidate for code in _call_code(item)]
    if not isinstance(candidate, dict):
        return []
    if isinstance(candidate.get("tool_calls"), list):
        return _call_code(candidate["tool_calls"])
    name: Any = None
    for key in _NAME_KEYS:
        value = candidate.get(key)
        if isinstance(value, dict):
            # OpenAI's own shape: {"type": "function", "function": {"name": ..., "arguments": ...}}
            return _call_code(value)
        if isinstance(value, str):
            name = value
            break
    if not isinstance(name, str) or name.removeprefix("functions.") not in RUN_CODE_NAMES:
        return []
    for key in _ARGUMENT_KEYS:
        if key in candidate:
            arguments = _loads_if_text(candidate[key])
            if isinstance(arguments, dict) and isinstance(arguments.get("code"), str):
                return [arguments["code"]]
            return []
    code = candidate.get("code")
    return [code] if isinstance(code, str) else []


def parse_printed_tool_calls(text: str) -> list[str]:
    """Code of `run_code` calls a model printed as JSON text instead of calling the tool."""
    if "code" not in text:
        return []
    text = remove_python_blocks(text)
    decoder = json.JSONDecoder()
    found: list[str] = []
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        calls = [code for code in _call_code(value) if code.strip()]
        found.extend(calls)
        position = text.find("{", end if calls else position + 1)
    return found
