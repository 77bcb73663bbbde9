"""The c.CodeInterpreter configuration: defaults, status payload, key handling."""

from __future__ import annotations

import json
import os

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.providers.admin import status_payload
from jupyter_code_interp.providers.registry import ProviderRegistry
from jupyter_code_interp.services import build_services

SECRET = "sk-config-S3CRET-0123456789"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_MODEL", raising=False)


def status_of(settings: CodeInterpreter) -> dict[str, object]:
    """GET /code-interp/status as the app's registry would answer it."""
    return status_payload(ProviderRegistry(settings))


def _configured(**settings: object) -> CodeInterpreter:
    config = Config()
    for name, value in settings.items():
        setattr(config.CodeInterpreter, name, value)
    return CodeInterpreter(config=config)


def test_status_payload_of_a_configured_key() -> None:
    status = status_of(_configured(api_key=SECRET, tool_modes={"gpt-4o-mini": "tools"}))
    model = {
        "id": "gpt-4o-mini",
        "provider": "default",
        "toolMode": "tools",
        "vision": False,
        "contextWindow": None,
        "priceIn": None,
        "priceOut": None,
        "currency": "USD",
        "toolModeLearned": False,
    }
    assert status == {
        "ready": True,
        "problem": None,
        "models": [model],
        "defaultModel": "gpt-4o-mini",
        "defaultProvider": "default",
        "defaultModelProblem": None,
        "providers": [
            {
                "name": "default",
                "label": "OpenAI",
                "preset": "openai",
                "ready": True,
                "problem": None,
                "baseUrl": "https://api.openai.com/v1",
                "models": [model],
                "modelsError": None,
            }
        ],
        "baseUrl": "https://api.openai.com/v1",
        "maxSteps": 10,
        "outputLimit": 4000,
    }
    assert "S3CRET" not in json.dumps(status)


def test_nothing_configured_is_not_ready_and_says_what_to_set() -> None:
    status = status_of(CodeInterpreter())
    assert status["ready"] is False
    for setting in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "c.CodeInterpreter.api_key",
        "c.CodeInterpreter.base_url",
    ):
        assert setting in status["problem"]


def test_base_url_alone_is_enough() -> None:
    status = status_of(_configured(base_url="http://localhost:11434/v1", models=["qwen2.5-coder"]))
    assert status["ready"] is True
    assert status["baseUrl"] == "http://localhost:11434/v1"
    assert [(m["id"], m["provider"], m["toolMode"]) for m in status["models"]] == [
        ("qwen2.5-coder", "default", "auto")
    ]


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://llm.example.com/v1")
    settings = CodeInterpreter()
    assert settings.api_key == SECRET
    assert settings.base_url == "https://llm.example.com/v1"
    assert status_of(settings)["baseUrl"] == "https://llm.example.com/v1"


def test_empty_environment_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    assert status_of(CodeInterpreter())["ready"] is False


def test_scrub_environment_keeps_the_key_but_removes_it_from_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    settings = CodeInterpreter()
    registry = build_services(settings, persist=False).registry
    assert "OPENAI_API_KEY" not in os.environ
    assert settings.api_key == SECRET
    assert registry.api_key(registry.spec("default")) == SECRET


def test_default_model() -> None:
    settings = _configured(api_key=SECRET, models=["a", "b"])
    assert status_of(settings)["defaultModel"] == "a"
    settings.default_model = "b"
    assert status_of(settings)["defaultModel"] == "b"


def test_default_model_outside_models_is_listed() -> None:
    status = status_of(_configured(api_key=SECRET, models=["a"], default_model="z"))
    assert [model["id"] for model in status["models"]] == ["z", "a"]


def test_bad_tool_mode_is_refused_with_the_model_name() -> None:
    with pytest.raises(TraitError, match="'m1'.*'tools', 'fenced' or 'auto'"):
        _configured(tool_modes={"m1": "function-calling"})


def test_limits_must_be_positive() -> None:
    with pytest.raises(TraitError, match="max_steps must be positive"):
        _configured(max_steps=0)
    with pytest.raises(TraitError, match="output_limit must be positive"):
        _configured(output_limit=-5)


async def test_the_client_carries_the_settings() -> None:
    settings = _configured(
        base_url="http://127.0.0.1:9/v1", request_timeout=7.5, tool_modes={"m": "fenced"}
    )
    provider = await ProviderRegistry(settings).client("default")
    assert provider.base_url == "http://127.0.0.1:9/v1"
    assert provider.timeout == 7.5
    assert provider.tool_mode("m") == "fenced"
    assert "S3CRET" not in repr(provider)
