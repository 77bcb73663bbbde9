"""Benchmark: event-loop health, `GET /api/status` latency while 50 conversations stream.

Starts a real jupyter server with the extension and the scripted model server (lab_server.py),
times `/api/status` (jupyter_server's own cheap handler: its latency is the event loop's delay)
and `/code-interp/status` (the extension's) one request at a time, first on the idle server,
then while N WebSocket clients each stream a turn of `rate` deltas a second.

Goal (issue 7): p99 of `/api/status` ≤ 50 ms while 50 conversations stream.

Run: python benchmarks/status_load.py [--conversations 50] [--seconds 10] [--rate 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from lab_server import Lab, machine, percentile, poll_latencies, run_conversations, summary

GOAL_P99_MS = 50.0
PATHS = ("/api/status", "/code-interp/status")


async def poll_while(
    lab: Lab, work: asyncio.Future[Any] | None, seconds: float
) -> dict[str, list[float]]:
    """Latencies of each status path, polled every 50 ms until `work` ends (or for `seconds`)."""
    stop = asyncio.Event()
    pollers = {path: asyncio.ensure_future(poll_latencies(lab, path, stop, 0.05)) for path in PATHS}
    if work is None:
        await asyncio.sleep(seconds)
    else:
        await work
    stop.set()
    return {path: await poller for path, poller in pollers.items()}


async def measure(options: argparse.Namespace) -> None:
    """Idle figures, then figures under load; print a table."""
    load_before = os.getloadavg()[0]
    with Lab() as lab:
        await run_conversations(lab, 1, 5, 0.01)  # the first turn imports openai: not measured
        idle = await poll_while(lab, None, 3)
        chunks = int(options.seconds * options.rate)
        work = asyncio.ensure_future(
            run_conversations(lab, options.conversations, chunks, 1 / options.rate)
        )
        busy = await poll_while(lab, work, 0)
        results = work.result()
    received = sum(len(result.latencies_ms) for result in results)
    print(
        f"{options.conversations} conversations streaming {chunks} deltas each at "
        f"{options.rate:g}/s: {received}/{options.conversations * chunks} deltas received"
    )
    print(f"Machine: {machine()}; load average before the run {load_before:.2f}\n")
    print("| endpoint | idle p50 | idle p99 | under load p50 | under load p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for path in PATHS:
        quiet, loaded = idle[path], busy[path]
        print(
            f"| `{path}` | {percentile(quiet, 0.5):.1f} ms | {percentile(quiet, 0.99):.1f} ms | "
            f"{percentile(loaded, 0.5):.1f} ms | {percentile(loaded, 0.99):.1f} ms | "
            f"{max(loaded):.1f} ms |"
        )
        print(f"  {path} under load: {summary(loaded)}")
    p99 = percentile(busy["/api/status"], 0.99)
    verdict = "met" if p99 <= GOAL_P99_MS else "NOT met"
    print(f"\nGoal: /api/status p99 ≤ {GOAL_P99_MS:g} ms under load: {verdict} ({p99:.1f} ms).")


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10, help="length of each stream")
    parser.add_argument("--rate", type=float, default=40, help="deltas a second per stream")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
