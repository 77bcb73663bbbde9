"""The `c.CodeInterpreter.*` configuration, shared by the server extension and the CLI."""

from __future__ import annotations

import os
from typing import Any

from traitlets import Dict, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from .providers import TOOL_MODES, ChatProvider

_WHERE_TO_SET = (
    "Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible provider) in the "
    "environment of `jupyter lab`, or c.CodeInterpreter.api_key / c.CodeInterpreter.base_url in "
    "jupyter_server_config.py. A base_url alone is enough for local servers that need no key "
    "(Ollama, llama.cpp, vLLM)."
)


class CodeInterpreter(Configurable):
    """Settings of the code interpreter: which endpoint and models, and the loop's limits."""

    base_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1. "
        "Defaults to $OPENAI_BASE_URL, else the OpenAI API.",
    )
    api_key = Unicode(
        None,
        allow_none=True,
        config=True,
        help="API key for the provider. Defaults to $OPENAI_API_KEY. Never sent to the browser, "
        "never logged, and removed from the environment kernels inherit.",
    )
    models = List(
        Unicode(),
        default_value=["gpt-4o-mini"],
        config=True,
        help="Model ids offered in the panel.",
    )
    default_model = Unicode(
        "", config=True, help="Model used when the panel names none; empty means the first model."
    )
    tool_modes = Dict(
        value_trait=Unicode(),
        default_value={},
        config=True,
        help="How each model runs code: 'tools' (function calling), 'fenced' (```python blocks) "
        "or 'auto' (tools, falling back to fenced if the endpoint refuses tools). "
        "Models not listed use 'auto'.",
    )
    max_steps = Int(10, config=True, help="Most code cells the model may run in one turn.")
    output_limit = Int(
        4000, config=True, help="Characters of a cell's outputs sent to the model per step."
    )
    request_timeout = Float(120.0, config=True, help="Seconds to wait for the model's reply.")

    @default("base_url")
    def _default_base_url(self) -> str | None:
        """$OPENAI_BASE_URL, if set and not empty."""
        return os.environ.get("OPENAI_BASE_URL") or None

    @default("api_key")
    def _default_api_key(self) -> str | None:
        """$OPENAI_API_KEY, if set and not empty."""
        return os.environ.get("OPENAI_API_KEY") or None

    @validate("tool_modes")
    def _check_tool_modes(self, proposal: Any) -> dict[str, str]:
        """Refuse modes other than tools/fenced/auto, naming the model."""
        modes: dict[str, str] = dict(proposal["value"])
        for model, mode in modes.items():
            if mode not in TOOL_MODES:
                raise TraitError(
                    f"c.CodeInterpreter.tool_modes[{model!r}] is {mode!r}; "
                    "use 'tools', 'fenced' or 'auto'."
                )
        return modes

    @validate("max_steps", "output_limit", "request_timeout")
    def _check_positive(self, proposal: Any) -> Any:
        """Limits must be positive numbers."""
        if proposal["value"] <= 0:
            name = proposal["trait"].name
            raise TraitError(f"c.CodeInterpreter.{name} must be positive, not {proposal['value']}.")
        return proposal["value"]

    def resolve_model(self, requested: str | None) -> str:
        """The model to use: the requested one, else the default, else the first listed."""
        if requested:
            return requested
        if self.default_model:
            return self.default_model
        return self.models[0] if self.models else ""

    def problem(self) -> str | None:
        """Why no request can work, or None when the configuration looks usable."""
        if not self.api_key and not self.base_url:
            return "No model provider is configured. " + _WHERE_TO_SET
        if not self.models and not self.default_model:
            return "No model is configured: set c.CodeInterpreter.models to a list of model ids."
        return None

    def status(self) -> dict[str, Any]:
        """The payload of GET /code-interp/status (never contains the key)."""
        problem = self.problem()
        model_ids = list(self.models)
        if self.default_model and self.default_model not in model_ids:
            model_ids.insert(0, self.default_model)
        return {
            "ready": problem is None,
            "problem": problem,
            "models": [
                {"id": model, "toolMode": self.tool_modes.get(model, "auto")} for model in model_ids
            ],
            "defaultModel": self.resolve_model(None),
            "baseUrl": ChatProvider(self.base_url, None, 1.0, {}).display_url,
            "maxSteps": self.max_steps,
            "outputLimit": self.output_limit,
        }

    def make_provider(self) -> ChatProvider:
        """A provider for the configured endpoint and key."""
        return ChatProvider(
            self.base_url, self.api_key, self.request_timeout, dict(self.tool_modes)
        )

    def scrub_environment(self) -> None:
        """Drop OPENAI_API_KEY from os.environ once captured, so kernels do not inherit it."""
        _ = self.api_key  # forces the default to read the environment first
        os.environ.pop("OPENAI_API_KEY", None)
