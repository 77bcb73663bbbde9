"""A jupyter_server with the extension in a process of its own, to test a real restart."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

START_TIMEOUT = 90.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """A running server: where it listens and its token."""

    port: int
    token: str
    log: Path

    @property
    def headers(self) -> dict[str, str]:
        """The authorization header."""
        return {"Authorization": f"token {self.token}"}

    async def chat(self) -> WebSocketClientConnection:
        """A chat socket."""
        request = HTTPRequest(f"ws://127.0.0.1:{self.port}/code-interp/chat", headers=self.headers)
        return await websocket_connect(request)

    async def wait_ready(self, process: asyncio.subprocess.Process) -> None:
        """Poll /api/status until the server answers (or fail with its log)."""
        client = AsyncHTTPClient()
        url = f"http://127.0.0.1:{self.port}/api/status"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if process.returncode is not None:
                break
            try:
                await client.fetch(url, headers=self.headers, request_timeout=5)
                return
            except (OSError, HTTPClientError):
                await asyncio.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()[-4000:]}")


@asynccontextmanager
async def server_process(
    directory: Path, root: Path, config: dict[str, Any], environment: dict[str, str]
) -> AsyncIterator[ServerProcess]:
    """Start `jupyter server` on `root` with `config`; stop it (SIGTERM) at the end."""
    config_dir = directory / f"config-{uuid.uuid4().hex[:8]}"
    config_dir.mkdir(parents=True)
    token = uuid.uuid4().hex
    server = ServerProcess(free_port(), token, config_dir / "server.log")
    full: dict[str, Any] = {
        "ServerApp": {
            "port": server.port,
            "port_retries": 0,
            "ip": "127.0.0.1",
            "open_browser": False,
            "allow_root": True,
            "root_dir": str(root),
            "jpserver_extensions": {
                "jupyter_code_interp": True,
                "jupyter_server_terminals": False,
            },
        },
        "IdentityProvider": {"token": token},
        **config,
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(full), encoding="utf-8")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir), **environment}
    with server.log.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "jupyter_server",
            env=env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            cwd=root,
        )
    try:
        await server.wait_ready(process)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
