"""The settings file of the providers dialog: user-added providers and API keys typed in the UI.

One JSON file, readable by its owner only (0600, directory 0700), replaced atomically on every
change, and never inside a directory the file browser can serve.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files.paths import served_from_root

FILE_VERSION = 1


class KeyStoreError(Exception):
    """The settings file cannot be used; the message says why and what to set."""


@dataclass
class StoredSettings:
    """What the file holds: provider definitions (config form), keys by provider name, and the
    tool modes learned from models' behaviour ({provider: {model: "fenced"}})."""

    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict, repr=False)
    learned: dict[str, dict[str, str]] = field(default_factory=dict)


class KeyStore:
    """Reads and writes the provider settings file."""

    def __init__(self, path: Path, root: Path | None = None, allow_hidden: bool = False) -> None:
        """A store at `path`; `root` is the server root it must stay out of."""
        self.path = path.expanduser()
        self.problem: str | None = None
        if served_from_root(self.path, root, allow_hidden):
            self.problem = (
                f"The provider settings file {self.path.resolve()} is inside the server root "
                f"{root}, where the file browser could serve it. Set "
                "c.CodeInterpreter.key_store_path to a path outside it."
            )

    def __repr__(self) -> str:
        """The path, never the content."""
        return f"KeyStore({str(self.path)!r})"

    def load(self) -> StoredSettings:
        """The file's content; an absent file is an empty store."""
        if self.problem is not None:
            return StoredSettings()
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return StoredSettings()
        except OSError as error:
            raise KeyStoreError(
                f"Cannot read the provider settings file {self.path}: {error.strerror}."
            ) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise KeyStoreError(
                f"The provider settings file {self.path} is not valid JSON; fix or delete it."
            ) from None
        if not isinstance(data, dict):
            raise KeyStoreError(f"The provider settings file {self.path} is not a JSON object.")
        providers = data.get("providers") or {}
        keys = data.get("keys") or {}
        learned = data.get("learned") or {}
        if not all(isinstance(part, dict) for part in (providers, keys, learned)):
            raise KeyStoreError(
                f"The provider settings file {self.path} has an unexpected layout; fix or delete it."
            )
        return StoredSettings(
            {str(name): value for name, value in providers.items() if isinstance(value, dict)},
            {str(name): value for name, value in keys.items() if isinstance(value, str)},
            {
                str(name): {str(model): mode for model, mode in modes.items() if mode == "fenced"}
                for name, modes in learned.items()
                if isinstance(modes, dict)
            },
        )

    def save(self, settings: StoredSettings) -> None:
        """Write `settings`: a private temporary file beside the target, then a rename."""
        if self.problem is not None:
            raise KeyStoreError(self.problem)
        directory = self.path.parent
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            text = json.dumps(
                {
                    "version": FILE_VERSION,
                    "providers": settings.providers,
                    "keys": settings.keys,
                    "learned": {name: modes for name, modes in settings.learned.items() if modes},
                },
                ensure_ascii=False,
                indent=1,
                sort_keys=True,
            )
            # mkstemp creates the file 0600, so the key is never readable by others, even briefly.
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=directory
            )
        except OSError as error:
            raise KeyStoreError(
                f"Cannot write the provider settings file {self.path}: {error.strerror}."
            ) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise KeyStoreError(
                f"Cannot write the provider settings file {self.path}: {error.strerror}."
            ) from None
