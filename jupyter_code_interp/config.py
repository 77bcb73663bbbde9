"""The `c.CodeInterpreter.*` configuration (traitlets and their validators), shared by the server
extension and the CLI; the app and the CLI build the services from it (services.py)."""

from __future__ import annotations

import os
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from traitlets import Bool, Dict, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from .limits import (
    COMPUTE_FIGURES,
    CONTEXT_BUDGET,
    MAX_FIX_ATTEMPTS,
    MAX_OUTPUT_TOKENS,
    MAX_STEPS,
    OUTPUT_LIMIT,
    RULES_LIMIT,
    TURN_TIME_LIMIT,
)
from .providers.client import TOOL_MODES


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
        default_value=[],
        config=True,
        help="Model ids offered in the panel. Empty: the models the endpoint lists (GET /models), "
        "or gpt-4o-mini and gpt-4o on OpenAI's own API.",
    )
    default_model = Unicode(
        config=True,
        help="Model used when the panel names none. Defaults to $OPENAI_MODEL; empty means the "
        "first model.",
    )
    tool_modes = Dict(
        value_trait=Unicode(),
        default_value={},
        config=True,
        help="How each model runs code: 'tools' (function calling), 'fenced' (```python blocks) "
        "or 'auto' (tools, falling back to fenced if the endpoint refuses tools). "
        "Models not listed use 'auto'.",
    )
    rules = Unicode(
        "",
        config=True,
        help="Rules for the model from the administrator (e.g. 'Use polars, not pandas.'), added "
        "to the system prompt of every turn, before the nearest AGENTS.md of the notebook's "
        f"folder; at most {RULES_LIMIT} characters are used.",
    )
    max_steps = Int(
        MAX_STEPS.default, config=True, help="Most code cells the model may run in one turn."
    )
    max_fix_attempts = Int(
        MAX_FIX_ATTEMPTS.default,
        config=True,
        help="Automatic fix attempts after a cell fails (0-10); the turn gives up after the last.",
    )
    context_budget = Int(
        CONTEXT_BUDGET,
        config=True,
        help="Prompt tokens one request may use (history, notebook context, outputs); at most "
        "3/4 of a model's context_window when that is known. Least useful parts are left out first.",
    )
    output_limit = Int(
        OUTPUT_LIMIT.default,
        config=True,
        help="Characters of a cell's outputs sent to the model per step.",
    )
    compute_figures = Bool(
        COMPUTE_FIGURES,
        config=True,
        help="When an instruction about files (attached, or named in it) gets an answer without "
        "any code having run, ask the model once to compute the figures with code.",
    )
    max_output_tokens = Int(
        MAX_OUTPUT_TOKENS,
        config=True,
        help="Tokens one reply of the model may have (sent as max_tokens; lowered to a quarter of "
        "a known small context window; 0 sends no cap). A reply cut by it ends the turn saying so.",
    )
    request_timeout = Float(
        120.0,
        config=True,
        help="Seconds to wait for the model's reply to start, and between two pieces of it.",
    )
    turn_time_limit = Float(
        TURN_TIME_LIMIT,
        config=True,
        help="Seconds one turn may take in all (the model's replies, the cells it runs, waiting "
        "for approval); then it is stopped, as with Stop. Bounds a model that answers slowly "
        "forever.",
    )
    providers = Dict(
        default_value={},
        config=True,
        help="Named providers: {name: {preset, base_url, api_key or api_key_env, api_version "
        "(Azure), models: [id or {id, tools, vision, context_window, price_in, price_out}], "
        "fetch_models, currency, label}}. Presets: openai, azure, deepseek, dashscope, "
        "dashscope-intl, moonshot, moonshot-intl, zhipu, ollama, vllm, lmstudio, llamacpp, custom.",
    )
    default_provider = Unicode(
        "", config=True, help="Provider used when the panel names none; empty: the first usable."
    )
    key_store_path = Unicode(
        config=True,
        help="File keeping providers and API keys entered in the panel (mode 0600). It must not "
        "be inside the server root. Default: <jupyter data dir>/code_interp/providers.json.",
    )
    db_path = Unicode(
        config=True,
        help="SQLite file keeping the panel's conversations (several per notebook, kept across "
        "restarts and renames; mode 0600). It must not be inside the server root. Default: "
        "<jupyter data dir>/code_interp/conversations.sqlite.",
    )
    local_model_path = Unicode(
        "",
        config=True,
        help="A GGUF file served on 127.0.0.1 by llama.cpp (pip install "
        "'jupyter_code_interp[local]'); adds the provider 'local'.",
    )
    local_model_context = Int(4096, config=True, help="Context size of the local model.")
    connection_test_timeout = Float(
        10.0, config=True, help="Seconds a connection test or model listing may take."
    )

    @default("key_store_path")
    def _default_key_store_path(self) -> str:
        """<jupyter data dir>/code_interp/providers.json."""
        return os.path.join(jupyter_data_dir(), "code_interp", "providers.json")

    @default("db_path")
    def _default_db_path(self) -> str:
        """<jupyter data dir>/code_interp/conversations.sqlite."""
        return os.path.join(jupyter_data_dir(), "code_interp", "conversations.sqlite")

    @default("base_url")
    def _default_base_url(self) -> str | None:
        """$OPENAI_BASE_URL, if set and not empty."""
        return os.environ.get("OPENAI_BASE_URL") or None

    @default("default_model")
    def _default_default_model(self) -> str:
        """$OPENAI_MODEL, if set."""
        return os.environ.get("OPENAI_MODEL", "").strip()

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

    @validate("max_output_tokens")
    def _check_output_tokens(self, proposal: Any) -> int:
        """The output cap is 0 (none) or a positive number of tokens."""
        value = int(proposal["value"])
        if value < 0:
            raise TraitError(f"c.CodeInterpreter.max_output_tokens must be 0 or more, not {value}.")
        return value

    @validate("max_fix_attempts")
    def _check_fix_attempts(self, proposal: Any) -> int:
        """Fix attempts must be within 0..10."""
        value = int(proposal["value"])
        low, high = MAX_FIX_ATTEMPTS.minimum, MAX_FIX_ATTEMPTS.maximum
        if not low <= value <= high:
            raise TraitError(
                f"c.CodeInterpreter.max_fix_attempts must be {low}-{high}, not {value}."
            )
        return value

    @validate(
        "max_steps",
        "output_limit",
        "request_timeout",
        "connection_test_timeout",
        "context_budget",
        "turn_time_limit",
    )
    def _check_positive(self, proposal: Any) -> Any:
        """Limits must be positive numbers."""
        if proposal["value"] <= 0:
            name = proposal["trait"].name
            raise TraitError(f"c.CodeInterpreter.{name} must be positive, not {proposal['value']}.")
        return proposal["value"]
