"""Benchmark: relay latency, scripted model chunk → text frame at a WebSocket client.

Starts a real jupyter server with the extension and the scripted model server (separate
processes, see lab_server.py). N WebSocket clients (tornado) each start a turn in their own
notebook at the same moment; the scripted server streams `rate` deltas a second per
conversation, each carrying the CLOCK_MONOTONIC reading taken as it is written; the client
subtracts it from its reading when the `text` frame arrives. That is the whole relay: scripted
server socket → openai client (httpx, SSE parsing) → agent loop → tornado WebSocket → client.

With `--baseline` the same streams are also read directly from the scripted server by plain HTTP
clients in this process (no jupyter server): the difference is what the server adds.

Goals (issue 7): p50 ≤ 1 ms, p99 ≤ 20 ms, with 1 and with 50 concurrent conversations.

Run: python benchmarks/relay_latency.py [--conversations 1 50] [--seconds 10] [--rate 40]
     [--baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

from lab_server import STAMP, Lab, machine, percentile, run_conversations, summary
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

GOAL_P50_MS = 1.0
GOAL_P99_MS = 20.0


async def direct_streams(lab: Lab, conversations: int, chunks: int, interval: float) -> list[float]:
    """Latencies (ms) of the same streams read straight from the scripted server."""
    lab.script([{"stamps": chunks, "delay": interval} for _ in range(conversations)])
    client = AsyncHTTPClient(force_instance=True, max_clients=conversations + 5)
    latencies: list[float] = []
    body = json.dumps({"model": "scripted-model", "stream": True, "messages": []})

    def on_chunk(data: bytes) -> None:
        received = time.monotonic_ns()
        for stamp in STAMP.findall(data.decode("utf-8", "replace")):
            latencies.append((received - int(stamp)) / 1e6)

    requests = []
    for _ in range(conversations):
        request = HTTPRequest(
            f"http://127.0.0.1:{lab.llm_port}/v1/chat/completions",
            method="POST",
            body=body,
            headers={"Content-Type": "application/json"},
            streaming_callback=on_chunk,
            request_timeout=600,
        )
        requests.append(client.fetch(request))
        # The scripted server's listen backlog is 5: 50 connects at once would be refused.
        await asyncio.sleep(0.02)
    await asyncio.gather(*requests)
    client.close()
    return latencies


def verdict(values: list[float]) -> str:
    """Whether the goals are met by these latencies."""
    if not values:
        return "no samples"
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    met = p50 <= GOAL_P50_MS and p99 <= GOAL_P99_MS
    return "goals met" if met else "goals NOT met"


async def measure(options: argparse.Namespace) -> None:
    """Run every concurrency level against one server and print a table."""
    rows: list[str] = []
    load_before = os.getloadavg()[0]
    with Lab() as lab:
        # The first turn imports openai and opens the client: not part of the figures.
        await run_conversations(lab, 1, 5, 0.01)
        for count in options.conversations:
            chunks = int(options.seconds * options.rate)
            began, cpu = time.perf_counter(), lab.server_cpu_seconds()
            results = await run_conversations(lab, count, chunks, 1 / options.rate)
            elapsed, cpu = time.perf_counter() - began, lab.server_cpu_seconds() - cpu
            latencies = [value for result in results for value in result.latencies_ms]
            expected = count * chunks
            problems = sorted({r.reason for r in results if r.reason != "done"})
            disordered = sum(result.out_of_order for result in results)
            print(
                f"{count} conversation(s), {chunks} deltas each at {options.rate:g}/s, "
                f"{elapsed:.1f} s: received {len(latencies)}/{expected} deltas, "
                f"{disordered} out of order" + (f"; turns not done: {problems}" if problems else "")
            )
            print(f"  chunk → WebSocket client: {summary(latencies)}; {verdict(latencies)}")
            per_delta = cpu / max(1, len(latencies)) * 1e6
            print(
                f"  jupyter server CPU: {cpu:.1f} s in {elapsed:.1f} s "
                f"({cpu / elapsed:.0%} of one core), {per_delta:.0f} µs per delta"
            )
            line = (
                f"| {count} | {len(latencies)}/{expected} | "
                f"{statistics.median(latencies):.2f} ms | {percentile(latencies, 0.99):.2f} ms | "
                f"{max(latencies):.2f} ms | {per_delta:.0f} µs |"
                if latencies
                else f"| {count} | 0/{expected} | – | – | – | – |"
            )
            if options.baseline:
                direct = await direct_streams(lab, count, chunks, 1 / options.rate)
                print(f"  chunk → plain HTTP client (no jupyter server): {summary(direct)}")
                if direct:
                    line += (
                        f" {statistics.median(direct):.2f} ms | {percentile(direct, 0.99):.2f} ms |"
                    )
            rows.append(line)
    print(f"\nMachine: {machine()}; load average before the run {load_before:.2f}\n")
    header = "| conversations | deltas received | p50 | p99 | max | server CPU per delta |"
    separator = "| ---: | ---: | ---: | ---: | ---: | ---: |"
    if options.baseline:
        header += " direct p50 | direct p99 |"
        separator += " ---: | ---: |"
    print(header)
    print(separator)
    print("\n".join(rows))
    print(f"\nGoals: p50 ≤ {GOAL_P50_MS:g} ms, p99 ≤ {GOAL_P99_MS:g} ms.")


def main() -> None:
    """Parse the options and measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--seconds", type=float, default=10, help="length of each stream")
    parser.add_argument("--rate", type=float, default=40, help="deltas a second per stream")
    parser.add_argument("--baseline", action="store_true", help="also read the streams directly")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
