"""Tool modes learned from behaviour: `auto` models that answered a tools request with fenced code.

Kept per provider and model in the settings file (keystore.py, section `learned`), so a model
seen writing ```python blocks instead of calling the tool gets fenced requests after a restart
too. The panel shows them and can reset one (it then tries tool calls again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .keystore import KeyStore, KeyStoreError, StoredSettings

_log = logging.getLogger(__name__)


class LearnedModes:
    """The learned fenced models of each provider; the sets are shared with the live clients."""

    def __init__(self, store: KeyStore, stored: Callable[[], StoredSettings]) -> None:
        """Learn into `store`; `stored` gives the settings as last read (the file holds them all)."""
        self._store = store
        self._stored = stored
        self._fenced: dict[str, set[str]] = {}

    def sync(self) -> None:
        """Take the file's learned modes (after it was read), updating the shared sets in place."""
        learned = self._stored().learned
        for name, models in self._fenced.items():
            models.intersection_update(learned.get(name, {}))
        for name, modes in learned.items():
            self.models(name).update(modes)

    def models(self, provider: str) -> set[str]:
        """The set of fenced models of `provider` (a client adds to it when it learns one)."""
        return self._fenced.setdefault(provider, set())

    def fenced(self, provider: str, model: str) -> bool:
        """Whether `model` of `provider` was seen answering a tools request with fenced code."""
        return model in self._fenced.get(provider, set())

    def forget(self, provider: str, model: str) -> None:
        """Let an `auto` model try tool calls again (the panel's reset)."""
        self.models(provider).discard(model)
        self.save(provider)

    def save(self, provider: str) -> None:
        """Write the modes learned for `provider` (kept in memory only if the file cannot be)."""
        stored = self._stored()
        stored.learned[provider] = dict.fromkeys(sorted(self.models(provider)), "fenced")
        try:
            self._store.save(stored)
        except KeyStoreError as error:
            _log.warning("code-interp: the learned tool mode is not saved: %s", error)
