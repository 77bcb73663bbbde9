"""A scripted OpenAI-compatible chat server for tests (stdlib only).

Replies are queued with `push` (or `POST /_script`) and served in order, one per request to
`POST /v1/chat/completions`, streamed as server-sent events like the OpenAI API does. It runs in
a daemon thread, so it works under any event loop, and standalone:

    python tests/scripted_llm.py --port 8765

Reply dicts (what the builders below return; the same JSON is accepted by `POST /_script`):
  text, chunk        answer text, streamed `chunk` characters at a time
  tool_calls         [{"name", "arguments" (JSON text), "id"?}], streamed as several deltas
  delay              seconds to wait between chunks
  status, error      an HTTP error with an OpenAI-style body; retry_after adds Retry-After
  cut                stream part of the text, then drop the connection mid-body
  stream_error       stream the text, then an SSE `error` event with this message
  tools_unsupported  400 "tools are not supported" (for the auto-mode fallback)
  raw, content_type  send this body verbatim (for non-OpenAI replies)
  usage              {"prompt_tokens", "completion_tokens"} reported when asked for
                     (a request's `stop` sequences end the streamed text before the first one,
                     which is not sent, as the OpenAI API reference describes for `stop`)
  omit_usage         never send a usage chunk (a provider that ignores stream_options)
  hang               seconds to wait before answering at all (no status line, no byte): a
                     provider that holds the request; `stop` ends the wait
  stall              seconds to go silent after half of the text, the connection open (a stream
                     that stops mid-answer, as vLLM behind a proxy did in microsoft/amplifier#339
                     and Moonshot's API in MoonshotAI/kimi-code#1798); `stop` ends the wait
  times              serve this reply to this many requests (default 1); `forever` to all of them
                     until `discard_replies` (a model that asks for code again and again)
  stamps             instead of `text`, this many deltas `t=<time.monotonic_ns()>;` stamped as
                     each is written (benchmarks/relay_latency.py measures chunk → client)
  chunks             a provider's stream verbatim: each dict is one `data:` event, "[DONE]" the
                     end marker, a string starting with ":" an SSE comment (tests/stream_shapes.py
                     builds them, each from a provider's documented shape)
  reasoning          streamed before the text as `reasoning_content` deltas (DeepSeek)

Replies queued with `push_for(marker, ...)` go only to requests whose messages contain `marker`
(one queue per conversation: concurrent conversations each get their own script).

`GET /v1/models` lists `models` (`POST /_models {"models", "fields"}` replaces them), unless a reply was queued with `push_models` (or
`POST /_script_models`): then it serves that reply's `status`/`error`/`retry_after` or `raw`.
With `api_key` set, every /v1 request without that key (as `Authorization: Bearer` or Azure's
`api-key` header) gets a 401 like OpenAI's. Azure's route
`/openai/deployments/<deployment>/chat/completions?api-version=...` is served like the chat route;
`paths` records the path of every API request. A client that closes a stream before its end is
counted in `disconnects` (as a real server notices and stops generating), not logged.

Endpoint behaviours of real servers, switched on per server:
  rejected_fields    request fields refused with a 400 naming them, worded as real servers word
                     it (REJECTIONS); `reject_style = "pydantic"` answers FastAPI's 422 instead
  thinking_mode      DeepSeek's rule: an assistant message between two user messages where the
                     model called tools must carry `reasoning_content`, else 400 (THINKING_ERROR)
  props              served at GET /props (llama.cpp's server: default_generation_settings.n_ctx)
  ollama_show        {model: reply} served at POST /api/show; `ollama_ps` at GET /api/ps
  model_fields       {model: {field: value}} merged into the GET /v1/models entries (vLLM's
                     max_model_len, llama.cpp's owned_by "llamacpp"…)
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_MODELS = ["scripted-model", "gpt-4o-mini"]
REJECTIONS: dict[str, str] = {
    # Azure OpenAI before api-version 2024-09-01-preview; OpenAI's wording for unknown fields.
    "stream_options": "Unrecognized request argument supplied: stream_options",
    # OpenAI reasoning models (o1): code "unsupported_parameter", param named.
    "parallel_tool_calls": "Unsupported parameter: 'parallel_tool_calls' is not supported with "
    "this model.",
    "max_tokens": "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
    "'max_completion_tokens' instead.",
    "max_completion_tokens": "Unrecognized request argument supplied: max_completion_tokens",
}
"""400 messages of real servers for a request field they do not accept."""
THINKING_ERROR = "The `reasoning_content` in the thinking mode must be passed back to the API."
"""DeepSeek's 400 (api-docs.deepseek.com guides/thinking_mode; anomalyco/opencode#24722)."""
_STAMP = object()
"""A piece of a `stamps` reply: replaced by the clock's reading when it is sent."""


def text_reply(text: str, chunk: int = 4) -> dict[str, Any]:
    """A streamed answer without tool calls."""
    return {"text": text, "chunk": chunk}


def tool_reply(code: str, text: str = "", name: str = "run_code") -> dict[str, Any]:
    """Optional leading text, then one tool call whose arguments arrive in several deltas."""
    return {"text": text, "tool_calls": [{"name": name, "arguments": json.dumps({"code": code})}]}


def error_reply(status: int, message: str, retry_after: float | None = None) -> dict[str, Any]:
    """An HTTP error with an OpenAI-style JSON error body."""
    reply: dict[str, Any] = {
        "status": status,
        "error": {"message": message, "type": "scripted_error", "code": None},
    }
    if retry_after is not None:
        reply["retry_after"] = retry_after
    return reply


def cut_reply(text: str) -> dict[str, Any]:
    """Streams the first half of `text`, then drops the connection mid-body."""
    return {"text": text, "chunk": 2, "cut": True}


def stream_error_reply(text: str, message: str) -> dict[str, Any]:
    """Streams `text`, then an SSE `error` event carrying `message`."""
    return {"text": text, "stream_error": message}


def tools_unsupported_reply() -> dict[str, Any]:
    """The 400 a server without function calling gives when a request has tools."""
    return {"tools_unsupported": True}


def raw_reply(body: str, status: int = 200, content_type: str = "text/html") -> dict[str, Any]:
    """A reply sent verbatim: what a non-OpenAI web server would answer."""
    return {"raw": body, "status": status, "content_type": content_type}


def malformed_tool_reply(arguments: str = '{"code": "print(1)"', text: str = "") -> dict[str, Any]:
    """A run_code tool call whose arguments are not valid JSON (cut off by default)."""
    return {"text": text, "tool_calls": [{"name": "run_code", "arguments": arguments}]}


def hang_reply(seconds: float) -> dict[str, Any]:
    """Holds the request `seconds` before answering anything (a timeout before the first byte)."""
    return {"hang": seconds, "text": "too late"}


def stall_reply(text: str, seconds: float) -> dict[str, Any]:
    """Streams the first half of `text`, then sends nothing for `seconds` (then the rest)."""
    return {"text": text, "chunk": 2, "stall": seconds}


def repeated(reply: dict[str, Any], times: int | None = None) -> dict[str, Any]:
    """`reply` served to `times` requests in a row, or to every request when `times` is None."""
    return {**reply, "forever": True} if times is None else {**reply, "times": times}


def _pieces(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` characters (at least one character each)."""
    size = max(1, int(size))
    return [text[index : index + size] for index in range(0, len(text), size)]


class _Handler(BaseHTTPRequestHandler):
    """One HTTP connection to the scripted server."""

    protocol_version = "HTTP/1.1"
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read `requests`, not logs."""

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """A complete JSON response."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _read_json(self) -> Any:
        """The request body as JSON (None if empty or malformed)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            return None

    def _refused_key(self) -> bool:
        """Answer 401 (and return True) when a key is required and this request lacks it."""
        wanted = self.server.owner.api_key
        if wanted is None:
            return False
        given = {self.headers.get("Authorization", ""), "Bearer " + self.headers.get("api-key", "")}
        if f"Bearer {wanted}" in given:
            return False
        error = {"message": "Incorrect API key provided.", "type": "invalid_request_error"}
        self._send_json(401, {"error": {**error, "code": "invalid_api_key"}})
        return True

    def _scripted_failure(self, reply: dict[str, Any]) -> bool:
        """Serve a `raw` or `status` reply (and return True); False for other replies."""
        if "raw" in reply:
            data = str(reply["raw"]).encode("utf-8")
            self.send_response(int(reply.get("status", 200)))
            self.send_header("Content-Type", str(reply.get("content_type", "text/html")))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True
        if "status" in reply:
            headers = {}
            if reply.get("retry_after") is not None:
                headers["Retry-After"] = f"{reply['retry_after']:g}"
            self._send_json(int(reply["status"]), {"error": reply.get("error", {})}, headers)
            return True
        return False

    def do_GET(self) -> None:
        """Model list and the control endpoint listing received requests."""
        owner = self.server.owner
        if self.path.rstrip("/") == "/v1/models":
            with owner.lock:
                owner.paths.append(self.path)
                scripted = owner.model_replies.pop(0) if owner.model_replies else None
            if self._refused_key() or (scripted is not None and self._scripted_failure(scripted)):
                return
            data = [
                {
                    "id": m,
                    "object": "model",
                    "created": 0,
                    "owned_by": "scripted",
                    **owner.model_fields.get(m, {}),
                }
                for m in owner.models
            ]
            self._send_json(200, {"object": "list", "data": data})
        elif self.path == "/_requests":
            with owner.lock:
                self._send_json(200, list(owner.requests))
        elif self.path == "/props" and owner.props is not None:
            owner.paths.append(self.path)
            self._send_json(200, owner.props)
        elif self.path == "/api/ps" and owner.ollama_ps is not None:
            owner.paths.append(self.path)
            self._send_json(200, {"models": owner.ollama_ps})
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )

    def do_POST(self) -> None:
        """Chat completions and the control endpoints."""
        owner = self.server.owner
        body = self._read_json()
        if self.path == "/_script":
            replies = body if isinstance(body, list) else [body]
            owner.push(*[reply for reply in replies if isinstance(reply, dict)])
            self._send_json(200, {"queued": len(owner.queue)})
        elif self.path == "/_script_models":
            replies = body if isinstance(body, list) else [body]
            owner.push_models(*[reply for reply in replies if isinstance(reply, dict)])
            self._send_json(200, {"queued": len(owner.model_replies)})
        elif self.path == "/_models":
            # What GET /v1/models lists from now on (Galata: an endpoint's own models).
            body = body if isinstance(body, dict) else {}
            with owner.lock:
                owner.models = [str(m) for m in body.get("models") or DEFAULT_MODELS]
                owner.model_fields = dict(body.get("fields") or {})
            self._send_json(200, {"models": owner.models})
        elif self.path == "/_reset":
            owner.reset()
            self._send_json(200, {"reset": True})
        elif self.path == "/api/show" and owner.ollama_show is not None:
            owner.paths.append(self.path)
            name = body.get("model") if isinstance(body, dict) else None
            shown = owner.ollama_show.get(str(name))
            if shown is None:  # Ollama's wording for a model it does not have
                self._send_json(404, {"error": f"model '{name}' not found"})
            else:
                self._send_json(200, shown)
        elif _is_chat_route(self.path):
            with owner.lock:
                owner.requests.append(body if isinstance(body, dict) else {"invalid": True})
                owner.headers.append({k.lower(): v for k, v in self.headers.items()})
                owner.paths.append(self.path)
                refusal = owner.refusal(body)
                reply = owner.next_reply(body) if refusal is None else None
            if reply is not None and reply.get("hang"):
                owner.released.wait(float(reply["hang"]))
            if self._refused_key():
                return
            if refusal is not None:
                self._send_json(*refusal)
            else:
                self._chat(body if isinstance(body, dict) else {}, reply)
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )

    def _chat(self, request: dict[str, Any], reply: dict[str, Any] | None) -> None:
        """Serve one scripted reply to a chat completion request."""
        if reply is None:
            self._send_json(
                500,
                {"error": {"message": "scripted server: no reply queued", "type": "server_error"}},
            )
            return
        if reply.get("tools_unsupported"):
            message = "tools are not supported by this model"
            self._send_json(400, {"error": {"message": message, "type": "invalid_request_error"}})
            return
        if self._scripted_failure(reply):
            return
        if request.get("stream"):
            self._stream(request, reply)
        else:
            self._send_json(200, _completion(request, reply))

    def _write_chunk(self, data: bytes) -> None:
        """One piece of a chunked HTTP body."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: Any, event: str | None = None) -> None:
        """One server-sent event."""
        prefix = f"event: {event}\n" if event else ""
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        self._write_chunk(f"{prefix}data: {text}\n\n".encode())

    def _stream(self, request: dict[str, Any], reply: dict[str, Any]) -> None:
        """Serve a reply as a chat.completion.chunk event stream."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        delay = float(reply.get("delay", 0))
        model = request.get("model", "scripted-model")
        base = {
            "id": f"chatcmpl-scripted-{id(reply)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
            if delay:
                time.sleep(delay)
            if delta.get("content") is _STAMP:
                delta = {"content": f"t={time.monotonic_ns()};"}
            self._event(
                {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            )

        if isinstance(reply.get("chunks"), list):
            for item in reply["chunks"]:
                if delay:
                    time.sleep(delay)
                if isinstance(item, str) and item.startswith(":"):
                    self._write_chunk(f"{item}\n\n".encode())
                else:
                    self._event(item)
            self._write_chunk(b"")
            return
        text = _until_stop(str(reply.get("text") or ""), request.get("stop"))
        pieces: list[Any] = _pieces(text, int(reply.get("chunk", 4)))
        if reply.get("stamps"):
            pieces = [_STAMP] * int(reply["stamps"])
        if reply.get("cut"):
            for piece in pieces[: max(1, len(pieces) // 2)]:
                chunk({"content": piece})
            # Drop the connection without the terminating zero-length chunk.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        chunk({"role": "assistant", "content": ""})
        for piece in _pieces(str(reply.get("reasoning") or ""), 4):
            chunk({"content": None, "reasoning_content": piece})
        for index, piece in enumerate(pieces):
            if reply.get("stall") and index == len(pieces) // 2:
                self.server.owner.released.wait(float(reply["stall"]))
            chunk({"content": piece})
        if reply.get("stream_error"):
            self._event(
                {"error": {"message": reply["stream_error"], "type": "server_error"}}, event="error"
            )
            self._write_chunk(b"")
            return
        for index, call in enumerate(reply.get("tool_calls") or []):
            call_id = call.get("id") or f"call_scripted_{index}_{id(reply) % 100000}"
            opening = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": call["name"], "arguments": ""},
            }
            chunk({"tool_calls": [opening]})
            for piece in _pieces(str(call.get("arguments", "")), 7):
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        chunk({}, "tool_calls" if reply.get("tool_calls") else "stop")
        options = request.get("stream_options")
        if (
            isinstance(options, dict)
            and options.get("include_usage")
            and not reply.get("omit_usage")
        ):
            self._event({**base, "choices": [], "usage": _usage(request, reply)})
        self._event("[DONE]")
        self._write_chunk(b"")


def _until_stop(text: str, stop: Any) -> str:
    """`text` up to the first of the request's stop sequences (a string or a list), excluded."""
    sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    ends = [text.find(item) for item in sequences if isinstance(item, str) and item]
    found = [end for end in ends if end != -1]
    return text[: min(found)] if found else text


def _is_chat_route(path: str) -> bool:
    """OpenAI's chat completions route, or Azure's per-deployment one (query string ignored)."""
    route = path.split("?", 1)[0].rstrip("/")
    if route == "/v1/chat/completions":
        return True
    parts = route.split("/")
    azure = ["", "openai", "deployments", "*", "chat", "completions"]
    return len(parts) == len(azure) and all(
        want in ("*", part) for want, part in zip(azure, parts, strict=True)
    )


def _missing_reasoning(messages: Any) -> bool:
    """DeepSeek's thinking-mode rule: between two user messages where the model made tool calls,
    every assistant message must carry its `reasoning_content`."""
    span: list[dict[str, Any]] = []
    for message in [*(messages if isinstance(messages, list) else []), {"role": "user"}]:
        if not isinstance(message, dict):
            continue
        if message.get("role") != "user":
            span.append(message)
            continue
        assistants = [m for m in span if m.get("role") == "assistant"]
        if any(m.get("tool_calls") for m in assistants) and any(
            not isinstance(m.get("reasoning_content"), str) for m in assistants
        ):
            return True
        span = []
    return False


def _usage(request: dict[str, Any], reply: dict[str, Any]) -> dict[str, int]:
    """The reply's scripted usage, else a deterministic estimate (4 characters a token)."""
    if isinstance(reply.get("usage"), dict):
        usage = reply["usage"]
        prompt, completion = (
            int(usage.get("prompt_tokens", 0)),
            int(usage.get("completion_tokens", 0)),
        )
    else:
        prompt = len(json.dumps(request.get("messages", []), ensure_ascii=False)) // 4
        calls = json.dumps(reply.get("tool_calls") or [])
        completion = (len(str(reply.get("text") or "")) + len(calls)) // 4 + 1
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(request: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    """A non-streaming chat.completion for the reply."""
    text = _until_stop(str(reply.get("text") or ""), request.get("stop"))
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reply.get("reasoning"):
        message["reasoning_content"] = reply["reasoning"]
    calls = reply.get("tool_calls") or []
    if calls:
        message["tool_calls"] = [
            {
                "id": call.get("id") or f"call_scripted_{index}",
                "type": "function",
                "function": {"name": call["name"], "arguments": call.get("arguments", "")},
            }
            for index, call in enumerate(calls)
        ]
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "scripted-model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": _usage(request, reply),
    }


class _Server(ThreadingHTTPServer):
    """The HTTP server, pointing back at its ScriptedLLM."""

    daemon_threads = True
    block_on_close = False
    owner: ScriptedLLM

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-stream is counted; anything else is reported as usual."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            with self.owner.lock:
                self.owner.disconnects += 1
            return
        super().handle_error(request, client_address)


class ScriptedLLM:
    """An OpenAI-compatible server that answers with queued, scripted replies."""

    def __init__(
        self, port: int = 0, models: list[str] | None = None, api_key: str | None = None
    ) -> None:
        """Configure; `start` binds 127.0.0.1:`port` (0 picks a free port)."""
        self.port = port
        self.models = list(models or DEFAULT_MODELS)
        self.api_key = api_key
        """When set, /v1 requests without this key get a 401."""
        self.model_replies: list[dict[str, Any]] = []
        self.model_fields: dict[str, dict[str, Any]] = {}
        self.rejected_fields: set[str] = set()
        self.reject_style = "openai"
        self.thinking_mode = False
        self.props: dict[str, Any] | None = None
        self.ollama_show: dict[str, dict[str, Any]] | None = None
        self.ollama_ps: list[dict[str, Any]] | None = None
        self.paths: list[str] = []
        self.base_url = ""
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        """Streams the client closed before their end."""
        self.headers: list[dict[str, str]] = []
        self.queue: list[dict[str, Any]] = []
        self.keyed: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.released = threading.Event()
        """Set by `stop`: ends every `hang` early."""
        self._served: dict[int, int] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ScriptedLLM:
        """Serve in a daemon thread; `base_url` is set once this returns."""
        self.released.clear()
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll
            name="scripted-llm",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def push(self, *replies: dict[str, Any]) -> None:
        """Queue replies; each chat request takes the next one."""
        with self.lock:
            self.queue.extend(replies)

    def next_reply(self, request: Any = None) -> dict[str, Any] | None:
        """The reply for a chat request (call with `lock` held): its marker's queue, else `queue`."""
        queue = self.queue
        if self.keyed and isinstance(request, dict):
            messages = json.dumps(request.get("messages"), ensure_ascii=False)
            queue = next((q for key, q in self.keyed.items() if key in messages), self.queue)
        if not queue:
            return None
        reply = queue[0]
        served = self._served.get(id(reply), 0) + 1
        if not reply.get("forever") and served >= int(reply.get("times", 1)):
            queue.pop(0)
            self._served.pop(id(reply), None)
        else:
            self._served[id(reply)] = served
        return reply

    def refusal(self, body: Any) -> tuple[int, dict[str, Any]] | None:
        """The error this server's rules give a chat request (status, body), or None."""
        request = body if isinstance(body, dict) else {}
        for name in sorted(self.rejected_fields):
            if name not in request:
                continue
            if self.reject_style == "pydantic":  # FastAPI servers with extra="forbid"
                detail = {"type": "extra_forbidden", "loc": ["body", name]}
                detail.update(msg="Extra inputs are not permitted", input=request[name])
                return 422, {"detail": [detail]}
            error = {"message": REJECTIONS.get(name, f"Unrecognized request argument: {name}")}
            error.update(type="invalid_request_error", param=name, code="unsupported_parameter")
            return 400, {"error": error}
        if self.thinking_mode and _missing_reasoning(request.get("messages")):
            error = {"message": THINKING_ERROR, "type": "invalid_request_error", "param": None}
            return 400, {"error": {**error, "code": "invalid_request_error"}}
        return None

    def push_for(self, marker: str, *replies: dict[str, Any]) -> None:
        """Queue replies for the requests whose messages contain `marker` only."""
        with self.lock:
            self.keyed.setdefault(marker, []).extend(replies)

    def discard_replies(self) -> None:
        """Forget the queued replies (a `forever` one too), keeping the recorded requests."""
        with self.lock:
            self.queue.clear()
            self.keyed.clear()
            self._served.clear()

    def push_models(self, *replies: dict[str, Any]) -> None:
        """Queue replies for GET /v1/models (each request takes the next; then the list again)."""
        with self.lock:
            self.model_replies.extend(replies)

    def reset(self) -> None:
        """Forget queued replies and received requests."""
        with self.lock:
            self.queue.clear()
            self.keyed.clear()
            self._served.clear()
            self.model_replies.clear()
            self.requests.clear()
            self.headers.clear()
            self.paths.clear()
            self.disconnects = 0

    def __enter__(self) -> ScriptedLLM:  # noqa: PYI034 - stdlib only, no typing_extensions
        """Start on entering a `with` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on leaving the `with` block."""
        self.stop()


def main() -> None:
    """Serve until killed, printing the base URL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--models", nargs="*", default=None, help="model ids for GET /v1/models")
    parser.add_argument(
        "--emulate",
        choices=["ollama", "deepseek", "vllm"],
        help="list and check requests like this endpoint (tests/stream_shapes.py emulate)",
    )
    options = parser.parse_args()
    server = ScriptedLLM(options.port, options.models)
    if options.emulate:
        from stream_shapes import emulate  # next to this file: on sys.path when run as a script

        emulate(server, options.emulate)
    server.start()
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
