"""Streaming chat completions from any OpenAI-compatible endpoint, with readable errors.

`openai` is imported on first use only: importing it costs most of a second, and the server
extension must load fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Literal

from .events import (
    ChunkReader,
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallEvent,
    Usage,
    describe_arguments,
)
from .quirks import Quirks, refuses
from .redaction import redact, redact_url, url_secrets

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = [
    "ChatProvider",
    "Finish",
    "ProviderError",
    "ReasoningDelta",
    "StreamEvent",
    "TextDelta",
    "ToolCallEvent",
    "ToolsUnsupported",
    "Usage",
    "describe_arguments",
    "display_url",
]

ToolMode = Literal["tools", "fenced", "auto"]
TOOL_MODES: tuple[str, ...] = ("tools", "fenced", "auto")
DEFAULT_BASE_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"
"""Sent when only a base_url is configured: the SDK insists on a key, local servers ignore it."""

_TOOLS_UNSUPPORTED = re.compile(
    r"(tool|function)[^.]*?(not (be )?supported|unsupported|does not support|doesn't support"
    r"|not enabled|requires? --|--jinja|enable-auto-tool-choice|tool-call-parser)"
    r"|(not support|unsupported|does not support|doesn't support)[^.]*?(tool|function)",
    re.IGNORECASE,
)


def display_url(base_url: str | None) -> str:
    """An endpoint as it may be shown: the default filled in, credentials in the URL masked."""
    return redact_url(base_url or DEFAULT_BASE_URL)


class ProviderError(Exception):
    """A failed model request; `str()` is one human-readable line without any secret."""

    def __init__(self, message: str, kind: str = "error", retry_after: float | None = None) -> None:
        """Keep the message, what kind of failure it is and when a retry may work."""
        super().__init__(message)
        self.kind = kind
        """unauthorized, forbidden, model_not_found, rate_limited, unreachable, not_openai,
        tools_unsupported, bad_request, cut, stalled, stream_error or error."""
        self.retry_after = retry_after


class ToolsUnsupported(ProviderError):
    """The endpoint refused the request because it cannot do tool (function) calling."""

    def __init__(self, message: str, kind: str = "tools_unsupported") -> None:
        """A ProviderError of kind tools_unsupported."""
        super().__init__(message, kind)


def _one_line(text: str, limit: int = 400) -> str:
    """Collapse whitespace and cap the length, so messages stay one readable line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _provider_message(exc: Any) -> str:
    """The provider's own message from an openai API error, without the SDK's prefix.

    Bodies without a `message` (FastAPI's 422 `detail` list, Google's list of errors) are kept
    as compact JSON: they name the refused field.
    """
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    if isinstance(body, str) and body.strip():
        return body
    if isinstance(body, (dict, list)) and body:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    message = str(getattr(exc, "message", "") or exc)
    return re.sub(r"^Error code: \d+ - ", "", message)


def _is_cut_stream(exc: BaseException) -> bool:
    """True if `exc` (or what caused it) is the HTTP client's 'peer closed the body' error."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if type(seen).__name__ == "RemoteProtocolError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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
        key_hint: str | None = None,
        fenced_models: set[str] | None = None,
        on_fenced: Callable[[str], None] | None = None,
    ) -> None:
        """Keep the settings; the client is made on first use (Azure's when `api_version`).

        `fenced_models`: models learned to write fenced code (shared with the registry, which
        persists them through `on_fenced`).
        """
        self.base_url = base_url or None
        self._api_key = api_key or None
        self.timeout = timeout
        self.tool_modes = dict(tool_modes)
        self.max_retries = max_retries
        self.api_version = api_version
        self.key_hint = key_hint or (
            "Set OPENAI_API_KEY (or c.CodeInterpreter.api_key) to a valid key for {url}."
        )
        self._fenced_models = fenced_models if fenced_models is not None else set()
        self._on_fenced = on_fenced
        self.quirks = Quirks()
        """Optional request fields this endpoint refused, per model."""
        self._client: AsyncOpenAI | None = None

    def __repr__(self) -> str:
        """Shows the endpoint, never the key."""
        return f"ChatProvider(base_url={self.display_url!r})"

    @property
    def display_url(self) -> str:
        """The endpoint as it may be shown: default filled in, credentials in the URL removed."""
        return display_url(self.base_url)

    def source(self, model: str) -> str:
        """Who writes `model`'s replies here (endpoint and model): provider-specific fields of
        a reply (reasoning to pass back, thought signatures) go back to that one only."""
        return f"{self.display_url}#{model}"

    def tool_mode(self, model: str) -> ToolMode:
        """How `model` gets to run code: real tool calls, fenced blocks, or tools with fallback."""
        if model in self._fenced_models:
            return "fenced"
        mode = self.tool_modes.get(model, "auto")
        if mode == "tools":
            return "tools"
        return "fenced" if mode == "fenced" else "auto"

    def remember_fenced(self, model: str) -> None:
        """Remember that `model` (in auto mode) does not call tools, so later turns skip trying."""
        if model in self._fenced_models:
            return
        self._fenced_models.add(model)
        if self._on_fenced is not None:
            self._on_fenced(model)

    def _get_client(self) -> AsyncOpenAI:
        """The SDK client, created (and `openai` imported) on first use."""
        if self._client is None:
            if self._api_key is None and self.base_url is None:
                raise ProviderError(
                    "No model provider is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for "
                    "a local server) in the environment of `jupyter lab`, or "
                    "c.CodeInterpreter.api_key / c.CodeInterpreter.base_url in "
                    "jupyter_server_config.py."
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
        """`text` without the API key, the credentials of the URL or anything shaped like a key."""
        return redact(text, [self._api_key or "", *url_secrets(self.base_url)])

    def map_error(
        self, exc: BaseException, model: str, *, sent_tools: bool, received: int | None = None
    ) -> ProviderError:
        """A ProviderError with a specific one-line message for any failure of a request
        (`received`: the reply had started, with this many chunks)."""
        import openai

        url = self.display_url
        error: ProviderError
        retry_after: float | None = None
        if isinstance(exc, ProviderError):
            error = exc
        elif isinstance(exc, openai.AuthenticationError):
            error = ProviderError(
                "The provider rejected the API key (401). " + self.key_hint.replace("{url}", url),
                "unauthorized",
            )
        elif isinstance(exc, openai.PermissionDeniedError):
            error = ProviderError(
                f"The provider refused access (403) to model '{model}': {_provider_message(exc)}",
                "forbidden",
            )
        elif isinstance(exc, openai.NotFoundError):
            if isinstance(exc.body, dict):
                error = ProviderError(
                    f"Model '{model}' was not found at {url} (404): {_provider_message(exc)}",
                    "model_not_found",
                )
            else:
                error = ProviderError(
                    f"{url} answered 404 for /chat/completions: not an OpenAI-compatible "
                    f"endpoint, or model '{model}' does not exist. Check the base URL "
                    "(it usually ends in /v1).",
                    "not_openai",
                )
        elif isinstance(exc, openai.RateLimitError):
            retry_after = _seconds(exc.response.headers.get("retry-after"))
            wait = f" Retry after {retry_after:g} s." if retry_after is not None else ""
            error = ProviderError(
                f"Rate limited by the provider (429): {_provider_message(exc)}.{wait}",
                "rate_limited",
            )
        elif isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError)):
            message = _provider_message(exc)
            if sent_tools and (_TOOLS_UNSUPPORTED.search(message) or refuses(message, "tools")):
                error = ToolsUnsupported(
                    f"Model '{model}' does not support tool calls: {message}. Set its tool mode "
                    "to 'fenced' (c.CodeInterpreter.tool_modes) or 'auto'."
                )
            else:
                error = ProviderError(f"The provider refused the request: {message}", "bad_request")
        elif isinstance(exc, openai.APIStatusError):
            if isinstance(exc.body, (dict, type(None))):
                error = ProviderError(
                    f"The provider answered HTTP {exc.status_code}: {_provider_message(exc)}"
                )
            else:
                error = ProviderError(
                    f"{url} answered HTTP {exc.status_code} with something that is not an "
                    f"OpenAI-compatible reply: {_provider_message(exc)}",
                    "not_openai",
                )
        elif isinstance(exc, openai.APITimeoutError) and received is not None:
            # The read timeout of a reply that had started: connected, but the data stopped.
            where = "in the middle of the reply" if received else "after accepting the request"
            error = ProviderError(
                f"The provider stopped sending: nothing came from {url} for {self.timeout:g} s "
                f"{where} (request_timeout).",
                "stalled",
            )
        elif isinstance(exc, openai.APITimeoutError):
            error = ProviderError(
                f"Cannot connect to {url}: no answer within {self.timeout:g} s (request timed out).",
                "unreachable",
            )
        elif _is_cut_stream(exc):
            error = ProviderError(
                f"The connection to {url} broke: the stream was cut before the reply was complete.",
                "cut",
            )
        elif isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            detail = _one_line(str(cause)) if cause is not None and str(cause) else exc.message
            error = ProviderError(f"Cannot connect to {url}: {detail}", "unreachable")
        elif isinstance(exc, openai.APIError):
            error = ProviderError(
                f"The provider reported an error mid-stream: {exc.message}", "stream_error"
            )
        elif isinstance(exc, ValueError):
            # json.JSONDecodeError and pydantic validation errors are ValueErrors.
            error = ProviderError(
                f"{url} sent something that is not an OpenAI-compatible reply: "
                f"{_one_line(str(exc))}",
                "not_openai",
            )
        else:
            error = ProviderError(f"Request to {url} failed: {type(exc).__name__}: {exc}")
        message = self._redact(_one_line(str(error), 600))
        if isinstance(error, ToolsUnsupported):
            return ToolsUnsupported(message)
        return ProviderError(message, error.kind, retry_after)

    async def _create(self, model: str, arguments: dict[str, Any], sent_tools: bool) -> Any:
        """Start the stream; a 400 refusing an optional field is retried without it."""
        import openai

        arguments = self.quirks.apply(model, arguments)
        client = self._get_client()
        while True:
            try:
                return await client.chat.completions.create(**arguments)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                retry = self.quirks.retry(model, _provider_message(exc), arguments)
                if retry is None or retry == arguments:
                    raise self.map_error(exc, model, sent_tools=sent_tools) from None
                arguments = retry
            except Exception as exc:  # noqa: BLE001 - every failure becomes a readable ProviderError
                raise self.map_error(exc, model, sent_tools=sent_tools) from None

    async def stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Stream one chat completion: answer and reasoning deltas as they come, then complete
        tool calls, usage and how it finished (never inferred from finish_reason).

        `stop`: stop sequences (the reply ends before the first one it would write).
        """
        arguments: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            # One call per reply: code written before an output is seen builds on guesses.
            arguments.update(tools=tools, parallel_tool_calls=False)
        if max_tokens:
            arguments["max_tokens"] = max_tokens
        if stop:
            arguments["stop"] = stop
        response = await self._create(model, arguments, bool(tools))
        reader = ChunkReader()
        chunks = response.__aiter__()
        try:
            while True:
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:  # noqa: BLE001 - as above, for mid-stream failures
                    raise self.map_error(
                        exc, model, sent_tools=bool(tools), received=reader.understood
                    ) from None
                for event in reader.read(chunk):
                    yield event
        finally:
            await response.close()
        if reader.understood == 0:
            raise ProviderError(
                f"{self.display_url} sent no streamed chunks: not an OpenAI-compatible reply "
                "(does the server support stream=true?)."
            )
        for event in reader.finish():
            yield event


def _seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (HTTP dates are not worth parsing here), else None."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
