"""Failed model requests: ProviderError and a specific, one-line message for each failure.

The messages are for people: written in English and translated (`_`) into the panel's language
when the failure happens (the chat session sets the locale of its turns).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..i18n import _
from .quirks import refuses

_TOOLS_UNSUPPORTED = re.compile(
    r"(tool|function)[^.]*?(not (be )?supported|unsupported|does not support|doesn't support"
    r"|not enabled|requires? --|--jinja|enable-auto-tool-choice|tool-call-parser)"
    r"|(not support|unsupported|does not support|doesn't support)[^.]*?(tool|function)",
    re.IGNORECASE,
)


KeyHint = Callable[[str], str]
"""What to do about a rejected key, given the endpoint's URL (called when the error happens, so
that it is in the panel's language)."""


def default_key_hint(url: str) -> str:
    """The key hint of the flat settings' provider."""
    return _("Set OPENAI_API_KEY (or c.CodeInterpreter.api_key) to a valid key for {url}.", url=url)


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


def one_line(text: str, limit: int = 400) -> str:
    """Collapse whitespace and cap the length, so messages stay one readable line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def provider_message(exc: Any) -> str:
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
    for _attempt in range(5):
        if seen is None:
            return False
        if type(seen).__name__ == "RemoteProtocolError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (HTTP dates are not worth parsing here), else None."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def describe_failure(
    exc: BaseException,
    *,
    url: str,
    model: str,
    timeout: float,
    key_hint: KeyHint,
    sent_tools: bool,
    received: int | None = None,
) -> ProviderError:
    """A ProviderError whose message says what went wrong with a request to `url`
    (`received`: the reply had started, with this many chunks)."""
    import openai

    error: ProviderError
    retry_after: float | None = None
    if isinstance(exc, ProviderError):
        error = exc
    elif isinstance(exc, openai.AuthenticationError):
        error = ProviderError(
            _("The provider rejected the API key (401).") + " " + key_hint(url),
            "unauthorized",
        )
    elif isinstance(exc, openai.PermissionDeniedError):
        error = ProviderError(
            _(
                "The provider refused access (403) to model '{model}': {detail}",
                model=model,
                detail=provider_message(exc),
            ),
            "forbidden",
        )
    elif isinstance(exc, openai.NotFoundError):
        if isinstance(exc.body, dict):
            error = ProviderError(
                _(
                    "Model '{model}' was not found at {url} (404): {detail}",
                    model=model,
                    url=url,
                    detail=provider_message(exc),
                ),
                "model_not_found",
            )
        else:
            error = ProviderError(
                _(
                    "{url} answered 404 for /chat/completions: not an OpenAI-compatible "
                    "endpoint, or model '{model}' does not exist. Check the base URL (it "
                    "usually ends in /v1).",
                    url=url,
                    model=model,
                ),
                "not_openai",
            )
    elif isinstance(exc, openai.RateLimitError):
        retry_after = _seconds(exc.response.headers.get("retry-after"))
        wait = (
            " " + _("Retry after {seconds} s.", seconds=f"{retry_after:g}")
            if retry_after is not None
            else ""
        )
        error = ProviderError(
            _("Rate limited by the provider (429): {detail}.", detail=provider_message(exc)) + wait,
            "rate_limited",
        )
    elif isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError)):
        message = provider_message(exc)
        if sent_tools and (_TOOLS_UNSUPPORTED.search(message) or refuses(message, "tools")):
            error = ToolsUnsupported(
                _(
                    "Model '{model}' does not support tool calls: {detail}. Set its tool "
                    "mode to 'fenced' (c.CodeInterpreter.tool_modes) or 'auto'.",
                    model=model,
                    detail=message,
                )
            )
        else:
            error = ProviderError(
                _("The provider refused the request: {detail}", detail=message), "bad_request"
            )
    elif isinstance(exc, openai.APIStatusError):
        if isinstance(exc.body, (dict, type(None))):
            error = ProviderError(
                _(
                    "The provider answered HTTP {status}: {detail}",
                    status=exc.status_code,
                    detail=provider_message(exc),
                )
            )
        else:
            error = ProviderError(
                _(
                    "{url} answered HTTP {status} with something that is not an "
                    "OpenAI-compatible reply: {detail}",
                    url=url,
                    status=exc.status_code,
                    detail=provider_message(exc),
                ),
                "not_openai",
            )
    elif isinstance(exc, openai.APITimeoutError) and received is not None:
        # The read timeout of a reply that had started: connected, but the data stopped.
        where = _("in the middle of the reply") if received else _("after accepting the request")
        error = ProviderError(
            _(
                "The provider stopped sending: nothing came from {url} for {seconds} s {where} "
                "(request_timeout).",
                url=url,
                seconds=f"{timeout:g}",
                where=where,
            ),
            "stalled",
        )
    elif isinstance(exc, openai.APITimeoutError):
        error = ProviderError(
            _(
                "Cannot connect to {url}: no answer within {seconds} s (request timed out).",
                url=url,
                seconds=f"{timeout:g}",
            ),
            "unreachable",
        )
    elif _is_cut_stream(exc):
        error = ProviderError(
            _(
                "The connection to {url} broke: the stream was cut before the reply was complete.",
                url=url,
            ),
            "cut",
        )
    elif isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = one_line(str(cause)) if cause is not None and str(cause) else exc.message
        error = ProviderError(
            _("Cannot connect to {url}: {detail}", url=url, detail=detail), "unreachable"
        )
    elif isinstance(exc, openai.APIError):
        error = ProviderError(
            _("The provider reported an error mid-stream: {detail}", detail=exc.message),
            "stream_error",
        )
    elif isinstance(exc, ValueError):
        # json.JSONDecodeError and pydantic validation errors are ValueErrors.
        error = ProviderError(
            _(
                "{url} sent something that is not an OpenAI-compatible reply: {detail}",
                url=url,
                detail=one_line(str(exc)),
            ),
            "not_openai",
        )
    else:
        error = ProviderError(
            _(
                "Request to {url} failed: {detail}",
                url=url,
                detail=f"{type(exc).__name__}: {exc}",
            )
        )
    if retry_after is not None:
        error.retry_after = retry_after
    return error
