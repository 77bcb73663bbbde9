"""The base of the extension's REST handlers, in the manner of jupyter_server's own services.

Authorization resource on the class (`@authorized` maps GET to read, POST/PUT/DELETE to write),
JSON bodies through `get_json_body`, errors as `raise web.HTTPError(status, message)`, which
APIHandler.write_error answers as `{"message": ..., "reason": ...}`.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

AUTH_RESOURCE = "code-interp"
"""The authorization resource of the panel's routes (the file routes use `contents`)."""


class CodeInterpHandler(APIHandler):
    """A REST handler of the code interpreter: JSON in, JSON out."""

    auth_resource = AUTH_RESOURCE

    def write_json(self, payload: Any, status: int = 200) -> None:
        """Finish with `payload` as JSON (non-ASCII kept as is)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def json_object(self) -> dict[str, Any]:
        """The request's JSON body as an object ({} when empty); 400 when it is not one."""
        try:
            body = self.get_json_body()
        except web.HTTPError:
            raise web.HTTPError(400, "The request body is not valid JSON.") from None
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise web.HTTPError(400, "The request body must be a JSON object.")
        return body
