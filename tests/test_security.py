"""Security of every route of the extension, enumerated from the running server's router.

A route added later is covered without editing this file. The server requires authentication on
every endpoint (`allow_unauthenticated_access=False`, see conftest.py) and JupyterServerAuthWarning
is an error (pyproject.toml), so a handler without an auth decorator fails the whole module.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from route_catalog import Route, call, extension_routes
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply
from tornado.httpclient import HTTPClientError, HTTPResponse
from traitlets.config import Config
from wire_client import ChatClient, Fetch, on_server_loop, turn

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("error::jupyter_server.utils.JupyterServerAuthWarning"),
]

NO_AUTH = {"Authorization": ""}
EVIL = "http://evil.example"
TYPED_KEY = "sk-typed-in-dialog-0123456789SECRET"
PRESET_KEY = "sk-deepseek-env-0123456789SECRET"
OPENAI_ENV_KEY = "sk-openai-env-0123456789SECRET"


@pytest.fixture
def routes(jp_serverapp: Any, jp_base_url: str) -> list[Route]:
    """Every route of the extension on this server; the known core ones must be among them."""
    found = extension_routes(jp_serverapp, jp_base_url)
    names = {str(route) for route in found}
    assert {
        "GET code-interp/status",
        "WEBSOCKET code-interp/chat",
        "PUT code-interp/providers/default",
        "DELETE code-interp/providers/default",
        "POST code-interp/providers/default/test",
        "GET code-interp/preview",
    } <= names, names
    return found


class DenyActions(Authorizer):
    """Denies the actions listed in `denied` on every resource (asynchronously, as some do)."""

    denied: frozenset[str] = frozenset()

    async def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        """False for a denied action."""
        await asyncio.sleep(0)
        return action not in self.denied


class DenyEverything(DenyActions):
    """Denies read, write and execute."""

    denied = frozenset({"read", "write", "execute"})


class DenyRead(DenyActions):
    """Denies read only."""

    denied = frozenset({"read"})


class DenyExecute(DenyActions):
    """Denies execute only."""

    denied = frozenset({"execute"})


AUTHORIZERS = {
    "deny_everything": DenyEverything,
    "deny_read": DenyRead,
    "deny_execute": DenyExecute,
}


@pytest.fixture
def deny_everything() -> None:
    """Requesting this makes the server use DenyEverything."""


@pytest.fixture
def deny_read() -> None:
    """Requesting this makes the server use DenyRead."""


@pytest.fixture
def deny_execute() -> None:
    """Requesting this makes the server use DenyExecute."""


@pytest.fixture
def jp_server_config(
    jp_server_config: Config, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Config:
    """The shared config; an authorizer when a test asks for one; a preset key in the env."""
    for name, authorizer in AUTHORIZERS.items():
        if name in request.fixturenames:
            jp_server_config.ServerApp.authorizer_class = authorizer
    monkeypatch.setenv("DEEPSEEK_API_KEY", PRESET_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_ENV_KEY)
    return jp_server_config


async def log_in(jp_fetch: Fetch, token: str) -> dict[str, str]:
    """Cookies of a browser that logged in through the login page with the token."""
    page = await jp_fetch("login", headers=NO_AUTH)
    cookies = _cookies(page)
    form = urllib.parse.urlencode({"password": token, "_xsrf": cookies["_xsrf"]})
    answer = await jp_fetch(
        "login",
        method="POST",
        body=form,
        headers={**NO_AUTH, "Cookie": _cookie_header(cookies)},
        follow_redirects=False,
        raise_error=False,
    )
    assert answer.code == 302, answer.code
    cookies |= _cookies(answer)
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


def _cookies(response: HTTPResponse) -> dict[str, str]:
    """Cookies a response sets."""
    found: dict[str, str] = {}
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def _cookie_header(cookies: dict[str, str]) -> str:
    """A Cookie request header."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@on_server_loop
async def test_every_route_refuses_requests_without_a_token(
    code_interp_server: ScriptedLLM, routes: list[Route], jp_fetch: Fetch, jp_ws_fetch: Fetch
) -> None:
    for route in routes:
        assert await call(jp_fetch, jp_ws_fetch, route, NO_AUTH) == 403, route
    # Nothing happened: the refused PUT did not add a provider.
    listing = json.loads((await jp_fetch("code-interp", "providers")).body)
    assert [view["name"] for view in listing["providers"]].count("default") == 1


@on_server_loop
async def test_cross_origin_requests_with_a_login_cookie_are_refused(
    code_interp_server: ScriptedLLM,
    routes: list[Route],
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
    jp_serverapp: Any,
    jp_http_port: int,
) -> None:
    cookies = await log_in(jp_fetch, jp_serverapp.identity_provider.token)
    host = f"127.0.0.1:{jp_http_port}"  # the login cookie's name depends on the Host
    browser = {
        **NO_AUTH,
        "Host": host,
        "Cookie": _cookie_header(cookies),
        "X-XSRFToken": cookies["_xsrf"],
    }
    for route in routes:
        foreign = await call(jp_fetch, jp_ws_fetch, route, {**browser, "Origin": EVIL})
        # jupyter_server answers 404 to cross-origin API requests, tornado 403 to websockets.
        assert foreign in (403, 404), (route, foreign)
        same = await call(jp_fetch, jp_ws_fetch, route, {**browser, "Origin": f"http://{host}"})
        # The same request from the server's own origin gets through authentication.
        assert same not in (401, 403, 404), (route, same)


@on_server_loop
async def test_state_changing_requests_need_the_xsrf_token(
    code_interp_server: ScriptedLLM,
    routes: list[Route],
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
    jp_serverapp: Any,
    jp_http_port: int,
) -> None:
    cookies = await log_in(jp_fetch, jp_serverapp.identity_provider.token)
    browser = {**NO_AUTH, "Host": f"127.0.0.1:{jp_http_port}", "Cookie": _cookie_header(cookies)}
    changing = [route for route in routes if route.method in ("POST", "PUT", "DELETE", "PATCH")]
    assert changing
    for route in changing:
        assert await call(jp_fetch, jp_ws_fetch, route, browser) == 403, route
        with_token = {**browser, "X-XSRFToken": cookies["_xsrf"]}
        assert await call(jp_fetch, jp_ws_fetch, route, with_token) != 403, route


@on_server_loop
async def test_an_authorizer_that_denies_everything_blocks_every_route(
    deny_everything: None,
    code_interp_server: ScriptedLLM,
    routes: list[Route],
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
) -> None:
    for route in routes:
        assert await call(jp_fetch, jp_ws_fetch, route, {}) == 403, route


@on_server_loop
async def test_denying_read_blocks_every_read_route_but_not_the_socket(
    deny_read: None,
    code_interp_server: ScriptedLLM,
    routes: list[Route],
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
) -> None:
    reads = [route for route in routes if route.method == "GET"]
    assert {"code-interp/status", "code-interp/preview"} <= {route.path for route in reads}
    for route in reads:
        assert await call(jp_fetch, jp_ws_fetch, route, {}) == 403, route
    socket = [route for route in routes if route.method == "WEBSOCKET"]
    for route in socket:
        assert await call(jp_fetch, jp_ws_fetch, route, {}) == 101, route


@on_server_loop
async def test_denying_execute_blocks_the_chat_socket_only(
    deny_execute: None,
    code_interp_server: ScriptedLLM,
    routes: list[Route],
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
) -> None:
    for route in routes:
        status = await call(jp_fetch, jp_ws_fetch, route, {})
        if route.method == "WEBSOCKET":
            assert status == 403, route
        else:
            assert status != 403, route


@on_server_loop
async def test_keys_never_reach_the_browser_or_the_debug_log(
    code_interp_server: ScriptedLLM,
    routes: list[Route],
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
    test_api_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    payloads: list[str] = []
    added = await jp_fetch(
        "code-interp",
        "providers",
        "typed",
        method="PUT",
        body=json.dumps(
            {"baseUrl": code_interp_server.base_url, "models": ["m"], "apiKey": TYPED_KEY}
        ),
    )
    payloads.append(added.body.decode())
    assert json.loads(added.body)["keySet"] is True

    # A full turn with a code step, then a 401 whose body echoes the key (as OpenAI's does).
    code_interp_server.push(
        tool_reply("print('hi')", text="running"),
        text_reply("done"),
        error_reply(401, f"Incorrect API key provided: {test_api_key}."),
    )
    client = await ChatClient.open(jp_ws_fetch)
    frames = await client.run_turn(turn("t1", "go"))
    assert frames[-1]["reason"] == "done"
    failed = await client.run_turn(turn("t2", "again"))
    assert failed[-1]["reason"] == "error" and "401" in failed[-1]["message"]
    await client.send({"type": "dance"})
    frames += failed + [await client.receive()]
    client.close()
    payloads += [json.dumps(frame, ensure_ascii=False) for frame in frames]

    for route in routes:
        if route.method == "GET":
            try:
                response = await jp_fetch(route.path)
                payloads.append(response.body.decode())
            except HTTPClientError as error:
                assert error.response is not None
                payloads.append(error.response.body.decode())

    keys = [test_api_key, TYPED_KEY, PRESET_KEY, OPENAI_ENV_KEY]
    # The headers the scripted server received prove that the keys were in use.
    assert any(test_api_key in str(headers) for headers in code_interp_server.headers)
    for key in keys:
        leaked = [payload for payload in payloads if key in payload]
        assert not leaked, (key, leaked[0][:300])
        logged = [record.getMessage() for record in caplog.records if key in record.getMessage()]
        assert not logged, (key, logged[0][:300])
    assert len(caplog.records) > 20  # the log was really captured at DEBUG


@on_server_loop
async def test_kernels_started_by_the_server_do_not_see_the_keys(
    code_interp_server: ScriptedLLM, jp_serverapp: Any
) -> None:
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel(kernel_name="python3")
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        code = (
            "import os\n"
            "print(sorted(k for k, v in os.environ.items() if 'SECRET' in v or k.endswith"
            "('_API_KEY')))"
        )
        printed: list[str] = []

        def keep_stdout(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                printed.append(message["content"]["text"])

        reply = await client.execute_interactive(code, timeout=60, output_hook=keep_stdout)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)
    assert printed == ["[]\n"]
