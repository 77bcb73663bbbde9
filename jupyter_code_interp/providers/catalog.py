"""What the endpoints say about their models: the lists they give (GET /models, cached) and the
context windows their servers run models with (cached), for the registry to offer and check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .client import ChatProvider, ProviderError
from .listing import ListedModel, find_listed, list_model_entries
from .windows import server_kind, server_window

MODELS_TTL = 300.0
"""Seconds a fetched model list (or a learned context window) is reused before asking again."""
FAILED_MODELS_TTL = 30.0
"""Seconds a failed listing is remembered (a local server may just be starting)."""

Probe = Callable[[], ChatProvider]


@dataclass
class Fetched:
    """The result of the last GET /models of a provider."""

    at: float
    entries: list[ListedModel] = field(default_factory=list)
    error: str | None = None
    kind: str | None = None
    """The ProviderError kind of a failed listing (no_models_route, unreachable, …)."""

    @property
    def ids(self) -> list[str]:
        """The listed model ids, in the endpoint's order."""
        return [entry.id for entry in self.entries]

    def entry(self, model: str) -> ListedModel | None:
        """The listed entry `model` names (Ollama's `:latest` tag understood), if listed."""
        listed = find_listed(model, self.ids)
        return next((entry for entry in self.entries if entry.id == listed), None)


class ModelCatalog:
    """Per provider name: its last model list and the context windows learned for its models."""

    def __init__(self) -> None:
        """Nothing fetched yet."""
        self._fetched: dict[str, Fetched] = {}
        self._windows: dict[tuple[str, str], tuple[float, int | None]] = {}

    def fetched(self, name: str) -> Fetched | None:
        """The last listing of provider `name`, if any."""
        return self._fetched.get(name)

    def remember(self, name: str, entries: list[ListedModel]) -> None:
        """Keep a model list fetched elsewhere (by a connection test)."""
        self._fetched[name] = Fetched(time.monotonic(), list(entries))

    def forget(self, name: str) -> None:
        """Drop what is known of a provider (its settings changed)."""
        self._fetched.pop(name, None)
        for key in [key for key in self._windows if key[0] == name]:
            del self._windows[key]

    def stale(self, name: str, now: float) -> bool:
        """Whether the model list of `name` should be fetched (again)."""
        fetched = self._fetched.get(name)
        if fetched is None:
            return True
        return now - fetched.at >= (FAILED_MODELS_TTL if fetched.error else MODELS_TTL)

    async def fetch(self, name: str, probe: Probe) -> None:
        """One provider's GET /models through a probe client, remembered with its time."""
        client = probe()
        try:
            entries = await list_model_entries(client)
            self._fetched[name] = Fetched(time.monotonic(), entries)
        except ProviderError as error:
            self._fetched[name] = Fetched(time.monotonic(), [], str(error), error.kind)
        finally:
            await client.aclose()

    async def window(
        self, name: str, preset: str, model: str, probe: Probe, base_url: str | None
    ) -> int | None:
        """`model`'s context window as its server runs it: from the model list, else asked of
        the server (llama.cpp, Ollama); None when nothing says. Cached like model lists."""
        fetched = self._fetched.get(name)
        entry = fetched.entry(model) if fetched is not None else None
        if entry is not None and entry.context_window:
            return entry.context_window
        kind = server_kind(preset, base_url, entry.owned_by if entry is not None else None)
        if kind is None:
            return None
        cached = self._windows.get((name, model))
        if cached is not None and time.monotonic() - cached[0] < MODELS_TTL:
            return cached[1]
        client = probe()
        try:
            found = await server_window(client, model, kind)
        finally:
            await client.aclose()
        self._windows[(name, model)] = (time.monotonic(), found)
        return found
