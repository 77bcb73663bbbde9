"""Streams as real OpenAI-compatible servers send them, for the scripted server's `chunks` reply.

Each builder returns a reply for `ScriptedLLM.push` whose chunks copy one provider's documented
shape (the docstring names the doc or issue it comes from): where usage arrives, whether the first
chunk has choices, how tool calls are split, which finish_reason ends a tool call, where reasoning
goes. Only the ids, timestamps and texts are made up.
"""

from __future__ import annotations

import json
from typing import Any

CREATED = 1_760_000_000


def _arguments(code: str) -> str:
    """run_code arguments as a model writes them."""
    return json.dumps({"code": code})


def _pieces(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` characters."""
    return [text[index : index + size] for index in range(0, len(text), size)] or [""]


def _chunk(
    model: str, delta: dict[str, Any] | None, finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    """One chat.completion.chunk in OpenAI's layout, with one choice (or none: delta None)."""
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": "chatcmpl-shape",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": choices,
        **extra,
    }


def _usage(prompt: int, completion: int, **details: Any) -> dict[str, Any]:
    """A usage object."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        **details,
    }


def _text_chunks(model: str, text: str, size: int = 5) -> list[dict[str, Any]]:
    """Content deltas of `text`."""
    return [_chunk(model, {"content": piece}) for piece in _pieces(text, size)]


# -- OpenAI ---------------------------------------------------------------------------------------


def openai_text(text: str, usage: tuple[int, int] = (120, 9)) -> dict[str, Any]:
    """OpenAI: role chunk with empty content, content deltas, an empty delta with finish_reason,
    then (stream_options.include_usage) a last chunk whose `choices` is always `[]` and whose
    `usage` covers the request (platform.openai.com/docs/api-reference/chat/create,
    stream_options)."""
    model = "gpt-4o-mini-2024-07-18"
    return {
        "chunks": [
            _chunk(model, {"role": "assistant", "content": "", "refusal": None}),
            *_text_chunks(model, text),
            _chunk(model, {}, "stop"),
            _chunk(model, None, usage=_usage(*usage)),
            "[DONE]",
        ]
    }


def openai_tool_call(code: str, usage: tuple[int, int] = (200, 30)) -> dict[str, Any]:
    """OpenAI: the tool call opens with index, id, type and name (arguments ""), its arguments
    follow in pieces; gpt-4o ends a streamed tool call with finish_reason "stop", not
    "tool_calls" (ollama/ollama PR #7963, comment of 2025-02-12)."""
    model = "gpt-4o-2024-08-06"
    opening = {"index": 0, "id": "call_openai_1", "type": "function"}
    opening["function"] = {"name": "run_code", "arguments": ""}
    return {
        "chunks": [
            _chunk(model, {"role": "assistant", "content": None, "tool_calls": [opening]}),
            *[
                _chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
                for piece in _pieces(_arguments(code), 6)
            ],
            _chunk(model, {}, "stop"),
            _chunk(model, None, usage=_usage(*usage)),
            "[DONE]",
        ]
    }


# -- Azure OpenAI ---------------------------------------------------------------------------------

_FILTER_SAFE = {
    name: {"filtered": False, "severity": "safe"}
    for name in ("hate", "self_harm", "sexual", "violence")
}


def azure_text(text: str, filtered: bool = False) -> dict[str, Any]:
    """Azure OpenAI: a first chunk with `choices: []` and `prompt_filter_results` (empty id and
    model), content chunks carrying `content_filter_results`; filtered output stops with
    finish_reason "content_filter" (learn.microsoft.com azure/ai-services/openai/concepts/
    content-filter; microsoft/autogen#6465; pydantic/pydantic-ai#797)."""
    model = "gpt-4o-2024-08-06"
    first = {"choices": [], "created": 0, "id": "", "model": "", "object": ""}
    first["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": _FILTER_SAFE}]
    pieces = [
        {**chunk, "choices": [{**chunk["choices"][0], "content_filter_results": _FILTER_SAFE}]}
        for chunk in _text_chunks(model, text)
    ]
    end = _chunk(model, {}, "content_filter" if filtered else "stop")
    if filtered:
        violence = {"filtered": True, "severity": "high"}
        end["choices"][0]["content_filter_results"] = {**_FILTER_SAFE, "violence": violence}
    return {
        "chunks": [
            first,
            _chunk(model, {"role": "assistant", "content": ""}),
            *pieces,
            end,
            _chunk(model, None, usage=_usage(90, 12)),
            "[DONE]",
        ]
    }


# -- DeepSeek -------------------------------------------------------------------------------------


def _deepseek(
    model: str, delta: dict[str, Any], finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    """DeepSeek's chunk: system_fingerprint, logprobs null; in thinking mode every delta names
    `reasoning_content` (null once the answer starts)."""
    chunk = _chunk(model, delta, finish, system_fingerprint="fp_shape_prod0820", **extra)
    chunk["choices"][0]["logprobs"] = None
    return chunk


def deepseek_chat(text: str) -> dict[str, Any]:
    """DeepSeek non-thinking mode: OpenAI's shape; usage (with prompt_cache_hit/miss_tokens)
    in the final chunk (api-docs.deepseek.com/api/create-chat-completion)."""
    model = "deepseek-chat"
    usage = _usage(80, 10, prompt_cache_hit_tokens=0, prompt_cache_miss_tokens=80)
    return {
        "chunks": [
            _deepseek(model, {"role": "assistant", "content": ""}),
            *[_deepseek(model, {"content": piece}) for piece in _pieces(text, 5)],
            _deepseek(model, {"content": ""}, "stop", usage=usage),
            "[DONE]",
        ]
    }


def deepseek_thinking(reasoning: str, text: str = "", code: str | None = None) -> dict[str, Any]:
    """DeepSeek thinking mode (default on its current models): `reasoning_content` deltas with
    `content: null`, then the answer or tool calls with `reasoning_content: null`
    (api-docs.deepseek.com/guides/thinking_mode)."""
    model = "deepseek-reasoner"
    chunks = [_deepseek(model, {"role": "assistant", "content": None, "reasoning_content": ""})]
    chunks += [
        _deepseek(model, {"content": None, "reasoning_content": piece})
        for piece in _pieces(reasoning, 7)
    ]
    chunks += [
        _deepseek(model, {"content": piece, "reasoning_content": None})
        for piece in (_pieces(text, 5) if text else [])
    ]
    if code is not None:
        call = {"index": 0, "id": "call_00_deepseek", "type": "function"}
        call["function"] = {"name": "run_code", "arguments": ""}
        chunks.append(_deepseek(model, {"tool_calls": [call], "reasoning_content": None}))
        chunks += [
            _deepseek(model, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in _pieces(_arguments(code), 9)
        ]
    usage = _usage(300, 60, completion_tokens_details={"reasoning_tokens": 40})
    finish = "tool_calls" if code is not None else "stop"
    chunks += [_deepseek(model, {"content": ""}, finish, usage=usage), "[DONE]"]
    return {"chunks": chunks}


# -- DashScope (Qwen) -----------------------------------------------------------------------------


def _dashscope(
    delta: dict[str, Any] | None, finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    """DashScope compatible-mode's chunk: `usage: null` and `system_fingerprint: null` in
    every chunk, logprobs null."""
    chunk = _chunk("qwen-plus", delta, finish, usage=None, system_fingerprint=None, **extra)
    for choice in chunk["choices"]:
        choice["logprobs"] = None
    return chunk


def dashscope_tool_call(code: str) -> dict[str, Any]:
    """DashScope (help.aliyun.com/zh/model-studio/qwen-function-calling, stream): the first tool
    delta has id, name and the start of the arguments; later ones repeat `"id": ""` and
    `"type": "function"` without a name; finish_reason "tool_calls", then the usage chunk with
    `choices: []` (stream_options.include_usage)."""
    arguments = _pieces(_arguments(code), 8)
    first = {"index": 0, "id": "call_30fb8bdcce27", "type": "function"}
    first["function"] = {"name": "run_code", "arguments": arguments[0]}
    chunks = [_dashscope({"content": None, "tool_calls": [first], "role": "assistant"})]
    chunks += [
        _dashscope(
            {
                "content": None,
                "tool_calls": [
                    {"index": 0, "id": "", "type": "function", "function": {"arguments": piece}}
                ],
            }
        )
        for piece in arguments[1:]
    ]
    chunks.append(_dashscope({"content": ""}, "tool_calls"))
    chunks.append({**_dashscope(None), "usage": _usage(266, 20)})
    return {"chunks": [*chunks, "[DONE]"]}


# -- Moonshot (Kimi) ------------------------------------------------------------------------------


def moonshot_text(text: str) -> dict[str, Any]:
    """Moonshot: the final chunk carries `usage` inside `choices[0]`, not at the top
    (platform.moonshot.cn docs, streaming; moonshot-v1-8k example stream)."""
    model = "moonshot-v1-8k"
    end = _chunk(model, {}, "stop", system_fingerprint="fpv0_ca1d2527")
    end["choices"][0]["usage"] = _usage(39, 21)
    return {
        "chunks": [
            _chunk(model, {"role": "assistant", "content": ""}),
            *_text_chunks(model, text),
            end,
            "[DONE]",
        ]
    }


# -- Zhipu GLM ------------------------------------------------------------------------------------


def zhipu_tool_call(code: str, text: str = "") -> dict[str, Any]:
    """Zhipu GLM (open.bigmodel.cn/api/paas/v4, docs.bigmodel.cn function calling): chunks
    without `object`, each delta repeating the role; the whole tool call in one chunk;
    finish_reason "tool_calls" with the usage in that last chunk."""

    def glm(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        chunk = _chunk("glm-4-plus", {"role": "assistant", **delta}, finish, **extra)
        chunk.pop("object")
        return chunk

    call = {"id": "call_9054861520857012", "index": 0, "type": "function"}
    call["function"] = {"name": "run_code", "arguments": _arguments(code)}
    chunks = [glm({"content": piece}) for piece in (_pieces(text, 4) if text else [])]
    chunks.append(glm({"tool_calls": [call]}))
    chunks.append(glm({"content": ""}, "tool_calls", usage=_usage(150, 40)))
    return {"chunks": [*chunks, "[DONE]"]}


# -- Ollama ---------------------------------------------------------------------------------------


def _ollama(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    """Ollama's /v1 chunk: system_fingerprint "fp_ollama", the role in every delta."""
    return _chunk(model, {"role": "assistant", **delta}, finish, system_fingerprint="fp_ollama")


def ollama_tool_call(code: str, model: str = "qwen2.5-coder:1.5b") -> dict[str, Any]:
    """Ollama: the whole tool call in one chunk (content ""), then a separate chunk with
    finish_reason "stop"; no usage chunk (BerriAI/litellm#35663; ollama/ollama PR #7963)."""
    call = {"id": "call_ollama_x1", "index": 0, "type": "function"}
    call["function"] = {"name": "run_code", "arguments": _arguments(code)}
    return {
        "chunks": [
            _ollama(model, {"content": "", "tool_calls": [call]}),
            _ollama(model, {"content": ""}, "stop"),
            "[DONE]",
        ]
    }


def ollama_think_inline(
    thinking: str, text: str, closed: bool = True, size: int = 3
) -> dict[str, Any]:
    """Ollama before separated thinking (and llama.cpp, LM Studio): a reasoning model's
    `<think>…</think>` inline in `content`, split at arbitrary points (Qwen3/QwQ/R1 distills;
    open-webui/docs#1394)."""
    model = "qwen3:1.7b"
    content = f"<think>\n{thinking}\n" + ("</think>\n\n" if closed else "") + text
    return {
        "chunks": [
            *[_ollama(model, {"content": piece}) for piece in _pieces(content, size)],
            _ollama(model, {"content": ""}, "stop"),
            "[DONE]",
        ]
    }


def ollama_reasoning(thinking: str, text: str) -> dict[str, Any]:
    """Ollama ≥ 0.9 on /v1: the trace in `delta.reasoning` with `content: ""`, then the answer
    (dirac-run/dirac PR #227, raw SSE from Ollama; odysseus-dev/odysseus PR #591)."""
    model = "qwen3:1.7b"
    return {
        "chunks": [
            *[
                _ollama(model, {"content": "", "reasoning": piece})
                for piece in _pieces(thinking, 6)
            ],
            *[_ollama(model, {"content": piece}) for piece in _pieces(text, 5)],
            _ollama(model, {"content": ""}, "stop"),
            "[DONE]",
        ]
    }


# -- vLLM -----------------------------------------------------------------------------------------


def vllm_tool_call(
    code: str, reasoning: str = "", field: str = "reasoning_content"
) -> dict[str, Any]:
    """vLLM with --enable-auto-tool-choice --tool-call-parser hermes (and a --reasoning-parser):
    reasoning deltas in `reasoning_content` (newer versions: `reasoning`), the tool call opened
    by a delta with id and name but no arguments key, arguments in pieces, finish_reason
    "tool_calls", usage chunk with `choices: []` (docs.vllm.ai features/tool_calling,
    features/reasoning_outputs)."""
    model = "Qwen/Qwen3-8B"
    chunks = [_chunk(model, {"role": "assistant", "content": ""})]
    chunks += [_chunk(model, {field: piece}) for piece in _pieces(reasoning, 6) if reasoning]
    opening = {"id": "chatcmpl-tool-4f1a", "type": "function", "index": 0}
    opening["function"] = {"name": "run_code"}
    chunks.append(_chunk(model, {"tool_calls": [opening]}))
    chunks += [
        _chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        for piece in _pieces(_arguments(code), 5)
    ]
    chunks += [_chunk(model, {"content": ""}, "tool_calls")]
    chunks += [_chunk(model, None, usage=_usage(210, 44)), "[DONE]"]
    return {"chunks": chunks}


# -- llama.cpp server -----------------------------------------------------------------------------


def llamacpp_tool_call(code: str, reasoning: str = "") -> dict[str, Any]:
    """llama.cpp's server with --jinja (tools) and --reasoning-format deepseek: reasoning in
    `reasoning_content`, tool calls with index/id/name then argument pieces; the finish chunk
    carries `usage` and `timings` (github.com/ggml-org/llama.cpp tools/server README,
    docs/function-calling.md)."""
    model = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

    def cpp(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        return _chunk(model, delta, finish, system_fingerprint="b6100-shape", **extra)

    chunks = [cpp({"role": "assistant", "content": None})]
    chunks += [cpp({"reasoning_content": piece}) for piece in _pieces(reasoning, 5) if reasoning]
    opening = {"index": 0, "id": "kV8pHNJcAbJ9x2Jd", "type": "function"}
    opening["function"] = {"name": "run_code", "arguments": ""}
    chunks.append(cpp({"tool_calls": [opening]}))
    chunks += [
        cpp({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        for piece in _pieces(_arguments(code), 4)
    ]
    timings = {"prompt_n": 180, "predicted_n": 35, "predicted_per_second": 14.2}
    chunks.append(cpp({}, "tool_calls", usage=_usage(180, 35), timings=timings))
    return {"chunks": [*chunks, "[DONE]"]}


# -- LM Studio ------------------------------------------------------------------------------------


def lmstudio_text(text: str, reasoning: str = "") -> dict[str, Any]:
    """LM Studio's /v1 server: `system_fingerprint` is the model id, logprobs null; with
    "separate reasoning_content" on, the trace comes as `reasoning_content` first; no usage
    in the stream (lmstudio.ai/docs/app/api/endpoints/openai)."""
    model = "qwen2.5-coder-7b-instruct"

    def lms(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        chunk = _chunk(model, delta, finish, system_fingerprint=model)
        chunk["choices"][0]["logprobs"] = None
        return chunk

    chunks = [lms({"role": "assistant", "content": ""})]
    chunks += [lms({"reasoning_content": piece}) for piece in _pieces(reasoning, 6) if reasoning]
    chunks += [lms({"content": piece}) for piece in _pieces(text, 5)]
    return {"chunks": [*chunks, lms({}, "stop"), "[DONE]"]}


# -- Gemini's OpenAI-compatible endpoint ----------------------------------------------------------


def gemini_tool_call(code: str, text: str = "") -> dict[str, Any]:
    """generativelanguage.googleapis.com/v1beta/openai: the whole tool call in one chunk,
    without `index`, with `extra_content.google.thought_signature` (Gemini 3 wants it back);
    the stream ends with finish_reason "stop" (THU-MAIC/OpenMAIC#1556; open-webui/computer#224;
    googleapis/python-genai#2868)."""
    model = "gemini-2.5-flash"

    def gem(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        chunk = _chunk(model, delta, finish, **extra)
        del chunk["choices"][0]["finish_reason"]
        if finish:
            chunk["choices"][0]["finish_reason"] = finish
        return chunk

    call = {"id": "function-call-8a1c", "type": "function"}
    call["function"] = {"name": "run_code", "arguments": _arguments(code)}
    call["extra_content"] = {"google": {"thought_signature": "CiQB0e2Kb3Shape=="}}
    chunks = [gem({"content": piece, "role": "assistant"}) for piece in _pieces(text, 6) if text]
    chunks.append(gem({"role": "assistant", "tool_calls": [call]}))
    chunks.append(gem({"role": "assistant"}, "stop", usage=_usage(100, 20)))
    return {"chunks": [*chunks, "[DONE]"]}


# -- OpenRouter -----------------------------------------------------------------------------------


def openrouter_text(reasoning: str, text: str) -> dict[str, Any]:
    """OpenRouter: SSE comments ": OPENROUTER PROCESSING" while it waits, `reasoning` deltas
    (with `reasoning_details`), then content; `native_finish_reason` beside finish_reason; a
    last chunk with `choices: []` and usage (openrouter.ai/docs/api-reference/streaming,
    docs/use-cases/reasoning-tokens)."""
    model = "deepseek/deepseek-r1"

    def orc(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        chunk = _chunk(model, delta, finish, provider="DeepInfra", **extra)
        chunk["choices"][0]["native_finish_reason"] = finish
        chunk["choices"][0]["logprobs"] = None
        return chunk

    chunks: list[Any] = [": OPENROUTER PROCESSING", ": OPENROUTER PROCESSING"]
    for piece in _pieces(reasoning, 6):
        detail = {"type": "reasoning.text", "text": piece, "format": "unknown", "index": 0}
        chunks.append(
            orc(
                {
                    "role": "assistant",
                    "content": "",
                    "reasoning": piece,
                    "reasoning_details": [detail],
                }
            )
        )
    chunks += [orc({"role": "assistant", "content": piece}) for piece in _pieces(text, 5)]
    chunks.append(orc({"role": "assistant", "content": ""}, "stop"))
    chunks.append(_chunk(model, None, provider="DeepInfra", usage=_usage(70, 50)))
    return {"chunks": [*chunks, "[DONE]"]}


# -- errors of servers that cannot do tools -------------------------------------------------------

TOOLS_REFUSALS = {
    # ollama/ollama server/routes.go; BerriAI/litellm issues quoting it
    "ollama": (400, "registry.ollama.ai/library/gemma2:2b does not support tools"),
    # vLLM without --enable-auto-tool-choice (docs.vllm.ai features/tool_calling)
    "vllm": (
        400,
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    ),
    # llama.cpp's server without --jinja (tools/server/utils.hpp)
    "llamacpp": (400, "tools param requires --jinja flag"),
}
"""What a server says when a request has `tools` it cannot handle."""


# -- whole endpoints, for the README's one-liners and manual tries --------------------------------


def emulate(server: Any, name: str) -> None:
    """Make the scripted server list and answer like endpoint `name` (ollama, deepseek, vllm)."""
    if name == "ollama":
        server.models = ["qwen2.5-coder:7b", "llama3.2:3b"]
        server.model_fields = {model: {"owned_by": "library"} for model in server.models}
        server.ollama_ps = []
        info = {"general.architecture": "qwen2", "qwen2.context_length": 32768}
        server.ollama_show = {model: {"model_info": info} for model in server.models}
    elif name == "deepseek":
        server.models = ["deepseek-chat", "deepseek-reasoner"]
        server.model_fields = {model: {"owned_by": "deepseek"} for model in server.models}
        server.thinking_mode = True
    elif name == "vllm":
        server.models = ["Qwen/Qwen2.5-Coder-7B-Instruct"]
        server.model_fields = {server.models[0]: {"owned_by": "vllm", "max_model_len": 32768}}
    else:
        raise ValueError(f"no emulation named {name!r}; choose ollama, deepseek or vllm")


def emulated_turn(name: str, code: str, answer: str) -> list[dict[str, Any]]:
    """The replies endpoint `name` gives a turn that runs `code`, then answers."""
    if name == "ollama":
        return [ollama_tool_call(code, "qwen2.5-coder:7b"), openai_text(answer)]
    if name == "deepseek":
        return [
            deepseek_thinking("I should compute it.", code=code),
            deepseek_thinking("The output answers it.", text=answer),
        ]
    return [vllm_tool_call(code, "Compute first."), openai_text(answer)]
