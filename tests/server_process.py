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
    process: asyncio.subprocess.Process | None = None
    """The server's process (set once it runs): a test may kill it."""

    @property
    def headers(self) -> dict[str, str]:
        """The authorization header."""
        return {"Authorization": f"token {self.token}"}

    async def chat(self) -> WebSocketClientConnection:
        """A chat socket."""
        request = HTTPRequest(f"ws://127.0.0.1:{self.port}/code-interp/chat", headers=self.headers)
        return await websocket_connect(request)

    async def run_in_kernel(self, code: str) -> str:
        """Start a python3 kernel through the server, run `code` there, return what it printed."""
        client = AsyncHTTPClient()
        base = f"http://127.0.0.1:{self.port}"
        started = await client.fetch(
            f"{base}/api/kernels", method="POST", body="{}", headers=self.headers
        )
        kernel_id = json.loads(started.body)["id"]
        request = HTTPRequest(
            f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels", headers=self.headers
        )
        socket = await websocket_connect(request)
        message_id = uuid.uuid4().hex
        header = {"msg_id": message_id, "msg_type": "execute_request", "username": "test"}
        content = {"code": code, "silent": False, "store_history": False, "allow_stdin": False}
        await socket.write_message(
            json.dumps(
                {
                    "header": {**header, "session": uuid.uuid4().hex, "version": "5.3"},
                    "parent_header": {},
                    "metadata": {},
                    "content": content,
                    "channel": "shell",
                }
            )
        )
        printed: list[str] = []
        try:
            while True:
                raw = await asyncio.wait_for(socket.read_message(), START_TIMEOUT)
                assert isinstance(raw, str), "the kernel socket closed"
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != message_id:
                    continue
                kind = message["header"]["msg_type"]
                if kind == "stream":
                    printed.append(message["content"]["text"])
                elif kind == "error":
                    printed.append("\n".join(message["content"]["traceback"]))
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    return "".join(printed)
        finally:
            socket.close()
            await client.fetch(
                f"{base}/api/kernels/{kernel_id}", method="DELETE", headers=self.headers
            )

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
    directory: Path,
    root: Path,
    config: dict[str, Any],
    environment: dict[str, str],
    arguments: tuple[str, ...] = (),
) -> AsyncIterator[ServerProcess]:
    """Start `jupyter server` on `root` with `config` (and command-line `arguments`); stop it
    (SIGTERM) at the end."""
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
            *arguments,
            env=env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            cwd=root,
        )
    server.process = process
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
