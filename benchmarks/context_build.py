"""Context build time for a big notebook: 1,000 cells with 20 MB of outputs, 32,000-token budget.

Prints figures, never fails: the time to render the snapshot and fit it (with a history of
earlier turns) into the budget, median and max over the runs, and the tokens of the result.
Goal: within budget in at most 100 ms.

    python benchmarks/context_build.py [--runs 15] [--cells 1000] [--megabytes 20]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time
from typing import Any

from jupyter_code_interp.agent.messages import build_context
from jupyter_code_interp.agent.prompts import system_prompt
from jupyter_code_interp.agent.snapshot import NotebookContext, NotebookSnapshot
from jupyter_code_interp.agent.usage import estimate_messages

BUDGET = 32_000
GOAL_MS = 100.0


def _outputs(index: int, size: int) -> list[dict[str, Any]]:
    """About `size` characters of outputs of one of four kinds."""
    kind = index % 4
    if kind == 0:
        line = f"row {index}: " + "value " * 10 + "\n"
        return [{"output_type": "stream", "name": "stdout", "text": line * (size // len(line))}]
    if kind == 1:
        table = ("  城市   GDP  人口\n" + "0 北京 4.4 2189\n" * (size // 16))[:size]
        return [
            {
                "output_type": "execute_result",
                "execution_count": index,
                "metadata": {},
                "data": {"text/plain": table, "text/html": "<table>…</table>"},
            }
        ]
    if kind == 2:
        frames = [
            f"\x1b[0;32mFile \x1b[0m/tmp/x.py:{n}, in f{n}\n    g()" for n in range(size // 50)
        ]
        return [
            {
                "output_type": "error",
                "ename": "ZeroDivisionError",
                "evalue": "division by zero",
                "traceback": frames,
            }
        ]
    raw = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0"
        + bytes(size * 3 // 4)
    )
    return [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": base64.b64encode(raw).decode(), "text/plain": "<Figure>"},
        }
    ]


def notebook(cells: int, megabytes: float) -> NotebookContext:
    """A notebook of `cells` code cells whose outputs total about `megabytes` MB."""
    per_cell = int(megabytes * 1_000_000 / cells)
    return NotebookContext(
        cells=[
            {
                "id": f"cell-{index}",
                "type": "code",
                "source": f"# 第 {index} 步\nresult_{index} = analyse(data, step={index})\n"
                f"print(result_{index})",
                "executionCount": index + 1,
                "outputs": _outputs(index, per_cell),
            }
            for index in range(cells)
        ],
        active_index=cells // 2,
        kernel={
            "language": "python",
            "state": {
                "python": "3.12.1",
                "packages": {"pandas": "2.2.3", "numpy": "2.1.0"},
                "variables": [{"name": f"v{n}", "type": "int", "repr": str(n)} for n in range(50)],
                "truncated": True,
            },
        },
        files=[(f"data/file_{n}.csv", 1000 * n) for n in range(60)],
    )


def history(turns: int) -> list[dict[str, Any]]:
    """Earlier turns with their snapshots and tool outputs, then the current instruction."""
    messages: list[dict[str, Any]] = []
    for number in range(turns):
        call = {
            "id": f"call{number}",
            "type": "function",
            "function": {"name": "run_code", "arguments": json.dumps({"code": "df.describe()"})},
        }
        messages += [
            {
                "role": "user",
                "content": f"第 {number} 个问题",
                "_turn": str(number),
                "_context": "<notebook_context>" + "cell text " * 3000 + "</notebook_context>",
            },
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call{number}", "content": "output " * 700},
            {"role": "assistant", "content": "结论：" + "很好。" * 50},
        ]
    messages.append({"role": "user", "content": "分析这个笔记本的结果", "_turn": "now"})
    return messages


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--megabytes", type=float, default=20.0)
    options = parser.parse_args()
    context = notebook(options.cells, options.megabytes)
    size = sum(len(json.dumps(cell["outputs"])) for cell in context.cells)
    messages = history(8)
    system = system_prompt("tools", "Python 3.12.1; installed: numpy 2.1.0, pandas 2.2.3")
    timings: list[float] = []
    built = None
    for _ in range(options.runs):
        started = time.perf_counter()
        snapshot = NotebookSnapshot(context)
        built = build_context(
            system,
            messages,
            current_start=len(messages) - 1,
            snapshot=snapshot,
            budget=BUDGET,
            mode="tools",
        )
        timings.append((time.perf_counter() - started) * 1000)
    assert built is not None
    tokens = estimate_messages(built.messages)
    median = statistics.median(timings)
    print(
        f"context build: {options.cells} cells, {size / 1e6:.1f} MB of outputs, "
        f"8 earlier turns, budget {BUDGET} tokens"
    )
    print(
        f"  time: median {median:.1f} ms, max {max(timings):.1f} ms over {options.runs} runs "
        f"(goal ≤ {GOAL_MS:.0f} ms: {'met' if median <= GOAL_MS else 'NOT met'})"
    )
    print(
        f"  result: {tokens} tokens, "
        f"{'within' if tokens <= BUDGET else 'OVER'} budget; "
        f"{len(snapshot.dropped_outputs)} cells lost their outputs, "
        f"{len(snapshot.dropped_sources)} cells left out, {len(built.dropped)} reductions"
    )


if __name__ == "__main__":
    main()
