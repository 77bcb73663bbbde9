"""The one redaction of secrets for everything that leaves the server process.

Secrets are API keys and credentials written into a base URL (`http://user:pass@host/v1`,
`?key=…`, `?api-key=…`). Whatever the browser, the log or the conversation store receives goes
through `redact` (text) or `redact_url` (a URL shown as such).
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable

MASK = "***"
MIN_SECRET = 4
"""Shorter strings are not searched for: they would blank out ordinary words."""
SECRET_PARAMETERS = frozenset(
    {
        "key",
        "apikey",
        "api_key",
        "api-key",
        "token",
        "access_token",
        "auth",
        "password",
        "secret",
        "sig",
        "signature",
        "code",
    }
)
"""Query parameters whose values are credentials (compared in lower case)."""

_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{6,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#'\"<>]+@")
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:" + "|".join(re.escape(name) for name in SECRET_PARAMETERS) + r")=)"
    r"[^&#\s'\"<>]+"
)


def url_secrets(url: str | None) -> list[str]:
    """The credentials written into `url` (user, password, secret query values), as written and
    percent-decoded."""
    if not url:
        return []
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    for piece in userinfo.split(":", 1) if userinfo else []:
        found += [piece, urllib.parse.unquote(piece)]
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in SECRET_PARAMETERS:
            found += [value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)]
    return [secret for secret in dict.fromkeys(found) if len(secret) >= MIN_SECRET]


def redact_url(url: str) -> str:
    """`url` with its user information and secret query values replaced by ***."""
    return _QUERY_SECRET.sub(rf"\1{MASK}", _USERINFO.sub(rf"\1{MASK}@", url))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the given secrets, key-shaped strings or credentials inside URLs."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return redact_url(_KEY_LIKE.sub("sk-" + MASK, text))


def restore_url(shown: str | None, stored: str | None) -> str | None:
    """The URL to keep when a client sends back `shown`: the stored one if `shown` is its
    redacted form (the dialog only ever saw that), else `shown`."""
    if shown is not None and stored is not None and shown.rstrip("/") == redact_url(stored):
        return stored
    return shown


HTTP_LOGGERS = ("httpx", "httpx2", "openai._base_client")
"""Loggers of the HTTP stack that write request URLs (with any credentials in them)."""


class RedactingFilter(logging.Filter):
    """Rewrites the records of the HTTP stack's loggers without secrets (never drops one)."""

    def __init__(self) -> None:
        """A filter with no known secrets yet (URL credentials are still masked)."""
        super().__init__()
        self.secrets: Callable[[], Iterable[str]] = tuple

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the message by its redacted text."""
        text = record.getMessage()
        cleaned = redact(text, self.secrets())
        if cleaned != text:
            record.msg, record.args = cleaned, None
        return True


_LOG_FILTER = RedactingFilter()


def protect_logs(secrets: Callable[[], Iterable[str]]) -> None:
    """Redact the records of HTTP_LOGGERS with `secrets()` (the server's registry)."""
    _LOG_FILTER.secrets = secrets
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)
