"""Presets for OpenAI-compatible endpoints: where they live, which key they need, their models.

Presets are starting points: a user picks one and pastes a key, an admin names one in
`c.CodeInterpreter.providers`. Only base URLs documented by each vendor are listed; prices are
left out on purpose (they change often and differ by region) and can be set per model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

OPENAI_BASE_URL = "https://api.openai.com/v1"
AZURE_API_VERSION = "2024-10-21"
"""A GA version of the Azure OpenAI data-plane API; override it with `api_version`."""


@dataclass(frozen=True)
class Preset:
    """A known OpenAI-compatible endpoint."""

    id: str
    label: str
    base_url: str | None
    """None when each user has their own (Azure resource endpoint, custom servers)."""
    key_env: str | None
    """Environment variable the key is read from when none is configured."""
    needs_key: bool
    models: tuple[dict[str, Any], ...] = ()
    fetch_models: bool = False
    """Whether GET {base_url}/models lists the models worth offering."""
    azure: bool = False
    api_version: str | None = None
    url_env: str | None = None
    """Environment variable the base URL is read from when none is configured."""
    note: str = ""
    local: bool = False

    def public(self) -> dict[str, Any]:
        """The preset as the settings dialog shows it (camelCase, no secrets in a preset)."""
        return {
            "id": self.id,
            "label": self.label,
            "baseUrl": self.base_url,
            "keyEnv": self.key_env,
            "needsKey": self.needs_key,
            "models": [model["id"] for model in self.models],
            "fetchModels": self.fetch_models,
            "azure": self.azure,
            "apiVersion": self.api_version,
            "local": self.local,
            "note": self.note,
        }


def _model(model_id: str, **capabilities: Any) -> dict[str, Any]:
    """A model entry in the same form as `c.CodeInterpreter.providers[...]['models']`."""
    return {"id": model_id, **capabilities}


PRESETS: dict[str, Preset] = {
    preset.id: preset
    for preset in (
        Preset(
            "openai",
            "OpenAI",
            OPENAI_BASE_URL,
            "OPENAI_API_KEY",
            True,
            (
                _model("gpt-4o-mini", tools=True, vision=True, context_window=128000),
                _model("gpt-4o", tools=True, vision=True, context_window=128000),
            ),
        ),
        Preset(
            "azure",
            "Azure OpenAI",
            None,
            "AZURE_OPENAI_API_KEY",
            True,
            azure=True,
            api_version=AZURE_API_VERSION,
            url_env="AZURE_OPENAI_ENDPOINT",
            note="Base URL: your resource endpoint, https://<resource>.openai.azure.com. "
            "Models: your deployment names.",
        ),
        Preset(
            "deepseek",
            "DeepSeek",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
            True,
            (_model("deepseek-chat", tools=True), _model("deepseek-reasoner")),
            fetch_models=True,
        ),
        Preset(
            "dashscope",
            "Qwen (DashScope, China)",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            True,
            (
                _model("qwen-plus", tools=True),
                _model("qwen-max", tools=True),
                _model("qwen-turbo", tools=True),
                _model("qwen-vl-plus", vision=True),
            ),
        ),
        Preset(
            "dashscope-intl",
            "Qwen (DashScope, international)",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            True,
            (_model("qwen-plus", tools=True), _model("qwen-max", tools=True)),
        ),
        Preset(
            "moonshot",
            "Moonshot / Kimi (China)",
            "https://api.moonshot.cn/v1",
            "MOONSHOT_API_KEY",
            True,
            (
                _model("moonshot-v1-8k", tools=True, context_window=8192),
                _model("moonshot-v1-32k", tools=True, context_window=32768),
                _model("moonshot-v1-128k", tools=True, context_window=131072),
            ),
            fetch_models=True,
        ),
        Preset(
            "moonshot-intl",
            "Moonshot / Kimi (international)",
            "https://api.moonshot.ai/v1",
            "MOONSHOT_API_KEY",
            True,
            (_model("moonshot-v1-32k", tools=True, context_window=32768),),
            fetch_models=True,
        ),
        Preset(
            "zhipu",
            "Zhipu GLM",
            "https://open.bigmodel.cn/api/paas/v4",
            "ZHIPUAI_API_KEY",
            True,
            (
                _model("glm-4-plus", tools=True),
                _model("glm-4-flash", tools=True),
                _model("glm-4v-plus", vision=True),
            ),
        ),
        Preset(
            "ollama",
            "Ollama",
            "http://127.0.0.1:11434/v1",
            None,
            False,
            fetch_models=True,
            local=True,
        ),
        Preset(
            "vllm",
            "vLLM",
            "http://127.0.0.1:8000/v1",
            "VLLM_API_KEY",
            False,
            fetch_models=True,
            local=True,
        ),
        Preset(
            "lmstudio",
            "LM Studio",
            "http://127.0.0.1:1234/v1",
            None,
            False,
            fetch_models=True,
            local=True,
        ),
        Preset(
            "llamacpp",
            "llama.cpp server",
            "http://127.0.0.1:8080/v1",
            None,
            False,
            fetch_models=True,
            local=True,
        ),
        Preset(
            "custom",
            "Other OpenAI-compatible endpoint",
            None,
            None,
            False,
            fetch_models=True,
        ),
    )
}


def preset_key_variables() -> tuple[str, ...]:
    """Every environment variable a preset reads a key from (kept out of kernels)."""
    names = [preset.key_env for preset in PRESETS.values() if preset.key_env]
    return tuple(dict.fromkeys(names))


def environment_without_keys() -> dict[str, str]:
    """A copy of os.environ without any preset's key variable: for kernels and child servers,
    which run code a model wrote."""
    secrets = set(preset_key_variables())
    return {name: value for name, value in os.environ.items() if name not in secrets}
