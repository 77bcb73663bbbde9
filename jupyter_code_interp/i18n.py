"""Server-side messages in the panel's language, from the catalog the panel uses.

Messages people read (the setup card, provider errors, how a turn ended) are written in English
and wrapped in `_()`; `scripts/i18n.py` collects them into the same zh_CN .po/.json as the panel's
strings. `_()` translates into the locale of the current task (`use_locale`, set from the
`locale` the panel sends) and fills `{name}` placeholders. `N_()` only marks a message for
collection (module constants translated later, where the locale is known). Messages for the
model stay English: only what a person reads goes through `_()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

DOMAIN = "jupyter_code_interp"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_LOCALE: ContextVar[str | None] = ContextVar("code_interp_locale", default=None)
_SHAPE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2,4}))?$")


def catalog_locales() -> list[str]:
    """The locales that have a compiled catalog (e.g. ['zh_CN'])."""
    return sorted(
        path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.json")
    )


def normalize_locale(value: object) -> str | None:
    """The catalog locale for what the panel sent ('zh-CN', 'zh_cn', 'zh'), or None (English)."""
    if not isinstance(value, str):
        return None
    match = _SHAPE.match(value.strip())
    if match is None:
        return None
    language, region = match.group(1).lower(), (match.group(2) or "").upper()
    known = catalog_locales()
    wanted = f"{language}_{region}" if region else language
    if wanted in known:
        return wanted
    # 'zh' (or a region we have no catalog for) takes the first catalog of that language.
    return next((locale for locale in known if locale.split("_")[0] == language), None)


@lru_cache(maxsize=8)
def _catalog(locale: str) -> dict[str, str]:
    """msgid → translation of one locale's compiled catalog (empty when it is missing)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        key: value[0]
        for key, value in data.items()
        if key and isinstance(value, list) and value and isinstance(value[0], str) and value[0]
    }


def current_locale() -> str | None:
    """The locale messages of this task are translated into (None: English)."""
    return _LOCALE.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[None]:
    """Translate `_()` messages into `locale` (normalized; None: English) inside the block."""
    token = _LOCALE.set(normalize_locale(locale))
    try:
        yield
    finally:
        _LOCALE.reset(token)


def set_locale(locale: str | None) -> None:
    """Translate `_()` messages of the current task (and tasks it starts) into `locale`."""
    _LOCALE.set(normalize_locale(locale))


def _(message: str, /, **values: object) -> str:
    """`message` in the current locale, with its `{name}` placeholders filled from `values`."""
    locale = _LOCALE.get()
    text = _catalog(locale).get(message, message) if locale else message
    return text.format(**values) if values else text


def N_(message: str, /) -> str:
    """Mark `message` for the catalog without translating it (translated later by `_()`)."""
    return message
