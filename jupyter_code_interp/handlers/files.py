"""GET /code-interp/preview and GET /code-interp/files: file previews and `@` completion.

Both read files, so they are authorized as `read` on the `contents` resource (what JupyterLab's
own file API requires), and every path goes through FileAccess (inside the server root only).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..files.paths import FileAccess, PathRefused
from ..files.preview import preview_file
from ..files.previews.media import guess_mime
from ..files.workspace import list_files
from .base import CodeInterpHandler

FILES_AUTH_RESOURCE = "contents"
MAX_LIST_LIMIT = 200


class _FilesHandler(CodeInterpHandler):
    """Shared plumbing: the FileAccess and client paths resolved inside the root."""

    auth_resource = FILES_AUTH_RESOURCE

    def initialize(self, files: FileAccess) -> None:
        """Keep the root the app resolves paths in."""
        self.files = files

    def resolve(self, path: str, what: str = "Path") -> Path:
        """`path` inside the root, or a 400 saying why not."""
        try:
            return self.files.resolve(path, what)
        except PathRefused as refused:
            raise web.HTTPError(400, str(refused)) from None


class PreviewHandler(_FilesHandler):
    """The preview of one file: what the model is told about an attachment."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """`?path=` (relative to the server root) → {path, name, kind, size, mime, text, ...}."""
        path = self.get_query_argument("path", None)
        if path is None or not path.strip():
            raise web.HTTPError(400, "The query argument 'path' is required.")
        resolved = self.resolve(path)
        if not resolved.exists():
            raise web.HTTPError(404, f"Path '{path}' does not exist.")
        if not resolved.is_file():
            raise web.HTTPError(400, f"Path '{path}' is a directory, not a file.")
        preview = await asyncio.to_thread(preview_file, resolved)
        self.write_json(
            {"path": self.files.relative(resolved), "name": resolved.name} | preview.to_json()
        )


class FileListHandler(_FilesHandler):
    """Files under a directory whose path contains a query, for `@` completion (bounded)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """`?dir=&prefix=&limit=` → {dir, files: [{path, relative, name, size, mime}], truncated}."""
        directory = self.get_query_argument("dir", "")
        query = self.get_query_argument("prefix", "")
        limit_text = self.get_query_argument("limit", "50")
        # str.isdigit() accepts '²' and '٣', which int() refuses: ASCII digits only.
        digits = limit_text.isascii() and limit_text.isdigit() and len(limit_text) <= 3
        if not digits or not 1 <= int(limit_text) <= MAX_LIST_LIMIT:
            raise web.HTTPError(400, f"'limit' must be a whole number from 1 to {MAX_LIST_LIMIT}.")
        resolved = self.resolve(directory, "Directory")
        if not resolved.is_dir():
            raise web.HTTPError(404, f"Directory '{directory}' does not exist.")
        found, truncated = await asyncio.to_thread(list_files, resolved, query, int(limit_text))
        base = self.files.relative(resolved)
        files = [
            {
                "path": f"{base}/{relative}" if base else relative,
                "relative": relative,
                "name": relative.rsplit("/", 1)[-1],
                "size": size,
                "mime": guess_mime(resolved / relative),
            }
            for relative, size in found
        ]
        self.write_json({"dir": base, "files": files, "truncated": truncated})
