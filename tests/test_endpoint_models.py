"""Models from the endpoint: the flat OPENAI_BASE_URL provider offers what GET /models lists,
OPENAI_MODEL names the default (the panel is told when the endpoint does not list it), and a
model is checked against the list before anything runs (the CLI before a kernel starts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from scripted_llm import ScriptedLLM, error_reply, text_reply
from test_cli import error_lines, run_cli

from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.providers.admin import status_payload
from jupyter_code_interp.providers.registry import ChoiceError, ProviderRegistry

OLLAMA_MODELS = ["qwen2.5-coder:latest", "qwen2.5-coder:1.5b", "llama3.2:3b"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ollama() -> Any:
    """A scripted server listing what an Ollama with three pulled models lists."""
    with ScriptedLLM(models=OLLAMA_MODELS) as server:
        yield server


def _registry(tmp_path: Path, **values: Any) -> ProviderRegistry:
    settings = CodeInterpreter(key_store_path=str(tmp_path / "providers.json"), **values)
    return ProviderRegistry(settings, {})


async def test_base_url_alone_offers_the_endpoints_models(
    ollama: ScriptedLLM, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, base_url=ollama.base_url)
    await registry.refresh_models()
    status = status_payload(registry)
    assert status["ready"], status["problem"]
    assert [model["id"] for model in status["models"]] == OLLAMA_MODELS
    assert (status["defaultProvider"], status["defaultModel"]) == ("default", OLLAMA_MODELS[0])
    assert status["defaultModelProblem"] is None
    await registry.aclose()


async def test_configured_models_come_first_and_the_list_still_adds_the_others(
    ollama: ScriptedLLM, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, base_url=ollama.base_url, models=["llama3.2:3b"])
    await registry.refresh_models()
    ids = [model.id for model in registry.offered(registry.spec("default"))]
    assert ids == ["llama3.2:3b", "qwen2.5-coder:latest", "qwen2.5-coder:1.5b"]


@pytest.mark.parametrize(
    ("named", "problem"),
    [
        ("qwen2.5-coder:1.5b", None),
        ("qwen3:8b", "does not list the default model 'qwen3:8b' (OPENAI_MODEL"),
    ],
    ids=["listed", "not-listed"],
)
async def test_openai_model_names_the_default_and_the_panel_hears_when_it_is_not_listed(
    ollama: ScriptedLLM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    named: str,
    problem: str | None,
) -> None:
    monkeypatch.setenv("OPENAI_MODEL", named)
    registry = _registry(tmp_path, base_url=ollama.base_url)
    await registry.refresh_models()
    choice = registry.choose(None, None)
    assert (choice.provider, choice.model) == ("default", named)  # named, listed or not
    said = status_payload(registry)["defaultModelProblem"]
    if problem is None:
        assert said is None
    else:
        assert problem in said and "qwen2.5-coder:1.5b" in said  # with what it lists instead


async def test_model_names_are_checked_against_the_list(
    ollama: ScriptedLLM, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, base_url=ollama.base_url)
    await registry.refresh_models()
    # Ollama's default tag: "qwen2.5-coder" is "qwen2.5-coder:latest", sent as the user wrote it.
    choice = registry.choose(None, "qwen2.5-coder")
    assert (choice.provider, choice.model) == ("default", "qwen2.5-coder")
    assert registry.choose("default", "llama3.2:3b").model == "llama3.2:3b"
    with pytest.raises(ChoiceError) as refused:
        registry.choose("default", "gpt-4o-mini")
    assert "is not among the models" in str(refused.value)
    assert "qwen2.5-coder:latest, qwen2.5-coder:1.5b, llama3.2:3b" in str(refused.value)


async def test_a_model_is_accepted_when_the_endpoint_cannot_list(tmp_path: Path) -> None:
    with ScriptedLLM() as server:
        server.push_models(error_reply(404, "no route"))
        registry = _registry(tmp_path, base_url=server.base_url, models=["my-model"])
        await registry.refresh_models()
        assert registry.choose(None, "other-model").model == "other-model"


async def test_an_endpoint_listing_nothing_says_what_to_do(tmp_path: Path) -> None:
    with ScriptedLLM(models=[]) as server:
        server.models = []
        registry = _registry(tmp_path, base_url=server.base_url)
        await registry.refresh_models()
        problem = registry.problem()
    assert problem is not None and "lists no models" in problem and "OPENAI_MODEL" in problem


async def test_openai_itself_keeps_its_default_model(tmp_path: Path) -> None:
    registry = _registry(tmp_path, api_key="sk-endpoint-0123456789")
    spec = registry.spec("default")
    assert [model.id for model in spec.models] == ["gpt-4o-mini"]
    assert not spec.fetch_models


async def test_a_turn_on_a_listed_model_sends_that_model(
    ollama: ScriptedLLM, tmp_path: Path
) -> None:
    registry = _registry(tmp_path, base_url=ollama.base_url)
    await registry.refresh_models()
    choice = registry.choose(None, None)
    client = await registry.client(choice.provider)
    ollama.push(text_reply("hello"))
    events = [
        event async for event in client.stream(choice.model, [{"role": "user", "content": "hi"}])
    ]
    assert events
    assert ollama.requests[-1]["model"] == "qwen2.5-coder:latest"
    await registry.aclose()


def test_cli_refuses_an_unlisted_model_before_starting_a_kernel(tmp_path: Path) -> None:
    path = tmp_path / "analysis.ipynb"
    notebook = nbformat.v4.new_notebook()
    # A kernel that cannot start: had the CLI started one first, this would be its error.
    notebook.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "x"}
    nbformat.write(notebook, path)
    with ScriptedLLM(models=OLLAMA_MODELS) as server:
        completed = run_cli(server, tmp_path, "run", str(path), "plot it", "--model", "qwen9")
        assert server.requests == []
    assert completed.returncode == 2, completed.stderr
    (line,) = error_lines(completed.stderr)
    assert "Model 'qwen9' is not offered" in line
    assert "qwen2.5-coder:latest" in line and "no-such-kernel" not in completed.stderr


def test_cli_runs_a_model_the_endpoint_lists(tmp_path: Path) -> None:
    path = tmp_path / "analysis.ipynb"
    with ScriptedLLM(models=OLLAMA_MODELS) as server:
        server.push(text_reply("Nothing to run."))
        completed = run_cli(server, tmp_path, "run", str(path), "hello", "--model", "qwen2.5-coder")
        sent = json.loads(json.dumps(server.requests))
    assert completed.returncode == 0, completed.stderr
    assert [request["model"] for request in sent] == ["qwen2.5-coder"]
    assert "Nothing to run." in completed.stdout
