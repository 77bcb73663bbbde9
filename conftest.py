"""Shared fixtures: a jupyter_server with the extension, pointed at the scripted LLM on demand."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

pytest_plugins = ("pytest_jupyter.jupyter_server",)

TEST_API_KEY = "sk-test-0123456789abcdefSECRET"
"""A fake key the server is configured with; tests check it never leaves the server."""
TEST_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_-]*SECRET")
"""Every fake key of the test suite matches this; no REST or WebSocket payload may."""


class WireLog:
    """Every REST response body and WebSocket frame the test session received."""

    def __init__(self) -> None:
        """Nothing received yet."""
        self.payloads: list[str] = []

    def record(self, payload: bytes | str | None) -> None:
        """Keep one payload (as text)."""
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", "replace")
        if payload:
            self.payloads.append(payload)

    def leaks(self) -> list[str]:
        """Payloads that contain a test API key."""
        return [payload for payload in self.payloads if TEST_KEY_PATTERN.search(payload)]


@pytest.fixture(scope="session")
def wire_log() -> Iterator[WireLog]:
    """The session's payloads; at the end, none may contain a key."""
    log = WireLog()
    yield log
    leaks = log.leaks()
    assert not leaks, f"{len(leaks)} payload(s) contained an API key, e.g. {leaks[0][:300]}"


@pytest.fixture
def jp_fetch(jp_fetch: Callable[..., Awaitable[Any]], wire_log: WireLog) -> Callable[..., Any]:
    """pytest-jupyter's jp_fetch, recording every response body (errors too) in `wire_log`."""

    async def fetch(*args: Any, **kwargs: Any) -> Any:
        try:
            response = await jp_fetch(*args, **kwargs)
        except HTTPClientError as error:
            if error.response is not None:
                wire_log.record(error.response.body)
            raise
        wire_log.record(response.body)
        return response

    return fetch


@pytest.fixture
def jp_ws_fetch(
    jp_ws_fetch: Callable[..., Awaitable[Any]], wire_log: WireLog
) -> Callable[..., Any]:
    """pytest-jupyter's jp_ws_fetch, recording every frame the server sends in `wire_log`."""

    async def connect(*args: Any, **kwargs: Any) -> Any:
        socket = await jp_ws_fetch(*args, **kwargs)
        read = socket.read_message

        async def read_message(*read_args: Any, **read_kwargs: Any) -> Any:
            message = await read(*read_args, **read_kwargs)
            wire_log.record(message)
            return message

        socket.read_message = read_message
        return socket

    return connect


@pytest.fixture(autouse=True)
def private_jupyter_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """Every test gets its own Jupyter data dir: the default settings file (keys, learned tool
    modes) and conversation database of the code interpreter are never the user's real ones."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path_factory.mktemp("jupyter-data")))


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
