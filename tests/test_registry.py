"""Provider resolution: the legacy default, configured and dialog providers, keys, models."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from scripted_llm import ScriptedLLM, text_reply

from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.providers.admin import status_payload
from jupyter_code_interp.providers.client import TextDelta
from jupyter_code_interp.providers.keystore import StoredSettings
from jupyter_code_interp.providers.registry import ChoiceError, ProviderRegistry
from jupyter_code_interp.providers.specs import ModelSpec

KEY = "sk-registry-0123456789SECRET"
ENV_KEY = "sk-registry-env-0123456789SECRET"
TYPED_KEY = "sk-registry-typed-0123456789SECRET"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DEEPSEEK_API_KEY", "MOONSHOT_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def _settings(tmp_path: Path, **values: Any) -> CodeInterpreter:
    return CodeInterpreter(key_store_path=str(tmp_path / "store" / "providers.json"), **values)


def _registry(
    tmp_path: Path, environ: dict[str, str] | None = None, **values: Any
) -> ProviderRegistry:
    return ProviderRegistry(_settings(tmp_path, **values), environ or {})


def test_legacy_settings_are_the_default_provider(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        base_url="http://127.0.0.1:9/v1",
        api_key=KEY,
        models=["a", "b"],
        tool_modes={"b": "fenced"},
    )
    assert list(registry.specs()) == ["default"]
    spec = registry.spec("default")
    assert spec.models == (ModelSpec("a"), ModelSpec("b", "fenced"))
    assert registry.api_key(spec) == KEY and registry.key_source(spec) == "config"
    choice = registry.choose(None, None)
    assert (choice.provider, choice.model) == ("default", "a")
    assert registry.choose(None, "b").provider == "default"


def test_configured_providers_take_keys_from_their_environment_variable(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        {"DEEPSEEK_API_KEY": ENV_KEY},
        providers={"deepseek": {"preset": "deepseek"}, "kimi": {"preset": "moonshot"}},
    )
    deepseek, kimi = registry.spec("deepseek"), registry.spec("kimi")
    assert registry.api_key(deepseek) == ENV_KEY
    assert registry.key_source(deepseek) == "environment"
    assert registry.spec_problem(deepseek) is None
    problem = registry.spec_problem(kimi)
    assert problem is not None
    assert "no API key" in problem and "$MOONSHOT_API_KEY" in problem
    # Only usable providers offer models; the default is the first usable one.
    choice = registry.choose(None, None)
    assert (choice.provider, choice.model) == ("deepseek", "deepseek-chat")
    with pytest.raises(ChoiceError, match="Provider 'kimi' has no API key"):
        registry.choose("kimi", "moonshot-v1-8k")
    assert ENV_KEY in registry.secrets()


def test_a_bad_configured_provider_is_reported_not_fatal(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path, api_key=KEY, providers={"good": {"preset": "ollama"}, "bad": {"preset": "x"}}
    )
    assert set(registry.specs()) == {"default", "good"}
    assert len(registry.config_errors) == 1
    assert "unknown preset 'x'" in registry.config_errors[0]


def test_choose_checks_provider_and_model_and_names_the_alternatives(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        api_key=KEY,
        models=["gpt-4o-mini"],
        providers={
            "local": {
                "base_url": "http://127.0.0.1:9/v1",
                "models": ["qwen"],
                "fetch_models": False,
            }
        },
    )
    assert registry.choose("local", "qwen").model == "qwen"
    assert registry.choose("local", None).model == "qwen"
    assert registry.choose(None, "qwen").provider == "local"
    with pytest.raises(
        ChoiceError, match="Provider 'nope' is not configured; known providers: default, local"
    ):
        registry.choose("nope", "qwen")
    with pytest.raises(
        ChoiceError,
        match="Model 'gpt-4o' is not configured for provider 'local'; choose one of: qwen",
    ):
        registry.choose("local", "gpt-4o")
    with pytest.raises(
        ChoiceError,
        match="Model 'zzz' is not offered; choose one of: default: gpt-4o-mini; local: qwen",
    ):
        registry.choose(None, "zzz")


def test_default_provider_and_remembered_choice(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        api_key=KEY,
        models=["gpt-4o-mini"],
        default_provider="second",
        default_model="m2",
        providers={"second": {"base_url": "http://127.0.0.1:9/v1", "models": ["m1", "m2"]}},
    )
    choice = registry.choose(None, None)
    assert (choice.provider, choice.model) == ("second", "m2")
    remembered = registry.choose(None, None, ("default", "gpt-4o-mini"))
    assert (remembered.provider, remembered.model) == ("default", "gpt-4o-mini")
    # A remembered provider that went away falls back to the default.
    gone = registry.choose(None, None, ("deleted", "x"))
    assert (gone.provider, gone.model) == ("second", "m2")


def test_a_key_typed_in_the_dialog_wins_and_is_never_in_the_status(tmp_path: Path) -> None:
    registry = _registry(tmp_path, {"DEEPSEEK_API_KEY": ENV_KEY})
    registry.store.save(StoredSettings({"ds": {"preset": "deepseek"}}, {"ds": TYPED_KEY}))
    registry.reload()
    spec = registry.spec("ds")
    assert spec.source == "settings"
    assert registry.api_key(spec) == TYPED_KEY
    assert registry.key_source(spec) == "settings"
    status = json.dumps(status_payload(registry), ensure_ascii=False)
    assert TYPED_KEY not in status and ENV_KEY not in status
    assert TYPED_KEY in registry.secrets()


def test_scrub_environment_removes_every_provider_key_after_capturing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", ENV_KEY)
    monkeypatch.setenv("MY_GATEWAY_KEY", KEY)
    settings = _settings(
        tmp_path,
        providers={
            "ds": {"preset": "deepseek"},
            "gw": {
                "base_url": "http://127.0.0.1:9/v1",
                "api_key_env": "MY_GATEWAY_KEY",
                "models": ["m"],
            },
        },
    )
    registry = ProviderRegistry(settings)
    registry.scrub_environment()
    assert "DEEPSEEK_API_KEY" not in os.environ
    assert "MY_GATEWAY_KEY" not in os.environ
    assert registry.api_key(registry.spec("ds")) == ENV_KEY
    assert registry.api_key(registry.spec("gw")) == KEY


async def test_models_are_listed_from_the_providers_models_route(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.models = ["qwen2.5-coder:7b", "llama3.1:8b", "本地-模型"]
    registry = _registry(
        tmp_path,
        providers={
            "ollama": {
                "preset": "ollama",
                "base_url": scripted_llm.base_url,
                "models": [{"id": "llama3.1:8b", "tools": True}],
            }
        },
    )
    spec = registry.spec("ollama")
    assert [model.id for model in registry.offered(spec)] == ["llama3.1:8b"]
    await registry.refresh_models()
    offered = registry.offered(spec)
    # Configured models keep their capabilities and come first; listed ones follow.
    assert offered[0] == ModelSpec("llama3.1:8b", "tools")
    assert [model.id for model in offered] == ["llama3.1:8b", "qwen2.5-coder:7b", "本地-模型"]
    status = status_payload(registry)
    assert [m["id"] for m in status["models"]] == ["llama3.1:8b", "qwen2.5-coder:7b", "本地-模型"]
    assert status["providers"][0]["modelsError"] is None
    # Fresh lists are reused, not fetched again.
    await registry.refresh_models()
    assert scripted_llm.paths.count("/v1/models") == 1
    await registry.refresh_models(force=True)
    assert scripted_llm.paths.count("/v1/models") == 2
    # A model the server listed can be chosen although it is not configured.
    assert registry.choose("ollama", "本地-模型").spec == ModelSpec("本地-模型")
    await registry.aclose()


async def test_a_failed_listing_is_shown_with_its_reason(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.push_models({"status": 503, "error": {"message": "loading"}})
    registry = _registry(
        tmp_path, providers={"vllm": {"preset": "vllm", "base_url": scripted_llm.base_url}}
    )
    await registry.refresh_models()
    provider = status_payload(registry)["providers"][0]
    assert provider["models"] == []
    assert "HTTP 503" in provider["modelsError"] and "loading" in provider["modelsError"]


async def test_azure_requests_use_the_deployment_route_api_version_and_api_key_header(
    tmp_path: Path,
) -> None:
    with ScriptedLLM(api_key=KEY) as llm:
        llm.push(text_reply("Azure says hi"))
        registry = _registry(
            tmp_path,
            providers={
                "azure": {
                    "preset": "azure",
                    "base_url": f"http://127.0.0.1:{llm.port}",
                    "api_key": KEY,
                    "api_version": "2024-10-21",
                    "models": ["my-deployment"],
                }
            },
        )
        client = await registry.client("azure")
        events = [
            event
            async for event in client.stream("my-deployment", [{"role": "user", "content": "hi"}])
        ]
        await registry.aclose()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Azure says hi"
    assert llm.paths == [
        "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21"
    ]
    assert llm.headers[0]["api-key"] == KEY


async def test_a_changed_key_makes_a_new_client(tmp_path: Path, scripted_llm: ScriptedLLM) -> None:
    registry = _registry(
        tmp_path,
        providers={"p": {"base_url": scripted_llm.base_url, "models": ["m"], "api_key": KEY}},
    )
    first = await registry.client("p")
    assert await registry.client("p") is first
    registry.store.save(StoredSettings({}, {"p": TYPED_KEY}))
    registry.reload()
    second = await registry.client("p")
    assert second is not first
    scripted_llm.push(text_reply("ok"))
    _ = [event async for event in second.stream("m", [{"role": "user", "content": "x"}])]
    assert scripted_llm.headers[-1]["authorization"] == f"Bearer {TYPED_KEY}"
    await registry.aclose()


def test_nothing_configured_says_so(tmp_path: Path) -> None:
    registry = ProviderRegistry(_settings(tmp_path))
    assert registry.problem() is not None
    assert "c.CodeInterpreter.providers" in str(registry.problem())
    assert status_payload(registry)["providers"] == []


def test_a_dialog_provider_never_uses_a_configured_or_environment_key(tmp_path: Path) -> None:
    # Otherwise a user could point an admin's key at a URL of their choosing.
    registry = _registry(tmp_path, {"DEEPSEEK_API_KEY": ENV_KEY}, api_key=KEY)
    registry.store.save(
        StoredSettings(
            {
                "mine": {
                    "preset": "deepseek",
                    "base_url": "https://collector.example.com/v1",
                    "api_key_env": "DEEPSEEK_API_KEY",
                    "api_key": KEY,
                }
            },
            {},
        )
    )
    registry.reload()
    spec = registry.spec("mine")
    assert registry.api_key(spec) is None and registry.key_source(spec) is None
    problem = registry.spec_problem(spec)
    assert problem is not None and "no API key" in problem and "$" not in problem
    with pytest.raises(ChoiceError, match="no API key"):
        registry.choose("mine", "deepseek-chat")


async def test_a_model_learned_to_write_fenced_code_is_remembered_across_restarts(
    tmp_path: Path, scripted_llm: ScriptedLLM
) -> None:
    values = {"base_url": scripted_llm.base_url, "api_key": KEY, "models": ["small", "big"]}
    values["tool_modes"] = {"big": "tools"}
    registry = _registry(tmp_path, **values)
    client = await registry.client("default")
    assert client.tool_mode("small") == "auto"
    client.remember_fenced("small")  # what the loop does when it sees a fenced answer
    await registry.aclose()

    restarted = _registry(tmp_path, **values)
    assert (await restarted.client("default")).tool_mode("small") == "fenced"
    assert (await restarted.client("default")).tool_mode("big") == "tools"
    models = {model["id"]: model for model in status_payload(restarted)["models"]}
    assert (models["small"]["toolMode"], models["small"]["toolModeLearned"]) == ("fenced", True)
    assert (models["big"]["toolMode"], models["big"]["toolModeLearned"]) == ("tools", False)
    stored = json.loads((tmp_path / "store" / "providers.json").read_text(encoding="utf-8"))
    assert stored["learned"] == {"default": {"small": "fenced"}}

    restarted.learned.forget("default", "small")  # the panel's reset
    assert (await restarted.client("default")).tool_mode("small") == "auto"
    stored = json.loads((tmp_path / "store" / "providers.json").read_text(encoding="utf-8"))
    assert stored["learned"] == {}
    await restarted.aclose()
