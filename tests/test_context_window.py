"""The context window as the server runs the model (llama.cpp /props, vLLM's max_model_len,
Ollama's /api/ps and /api/show), and the prompt budget and output cap fitted under it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agent_helpers import ClosedNotebook
from scripted_llm import ScriptedLLM, text_reply
from traitlets import TraitError

from jupyter_code_interp.agent.loop import run_turn
from jupyter_code_interp.agent.messages import effective_budget, output_cap
from jupyter_code_interp.chat.turn_setup import turn_options
from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.conversations.model import Conversation
from jupyter_code_interp.limits import CONTEXT_BUDGET, MAX_OUTPUT_TOKENS
from jupyter_code_interp.providers.registry import ProviderRegistry

LLAMACPP_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)


def _registry(tmp_path: Path, **values: Any) -> ProviderRegistry:
    settings = CodeInterpreter(key_store_path=str(tmp_path / "providers.json"), **values)
    return ProviderRegistry(settings, {})


async def _window(registry: ProviderRegistry, model: str | None = None) -> int | None:
    await registry.refresh_models()
    choice = await registry.learn_window(registry.choose(None, model))
    return choice.spec.context_window if choice.spec else None


def _llamacpp(server: ScriptedLLM, n_ctx: int = 8192) -> None:
    """What llama.cpp's server says: its model list owned by "llamacpp", n_ctx in /props."""
    server.models = [LLAMACPP_MODEL]
    server.model_fields = {LLAMACPP_MODEL: {"owned_by": "llamacpp", "meta": {"n_ctx_train": 32768}}}
    server.props = {"default_generation_settings": {"n_ctx": n_ctx}, "total_slots": 1}


async def test_llamacpp_window_from_props_fits_budget_and_cap(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    _llamacpp(scripted_llm)
    registry = _registry(tmp_path, base_url=scripted_llm.base_url)
    await registry.refresh_models()
    choice = await registry.learn_window(registry.choose(None, None))
    assert choice.spec is not None and choice.spec.context_window == 8192
    options = await turn_options(registry.settings, choice)
    assert options.max_output_tokens == 2048
    assert options.context_budget + options.max_output_tokens < 8192
    assert CONTEXT_BUDGET > 8192  # the default alone would overflow this window
    # The cap goes out with the request.
    scripted_llm.push(text_reply("ok"))
    client = await registry.client(choice.provider)
    await run_turn(
        Conversation("w.ipynb"),
        "hi",
        provider=client,
        executor=ClosedNotebook(),  # a reply without code runs nothing
        model=choice.model,
        emit=_ignore,
        options=options,
    )
    assert scripted_llm.requests[-1]["max_tokens"] == 2048
    # Learned once: the next turn asks the server nothing new.
    asked = scripted_llm.paths.count("/props")
    await registry.learn_window(registry.choose(None, None))
    assert scripted_llm.paths.count("/props") == asked == 1
    await registry.aclose()


async def _ignore(frame: dict[str, Any]) -> None:
    """Drop an emitted frame."""


async def test_vllm_max_model_len_comes_with_the_list(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    scripted_llm.models = ["Qwen/Qwen3-8B"]
    scripted_llm.model_fields = {"Qwen/Qwen3-8B": {"owned_by": "vllm", "max_model_len": 4096}}
    registry = _registry(tmp_path, base_url=scripted_llm.base_url)
    assert await _window(registry) == 4096
    assert "/props" not in scripted_llm.paths and "/api/show" not in scripted_llm.paths


@pytest.mark.parametrize(
    ("running", "shown", "expected"),
    [
        ([{"name": "qwen2.5-coder:latest", "context_length": 8192}], None, 8192),
        ([], {"parameters": "num_ctx 16384\nstop <|im_end|>"}, 16384),
        (
            [],
            {"model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768}},
            4096,
        ),
        ([], {"model_info": {"general.architecture": "llama", "llama.context_length": 2048}}, 2048),
    ],
    ids=["api-ps", "num_ctx", "ollama-default", "model-smaller-than-default"],
)
async def test_ollama_window(
    scripted_llm: ScriptedLLM,
    tmp_path: Path,
    running: list[dict[str, Any]],
    shown: dict[str, Any] | None,
    expected: int,
) -> None:
    scripted_llm.models = ["qwen2.5-coder:latest"]
    scripted_llm.model_fields = {"qwen2.5-coder:latest": {"owned_by": "library"}}
    scripted_llm.ollama_ps = running
    scripted_llm.ollama_show = {"qwen2.5-coder": {"details": {"family": "qwen2"}, **(shown or {})}}
    registry = _registry(tmp_path, base_url=scripted_llm.base_url)
    assert await _window(registry, "qwen2.5-coder") == expected


async def test_a_configured_window_is_not_asked(scripted_llm: ScriptedLLM, tmp_path: Path) -> None:
    _llamacpp(scripted_llm, n_ctx=4096)
    registry = _registry(
        tmp_path,
        providers={
            "cpp": {
                "preset": "llamacpp",
                "base_url": scripted_llm.base_url,
                "models": [{"id": LLAMACPP_MODEL, "context_window": 16384}],
            }
        },
    )
    assert await _window(registry) == 16384
    assert "/props" not in scripted_llm.paths


async def test_an_unknown_server_is_not_probed(scripted_llm: ScriptedLLM, tmp_path: Path) -> None:
    registry = _registry(tmp_path, base_url=scripted_llm.base_url)
    assert await _window(registry) is None
    assert scripted_llm.paths == ["/v1/models"]


def test_budget_and_cap_fit_the_window() -> None:
    assert output_cap(MAX_OUTPUT_TOKENS, None) == MAX_OUTPUT_TOKENS
    assert output_cap(MAX_OUTPUT_TOKENS, 8192) == 2048
    assert output_cap(MAX_OUTPUT_TOKENS, 128_000) == MAX_OUTPUT_TOKENS
    assert output_cap(0, 8192) == 0  # no cap stays no cap
    assert output_cap(4096, 512) == 256  # never below the floor
    for window in (2048, 4096, 8192, 32768):
        cap = output_cap(MAX_OUTPUT_TOKENS, window)
        budget = effective_budget(CONTEXT_BUDGET, window, cap)
        assert budget + cap <= window, window
    assert effective_budget(CONTEXT_BUDGET, None, 2048) == CONTEXT_BUDGET


def test_the_output_cap_setting() -> None:
    assert CodeInterpreter().max_output_tokens == MAX_OUTPUT_TOKENS
    assert CodeInterpreter(max_output_tokens=0).max_output_tokens == 0
    with pytest.raises(TraitError, match="max_output_tokens must be 0 or more"):
        CodeInterpreter(max_output_tokens=-1)
