"""A local GGUF model served by llama.cpp's own OpenAI-compatible server (the `xllamacpp` wheel).

The server runs in a child process (`python -m jupyter_code_interp.providers.local_model`) on 127.0.0.1 and
a free port: it can be stopped for sure, a crash in native code cannot take Jupyter down, and it
exits by itself when its parent goes away (its stdin closes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from .presets import environment_without_keys

INSTALL_HINT = "pip install 'jupyter_code_interp[local]'"
LOG_TAIL = 600
"""Characters of the server's log quoted when it fails to start."""


def _free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalModelError(Exception):
    """The local model server could not start; the message says why."""


class LocalModelServer:
    """Starts, watches and stops one llama.cpp server for a GGUF file."""

    def __init__(
        self,
        model_path: Path,
        *,
        context: int = 4096,
        max_tokens: int = 1024,
        startup_timeout: float = 120.0,
    ) -> None:
        """A server for `model_path`; nothing starts before `start`."""
        self.model_path = model_path.expanduser()
        self.context = context
        self.max_tokens = max_tokens
        self.startup_timeout = startup_timeout
        self.base_url: str | None = None
        self.startup_seconds: float | None = None
        """How long the last start took, until the server answered /health."""
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None
        self._lock = asyncio.Lock()

    @property
    def model_id(self) -> str:
        """The model's name in requests (llama.cpp serves its one model under any name)."""
        return self.model_path.stem

    def problem(self) -> str | None:
        """Why the server cannot start, or None."""
        if self.model_path.suffix.lower() != ".gguf":
            return f"The local model {self.model_path} is not a .gguf file."
        if not self.model_path.is_file():
            return f"The local model file {self.model_path} does not exist."
        if importlib.util.find_spec("xllamacpp") is None:
            return f"The local model needs the xllamacpp package: {INSTALL_HINT}."
        return None

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._process is not None and self._process.returncode is None

    async def start(self) -> str:
        """Start the server if it is not running; returns its base URL once it answers."""
        async with self._lock:
            if self.running and self.base_url is not None:
                return self.base_url
            problem = self.problem()
            if problem is not None:
                raise LocalModelError(problem)
            began = time.monotonic()
            port = _free_port()
            environment = environment_without_keys()  # no provider key in the child either
            if self._log is None:
                self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
            self._log.seek(0)
            self._log.truncate()
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "jupyter_code_interp.providers.local_model",
                str(self.model_path),
                "--port",
                str(port),
                "--context",
                str(self.context),
                "--max-tokens",
                str(self.max_tokens),
                stdin=subprocess.PIPE,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=environment,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                await self._wait_ready(url)
            except BaseException:
                await self._terminate()
                raise
            self.startup_seconds = time.monotonic() - began
            self.base_url = url + "/v1"
            return self.base_url

    async def _wait_ready(self, url: str) -> None:
        """Poll GET /health until it answers 200, the process dies or the time is up."""
        import httpx

        deadline = time.monotonic() + self.startup_timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._process is None or self._process.returncode is not None:
                    raise LocalModelError(
                        f"The local model server exited while starting: {self._log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url + "/health")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise LocalModelError(
            f"The local model server did not answer within {self.startup_timeout:g} s: "
            f"{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        """The end of the server's output, as one line."""
        if self._log is None:
            return "(no output)"
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        size = self._log.tell()
        self._log.seek(max(0, size - LOG_TAIL))
        text = self._log.read().decode("utf-8", "replace")
        return " ".join(text.split()) or "(no output)"

    async def _terminate(self) -> None:
        """Stop the child: SIGTERM, then SIGKILL if it lingers."""
        process, self._process = self._process, None
        self.base_url = None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5.0)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()

    async def stop(self) -> None:
        """Stop the server (safe to call when it is not running)."""
        async with self._lock:
            await self._terminate()
            if self._log is not None:
                self._log.close()
                self._log = None


def serve(model: str, port: int, context: int, max_tokens: int) -> None:
    """Run llama.cpp's server in this process until stdin closes (the parent went away)."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.port = port
    params.n_ctx = context
    params.n_parallel = 1
    params.n_predict = max_tokens
    # The cores this process may use (a container's cpu_count can be the host's).
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    threads = max(1, min(8, len(usable) if usable else (os.cpu_count() or 1)))
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    server = xllamacpp.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    sys.stdin.read()


def main() -> None:
    """Entry point of the child process."""
    parser = argparse.ArgumentParser(description="Serve a GGUF model on 127.0.0.1.")
    parser.add_argument("model")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--max-tokens", type=int, default=1024)
    options = parser.parse_args()
    serve(options.model, options.port, options.context, options.max_tokens)


if __name__ == "__main__":
    main()
