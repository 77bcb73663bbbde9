"""Benchmark: what big client frames cost the server (issue 14): memory, and the event loop.

Starts a real jupyter server with the extension (lab_server.py), then, in turn:
The clients are the sockets of one user (a browser logged in with the token, as in the issue's
probe).
- `oversized`: N clients in parallel each send frames of `--oversized-mb` MB (60 by default:
  under the 64 MiB tornado accepted before issue 14, far over what a frame may be now);
- `allowed`: N clients in parallel each send `turn` frames of about 7.5 MiB made of many small
  JSON objects (a large notebook context: what costs most to decode), which the server decodes
  and then refuses (they name an unknown provider).
Meanwhile, from a process of its own (the clients' large writes would delay it otherwise),
`GET /api/status` (jupyter_server's own trivial handler: its latency is the event loop's delay)
is timed every 50 ms, and the server's resident memory is sampled every 50 ms (/proc, Linux).

Run: python benchmarks/big_frames.py [--clients 4] [--rounds 3] [--oversized-mb 60]
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import multiprocessing
import os
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from lab_server import TOKEN, Lab, machine, percentile
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

STATUS_TIMEOUT = 60.0
"""Seconds a GET /api/status may take before it counts as that long (and as timed out)."""


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (nan where /proc is missing)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def watch(url: str, headers: dict[str, str], pid: int, ready: Any, stop: Any, results: Any) -> None:
    """In a process of its own (the clients' heavy writes would delay it otherwise): time
    `GET url` every 50 ms and sample the server's RSS until `stop` is set; put the figures on
    `results`."""
    latencies: list[float] = []
    memory: list[float] = [rss_mb(pid)]
    timeouts = 0
    sampler_stop = threading.Event()

    def sample() -> None:
        while not sampler_stop.is_set():
            memory.append(rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ready.set()
    while not stop.is_set():
        began = time.perf_counter()
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=STATUS_TIMEOUT) as response:
                response.read()
        except OSError:
            timeouts += 1
        latencies.append((time.perf_counter() - began) * 1000)
        time.sleep(0.05)
    sampler_stop.set()
    sampler.join()
    results.put((latencies, timeouts, max(memory)))


class Watcher:
    """`watch` running in another process while a block runs."""

    def __init__(self, lab: Lab, pid: int) -> None:
        """Watch `lab`'s /api/status and the memory of process `pid`."""
        context = multiprocessing.get_context("spawn")
        self._ready = context.Event()
        self._stop = context.Event()
        self._results = context.Queue()
        self._process = context.Process(
            target=watch,
            args=(
                f"{lab.base}/api/status",
                lab.headers,
                pid,
                self._ready,
                self._stop,
                self._results,
            ),
            daemon=True,
        )

    def __enter__(self) -> Watcher:  # noqa: PYI034 - stdlib only, like lab_server.py
        """Start watching, once the process runs."""
        self._process.start()
        self._ready.wait(120)
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop watching."""
        self._stop.set()
        self.figures: tuple[list[float], int, float] = self._results.get(timeout=120)
        self._process.join(30)


def log_in(lab: Lab) -> dict[str, str]:
    """Log in with the token as a browser does; the headers of that browser (one user)."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.open(f"{lab.base}/login").read()
    xsrf = next(cookie.value for cookie in jar if cookie.name == "_xsrf")
    form = urllib.parse.urlencode({"password": TOKEN, "_xsrf": str(xsrf)}).encode()
    browser.open(f"{lab.base}/login", form).read()
    return {"Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)}


def context_frame(megabytes: float) -> str:
    """A `turn` frame of about `megabytes` MiB whose context is many small cells and outputs."""
    output = {"output_type": "stream", "name": "stdout", "text": "value 12345\n"}
    cell = {"id": "c", "type": "code", "source": "x = 1", "outputs": [output] * 40}
    per_cell = len(json.dumps(cell))
    cells = [cell] * min(5000, int(megabytes * 2**20 / per_cell))
    frame = {
        "type": "turn",
        "turnId": uuid.uuid4().hex,
        "notebook": "bench.ipynb",
        "instruction": "go",
        "provider": "nobody",  # refused after decoding: only the decoding is measured
        "context": {"cells": cells, "activeIndex": 0},
    }
    return json.dumps(frame)


async def send_frames(lab: Lab, headers: dict[str, str], message: str, rounds: int) -> list[str]:
    """Send `message` `rounds` times on one socket (a new one when the server closed it); what
    the server answered each time."""
    answers: list[str] = []
    socket_ = None
    for _ in range(rounds):
        if socket_ is None:
            request = HTTPRequest(lab.ws_url, headers=headers)
            socket_ = await websocket_connect(request, max_message_size=2**27)
        try:
            await socket_.write_message(message)
            reply = await asyncio.wait_for(socket_.read_message(), 120)
        except Exception as error:  # noqa: BLE001 - a closed socket is one possible answer
            reply = None
            answers.append(f"closed ({type(error).__name__})")
        if reply is None:
            if not answers or not answers[-1].startswith("closed"):
                answers.append(f"closed ({socket_.close_code})")
            socket_.close()
            socket_ = None
        else:
            answers.append(str(json.loads(reply).get("message", reply))[:70])
    if socket_ is not None:
        socket_.close()
    return answers


async def scenario(
    lab: Lab, pid: int, message: str, clients: int, rounds: int
) -> dict[str, object]:
    """Figures while `clients` sockets of one user each send `message` `rounds` times."""
    headers = log_in(lab)
    with Watcher(lab, pid) as watcher:
        began = time.perf_counter()
        answers = await asyncio.gather(
            *(send_frames(lab, headers, message, rounds) for _ in range(clients))
        )
        seconds = time.perf_counter() - began
        await asyncio.sleep(0.3)
    latencies, timeouts, peak = watcher.figures
    return {
        "seconds": seconds,
        "latencies": latencies,
        "timeouts": timeouts,
        "peak_rss": peak,
        "answers": sorted({answer for group in answers for answer in group}),
    }


async def measure(options: argparse.Namespace) -> None:
    """Idle figures, then both scenarios; print a table."""
    load_before = os.getloadavg()[0]
    oversized = json.dumps({"type": "history", "notebook": "a.ipynb", "pad": "x" * 10})
    oversized = oversized[:-1] + ', "more": "' + "y" * int(options.oversized_mb * 1e6) + '"}'
    allowed = context_frame(7.5)
    with Lab() as lab:
        pid = lab._processes[-1].pid  # the jupyter server
        with Watcher(lab, pid) as idle:
            await asyncio.sleep(2)
        idle_latencies, _, idle_rss = idle.figures
        results = {
            f"{options.clients} × {options.rounds} frames of {len(oversized) / 1e6:.0f} MB": (
                await scenario(lab, pid, oversized, options.clients, options.rounds)
            ),
            f"{options.clients} × {options.rounds} turn frames of {len(allowed) / 2**20:.1f} MiB": (
                await scenario(lab, pid, allowed, options.clients, options.rounds)
            ),
        }
    print(f"Machine: {machine()}; load average before the run {load_before:.2f}")
    print(
        f"Idle: /api/status p50 {percentile(idle_latencies, 0.5):.1f} ms, "
        f"p99 {percentile(idle_latencies, 0.99):.1f} ms; server RSS {idle_rss:.0f} MB\n"
    )
    print(
        "| clients send | /api/status p50 | p99 | max | server peak RSS | took "
        f"| /api/status ≥ {STATUS_TIMEOUT:g} s | answers |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, result in results.items():
        latencies = result["latencies"]
        assert isinstance(latencies, list)
        print(
            f"| {name} | {percentile(latencies, 0.5):.1f} ms | "
            f"{percentile(latencies, 0.99):.1f} ms | {max(latencies):.1f} ms | "
            f"{result['peak_rss']:.0f} MB | {result['seconds']:.1f} s | "
            f"{result['timeouts']} | "
            f"{'; '.join(result['answers'])} |"  # type: ignore[arg-type]
        )


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--oversized-mb", type=float, default=60)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
