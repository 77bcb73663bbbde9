"""Streaming chat completions from any OpenAI-compatible endpoint, with readable errors.

`openai` is imported on first use only: importing it costs most of a second, and the server
extension must load fast.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..i18n import _
from .errors import (
    KeyHint,
    ProviderError,
    ToolsUnsupported,
    default_key_hint,
    describe_failure,
    one_line,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

ToolMode = Literal["tools", "fenced", "auto"]
TOOL_MODES: tuple[str, ...] = ("tools", "fenced", "auto")
DEFAULT_BASE_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"
"""Sent when only a base_url is configured: the SDK insists on a key, local servers ignore it."""

_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{6,}")


def display_url(base_url: str | None) -> str:
    """An endpoint as it may be shown: the default filled in, credentials in the URL removed."""
    return re.sub(r"//[^/@]*@", "//", base_url or DEFAULT_BASE_URL)


@dataclass
class TextDelta:
    """A piece of the model's answer text."""

    text: str


@dataclass
class ToolCallEvent:
    """A complete tool call, assembled from the streamed deltas."""

    id: str
    name: str
    arguments_json: str


@dataclass
class Usage:
    """Token counts the provider reported for one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


StreamEvent = TextDelta | ToolCallEvent | Usage


@dataclass
class _PartialCall:
    """A tool call whose pieces are still arriving."""

    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatProvider:
    """Talks to one OpenAI-compatible endpoint through `openai.AsyncOpenAI`."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        timeout: float,
        tool_modes: dict[str, str],
        *,
        max_retries: int = 2,
        api_version: str | None = None,
        key_hint: KeyHint | None = None,
    ) -> None:
        """Keep the settings; the client is made on first use (Azure's when `api_version`)."""
        self.base_url = base_url or None
        self._api_key = api_key or None
        self.timeout = timeout
        self.tool_modes = dict(tool_modes)
        self.max_retries = max_retries
        self.api_version = api_version
        self.key_hint = key_hint or default_key_hint
        self._fenced_models: set[str] = set()
        self._client: AsyncOpenAI | None = None

    def __repr__(self) -> str:
        """Shows the endpoint, never the key."""
        return f"ChatProvider(base_url={self.display_url!r})"

    @property
    def display_url(self) -> str:
        """The endpoint as it may be shown: default filled in, credentials in the URL removed."""
        return display_url(self.base_url)

    def tool_mode(self, model: str) -> ToolMode:
        """How `model` gets to run code: real tool calls, fenced blocks, or tools with fallback."""
        if model in self._fenced_models:
            return "fenced"
        mode = self.tool_modes.get(model, "auto")
        if mode == "tools":
            return "tools"
        return "fenced" if mode == "fenced" else "auto"

    def remember_fenced(self, model: str) -> None:
        """Remember that `model` (in auto mode) cannot call tools, so later turns skip trying."""
        self._fenced_models.add(model)

    def _get_client(self) -> AsyncOpenAI:
        """The SDK client, created (and `openai` imported) on first use."""
        if self._client is None:
            if self._api_key is None and self.base_url is None:
                raise ProviderError(
                    _(
                        "No model provider is configured: set OPENAI_API_KEY (or "
                        "OPENAI_BASE_URL for a local server) in the environment of `jupyter "
                        "lab`, or c.CodeInterpreter.api_key / c.CodeInterpreter.base_url in "
                        "jupyter_server_config.py."
                    )
                )
            import openai

            if self.api_version is not None:
                self._client = openai.AsyncAzureOpenAI(
                    azure_endpoint=self.base_url or "",
                    api_key=self._api_key or PLACEHOLDER_KEY,
                    api_version=self.api_version,
                    timeout=self.timeout,
                    max_retries=self.max_retries,
                )
                return self._client
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url or DEFAULT_BASE_URL,
                api_key=self._api_key or PLACEHOLDER_KEY,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        return self._client

    def client(self) -> AsyncOpenAI:
        """The SDK client (made on first use), for requests other than chat streams."""
        return self._get_client()

    async def aclose(self) -> None:
        """Close the HTTP connections of the client, if one was made."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _redact(self, text: str) -> str:
        """`text` with the API key, and anything shaped like a key, blanked out."""
        if self._api_key:
            text = text.replace(self._api_key, "***")
        return _KEY_LIKE.sub("sk-***", text)

    def map_error(self, exc: BaseException, model: str, *, sent_tools: bool) -> ProviderError:
        """A ProviderError with a specific one-line message for any failure of a request."""
        error = describe_failure(
            exc,
            url=self.display_url,
            model=model,
            timeout=self.timeout,
            key_hint=self.key_hint,
            sent_tools=sent_tools,
        )
        message = self._redact(one_line(str(error), 600))
        if isinstance(error, ToolsUnsupported):
            return ToolsUnsupported(message)
        return ProviderError(message, error.kind, error.retry_after)

    async def stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Stream one chat completion: text deltas as they come, then complete tool calls, usage."""
        client = self._get_client()
        arguments: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            arguments["tools"] = tools
        try:
            response = await client.chat.completions.create(**arguments)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a readable ProviderError
            raise self.map_error(exc, model, sent_tools=bool(tools)) from None
        calls: dict[Any, _PartialCall] = {}
        understood = 0
        chunks = response.__aiter__()
        try:
            while True:
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:  # noqa: BLE001 - as above, for mid-stream failures
                    raise self.map_error(exc, model, sent_tools=bool(tools)) from None
                usage = getattr(chunk, "usage", None)
                choices = getattr(chunk, "choices", None)
                if usage is not None or isinstance(choices, list):
                    understood += 1
                if usage is not None:
                    yield Usage(
                        int(getattr(usage, "prompt_tokens", 0) or 0),
                        int(getattr(usage, "completion_tokens", 0) or 0),
                    )
                for choice in choices if isinstance(choices, list) else []:
                    delta = getattr(choice, "delta", None)
                    if delta is None:
                        continue
                    content = getattr(delta, "content", None)
                    if isinstance(content, str) and content:
                        yield TextDelta(content)
                    for piece in getattr(delta, "tool_calls", None) or []:
                        _add_call_piece(calls, piece)
        finally:
            await response.close()
        if understood == 0:
            raise ProviderError(
                _(
                    "{url} sent no streamed chunks: not an OpenAI-compatible reply (does the "
                    "server support stream=true?).",
                    url=self.display_url,
                )
            )
        for call in calls.values():
            yield ToolCallEvent(
                call.id or f"call_{uuid.uuid4().hex[:24]}", call.name, "".join(call.arguments)
            )


def _add_call_piece(calls: dict[Any, _PartialCall], piece: Any) -> None:
    """Merge one streamed tool-call delta into the call it belongs to."""
    index = getattr(piece, "index", None)
    call_id = getattr(piece, "id", None) or ""
    if index is None:
        # Some servers omit the index: match by id, else a new id starts a new call.
        index = next((key for key, call in calls.items() if call.id == call_id), None)
        if index is None:
            index = len(calls) if call_id or not calls else list(calls)[-1]
    call = calls.setdefault(index, _PartialCall())
    if call_id and not call.id:
        call.id = call_id
    function = getattr(piece, "function", None)
    name = getattr(function, "name", None)
    if isinstance(name, str) and name and name != call.name:
        call.name += name
    piece_arguments = getattr(function, "arguments", None)
    if isinstance(piece_arguments, str):
        call.arguments.append(piece_arguments)


def describe_arguments(arguments_json: str) -> dict[str, Any] | str:
    """Decoded tool arguments, or a message saying why they are unusable."""
    try:
        value: Any = json.loads(arguments_json) if arguments_json.strip() else {}
        if isinstance(value, str):
            value = json.loads(value)  # some servers encode the arguments twice
    except ValueError as exc:
        return f"the arguments were not valid JSON ({exc})"
    if not isinstance(value, dict):
        return "the arguments must be a JSON object"
    return value
