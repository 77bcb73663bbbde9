"""The "Test connection" action: every failure mapped to its own, specific answer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scripted_llm import ScriptedLLM, error_reply, raw_reply, text_reply

from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.providers.checks import check_connection
from jupyter_code_interp.providers.registry import ProviderRegistry

KEY = "sk-conn-0123456789SECRET"
WRONG_KEY = "sk-conn-wrong-0123456789SECRET"


def _registry(tmp_path: Path, provider: dict[str, Any], **values: Any) -> ProviderRegistry:
    settings = CodeInterpreter(
        key_store_path=str(tmp_path / "providers.json"), providers={"p": provider}, **values
    )
    return ProviderRegistry(settings, {})


def _provider(url: str, **extra: Any) -> dict[str, Any]:
    return {"base_url": url, "api_key": KEY, "models": ["scripted-model"], **extra}


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


async def test_ok_reports_the_model_count(tmp_path: Path, scripted_llm: ScriptedLLM) -> None:
    result = await check_connection(_registry(tmp_path, _provider(scripted_llm.base_url)), "p")
    assert result == {
        "status": "ok",
        "message": f"Connected to {scripted_llm.base_url}: 2 models listed.",
        "models": 2,
    }
    assert scripted_llm.requests == []  # the listing was enough: no tokens spent


async def test_a_rejected_key_is_unauthorized(tmp_path: Path) -> None:
    with ScriptedLLM(api_key=KEY) as llm:
        provider = _provider(llm.base_url, api_key=WRONG_KEY)
        result = await check_connection(_registry(tmp_path, provider), "p")
    assert result["status"] == "unauthorized"
    assert "rejected the API key (401)" in result["message"]
    assert "provider 'p'" in result["message"]
    assert WRONG_KEY not in result["message"]


async def test_a_model_the_endpoint_does_not_list_is_not_found(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    registry = _registry(tmp_path, _provider(scripted_llm.base_url))
    result = await check_connection(registry, "p", "gpt-9")
    assert result["status"] == "model_not_found"
    assert "Model 'gpt-9' is not among the 2 models" in result["message"]
    assert "scripted-model, gpt-4o-mini" in result["message"]


async def test_without_a_models_route_the_model_is_tried_and_a_404_is_model_not_found(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push_models(error_reply(404, "no such route"))
    scripted_llm.push(error_reply(404, "The model `qwen-9` does not exist"))
    result = await check_connection(
        _registry(tmp_path, _provider(scripted_llm.base_url)), "p", "qwen-9"
    )
    assert result["status"] == "model_not_found"
    assert "Model 'qwen-9' was not found" in result["message"]
    assert "(404)" in result["message"]
    assert scripted_llm.requests[0]["model"] == "qwen-9"


async def test_without_a_models_route_a_model_that_answers_is_ok(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push_models(error_reply(404, "no such route"))
    scripted_llm.push(text_reply("ok"))
    result = await check_connection(_registry(tmp_path, _provider(scripted_llm.base_url)), "p")
    assert result["status"] == "ok"
    assert "model 'scripted-model' answers" in result["message"]


async def test_rate_limit_gives_the_retry_after(tmp_path: Path, scripted_llm: ScriptedLLM) -> None:
    scripted_llm.push_models(error_reply(429, "Too many requests", retry_after=7))
    result = await check_connection(_registry(tmp_path, _provider(scripted_llm.base_url)), "p")
    assert result["status"] == "rate_limited"
    assert result["retryAfter"] == 7.0
    assert "Retry after 7 s" in result["message"]
    assert len(scripted_llm.paths) == 1  # a connection test does not retry


async def test_a_refused_connection_names_the_url(tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1"
    result = await check_connection(_registry(tmp_path, _provider(url)), "p")
    assert result["status"] == "unreachable"
    assert result["message"].startswith(f"Cannot connect to {url}")


async def test_a_timeout_names_the_url_and_the_wait(tmp_path: Path, silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}/v1"
    registry = _registry(tmp_path, _provider(url), connection_test_timeout=0.5)
    result = await check_connection(registry, "p")
    assert result["status"] == "unreachable"
    assert result["message"] == (
        f"Cannot connect to {url}: no answer within 0.5 s (request timed out)."
    )


async def test_an_unknown_host_cannot_connect(tmp_path: Path) -> None:
    url = "http://llm.example.invalid/v1"
    registry = _registry(tmp_path, _provider(url), connection_test_timeout=3)
    result = await check_connection(registry, "p")
    assert result["status"] == "unreachable"
    assert url in result["message"]


async def test_a_web_page_is_not_an_openai_compatible_reply(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push_models(raw_reply("<html><body>Welcome to nginx!</body></html>"))
    result = await check_connection(_registry(tmp_path, _provider(scripted_llm.base_url)), "p")
    assert result["status"] == "not_openai"
    assert "not an OpenAI-compatible" in result["message"]


async def test_a_missing_key_is_said_before_any_request(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    provider = {"preset": "deepseek", "base_url": scripted_llm.base_url}
    result = await check_connection(_registry(tmp_path, provider), "p")
    assert result["status"] == "no_key"
    assert "no API key" in result["message"] and "$DEEPSEEK_API_KEY" in result["message"]
    assert scripted_llm.paths == []


async def test_a_successful_test_refreshes_the_model_list(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    registry = _registry(tmp_path, _provider(scripted_llm.base_url, fetch_models=True))
    scripted_llm.push_models(error_reply(503, "still loading"))
    await registry.refresh_models()
    spec = registry.spec("p")
    assert "HTTP 503" in str(registry.models_error(spec))
    result = await check_connection(registry, "p")
    assert result["status"] == "ok"
    assert registry.models_error(spec) is None
    assert [model.id for model in registry.offered(spec)] == ["scripted-model", "gpt-4o-mini"]
