"""A local server's context window, where the server says it.

llama.cpp's server: GET /props, `default_generation_settings.n_ctx` (the context of one slot).
Ollama: the running model's `context_length` in GET /api/ps, else `num_ctx` in the parameters of
POST /api/show, else its default for machines under 24 GiB of VRAM (docs.ollama.com
context-length: 4096), never more than the model's own `<arch>.context_length`. vLLM's
`max_model_len` (and other servers' context fields) come with the model list (listing.py).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .client import ChatProvider
from .listing import DEFAULT_TAG

OLLAMA_DEFAULT_CONTEXT = 4096
"""Ollama's context when nothing sets num_ctx (machines with less than 24 GiB of VRAM)."""
OLLAMA_OWNERS = ("library", "ollama")


def server_kind(preset: str, base_url: str | None, owned_by: str | None) -> str | None:
    """Which server answers at `base_url`: "llamacpp", "ollama", or None when unknown."""
    if preset == "llamacpp" or owned_by == "llamacpp":
        return "llamacpp"
    port = urlsplit(base_url or "").port
    if preset == "ollama" or owned_by in OLLAMA_OWNERS or port == 11434:
        return "ollama"
    return None


def server_root(base_url: str) -> str:
    """The server's own root: the base URL without its trailing /v1."""
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


def _positive(value: Any) -> int | None:
    """`value` if it is a positive whole number."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


async def _json(provider: ChatProvider, path: str, body: Any = None) -> Any:
    """GET (or POST `body` to) `path` at the server's root; None on any failure."""
    import httpx

    url = server_root(provider.base_url or "") + path
    client = provider.client()
    try:
        if body is None:
            response = await client.get(url, cast_to=httpx.Response)
        else:
            response = await client.post(url, body=body, cast_to=httpx.Response)
        return response.json()
    except Exception:  # noqa: BLE001 - a server that does not say is not an error
        return None


async def llamacpp_window(provider: ChatProvider) -> int | None:
    """llama.cpp's context per slot, from GET /props."""
    props = await _json(provider, "/props")
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    found = settings.get("n_ctx") if isinstance(settings, dict) else None
    return _positive(found) or (_positive(props.get("n_ctx")) if isinstance(props, dict) else None)


async def ollama_window(provider: ChatProvider, model: str) -> int | None:
    """The context Ollama runs `model` with (see the module docstring)."""
    names = {model, model + DEFAULT_TAG}
    running = await _json(provider, "/api/ps")
    for entry in running.get("models", []) if isinstance(running, dict) else []:
        if not isinstance(entry, dict) or not names & {entry.get("name"), entry.get("model")}:
            continue
        if found := _positive(entry.get("context_length")):
            return found
    shown = await _json(provider, "/api/show", {"model": model})
    if not isinstance(shown, dict):
        return None
    parameters = shown.get("parameters")
    match = (
        re.search(r"^\s*num_ctx\s+(\d+)", parameters, re.MULTILINE)
        if isinstance(parameters, str)
        else None
    )
    if match:
        return int(match.group(1))
    info = shown.get("model_info")
    trained: int | None = None
    if isinstance(info, dict):
        architecture = info.get("general.architecture")
        trained = _positive(info.get(f"{architecture}.context_length"))
    return min(trained, OLLAMA_DEFAULT_CONTEXT) if trained else OLLAMA_DEFAULT_CONTEXT


async def server_window(provider: ChatProvider, model: str, kind: str | None) -> int | None:
    """The context window the server of `kind` gives `model`, or None if it does not say."""
    if kind == "llamacpp":
        return await llamacpp_window(provider)
    if kind == "ollama":
        return await ollama_window(provider, model)
    return None
