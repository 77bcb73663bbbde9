"""The one rule for what runs (agent/codeblocks.py): fenced blocks, printed calls, reasoning."""

from __future__ import annotations

import json

import pytest

from jupyter_code_interp.agent.codeblocks import (
    BlockCut,
    CodeRule,
    PrintedCall,
    code_rule,
    fenced_blocks,
    first_runnable,
    header_action,
    language_tags,
    looks_like_python,
    mask_reasoning,
    printed_calls,
)
from jupyter_code_interp.agent.guidance import CLOSING_FENCE, names_a_file, settle_stop

TOOLS = code_rule("python", fenced=False)
FENCED = code_rule("python", fenced=True)


def _codes(text: str, rule: CodeRule = FENCED) -> list[str]:
    """The code of every complete block of `text` that runs under `rule`."""
    masked = mask_reasoning(text)
    blocks = fenced_blocks(masked)
    return [block.code for block in blocks if first_runnable(masked[block.start :], rule)]


def test_python_blocks_with_all_tags() -> None:
    for tag in ("python", "py", "Python3", "ipython", "ipython3"):
        block = first_runnable(f"Run:\n```{tag}\nx = 1\n```\n", TOOLS)
        assert block is not None and block.code == "x = 1", tag


def test_the_kernel_language_decides_the_tags() -> None:
    assert language_tags(None) == language_tags("python") == language_tags("Python")
    assert language_tags("R") == {"r", "rscript"}
    r_rule = code_rule("R", fenced=True)
    assert first_runnable("```python\nx = 1\n```", r_rule) is None
    block = first_runnable("```r\nx <- 1\n```", r_rule)
    assert block is not None and block.code == "x <- 1"
    assert not r_rule.untagged  # untagged blocks are checked as Python only


def test_other_fences_never_run() -> None:
    text = '```bash\nls\n```\n```json\n{"a": 1}\n```\n```text\nprint(1)\n```\n'
    assert first_runnable(text, FENCED) is None
    assert first_runnable(text + "```python\nx = 1\n```", FENCED) is not None


def test_tilde_longer_and_indented_fences() -> None:
    assert _codes("~~~python\nprint('~')\n~~~\n") == ["print('~')"]
    assert _codes("````python\ns = '```'\n````\n") == ["s = '```'"]
    text = "1. Step one:\n   ```python\n   for i in range(2):\n       print(i)\n   ```\n"
    assert _codes(text) == ["for i in range(2):\n    print(i)"]


def test_unterminated_block_and_inline_backticks_do_not_run() -> None:
    assert first_runnable("```python\nhalf = 'still stream", FENCED) is None
    assert first_runnable("Use ```python``` blocks.\nNothing here.", FENCED) is None


def test_a_block_ends_where_its_closing_fence_ends() -> None:
    text = "我来计算：\n```python\nprint('平均值', 1.5)\n```\n然后……"
    block = first_runnable(text, FENCED)
    assert block is not None
    assert text[: block.end] == "我来计算：\n```python\nprint('平均值', 1.5)\n```"


@pytest.mark.parametrize(
    ("code", "runs"),
    [
        ("import pandas as pd\ndf = pd.read_csv('a.csv')", True),
        ("df.head()", True),
        ("print(1 + 2)", True),
        ("total = 42", True),
        ("for x in range(3):\n    print(x)", True),
        ("a,b,c\n1,2,3", False),  # a CSV sample is a tuple expression
        ("Total: 42", False),  # an annotation, not code
        ("42", False),
        ("The answer is 42.", False),  # not Python at all
        ("{'a': 1}", False),
    ],
)
def test_untagged_blocks_run_in_fenced_mode_when_they_look_like_code(code: str, runs: bool) -> None:
    assert looks_like_python(code) is runs
    text = f"Here:\n```\n{code}\n```\n"
    assert (first_runnable(text, FENCED) is not None) is runs
    assert first_runnable(text, TOOLS) is None  # never in tools mode


@pytest.mark.parametrize(
    "text",
    [
        "<think>I could run\n```python\nprint('secret')\n```\n</think>The answer is 4.",
        "<think>Unclosed, still thinking:\n```python\nprint('secret')\n```\n",
        "The template opened it.\n```python\nprint('secret')\n```\n</think>Answer: 4.",
        "Answer first. <think>then\n```python\nprint('secret')\n```\n",
    ],
)
def test_code_in_reasoning_never_runs(text: str) -> None:
    assert first_runnable(text, FENCED) is None
    assert BlockCut(FENCED).feed(text) == text


def test_code_after_reasoning_runs() -> None:
    text = "<think>\n```python\nprint('no')\n```\n</think>\nSo:\n```python\nprint('yes')\n```"
    block = first_runnable(text, FENCED)
    assert block is not None and block.code == "print('yes')"
    assert mask_reasoning(text).endswith("So:\n```python\nprint('yes')\n```")
    assert len(mask_reasoning(text)) == len(text)


CALL = {"name": "run_code", "arguments": {"code": "print(42)"}}


@pytest.mark.parametrize(
    "printed",
    [
        CALL,
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
def test_a_reply_of_nothing_but_a_printed_call_runs(printed: dict[str, object]) -> None:
    bare = json.dumps(printed)
    expected = [PrintedCall("print(42)")]
    assert printed_calls(bare) == expected
    assert printed_calls(f"\n  {bare}\n") == expected
    assert printed_calls(f"```json\n{json.dumps(printed, indent=2)}\n```") == expected
    assert printed_calls(f"```\n{bare}\n```\n") == expected
    assert printed_calls(f"<tool_call>\n{bare}\n</tool_call>") == expected
    assert printed_calls(f"<think>I should call it.</think>\n{bare}") == expected


def test_printed_calls_in_a_row_and_with_a_cell_id() -> None:
    first = json.dumps({"name": "run_code", "arguments": {"code": "a = 1"}})
    second = json.dumps({"tool": "run_code", "code": "print(a)", "cell_id": "c1"})
    assert printed_calls(f"{first}\n{second}") == [
        PrintedCall("a = 1"),
        PrintedCall("print(a)", "c1"),
    ]
    fix = json.dumps({"name": "run_code", "arguments": {"code": "print(2)", "cell_id": "c1"}})
    assert printed_calls(fix) == [PrintedCall("print(2)", "c1")]


@pytest.mark.parametrize(
    "text",
    [
        f"I will run it.\n{json.dumps(CALL)}\nWaiting for output.",  # prose around it
        f"The file says:\n```json\n{json.dumps(CALL)}\n```",  # a quoted example
        f"```json\n{json.dumps(CALL)}\n```\nThat is what I would run.",
        f"```python\n{json.dumps(CALL)}\n```",  # Python code, not a printed call
        f"```text\n{json.dumps(CALL)}\n```",
        f"<think>{json.dumps(CALL)}</think>The answer is 42.",  # reasoning
        f"<think>{json.dumps(CALL)}",  # unclosed reasoning
        f"{json.dumps(CALL)} and {json.dumps(CALL)}",  # prose between calls
        '{"name": "search", "arguments": {"query": "code"}}',
        '{"code": 404, "message": "not found"}',
        '{"name": "run_code", "arguments": {"source": "print(1)"}}',
        '{"name": "run_code", "arguments": "not json code"}',
        '{"name": "run_code", "arguments": {"code": "   "}}',
        "Here is some code talk {not json} and a set {1, 2}.",
        "",
    ],
)
def test_anything_else_is_not_a_printed_call(text: str) -> None:
    assert printed_calls(text) == []


def test_streaming_a_last_line_cannot_close_a_block() -> None:
    assert fenced_blocks("```python\nx = 1\n```", streaming=True) == []
    assert len(fenced_blocks("```python\nx = 1\n```\n", streaming=True)) == 1
    assert len(fenced_blocks("```python\nx = 1\n```")) == 1


def test_block_cut_ends_the_reply_after_the_first_runnable_block() -> None:
    reply = (
        "Files:\n```text\nsales.csv\n```\nNow:\n```python\nprint(sum([1, 2]))\n```\n"
        "Output: 3 (invented)\n```python\nprint('second')\n```\n"
    )
    cut = BlockCut(FENCED)
    passed = "".join(cut.feed(reply[index : index + 3]) for index in range(0, len(reply), 3))
    assert cut.done
    assert passed == cut.text == reply[: reply.index("```\nOutput")] + "```"
    assert cut.feed("more") == ""


def test_block_cut_waits_for_the_closing_line() -> None:
    cut = BlockCut(FENCED)
    assert cut.feed("```python\nx = 1\n``") == "```python\nx = 1\n``"
    assert cut.feed("`") == "`" and not cut.done
    assert cut.feed("\n\nAfter.") == "" and cut.done
    assert cut.text == "```python\nx = 1\n```"


@pytest.mark.parametrize(
    ("text", "appended", "misfired"),
    [
        ("Sum:\n```python\nprint(1 + 2)", CLOSING_FENCE, False),  # stopped at its closing fence
        ("Sum:\n```python\nprint(1 + 2)\n```", "", False),  # complete already
        ("The answer is 3.", "", False),  # ended by itself
        ("Data:\n```text\na,b\n1,2", CLOSING_FENCE, True),  # stopped after a block that never runs
        ("<think>Let me try\n```python\nx = 1", CLOSING_FENCE, True),  # stopped in reasoning
        ("<think>Let me try\n```python\nx = 1\n```\n", "", False),  # ended in reasoning
        ("", "", True),  # stopped in the provider's separate reasoning
    ],
)
def test_settle_a_reply_that_a_stop_sequence_ended(
    text: str, appended: str, misfired: bool
) -> None:
    settled = settle_stop(text, FENCED, reasoning="" if text else "Let me try\n```python\nx = 1")
    assert (settled.appended, settled.misfired) == (appended, misfired)


def test_a_turn_is_about_files_when_the_instruction_names_one() -> None:
    files = [("data/sales.csv", 100), ("README", 5), ("notes.txt", 3)]
    assert names_a_file("Average of the amount column in sales.csv?", files)
    assert names_a_file("总结 data/sales.csv 的数据", files)
    assert names_a_file("what does NOTES.TXT say", files)
    assert not names_a_file("hello, how are you?", files)
    assert not names_a_file("read the README", files)  # a name without a suffix is a word


@pytest.mark.parametrize(
    ("fence", "action", "arguments"),
    [
        (
            "```python edit=c1\nprint(1)\n```",
            "edit",
            {"cell_id": "c1", "source": "print(1)", "run": True},
        ),
        (
            "```python edit=c1 run=no\nx = 1\n```",
            "edit",
            {"cell_id": "c1", "source": "x = 1", "run": False},
        ),
        ("```run c1 c2\n```", "run", {"cell_ids": ["c1", "c2"]}),
        ("```read c1 3\n```", "read", {"cell_id": "c1", "page": 3}),
        ("```read c1\n```", "read", {"cell_id": "c1", "page": 1}),
        (
            "```markdown insert after=c1\n# Notes\n```",
            "markdown",
            {"source": "# Notes", "after_cell_id": "c1"},
        ),
        (
            "```markdown insert\n# Notes\n```",
            "markdown",
            {"source": "# Notes", "after_cell_id": None},
        ),
        ("```delete c1\n```", "delete", {"cell_id": "c1"}),
        (
            "```plan\n- [x] load\n- [ ] plot\n```",
            "plan",
            {"items": [{"text": "load", "done": True}, {"text": "plot", "done": False}]},
        ),
    ],
)
def test_fence_headers_are_notebook_actions(
    fence: str, action: str, arguments: dict[str, object]
) -> None:
    block = first_runnable(fence, FENCED)
    assert block is not None
    found = header_action(block, FENCED)
    assert found is not None and (found.action, found.arguments) == (action, arguments)


@pytest.mark.parametrize(
    "text",
    [
        "```markdown\n# just Markdown\n```",  # no `insert`: an example
        "```run\n```",  # no cell ids
        "```delete\n```",
        "```plan\nnot a checklist\n```",
        "```text\n```python edit=c1\nprint(1)\n```\n```",
        "<think>```python edit=c1\nprint(1)\n```</think>",
        "```bash edit=c1\nls\n```",  # not the kernel's language
    ],
)
def test_other_headers_never_act(text: str) -> None:
    block = first_runnable(text, FENCED)
    assert block is None or header_action(block, FENCED) is None
