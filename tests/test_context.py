"""The context builder: budgets, what is dropped first, what is never dropped, images."""

from __future__ import annotations

import json
from typing import Any

from jupyter_code_interp.agent.messages import (
    MAX_IMAGE_PARTS,
    build_context,
    effective_budget,
    request_messages,
)
from jupyter_code_interp.agent.snapshot import NotebookContext, NotebookSnapshot, kernel_summary
from jupyter_code_interp.agent.usage import estimate_messages

SYSTEM = "You are a code interpreter."
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def _cell(index: int, output: str = "", source: str = "") -> dict[str, Any]:
    """A code cell of a context with one stream output."""
    return {
        "id": f"c{index}",
        "type": "code",
        "source": source or f"value_{index} = compute({index})",
        "executionCount": index + 1,
        "outputs": [{"output_type": "stream", "name": "stdout", "text": output}] if output else [],
    }


def _notebook(cells: int, output_chars: int, active: int) -> NotebookContext:
    """A notebook whose every cell printed `output_chars` characters."""
    return NotebookContext(
        cells=[_cell(index, f"out{index} " + "y" * output_chars) for index in range(cells)],
        active_index=active,
        kernel={"language": "python", "state": {"python": "3.12.1", "packages": {}}},
    )


def _turn(number: int, output_chars: int, error: bool = False) -> list[dict[str, Any]]:
    """One stored turn: instruction with its snapshot, a tool call, its output, an answer."""
    call = {
        "id": f"call{number}",
        "type": "function",
        "function": {"name": "run_code", "arguments": json.dumps({"code": f"step({number})"})},
    }
    output = (
        ("ZeroDivisionError: division by zero\n" if error else "")
        + f"turn{number} "
        + ("z" * output_chars)
    )
    return [
        {
            "role": "user",
            "content": f"instruction {number}",
            "_turn": str(number),
            "_context": f"<notebook_context>snapshot of turn {number} "
            + "s" * 4000
            + "</notebook_context>",
        },
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"call{number}", "content": output},
        {"role": "assistant", "content": f"answer {number}"},
    ]


def _history(turns: int, output_chars: int = 3000) -> list[dict[str, Any]]:
    """`turns` finished turns, then the current instruction."""
    messages = [message for number in range(turns) for message in _turn(number, output_chars)]
    messages.append({"role": "user", "content": "current instruction", "_turn": "now"})
    return messages


def _build(messages: list[dict[str, Any]], budget: int, **extra: Any) -> Any:
    """build_context for the last user message as the current turn."""
    start = max(i for i, message in enumerate(messages) if message.get("_turn"))
    return build_context(
        SYSTEM,
        messages,
        current_start=start,
        snapshot=extra.pop("snapshot", None),
        budget=budget,
        mode=extra.pop("mode", "tools"),
        **extra,
    )


def _sent_text(built: Any) -> str:
    """Everything the request would carry, as one string."""
    return json.dumps(built.messages, ensure_ascii=False)


def test_everything_fits_when_the_budget_allows() -> None:
    messages = _history(3)
    snapshot = NotebookSnapshot(_notebook(10, 200, 5))
    built = _build(messages, 100_000, snapshot=snapshot)
    text = _sent_text(built)
    for number in range(3):
        assert f"snapshot of turn {number}" in text and f"turn{number} " + "z" * 3000 in text
    assert "out0 " in text and "[9] code (id c9, In [10])" in text
    assert built.dropped == []
    assert all(not key.startswith("_") for message in built.messages for key in message)
    assert built.messages[-1]["content"].startswith("<notebook_context>")
    assert built.messages[-1]["content"].endswith("current instruction")


def test_budgets_are_respected_by_an_independent_count() -> None:
    messages = _history(12)
    snapshot = NotebookSnapshot(_notebook(300, 2000, 150))
    for budget in (3000, 8000, 20_000, 60_000):
        built = _build(messages, budget, snapshot=snapshot)
        assert estimate_messages(built.messages) <= budget, budget
        assert built.tokens <= budget


def test_old_snapshots_go_first_oldest_first() -> None:
    messages = _history(3)
    snapshot = NotebookSnapshot(_notebook(10, 400, 5))
    full = _build(messages, 1_000_000, snapshot=snapshot).tokens
    built = _build(messages, full - 500, snapshot=snapshot)
    text = _sent_text(built)
    assert "snapshot of turn 0" not in text
    assert "snapshot of turn 1" in text and "snapshot of turn 2" in text
    assert "out0 " in text  # the current snapshot is untouched
    assert built.dropped == ["snapshot of turn 0"]


def _kind(drop: str) -> str:
    """The category of one entry of BuiltContext.dropped."""
    for prefix, kind in (
        ("snapshot of turn", "old snapshot"),
        ("outputs of", "snapshot outputs"),
        ("output of message", "tool output"),
        ("turn ", "whole turn"),
    ):
        if drop.startswith(prefix):
            return kind
    return "snapshot cells" if drop.endswith("snapshot cells") else drop


def test_what_goes_first_old_snapshots_outputs_tool_outputs_cells_turns() -> None:
    messages = _history(3)
    snapshot = NotebookSnapshot(_notebook(20, 800, 10))
    built = _build(messages, 200, snapshot=snapshot)
    kinds = list(dict.fromkeys(_kind(drop) for drop in built.dropped))
    assert kinds == [
        "old snapshot",
        "snapshot outputs",
        "tool output",
        "snapshot cells",
        "whole turn",
    ]
    old_turn_trims = [d for d in built.dropped if d.startswith("output of message")]
    assert old_turn_trims == [f"output of message {4 * n + 2} trimmed" for n in range(3)]


def test_far_cells_lose_their_outputs_before_near_ones() -> None:
    messages = _history(3)
    snapshot = NotebookSnapshot(_notebook(20, 800, 10))
    full = _build(messages, 1_000_000, snapshot=snapshot).tokens
    built = _build(messages, full - 3 * 1010 - 1000, snapshot=snapshot)
    text = _sent_text(built)
    assert "snapshot of turn" not in text
    assert "out0 " not in text and "out19 " not in text and "out10 " in text and "out9 " in text
    assert "[0] code (id c0, In [1]) [outputs left out]" in text
    assert "z" * 3000 in text  # tool outputs not trimmed yet
    assert "value_0 = compute(0)" in text  # sources kept


def test_old_tool_outputs_are_cut_to_head_and_tail_before_cells_go() -> None:
    messages = _history(3)
    snapshot = NotebookSnapshot(_notebook(20, 800, 10))
    full = _build(messages, 1_000_000, snapshot=snapshot).tokens
    built = _build(messages, full - 3 * 1010 - 20 * 210 - 600, snapshot=snapshot)
    text = _sent_text(built)
    assert "turn0 " + "z" * 3000 not in text and "characters elided" in text
    assert "turn0 z" in text and "z" * 50 + '"' in text  # head and tail kept
    assert "value_0 = compute(0)" in text
    budget = next(
        budget
        for budget in range(3000, 0, -25)
        if "snapshot cells"
        in {_kind(d) for d in _build(messages, budget, snapshot=snapshot).dropped}
    )
    built = _build(messages, budget, snapshot=snapshot)
    text = _sent_text(built)
    assert "value_0 = compute(0)" not in text and "value_10 = compute(10)" in text
    assert "left out to fit the context" in text
    assert "instruction 0" in text  # every turn still there
    built = _build(messages, 300)
    text = _sent_text(built)
    assert "instruction 0" not in text and "current instruction" in text
    assert "left out to fit the context budget" in built.messages[0]["content"]


def test_the_current_error_and_instruction_are_never_dropped() -> None:
    messages = _history(2)
    messages += _turn(9, 5000, error=True)[1:3]  # the current turn ran a cell that failed
    built = _build(messages, 50)
    text = _sent_text(built)
    assert "current instruction" in text
    assert "ZeroDivisionError: division by zero\\nturn9 " + "z" * 5000 in text
    assert built.messages[0] == {"role": "system", "content": built.messages[0]["content"]}
    assert built.messages[0]["content"].startswith(SYSTEM)


def test_chinese_text_is_counted_one_token_per_character() -> None:
    chinese = NotebookContext(cells=[_cell(0, source="数据" * 1000)], active_index=0)
    ascii_only = NotebookContext(cells=[_cell(0, source="ab" * 1000)], active_index=0)
    messages = [{"role": "user", "content": "分析", "_turn": "1"}]
    assert NotebookSnapshot(chinese).tokens > 2000
    assert NotebookSnapshot(ascii_only).tokens < 1000
    fits = _build(messages, 1500, snapshot=NotebookSnapshot(ascii_only))
    assert "ab" * 1000 in _sent_text(fits)
    dropped = _build(messages, 1500, snapshot=NotebookSnapshot(chinese))
    assert "数据" * 1000 not in _sent_text(dropped)
    assert estimate_messages(dropped.messages) <= 1500


def test_the_calibration_ratio_shrinks_what_fits() -> None:
    messages = _history(2)
    plain = _build(messages, 4000)
    calibrated = _build(messages, 4000, ratio=2.0)
    assert len(_sent_text(calibrated)) < len(_sent_text(plain))
    assert calibrated.tokens <= 4000


def test_images_only_for_vision_models_newest_four() -> None:
    messages = _history(0)
    for step in range(4):
        call = {
            "id": f"i{step}",
            "type": "function",
            "function": {"name": "run_code", "arguments": "{}"},
        }
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        images = [{"mime": "image/png", "data": f"{PNG}{step}{n}"} for n in range(2)]
        messages.append(
            {
                "role": "tool",
                "tool_call_id": f"i{step}",
                "content": "[image/png 1×1, 70 B]",
                "_images": images,
            }
        )
    vision = _build(messages, 100_000, vision=True)
    urls = [
        part["image_url"]["url"]
        for message in vision.messages
        if isinstance(message["content"], list)
        for part in message["content"]
        if part.get("type") == "image_url"
    ]
    assert len(urls) == MAX_IMAGE_PARTS
    assert urls == [f"data:image/png;base64,{PNG}{step}{n}" for step in (2, 3) for n in (0, 1)]
    roles = [message["role"] for message in vision.messages]
    assert roles[-2:] == ["tool", "user"]  # images follow the tool results
    assert "image_url" not in _sent_text(_build(messages, 100_000, vision=False))


def test_fenced_mode_merges_user_runs_with_images() -> None:
    messages = [
        {"role": "user", "content": "plot", "_turn": "1"},
        {"role": "assistant", "content": "```python\nplot()\n```"},
        {
            "role": "user",
            "content": "Output (step 1)",
            "_images": [{"mime": "image/png", "data": PNG}],
        },
    ]
    built = _build(messages, 10_000, vision=True, mode="fenced")
    last = built.messages[-1]
    assert last["role"] == "user" and isinstance(last["content"], list)
    assert last["content"][0] == {"type": "text", "text": "Output (step 1)"}
    assert last["content"][-1]["type"] == "image_url"
    assert [message["role"] for message in built.messages] == [
        "system",
        "user",
        "assistant",
        "user",
    ]


def test_request_messages_without_private_keys() -> None:
    sent = request_messages("S", [{"role": "user", "content": "a", "_turn": "1"}], "tools")
    assert sent == [{"role": "system", "content": "S"}, {"role": "user", "content": "a"}]


def test_effective_budget_and_kernel_summary() -> None:
    assert effective_budget(32000, None) == 32000
    assert effective_budget(32000, 16000) == 12000
    assert effective_budget(8000, 128000) == 8000
    state = {"python": "3.11.4", "packages": {"torch": "2.3.0", "pandas": "2.2.3"}}
    assert kernel_summary(state) == "Python 3.11.4; installed: pandas 2.2.3, torch 2.3.0"
    assert kernel_summary(None) is None
