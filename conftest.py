"""Shared fixtures: a jupyter_server with the extension, pointed at the scripted LLM on demand."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets.config import Config

pytest_plugins = ("pytest_jupyter.jupyter_server",)

TEST_API_KEY = "sk-test-0123456789abcdefSECRET"
"""A fake key the server is configured with; tests check it never leaves the server."""


@pytest.fixture
def test_api_key() -> str:
    """The API key the server is configured with when `code_interp_server` is requested."""
    return TEST_API_KEY


@pytest.fixture
def code_interp_server(scripted_llm: Any) -> Any:
    """The scripted LLM the server's CodeInterpreter talks to (requesting it configures that)."""
    return scripted_llm


@pytest.fixture
def jp_server_config(request: pytest.FixtureRequest) -> Config:
    """The extension enabled on a server that requires authentication everywhere."""
    config: dict[str, Any] = {
        "ServerApp": {
            # pytest-jupyter adds jupyter_server_terminals unless told otherwise; it has its own
            # auth warnings, which would hide whether ours are clean.
            "jpserver_extensions": {
                "jupyter_code_interp": True,
                "jupyter_server_terminals": False,
            },
            # Test against a server which requires authentication on all endpoints
            "allow_unauthenticated_access": False,
        }
    }
    if "code_interp_server" in request.fixturenames:
        llm = request.getfixturevalue("code_interp_server")
        config["CodeInterpreter"] = {
            "base_url": llm.base_url,
            "api_key": TEST_API_KEY,
            "models": ["scripted-model", "其他-model"],
        }
    return Config(config)
