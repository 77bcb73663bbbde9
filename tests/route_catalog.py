"""The routes of the extension, read from a running server's router, and a way to call each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tornado import web, websocket
from tornado.httpclient import HTTPClientError, HTTPResponse
from tornado.routing import PathMatches, Rule
from wire_client import Fetch

METHODS = ("get", "post", "put", "delete", "patch")


@dataclass(frozen=True)
class Route:
    """One method of one route of the extension, with a concrete path to call it on."""

    path: str
    """Relative to the base URL, e.g. `code-interp/providers/default`."""
    method: str
    """An HTTP method, or `WEBSOCKET`."""
    handler: type

    def __str__(self) -> str:
        """`METHOD path`, for assertion messages."""
        return f"{self.method} {self.path}"


def _rules(router: Any) -> list[Rule]:
    """Every rule of a tornado router, nested routers flattened."""
    found: list[Rule] = []
    for rule in getattr(router, "rules", []):
        if isinstance(rule.target, type):
            found.append(rule)
        else:
            found += _rules(rule.target)
    return found


def extension_routes(serverapp: Any, base_url: str) -> list[Route]:
    """The routes whose handlers belong to jupyter_code_interp, one per method they implement."""
    routes: list[Route] = []
    for rule in _rules(serverapp.web_app.default_router):
        handler = rule.target
        if not handler.__module__.startswith("jupyter_code_interp") or not isinstance(
            rule.matcher, PathMatches
        ):
            continue
        pattern = rule.matcher.regex.pattern.rstrip("$")
        # Named groups get a value that exists (the default provider); no other regex syntax.
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "default", pattern)
        assert path.startswith(base_url), path
        path = path[len(base_url) :]
        if issubclass(handler, websocket.WebSocketHandler):
            routes.append(Route(path, "WEBSOCKET", handler))
            continue
        for method in METHODS:
            if getattr(handler, method) is not getattr(web.RequestHandler, method):
                routes.append(Route(path, method.upper(), handler))
    return routes


async def call(jp_fetch: Fetch, jp_ws_fetch: Fetch, route: Route, headers: dict[str, str]) -> int:
    """The status the server answers `route` with (101 for an accepted websocket)."""
    if route.method == "WEBSOCKET":
        try:
            socket = await jp_ws_fetch(route.path, headers=headers)
        except HTTPClientError as error:
            return error.code
        socket.close()
        return 101
    body = None if route.method in ("GET", "DELETE") else "{}"
    try:
        response: HTTPResponse = await jp_fetch(
            route.path, method=route.method, body=body, headers=headers, follow_redirects=False
        )
    except HTTPClientError as error:
        return error.code
    return response.code
