"""Fixtures shared by the tests of the plain-async core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_llm import ScriptedLLM


@pytest.fixture
def scripted_llm() -> Iterator[ScriptedLLM]:
    """A scripted OpenAI-compatible server on 127.0.0.1, started for one test."""
    server = ScriptedLLM().start()
    try:
        yield server
    finally:
        server.stop()
