"""Shared harness of the server benchmarks: a real jupyter server with the extension, the
scripted model server, and WebSocket clients that run turns and time the streamed text.

Both servers run in their own processes, so the clients' event loop (this process) does not
share a GIL with what is measured. The scripted server stamps each delta with
`time.monotonic_ns()` as it writes it (`stamps` replies); CLOCK_MONOTONIC is shared by all
processes of the machine, so a client can subtract the stamp from its own reading.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-" + uuid.uuid4().hex
STAMP = re.compile(r"t=(\d+);")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    if not values:
        return "no samples"
    return (
        f"p50 {statistics.median(values):.2f} ms, p99 {percentile(values, 0.99):.2f} ms, "
        f"max {max(values):.2f} ms ({len(values)} samples)"
    )


def machine() -> str:
    """CPU model, cores, RAM, OS and Python of this machine."""
    cpu = platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kilobytes / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _wait_http(url: str, seconds: float, headers: dict[str, str] | None = None) -> None:
    """Poll `url` until it answers 200."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.1)


class Lab:
    """A jupyter server with the extension, pointed at a scripted model server (both started)."""

    def __init__(self) -> None:
        """Pick ports and a scratch directory; `start` launches the processes."""
        self.llm_port = free_port()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/code-interp/chat"
        self.headers = {"Authorization": f"token {TOKEN}"}
        self._scratch = Path(tempfile.mkdtemp(prefix="code-interp-bench-"))
        self._processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> Lab:
        """Start the scripted server, then the jupyter server, and wait until both answer."""
        llm = f"http://127.0.0.1:{self.llm_port}"
        self._spawn(
            [sys.executable, str(ROOT / "tests" / "scripted_llm.py"), "--port", str(self.llm_port)]
        )
        _wait_http(f"{llm}/v1/models", 30)
        root = self._scratch / "root"
        root.mkdir()
        env = {
            **os.environ,
            # Conversations, keys and runtime files in the scratch directory, never the user's.
            "JUPYTER_DATA_DIR": str(self._scratch / "data"),
            "JUPYTER_RUNTIME_DIR": str(self._scratch / "runtime"),
        }
        self._spawn(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--ServerApp.port={self.port}",
                "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port_retries=0",
                "--ServerApp.open_browser=False",
                "--ServerApp.allow_root=True",
                f"--ServerApp.root_dir={root}",
                f"--IdentityProvider.token={TOKEN}",
                "--ServerApp.jpserver_extensions=jupyter_code_interp=True",
                f"--CodeInterpreter.base_url={llm}/v1",
                "--CodeInterpreter.api_key=scripted-bench-key",
                "--CodeInterpreter.models=scripted-model",
                f"--CodeInterpreter.key_store_path={self._scratch / 'keys' / 'providers.json'}",
            ],
            env,
        )
        _wait_http(f"{self.base}/api/status", 60, self.headers)
        return self

    def _spawn(self, command: list[str], env: dict[str, str] | None = None) -> None:
        """Start a server process whose output is discarded."""
        self._processes.append(
            subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self._scratch,
            )
        )

    def server_cpu_seconds(self) -> float:
        """User + system CPU time the jupyter server process has used so far (Linux /proc)."""
        server = self._processes[-1]
        try:
            fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        # Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after the ")".
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Stop both servers (the jupyter server first) and remove the scratch directory."""
        for process in reversed(self._processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def script(self, replies: list[dict[str, object]]) -> None:
        """Forget earlier replies and queue these on the scripted server."""
        llm = f"http://127.0.0.1:{self.llm_port}"
        urllib.request.urlopen(urllib.request.Request(f"{llm}/_reset", b"", method="POST"))
        data = json.dumps(replies).encode()
        request = urllib.request.Request(
            f"{llm}/_script", data, {"Content-Type": "application/json"}, method="POST"
        )
        urllib.request.urlopen(request).close()

    def __enter__(self) -> Lab:  # noqa: PYI034 - stdlib only, like tests/scripted_llm.py
        """Start on entering a `with` block (a failed start leaves no process behind)."""
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on leaving it."""
        self.stop()


@dataclass
class TurnFigures:
    """What one conversation's turn delivered to its client."""

    latencies_ms: list[float] = field(default_factory=list)
    stamps: int = 0
    out_of_order: int = 0
    reason: str = ""


async def stream_turn(lab: Lab, notebook: str, start: asyncio.Event) -> TurnFigures:
    """Open a socket, start a turn in `notebook` once `start` is set, time every text frame."""
    figures = TurnFigures()
    last_stamp = 0
    request = HTTPRequest(lab.ws_url, headers=lab.headers)
    socket_ = await websocket_connect(request, max_message_size=16 * 2**20)
    try:
        await start.wait()
        turn = {
            "type": "turn",
            "turnId": uuid.uuid4().hex,
            "notebook": notebook,
            "instruction": "go",
        }
        await socket_.write_message(json.dumps(turn))
        while True:
            message = await socket_.read_message()
            received = time.monotonic_ns()
            if message is None:
                figures.reason = "socket closed"
                return figures
            frame = json.loads(message)
            if frame.get("type") == "text":
                for stamp in map(int, STAMP.findall(frame.get("delta", ""))):
                    figures.latencies_ms.append((received - stamp) / 1e6)
                    figures.stamps += 1
                    figures.out_of_order += stamp < last_stamp
                    last_stamp = max(last_stamp, stamp)
            elif frame.get("type") == "turn_finished":
                figures.reason = str(frame.get("reason"))
                if frame.get("reason") != "done":
                    figures.reason += f": {frame.get('message')}"
                return figures
            elif frame.get("type") == "error":
                figures.reason = f"error frame: {frame.get('message')}"
                return figures
    finally:
        socket_.close()


async def run_conversations(
    lab: Lab, conversations: int, chunks: int, interval: float
) -> list[TurnFigures]:
    """`conversations` sockets, each streaming one turn of `chunks` stamped deltas at once."""
    lab.script([{"stamps": chunks, "delay": interval} for _ in range(conversations)])
    start = asyncio.Event()
    tasks = [
        asyncio.ensure_future(stream_turn(lab, f"bench-{index}.ipynb", start))
        for index in range(conversations)
    ]
    await asyncio.sleep(0.5)  # every socket open before the first turn starts
    start.set()
    return list(await asyncio.gather(*tasks))


async def poll_latencies(lab: Lab, path: str, stop: asyncio.Event, interval: float) -> list[float]:
    """Latencies (ms) of `GET path`, one request at a time every `interval` s until `stop`."""
    client = AsyncHTTPClient()
    latencies: list[float] = []
    while not stop.is_set():
        began = time.perf_counter()
        response = await client.fetch(f"{lab.base}{path}", headers=lab.headers, raise_error=False)
        if response.code == 200:
            latencies.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(interval)
    return latencies
