"""Blanking provider keys in the blocks a process was started with (Linux).

`os.environ.pop` removes a variable from the environment that kernels inherit, but the bytes the
process was started with stay in its memory, and any process of the same user can read them:
`/proc/<pid>/environ` shows the range `env_start..env_end` and `/proc/<pid>/cmdline` the range
`arg_start..arg_end` (fields 50-51 and 48-49 of `/proc/<pid>/stat`). Code a model writes runs in
a kernel whose parent is the server, so `/proc/<ppid>/environ` is one line away.

The ranges are the initial stack of the process: mapped and writable. The values of the removed
variables (and any known key in the command line) are overwritten in place, with the same length,
so that the layout the kernel reports is unchanged. Nothing else in the process refers to them:
Python copied both blocks at start-up (os.environ, sys.argv) and the variables are gone from the C
environment array. Re-executing the server with a clean environment would be the other way, but it
would restart jupyter_server itself and lose every command-line and environment setting that is
not a key.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path

FILL = b"*"
SCRUB_INSIDE = 8
"""Secrets this long are also looked for inside other variables' values (shorter ones only as a
whole value, so that a short user name in a URL does not remove PATH)."""
_STAT_FIELDS = {"cmdline": (48, 49), "environ": (50, 51)}
"""Fields of /proc/self/stat (1-based, as proc(5) numbers them) that bound each block."""


class BlockError(Exception):
    """A start-up block that cannot be read or written here; the message says why."""


def _block_range(stat: str, block: str) -> tuple[int, int]:
    """Start and end address of `block` from the text of /proc/self/stat."""
    # The command name (field 2) is in parentheses and may hold spaces and ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    first, last = _STAT_FIELDS[block]
    if len(fields) < last - 2:
        raise BlockError("this kernel's /proc/self/stat does not report the block (Linux < 3.5)")
    return int(fields[first - 3]), int(fields[last - 3])


def _writable(start: int, end: int, maps: str) -> bool:
    """Whether [start, end) lies inside one writable mapping of /proc/self/maps."""
    for line in maps.splitlines():
        bounds, perms = line.split()[:2]
        low, high = (int(part, 16) for part in bounds.split("-"))
        if low <= start and end <= high:
            return "w" in perms
    return False


def blanked(block: bytes, names: set[str], secrets: list[bytes]) -> bytes:
    """`block` (NUL-separated entries) with the values of `names` and every secret overwritten."""
    entries = block.split(b"\0")
    for index, entry in enumerate(entries):
        name, equals, value = entry.partition(b"=")
        if equals and name.decode("utf-8", "replace") in names:
            entries[index] = name + equals + FILL * len(value)
            continue
        for secret in secrets:
            entry = entry.replace(secret, FILL * len(secret))
        entries[index] = entry
    return b"\0".join(entries)


def blank_block(block: str, names: set[str], secrets: list[bytes]) -> int:
    """Overwrite the keys in the process's start-up `block` ('environ' or 'cmdline'); the number
    of bytes changed. BlockError when it cannot be done safely."""
    proc = Path("/proc/self")
    try:
        start, end = _block_range((proc / "stat").read_text(), block)
        shown = (proc / block).read_bytes()
        maps = (proc / "maps").read_text()
    except (OSError, ValueError) as error:
        raise BlockError(f"/proc/self is not readable ({error})") from None
    if end <= start or not _writable(start, end, maps):
        raise BlockError(f"the {block} block is not in a writable mapping")
    current = ctypes.string_at(start, end - start)
    if current != shown:
        raise BlockError(f"the {block} block in memory differs from /proc/self/{block}")
    wanted = blanked(current, names, secrets)
    changed = 0
    for offset, (old, new) in enumerate(zip(current, wanted, strict=True)):
        if old != new:
            ctypes.memset(start + offset, new, 1)
            changed += 1
    return changed


def clear_startup_blocks(names: Iterable[str], secrets: Iterable[str], log: logging.Logger) -> None:
    """Blank the removed key variables `names` and every secret in the start-up environment and
    command line of this process; a logged note where that is not possible."""
    if not sys.platform.startswith("linux"):
        log.info(
            "code-interp: on %s the environment the server started with cannot be cleared; "
            "code running as the same user may still read the provider keys from it.",
            sys.platform,
        )
        return
    wanted = {name for name in names if name}
    encoded = sorted({s.encode() for s in secrets if s}, key=len, reverse=True)
    for block in ("environ", "cmdline"):
        try:
            changed = blank_block(block, wanted, encoded)
        except BlockError as error:
            log.warning(
                "code-interp: the provider keys could not be cleared from /proc/%s/%s (%s); "
                "code running as the same user may read them there.",
                "self",
                block,
                error,
            )
            continue
        if changed:
            log.info("code-interp: provider keys cleared from the server's start-up %s", block)


def scrub_process(names: Iterable[str], secrets: list[str], log: logging.Logger) -> None:
    """Remove the key variables `names` from os.environ (kernels copy it), and any variable whose
    value is a secret or holds one of SCRUB_INSIDE characters or more (e.g. OPENAI_BASE_URL with a
    password in it); then blank them all in the start-up blocks."""
    long = [secret for secret in secrets if len(secret) >= SCRUB_INSIDE]
    keys = set(names)
    removed = {
        name
        for name, value in os.environ.items()
        if name in keys or value in secrets or any(secret in value for secret in long)
    }
    for name in removed:
        os.environ.pop(name, None)
    clear_startup_blocks(keys | removed, secrets, log)
