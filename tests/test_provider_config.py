"""Presets, and provider/model definitions parsed from config dicts and the dialog's JSON."""

from __future__ import annotations

import re

import pytest

from jupyter_code_interp.providers.presets import PRESETS, preset_key_variables
from jupyter_code_interp.providers.specs import (
    ModelSpec,
    ProviderConfigError,
    from_wire,
    parse_model,
    parse_provider,
    validate_name,
)


def test_presets_cover_the_endpoints_users_run() -> None:
    expected = {
        "openai": "https://api.openai.com/v1",
        "deepseek": "https://api.deepseek.com/v1",
        "dashscope": "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "moonshot": "https://api.moonshot.cn/v1",
        "zhipu": "https://open.bigmodel.cn/api/paas/v4",
        "ollama": "http://127.0.0.1:11434/v1",
        "vllm": "http://127.0.0.1:8000/v1",
        "lmstudio": "http://127.0.0.1:1234/v1",
        "llamacpp": "http://127.0.0.1:8080/v1",
    }
    for preset_id, url in expected.items():
        assert PRESETS[preset_id].base_url == url
    assert PRESETS["azure"].azure and PRESETS["azure"].base_url is None
    assert PRESETS["azure"].api_version
    for preset in PRESETS.values():
        # Cloud endpoints need a key; local servers do not.
        assert preset.needs_key == (
            preset.id not in ("ollama", "vllm", "lmstudio", "llamacpp", "custom")
        )
        public = preset.public()
        assert public["id"] == preset.id and public["label"]


def test_preset_key_variables_are_the_vendor_names() -> None:
    names = preset_key_variables()
    for name in (
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "DEEPSEEK_API_KEY",
        "DASHSCOPE_API_KEY",
        "MOONSHOT_API_KEY",
        "ZHIPUAI_API_KEY",
    ):
        assert name in names
    assert len(names) == len(set(names))


def test_a_preset_fills_in_url_key_variable_and_models() -> None:
    spec = parse_provider("deepseek", {"preset": "deepseek"})
    assert spec.base_url == "https://api.deepseek.com/v1"
    assert spec.api_key_env == "DEEPSEEK_API_KEY"
    assert spec.needs_key and spec.fetch_models
    assert [model.id for model in spec.models] == ["deepseek-chat", "deepseek-reasoner"]
    assert spec.model("deepseek-chat") == ModelSpec("deepseek-chat", "tools")
    assert spec.model("deepseek-reasoner") == ModelSpec("deepseek-reasoner", "auto")


def test_the_preset_defaults_to_the_provider_name() -> None:
    assert parse_provider("ollama", {}).base_url == "http://127.0.0.1:11434/v1"


def test_explicit_settings_override_the_preset() -> None:
    spec = parse_provider(
        "qwen",
        {
            "preset": "dashscope",
            "label": "通义千问",
            "base_url": "https://proxy.example.com/v1/",
            "api_key_env": "MY_QWEN_KEY",
            "models": ["qwen-max", {"id": "qwen-vl-max", "vision": True, "tools": False}],
            "currency": "CNY",
        },
    )
    assert spec.label == "通义千问"
    assert spec.base_url == "https://proxy.example.com/v1"
    assert spec.api_key_env == "MY_QWEN_KEY"
    assert spec.models == (
        ModelSpec("qwen-max"),
        ModelSpec("qwen-vl-max", "fenced", vision=True),
    )
    assert spec.currency == "CNY"


def test_a_base_url_without_preset_is_a_custom_endpoint() -> None:
    spec = parse_provider("lab-gpu", {"base_url": "http://10.0.0.5:8000/v1", "models": ["m"]})
    assert spec.preset == "custom"
    assert spec.label == "lab-gpu"
    assert not spec.needs_key


def test_azure_takes_its_endpoint_and_api_version() -> None:
    spec = parse_provider(
        "azure",
        {
            "preset": "azure",
            "base_url": "https://myres.openai.azure.com",
            "api_version": "2024-06-01",
            "models": ["my-gpt4o-deployment"],
        },
    )
    assert spec.azure
    assert spec.api_version == "2024-06-01"
    assert spec.api_key_env == "AZURE_OPENAI_API_KEY"
    assert parse_provider("az", {"preset": "azure"}).api_version == PRESETS["azure"].api_version


def test_model_capabilities_and_prices() -> None:
    model = parse_model(
        {
            "id": "gpt-4o",
            "tools": True,
            "vision": True,
            "context_window": 128000,
            "price_in": 2.5,
            "price_out": 10,
        },
        "m",
    )
    assert model == ModelSpec("gpt-4o", "tools", True, 128000, 2.5, 10.0)
    assert parse_model({"id": "x", "tool_mode": "fenced"}, "m").tool_mode == "fenced"
    assert parse_model("plain", "m") == ModelSpec("plain")
    public = model.public("openai", "USD")
    assert public["priceOut"] == 10.0 and public["contextWindow"] == 128000
    assert parse_model(model.stored(), "again") == model


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"preset": "nope"}, "unknown preset 'nope'"),
        ({"base_url": "ftp://x"}, "must be an http:// or https:// URL"),
        ({"preset": "openai", "modles": []}, "unknown field(s) modles"),
        ({"preset": "openai", "models": "gpt-4o"}, "'models' must be a list"),
        ({"preset": "openai", "models": ["a", "a"]}, "a model is listed twice"),
        ({"preset": "openai", "models": [{"name": "a"}]}, "unknown field(s) name"),
        ({"preset": "openai", "models": [{"id": ""}]}, "non-empty string 'id'"),
        ({"preset": "openai", "models": [{"id": "a", "tools": "yes"}]}, "'tools' must be"),
        ({"preset": "openai", "models": [{"id": "a", "price_in": -1}]}, "must be positive"),
        ({"preset": "openai", "models": [{"id": "a", "price_in": "1"}]}, "must be a number"),
        ({"preset": "openai", "models": [{"id": "a", "context_window": 1.5}]}, "whole number"),
        ({"preset": "openai", "fetch_models": "yes"}, "'fetch_models' must be true or false"),
        ({"preset": "openai", "api_key_env": "MY KEY"}, "environment variable name"),
        ("openai", "must be an object"),
    ],
)
def test_bad_definitions_are_refused_with_the_reason(raw: object, message: str) -> None:
    with pytest.raises(ProviderConfigError, match=re.escape(message)):
        parse_provider("p", raw)


def test_provider_names_are_checked() -> None:
    assert validate_name("deepseek-2.5_a") == "deepseek-2.5_a"
    for bad in ("", "-x", "a/b", "名字", "x" * 41, None):
        with pytest.raises(ProviderConfigError, match="is not valid"):
            validate_name(bad)


def test_from_wire_converts_the_dialog_json_and_drops_the_key() -> None:
    raw = from_wire(
        {
            "preset": "custom",
            "baseUrl": "http://127.0.0.1:9/v1",
            "apiKey": "sk-never-stored-here",
            "models": [{"id": "m", "contextWindow": 4096, "priceIn": 1}],
            "fetchModels": False,
        }
    )
    assert raw == {
        "preset": "custom",
        "base_url": "http://127.0.0.1:9/v1",
        "models": [{"id": "m", "context_window": 4096, "price_in": 1}],
        "fetch_models": False,
    }
    with pytest.raises(ProviderConfigError, match="Unknown field 'colour'"):
        from_wire({"colour": "red"})
    with pytest.raises(ProviderConfigError, match="must be a JSON object"):
        from_wire([1])
