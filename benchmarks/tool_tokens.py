"""What each tool of the notebook agent costs in prompt tokens, in every request of a turn.

Counts with a real tokenizer and a real chat template: the local model (llama.cpp through
xllamacpp, Qwen2.5-Coder by default; `scripts/fetch_local_model.py` fetches it) answers one token
to the same request sent with no tools, with `run_code` alone, with `run_code` plus each other
tool, and with all of them; `usage.prompt_tokens` differences are the tools' cost. Also prints the
system prompt's cost per mode and this project's own estimate (`agent/usage.estimate_tokens`),
which the context budget uses. Prints figures, never fails.

    python benchmarks/tool_tokens.py [--model PATH.gguf] [--language python]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI

from jupyter_code_interp.agent.prompts import system_prompt
from jupyter_code_interp.agent.tools import tool_schemas
from jupyter_code_interp.agent.usage import estimate_tokens
from jupyter_code_interp.providers.local_model import LocalModelServer

USER = "What is 6 times 7?"


async def _prompt_tokens(
    client: AsyncOpenAI, model: str, system: str, tools: list[dict[str, Any]] | None
) -> int:
    """prompt_tokens of one request that asks for a single token."""
    extra: dict[str, Any] = {"tools": tools} if tools else {}
    reply = await client.chat.completions.create(
        model=model,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": USER}],
        max_tokens=1,
        temperature=0,
        **extra,
    )
    assert reply.usage is not None, "the local server reports usage"
    return reply.usage.prompt_tokens


async def measure(model_path: Path, language: str) -> None:
    """Start the local model, send the requests, print a Markdown table."""
    server = LocalModelServer(model_path, context=8192, max_tokens=8)
    url = await server.start()
    try:
        client = AsyncOpenAI(base_url=url, api_key="none")
        model = server.model_id
        tools = tool_schemas(language)
        by_name = {tool["function"]["name"]: tool for tool in tools}
        run_code = by_name["run_code"]
        tools_prompt = system_prompt("tools")
        bare = await _prompt_tokens(client, model, tools_prompt, None)
        with_run = await _prompt_tokens(client, model, tools_prompt, [run_code])
        print(f"model: {model_path.name}; language: {language}")
        print("| what | prompt tokens (real) | estimate |")
        print("| --- | ---: | ---: |")
        for mode in ("tools", "fenced", "answer"):
            tokens = await _prompt_tokens(client, model, system_prompt(mode), None)  # type: ignore[arg-type]
            print(
                f"| system prompt, {mode} mode (+ a short question) | {tokens} | "
                f"{estimate_tokens(system_prompt(mode))} |"
            )  # type: ignore[arg-type]
        print(
            f"| `run_code` schema | {with_run - bare} | {estimate_tokens(json.dumps(run_code))} |"
        )
        for name, tool in by_name.items():
            if name == "run_code":
                continue
            tokens = await _prompt_tokens(client, model, tools_prompt, [run_code, tool])
            print(
                f"| `{name}` schema | {tokens - with_run} | {estimate_tokens(json.dumps(tool))} |"
            )
        everything = await _prompt_tokens(client, model, tools_prompt, tools)
        print(
            f"| all {len(tools)} schemas | {everything - bare} | "
            f"{estimate_tokens(json.dumps(tools))} |"
        )
    finally:
        await server.stop()


def main() -> None:
    """Parse the arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = (
        Path.home() / ".cache/jupyter_code_interp/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    )
    parser.add_argument("--model", type=Path, default=default)
    parser.add_argument("--language", default="python")
    args = parser.parse_args()
    asyncio.run(measure(args.model, args.language))


if __name__ == "__main__":
    main()
