"""The services the server extension and the CLI build from `c.CodeInterpreter`.

Built once, before any kernel starts (kernels copy os.environ: provider keys are captured here
and removed from it), then handed to the handlers (`initialize()` keyword arguments) or to the
headless run. No module looks a service up anywhere else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .chat.budget import FrameBudget
from .config import CodeInterpreter
from .conversations.store import ConversationStore
from .files.paths import FileAccess
from .providers.redaction import protect_logs
from .providers.registry import ProviderRegistry


@dataclass
class Services:
    """What the handlers and the headless run work with."""

    settings: CodeInterpreter
    registry: ProviderRegistry
    conversations: ConversationStore
    files: FileAccess | None
    """Client paths are resolved in the server root (None: no root, e.g. a bare CLI run)."""
    frames: FrameBudget
    """What each user's chat sockets may make the server hold."""


def build_services(
    settings: CodeInterpreter,
    *,
    root_dir: str | None = None,
    allow_hidden: bool = False,
    persist: bool = True,
    log: logging.Logger | None = None,
) -> Services:
    """Capture the provider keys (then drop them from os.environ) and open the stores.

    `root_dir` is the server root: files outside it are refused and the key and conversation
    files must stay out of it. `persist=False` keeps conversations in memory (the CLI).
    """
    registry = ProviderRegistry(settings, server_root=root_dir, allow_hidden=allow_hidden)
    registry.scrub_environment()
    protect_logs(registry.secrets)
    conversations = ConversationStore(
        settings.db_path if persist else None,
        root=None if root_dir is None else Path(root_dir),
        allow_hidden=allow_hidden,
        log=log,
    )
    files = None if root_dir is None else FileAccess.at(root_dir, allow_hidden)
    return Services(settings, registry, conversations, files, FrameBudget())
