"""Streaming chat completions from any OpenAI-compatible endpoint, with readable errors.

`openai` is imported on first use only: importing it costs most of a second, and the server
extension must load fast.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Literal

from ..i18n import _
from .errors import (
    KeyHint,
    ProviderError,
    ToolsUnsupported,
    default_key_hint,
    describe_failure,
    one_line,
    provider_message,
)
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
from .quirks import Quirks
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


def display_url(base_url: str | None) -> str:
    """An endpoint as it may be shown: the default filled in, credentials in the URL masked."""
    return redact_url(base_url or DEFAULT_BASE_URL)


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
        self.key_hint = key_hint or default_key_hint
        self._fenced_models = fenced_models if fenced_models is not None else set()
        self._on_fenced = on_fenced
        self._tool_callers: set[str] = set()
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

    def note_tool_call(self, model: str) -> None:
        """Remember that `model` made a real tool call (this server's lifetime): its fenced
        blocks are examples in its answers from then on, not code to run."""
        self._tool_callers.add(model)

    def calls_tools(self, model: str) -> bool:
        """Whether `model` was seen making a real tool call."""
        return model in self._tool_callers

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
        """`text` without the API key, the credentials of the URL or anything shaped like a key."""
        return redact(text, [self._api_key or "", *url_secrets(self.base_url)])

    def map_error(
        self, exc: BaseException, model: str, *, sent_tools: bool, received: int | None = None
    ) -> ProviderError:
        """A ProviderError with a specific one-line message for any failure of a request
        (`received`: the reply had started, with this many chunks)."""
        error = describe_failure(
            exc,
            url=self.display_url,
            model=model,
            timeout=self.timeout,
            key_hint=self.key_hint,
            sent_tools=sent_tools,
            received=received,
        )
        message = self._redact(one_line(str(error), 600))
        if isinstance(error, ToolsUnsupported):
            return ToolsUnsupported(message)
        return ProviderError(message, error.kind, error.retry_after)

    async def _create(self, model: str, arguments: dict[str, Any], sent_tools: bool) -> Any:
        """Start the stream; a 400 refusing an optional field is retried without it."""
        import openai

        arguments = self.quirks.apply(model, arguments)
        client = self._get_client()
        while True:
            try:
                return await client.chat.completions.create(**arguments)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                retry = self.quirks.retry(model, provider_message(exc), arguments)
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
                _(
                    "{url} sent no streamed chunks: not an OpenAI-compatible reply (does the "
                    "server support stream=true?).",
                    url=self.display_url,
                )
            )
        for event in reader.finish():
            yield event
