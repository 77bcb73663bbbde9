"""The control the product's loop is measured against (issue 12): about a hundred lines.

A short system prompt naming the files; the instruction asks for code first and no answer
before an output was seen; the reply is cut after its first complete code block; after each
output, "if this answers the question, reply with the final answer only"; at the step cap, one
request for the answer without code. Same model, kernel and step cap as the product's runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jupyter_client.manager import start_new_kernel
from openai import OpenAI

BLOCK = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)\n```", re.DOTALL)


def run_code(client: Any, code: str, limit: int = 2000) -> str:
    """Run `code` in the kernel; its printed text, results and errors, capped."""
    parts: list[str] = []

    def collect(message: dict[str, Any]) -> None:
        content, kind = message["content"], message["msg_type"]
        if kind == "stream":
            parts.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            parts.append(content["data"].get("text/plain", "") + "\n")
        elif kind == "error":
            parts.append(f"{content['ename']}: {content['evalue']}\n")

    client.execute_interactive(code, output_hook=collect, timeout=120)
    text = "".join(parts).strip() or "(no output)"
    return text if len(text) <= limit else text[: limit // 2] + "\n…\n" + text[-limit // 2 :]


def first_block(llm: OpenAI, model: str, messages: list[Any]) -> str:
    """Stream a reply and stop after its first complete code block (the rest is invented)."""
    text = ""
    stream = llm.chat.completions.create(
        model=model, messages=messages, stream=True, max_tokens=700
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
            found = BLOCK.search(text)
            if found:
                stream.close()
                return text[: found.end()]
    return text


def solve(base_url: str, model: str, folder: Path, question: str, files: str, steps: int) -> str:
    """The control loop's final answer to `question` about `files` in `folder`."""
    llm = OpenAI(base_url=base_url, api_key="none", timeout=600, max_retries=0)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
    try:
        messages: list[Any] = [
            {
                "role": "system",
                "content": "You are a data analyst with a Python kernel. Files in the working "
                f"directory: {files}. Write one ```python block at a time; you will see its "
                "output.",
            },
            {
                "role": "user",
                "content": f"{question}\nFirst write Python code that computes the answer. Do "
                "not answer before you have seen the output.",
            },
        ]
        for _ in range(steps):
            reply = first_block(llm, model, messages)
            messages.append({"role": "assistant", "content": reply})
            found = BLOCK.search(reply)
            if not found:
                return reply
            output = run_code(client, found.group(1))
            messages.append(
                {
                    "role": "user",
                    "content": f"Output:\n{output}\nIf this answers the question, reply with "
                    "the final answer only. Otherwise write the next code block.",
                }
            )
        messages.append(
            {"role": "user", "content": "Reply now with the final answer only, without code."}
        )
        answer = llm.chat.completions.create(model=model, messages=messages, max_tokens=300)
        return answer.choices[0].message.content or ""
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
