"""Finding code in model text: fenced python blocks and printed tool calls."""

from __future__ import annotations

import json

import pytest

from jupyter_code_interp.agent.codeblocks import (
    extract_code_blocks,
    parse_printed_tool_calls,
    remove_python_blocks,
)


def test_python_blocks_in_order_with_all_tags() -> None:
    text = (
        "First:\n```python\na = 1\n```\nthen\n```py\nb = 2\n```\n"
        "```Python3\nc = 3\n```\n```ipython\n%pip install -q x\n```\n"
    )
    assert extract_code_blocks(text) == ["a = 1", "b = 2", "c = 3", "%pip install -q x"]


def test_other_languages_and_untagged_blocks_are_ignored() -> None:
    text = "```bash\nls\n```\n```\nplain\n```\n```json\n{}\n```\n```python\nx = 1\n```"
    assert extract_code_blocks(text) == ["x = 1"]


def test_tilde_fences_and_longer_fences() -> None:
    text = "~~~python\nprint('~')\n~~~\n````python\ns = '```'\n````\n"
    assert extract_code_blocks(text) == ["print('~')", "s = '```'"]


def test_indented_fence_is_dedented() -> None:
    text = "1. Step one:\n   ```python\n   for i in range(2):\n       print(i)\n   ```\n"
    assert extract_code_blocks(text) == ["for i in range(2):\n    print(i)"]


def test_multiline_code_keeps_blank_lines() -> None:
    code = "import math\n\n\ndef f(x):\n    return math.sqrt(x)\n\nprint(f(4))"
    assert extract_code_blocks(f"```python\n{code}\n```") == [code]


def test_unterminated_final_block_is_not_returned() -> None:
    text = "```python\ndone = True\n```\nNow:\n```python\nhalf = 'still stream"
    assert extract_code_blocks(text) == ["done = True"]


def test_inline_backticks_are_not_a_fence() -> None:
    assert extract_code_blocks("Use ```python``` blocks.\nNothing here.") == []


def test_chinese_text_and_code() -> None:
    text = "我来计算平均值：\n```python\nprint('平均值', sum([1, 2]) / 2)\n```\n完成。"
    assert extract_code_blocks(text) == ["print('平均值', sum([1, 2]) / 2)"]


def test_remove_python_blocks_keeps_the_rest() -> None:
    text = 'Intro\n```python\nd = {"name": "run_code", "code": "x"}\n```\n```json\n{"a": 1}\n```'
    assert remove_python_blocks(text) == 'Intro\n```json\n{"a": 1}\n```'


@pytest.mark.parametrize(
    "printed",
    [
        {"name": "run_code", "arguments": {"code": "print(42)"}},
        {"name": "run_code", "arguments": json.dumps({"code": "print(42)"})},
        {"tool": "run_code", "code": "print(42)"},
        {"name": "run_code", "parameters": {"code": "print(42)"}},
        {
            "type": "function",
            "function": {"name": "run_code", "arguments": '{"code": "print(42)"}'},
        },
        {"tool_calls": [{"function": {"name": "run_code", "arguments": {"code": "print(42)"}}}]},
        {"name": "functions.run_code", "arguments": {"code": "print(42)"}},
    ],
)
def test_printed_call_shapes(printed: dict[str, object]) -> None:
    text = f"I will run it.\n{json.dumps(printed)}\nWaiting for output."
    assert parse_printed_tool_calls(text) == ["print(42)"]


def test_printed_call_inside_json_fence_with_chinese() -> None:
    call = {"name": "run_code", "arguments": {"code": "print('你好')"}}
    text = f"运行：\n```json\n{json.dumps(call, ensure_ascii=False, indent=2)}\n```"
    assert parse_printed_tool_calls(text) == ["print('你好')"]


def test_several_printed_calls_in_order() -> None:
    first = json.dumps({"name": "run_code", "arguments": {"code": "a = 1"}})
    second = json.dumps({"tool": "run_code", "code": "print(a)"})
    assert parse_printed_tool_calls(f"{first}\nand\n{second}") == ["a = 1", "print(a)"]


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "search", "arguments": {"query": "code"}}',
        '{"code": 404, "message": "not found"}',
        '{"name": "run_code", "arguments": {"source": "print(1)"}}',
        '{"name": "run_code", "arguments": "not json code"}',
        '{"name": "run_code", "arguments": {"code": "   "}}',
        "Here is some code talk {not json} and a set {1, 2}.",
        "no braces at all, only the word code",
    ],
)
def test_json_that_is_not_a_run_code_call_is_ignored(text: str) -> None:
    assert parse_printed_tool_calls(text) == []


def test_json_inside_python_blocks_is_not_a_call() -> None:
    text = '```python\nmessage = {"tool": "run_code", "code": "rm()"}\nprint(message)\n```'
    assert parse_printed_tool_calls(text) == []
