"""GET /code-interp/preview and GET /code-interp/files: file previews and `@` completion.

Both read files, so they are authorized as `read` on the `contents` resource (what JupyterLab's
own file API requires), and every path goes through FileAccess (inside the server root only).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..paths import FileAccess, PathRefused
from ..previews import preview_file
from ..previews.media import guess_mime
from ..workspace import list_files

FILES_AUTH_RESOURCE = "contents"
MAX_LIST_LIMIT = 200


class _FilesAPIHandler(APIHandler):
    """Shared plumbing: the FileAccess, JSON answers and clear refusals."""

    auth_resource = FILES_AUTH_RESOURCE

    def initialize(self, file_access: FileAccess) -> None:
        """Keep the root the app resolves paths in."""
        self.file_access = file_access

    def reply(self, body: dict[str, Any]) -> None:
        """Finish with a JSON body (non-ASCII kept)."""
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def refuse(self, status: int, message: str) -> None:
        """Finish with an error status and `{"message": ...}`."""
        self.set_status(status)
        self.reply({"message": message})


class PreviewHandler(_FilesAPIHandler):
    """The preview of one file: what the model is told about an attachment."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """`?path=` (relative to the server root) → {path, name, kind, size, mime, text, ...}."""
        path = self.get_query_argument("path", None)
        if path is None or not path.strip():
            self.refuse(400, "The query argument 'path' is required.")
            return
        try:
            resolved = self.file_access.resolve(path)
        except PathRefused as refused:
            self.refuse(400, str(refused))
            return
        if not resolved.exists():
            self.refuse(404, f"Path '{path}' does not exist.")
            return
        if not resolved.is_file():
            self.refuse(400, f"Path '{path}' is a directory, not a file.")
            return
        preview = await asyncio.to_thread(preview_file, resolved)
        self.reply(
            {"path": self.file_access.relative(resolved), "name": resolved.name} | preview.to_json()
        )


class FileListHandler(_FilesAPIHandler):
    """Files under a directory whose path contains a query, for `@` completion (bounded)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """`?dir=&prefix=&limit=` → {dir, files: [{path, relative, name, size, mime}], truncated}."""
        directory = self.get_query_argument("dir", "")
        query = self.get_query_argument("prefix", "")
        limit_text = self.get_query_argument("limit", "50")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIST_LIMIT:
            self.refuse(400, f"'limit' must be a whole number from 1 to {MAX_LIST_LIMIT}.")
            return
        try:
            resolved = self.file_access.resolve(directory, "Directory")
        except PathRefused as refused:
            self.refuse(400, str(refused))
            return
        if not resolved.is_dir():
            self.refuse(404, f"Directory '{directory}' does not exist.")
            return
        found, truncated = await asyncio.to_thread(list_files, resolved, query, int(limit_text))
        base = self.file_access.relative(resolved)
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
        self.reply({"dir": base, "files": files, "truncated": truncated})
