"""Optional request fields an endpoint refuses, learned from its 400 and remembered per model.

Real servers refuse fields they do not know, each in its own words: "Unrecognized request
argument supplied: stream_options" (Azure OpenAI before api-version 2024-09-01-preview),
"Unsupported parameter: 'max_tokens' is not supported with this model. Use
'max_completion_tokens' instead." (OpenAI's reasoning models), FastAPI's 422 "extra_forbidden"
naming `["body", "parallel_tool_calls"]`, Google's 'Unknown name "parallel_tool_calls"'. The
request is sent again without the field (or with the name the server asks for) and the provider
keeps doing so for that model.
"""

from __future__ import annotations

import re
from typing import Any

OPTIONAL_FIELDS = ("stream_options", "parallel_tool_calls", "max_tokens", "max_completion_tokens")
"""Fields the product can do without: a refusal naming one is retried without it."""
_REFUSED = re.compile(
    r"unrecogni[sz]ed|unsupported|not supported|unknown|extra inputs|extra_forbidden|"
    r"not permitted|not allowed|additional propert|invalid (field|param|argument)|"
    r"cannot find field|no such (field|param)",
    re.IGNORECASE,
)
_RENAMED = re.compile(r"use ['\"`]?max_completion_tokens['\"`]? instead", re.IGNORECASE)


def names_field(message: str, field: str) -> bool:
    """Whether `message` names `field` (as a word, quoted or in a pydantic location)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(field)}(?![A-Za-z0-9_])", message) is not None


def refuses(message: str, field: str) -> bool:
    """Whether `message` says the server does not accept `field` at all."""
    return names_field(message, field) and _REFUSED.search(message) is not None


class Quirks:
    """What one provider's models refused, so later requests leave it out from the start."""

    def __init__(self) -> None:
        """Nothing learned yet."""
        self._dropped: dict[str, set[str]] = {}
        self._renamed: dict[str, dict[str, str]] = {}

    def apply(self, model: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """`arguments` as `model`'s endpoint accepts them."""
        fixed = dict(arguments)
        for old, new in self._renamed.get(model, {}).items():
            if old in fixed:
                fixed[new] = fixed.pop(old)
        for field in self._dropped.get(model, set()):
            fixed.pop(field, None)
        return fixed

    def dropped(self, model: str) -> set[str]:
        """The fields learned to be refused for `model` (renamed ones excluded)."""
        return set(self._dropped.get(model, set()))

    def retry(self, model: str, message: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
        """The arguments to try once more after a 400 saying `message`, or None if it was not
        about an optional field. A field refused outright is remembered for `model`; one whose
        value was refused ('max_tokens is too large') is left out of this request only."""
        if "max_tokens" in arguments and _RENAMED.search(message):
            self._renamed.setdefault(model, {})["max_tokens"] = "max_completion_tokens"
            return self.apply(model, arguments)
        for field in OPTIONAL_FIELDS:
            if field not in arguments or not names_field(message, field):
                continue
            if refuses(message, field):
                self._dropped.setdefault(model, set()).add(field)
                return self.apply(model, arguments)
            if field in ("max_tokens", "max_completion_tokens"):
                return {key: value for key, value in arguments.items() if key != field}
        return None
