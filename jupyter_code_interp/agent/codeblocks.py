"""What in a model's text is code to run: the one rule both modes share (docs/protocol.md).

Code runs only from
(a) a real tool call (exchange.py),
(b) a fenced block in the visible answer whose tag is the kernel's language (in fenced mode also an
    untagged block that parses as Python and looks like code), or a block whose info string is a
    notebook action (`header_action`: ```python edit=<id>, ```run <id>, ```plan...), never inside
    reasoning, or
(c) a reply that is nothing but a printed tool call: bare JSON, one ```json block, or Hermes/Qwen
    `<tool_call>` tags, with only whitespace around.
Reasoning (`<think>…</think>`, also unclosed, and a leading `…</think>` whose opening tag the chat
template put in the prompt), other fences, JSON in prose and quoted files never run.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from .languages import PYTHON_TAGS, kernel_language

RUN_CODE_NAMES = frozenset(
    {"run_code", "python", "run_python", "execute_code", "execute_python", "code_interpreter"}
)
"""Tool names a model may print when it means our `run_code` tool."""

CALL_FENCE_TAGS = frozenset({"", "json", "json5", "tool_call", "tool_code"})
"""Tags of a fence that may hold a printed tool call (a reply of nothing else)."""

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_TOOL_CALL_TAGS = re.compile(r"</?tool_call>")
_NAME_KEYS = ("name", "tool", "tool_name", "function", "recipient_name")
_ARGUMENT_KEYS = ("arguments", "parameters", "args", "input", "tool_input")
_CODE_NODES = (
    ast.Call,
    ast.Assign,
    ast.AugAssign,
    ast.Import,
    ast.ImportFrom,
    ast.For,
    ast.While,
    ast.If,
    ast.With,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Try,
    ast.Delete,
    ast.Subscript,
    ast.Attribute,
    ast.BinOp,
)
"""Nodes that make an untagged block code rather than data that happens to parse (`a, b` or
`Total: 42` are valid Python, and a sample of a CSV file is a tuple expression)."""


@dataclass(frozen=True)
class Block:
    """One complete fenced block: its tag, its code, and where it is in the text."""

    tag: str
    code: str
    start: int
    """Offset of the opening fence line."""
    end: int
    """Offset just after the closing fence (before the newline that may follow it)."""
    info: str = ""
    """The whole info string (`python edit=<id> run=no`, `run <id> <id>`...)."""


@dataclass(frozen=True)
class CodeRule:
    """Which fenced blocks run: the kernel's language tags, and untagged ones (fenced mode)."""

    tags: frozenset[str] = PYTHON_TAGS
    untagged: bool = False
    """Run an untagged block that parses as Python and looks like code (Python kernels only)."""


@dataclass(frozen=True)
class PrintedCall:
    """A `run_code` call a model printed as text."""

    code: str
    cell_id: str | None = None


def language_tags(language: str | None) -> frozenset[str]:
    """Fence tags of code in the kernel's language (Python's when the language is unknown)."""
    return kernel_language(language).tags


def code_rule(language: str | None, fenced: bool) -> CodeRule:
    """The rule for a kernel language; untagged blocks run in fenced mode in Python kernels."""
    tags = language_tags(language)
    return CodeRule(tags, untagged=fenced and tags == PYTHON_TAGS)


def mask_reasoning(text: str) -> str:
    """`text` with inline reasoning blanked out (newlines kept), so offsets stay the same."""
    spans: list[tuple[int, int]] = []
    closing = text.find(_THINK_CLOSE)
    opening = text.find(_THINK_OPEN)
    position = 0
    if closing != -1 and (opening == -1 or closing < opening):
        # The template opened the block in the prompt: everything before `</think>` is reasoning.
        position = closing + len(_THINK_CLOSE)
        spans.append((0, position))
    while True:
        start = text.find(_THINK_OPEN, position)
        if start == -1:
            break
        end = text.find(_THINK_CLOSE, start)
        stop = len(text) if end == -1 else end + len(_THINK_CLOSE)
        spans.append((start, stop))
        position = stop
    if not spans:
        return text
    masked = list(text)
    for start, stop in spans:
        masked[start:stop] = re.sub(r"[^\n]", " ", text[start:stop])
    return "".join(masked)


def fenced_blocks(text: str, *, streaming: bool = False) -> list[Block]:
    """Every terminated fenced block of `text`, in order.

    `streaming`: the text is still arriving, so its last line (without a newline yet) cannot close
    a block (```` ``` ```` may still become ```` ```py ````).
    """
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    last = len(lines) - 1 if streaming else len(lines)
    blocks: list[Block] = []
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
        while end < last and closing.match(lines[end]) is None:
            end += 1
        if end >= last:
            break  # an unterminated fence is still being streamed: not a block yet
        body = [_dedent(line, indent) for line in lines[index + 1 : end]]
        stop = offsets[end] + len(lines[end])
        blocks.append(Block(tag, "\n".join(body), offsets[index], stop, opening["info"].strip()))
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


def looks_like_python(code: str) -> bool:
    """True if `code` parses as Python and does something (a call, an assignment, an import…)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, _CODE_NODES) for node in ast.walk(tree))


HEADER_TAGS = frozenset({"run", "read", "markdown", "delete", "plan"})
"""Fence tags of the notebook actions of fenced mode (docs/protocol.md, issue 15)."""
_PLAN_ITEM = re.compile(r"^\s*[-*]\s*\[([ xX])\]\s*(.*?)\s*$")


@dataclass(frozen=True)
class HeaderAction:
    """A notebook action a fence's info string asks for: `action` and its tool's arguments."""

    action: str
    """`edit`, `run`, `read`, `markdown`, `delete` or `plan`."""
    arguments: dict[str, Any]


def header_action(block: Block, rule: CodeRule) -> HeaderAction | None:
    """The notebook action of a block's info string, or None (plain code, or not an action).

    ```python edit=<id> [run=no], ```run <id>..., ```read <id> [page], ```markdown insert
    [after=<id>], ```delete <id>, ```plan ("- [ ] text" lines).
    """
    words = block.info.split()[1:]
    options = dict(word.split("=", 1) for word in words if "=" in word)
    plain = [word for word in words if "=" not in word]
    if block.tag in rule.tags and options.get("edit"):
        if not block.code.strip():
            return None
        run = options.get("run", "yes").lower() not in ("no", "false", "0")
        arguments = {"cell_id": options["edit"], "source": block.code, "run": run}
        return HeaderAction("edit", arguments)
    if block.tag == "run" and plain and not block.code.strip():
        return HeaderAction("run", {"cell_ids": plain})
    if block.tag in ("read", "delete") and plain and not block.code.strip():
        arguments = {"cell_id": plain[0]}
        if block.tag == "read":
            arguments["page"] = int(plain[1]) if plain[1:] and plain[1].isdigit() else 1
        return HeaderAction(block.tag, arguments)
    if block.tag == "markdown" and plain[:1] == ["insert"] and block.code.strip():
        after = options.get("after") or None
        return HeaderAction("markdown", {"source": block.code, "after_cell_id": after})
    if block.tag == "plan" and not words:
        items = [_PLAN_ITEM.match(line) for line in block.code.splitlines() if line.strip()]
        if items and all(items):
            plan = [{"text": m.group(2), "done": m.group(1) != " "} for m in items if m]
            return HeaderAction("plan", {"items": plan})
    return None


def runnable(block: Block, rule: CodeRule) -> bool:
    """Whether `block` is code that runs (or a notebook action that acts) under `rule`."""
    if block.tag in HEADER_TAGS and block.tag not in rule.tags:
        return header_action(block, rule) is not None
    if not block.code.strip():
        return False
    if block.tag in rule.tags:
        return True
    return rule.untagged and block.tag == "" and looks_like_python(block.code)


def first_runnable(text: str, rule: CodeRule, *, streaming: bool = False) -> Block | None:
    """The first complete block of the visible answer that runs under `rule`, or None."""
    for block in fenced_blocks(mask_reasoning(text), streaming=streaming):
        if runnable(block, rule):
            return block
    return None


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


def _calls_in(candidate: Any) -> list[PrintedCall] | None:
    """The `run_code` calls one decoded JSON value describes; None if it is anything else."""
    if isinstance(candidate, list):
        found = [_calls_in(item) for item in candidate]
        if not candidate or any(calls is None for calls in found):
            return None
        return [call for calls in found if calls for call in calls]
    if not isinstance(candidate, dict):
        return None
    if isinstance(candidate.get("tool_calls"), list):
        return _calls_in(candidate["tool_calls"])
    name: Any = None
    for key in _NAME_KEYS:
        value = candidate.get(key)
        if isinstance(value, dict):
            # OpenAI's own shape: {"type": "function", "function": {"name": ..., "arguments": ...}}
            return _calls_in(value)
        if isinstance(value, str):
            name = value
            break
    if not isinstance(name, str) or name.removeprefix("functions.") not in RUN_CODE_NAMES:
        return None
    arguments: Any = candidate
    for key in _ARGUMENT_KEYS:
        if key in candidate:
            arguments = _loads_if_text(candidate[key])
            break
    if not isinstance(arguments, dict) or not isinstance(arguments.get("code"), str):
        return None
    if not arguments["code"].strip():
        return None
    cell_id = arguments.get("cell_id")
    return [
        PrintedCall(arguments["code"], cell_id if isinstance(cell_id, str) and cell_id else None)
    ]


def _only_json_calls(text: str) -> list[PrintedCall] | None:
    """The calls if `text` is nothing but JSON run_code calls separated by whitespace."""
    decoder = json.JSONDecoder()
    found: list[PrintedCall] = []
    position = 0
    text = text.strip()
    while position < len(text):
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            return None
        calls = _calls_in(value)
        if not calls:
            return None
        found += calls
        while position < len(text) and text[position].isspace():
            position += 1
    return found or None


def printed_calls(text: str) -> list[PrintedCall]:
    """The calls of a reply that is nothing but printed `run_code` calls; [] for anything else.

    Accepted: bare JSON, one fenced block (```json, untagged, ```tool_call) holding only the JSON,
    or `<tool_call>…</tool_call>` tags; reasoning around them is ignored.
    """
    visible = mask_reasoning(text).strip()
    if "code" not in visible or not visible:
        return []
    if visible.startswith("<tool_call>"):
        visible = _TOOL_CALL_TAGS.sub("\n", visible)
    elif visible[0] in "`~":
        blocks = fenced_blocks(visible)
        if len(blocks) != 1 or blocks[0].start != 0 or blocks[0].end != len(visible):
            return []
        if blocks[0].tag not in CALL_FENCE_TAGS:
            return []
        visible = blocks[0].code
    return _only_json_calls(visible) or []


class BlockCut:
    """Watches a streamed fenced-mode reply and ends it after its first complete runnable block.

    `feed` returns the part of each delta to pass on; once the block is complete, `done` is set,
    `text` ends at the block's closing fence, and nothing after it is passed on.
    """

    def __init__(self, rule: CodeRule) -> None:
        """Nothing received yet."""
        self.rule = rule
        self.text = ""
        self.done = False

    def feed(self, delta: str) -> str:
        """Take one delta; the part of it that belongs to the reply."""
        if self.done:
            return ""
        before = len(self.text)
        self.text += delta
        if "\n" not in delta:
            return delta  # a closing fence line is complete only once its newline arrives
        block = first_runnable(self.text, self.rule, streaming=True)
        if block is None:
            return delta
        self.done = True
        self.text = self.text[: block.end]
        return self.text[before:]
