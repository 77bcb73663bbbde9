"""Security of every route of the extension, enumerated from the running server's router.

A route added later is covered without editing this file. The server requires authentication on
every endpoint (`allow_unauthenticated_access=False`, see conftest.py) and JupyterServerAuthWarning
is an error (pyproject.toml), so a handler without an auth decorator fails the whole module.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer
from route_catalog import Route, call, extension_routes
from scripted_llm import ScriptedLLM, error_reply, text_reply, tool_reply
from server_process import server_process
from tornado.httpclient import HTTPClientError, HTTPResponse
from tornado.websocket import WebSocketClosedError
from traitlets.config import Config
from wire_client import ChatClient, Fetch, closed_port, on_server_loop, turn

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


class DenyContentsRead(Authorizer):
    """Denies reading files (`read` on `contents`) only, asynchronously."""

    async def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        """False for reading files."""
        await asyncio.sleep(0)
        return not (action == "read" and resource == "contents")


AUTHORIZERS: dict[str, type[Authorizer]] = {
    "deny_everything": DenyEverything,
    "deny_read": DenyRead,
    "deny_execute": DenyExecute,
    "deny_contents_read": DenyContentsRead,
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
def deny_contents_read() -> None:
    """Requesting this makes the server use DenyContentsRead."""


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
    if "url_credentials" in request.fixturenames:
        url = f"http://proxy:{URL_PASSWORD}@127.0.0.1:{DOWN_PORT}/v1?api-key={URL_QUERY_KEY}"
        jp_server_config.CodeInterpreter.providers = {
            "proxy": {"base_url": url, "models": ["proxy-model"]}
        }
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


def browser_headers(cookies: dict[str, str], port: int) -> dict[str, str]:
    """The headers of a logged-in browser: its cookies, no token (the cookie names the Host)."""
    return {**NO_AUTH, "Host": f"127.0.0.1:{port}", "Cookie": _cookie_header(cookies)}


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
    browser = browser_headers(cookies, jp_http_port)
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


START_KEY = "sk-startup-env-0123456789SECRET"
ARGUMENT_KEY = "sk-command-line-0123456789SECRET"
READ_SERVER_PROCESS = """
import os
found = []
for name in ("environ", "cmdline"):
    with open(f"/proc/{os.getppid()}/{name}", "rb") as block:
        found += [part.decode() for part in block.read().split(b"\\0") if b"SECRET" in part]
print(sorted(found))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc of the server")
@on_server_loop
async def test_a_kernel_cannot_read_the_keys_in_the_server_process_start_up_blocks(
    code_interp_server: ScriptedLLM, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    store = tmp_path / "store"
    config = {
        "CodeInterpreter": {
            "db_path": str(store / "conversations.sqlite"),
            "key_store_path": str(store / "providers.json"),
            "providers": {"ds": {"preset": "deepseek"}, "mine": {"api_key_env": "MY_LLM_KEY"}},
        }
    }
    environment = {
        "OPENAI_API_KEY": START_KEY,
        "DEEPSEEK_API_KEY": PRESET_KEY,
        "MY_LLM_KEY": START_KEY + "-mine",
        "OPENAI_BASE_URL": code_interp_server.base_url,
    }
    arguments = (f"--CodeInterpreter.api_key={ARGUMENT_KEY}",)
    async with server_process(tmp_path, root, config, environment, arguments) as server:
        # The keys were in the blocks at start-up (the kernel's parent is the server) ...
        assert server.process is not None
        startup = Path(f"/proc/{server.process.pid}/environ").read_bytes()
        assert b"OPENAI_API_KEY=" in startup and b"MY_LLM_KEY=" in startup
        printed = await server.run_in_kernel(READ_SERVER_PROCESS)
        # ... and are still in use: a turn with the key from the command line works.
        code_interp_server.push(text_reply("still works"))
        socket = await server.chat()
        await socket.write_message(json.dumps(turn("t1", "hi")))
        frames = [json.loads(await socket.read_message())]
        while frames[-1]["type"] not in ("turn_finished", "error"):
            frames.append(json.loads(await socket.read_message()))
        socket.close()
    assert printed == "[]\n", printed
    assert frames[-1]["type"] == "turn_finished" and frames[-1]["reason"] == "done", frames
    assert code_interp_server.headers[-1]["authorization"] == f"Bearer {ARGUMENT_KEY}"


URL_PASSWORD = "pa55-in-the-url-SECRET"
URL_QUERY_KEY = "query-key-0123456789-SECRET"
DIALOG_PASSWORD = "dialog-pa55-in-the-url-SECRET"
DOWN_PORT = closed_port()


@pytest.fixture
def url_credentials() -> None:
    """Requesting this configures a provider whose base URL carries credentials."""


@on_server_loop
async def test_credentials_in_base_urls_never_leave_the_server(
    url_credentials: None,
    code_interp_server: ScriptedLLM,
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
    jp_serverapp: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    payloads: list[str] = []
    dialog_url = code_interp_server.base_url.replace("//", f"//me:{DIALOG_PASSWORD}@") + (
        f"?key={URL_QUERY_KEY}"
    )
    added = await jp_fetch(
        "code-interp",
        "providers",
        "dialog",
        method="PUT",
        body=json.dumps({"baseUrl": dialog_url, "models": ["m"]}),
    )
    shown = json.loads(added.body)["baseUrl"]
    assert shown == code_interp_server.base_url.replace("//", "//***@") + "?key=***", shown
    # The dialog sends back the URL it shows: the stored one (with its credentials) is kept.
    await jp_fetch(
        "code-interp",
        "providers",
        "dialog",
        method="PUT",
        body=json.dumps({"baseUrl": shown, "label": "Renamed"}),
    )
    app = jp_serverapp.extension_manager.extension_points["jupyter_code_interp"].app
    stored = json.loads(Path(app.services.registry.store.path).read_text())
    assert stored["providers"]["dialog"]["base_url"] == dialog_url

    for parts in (("providers",), ("status",)):
        payloads.append((await jp_fetch("code-interp", *parts)).body.decode())
    tested = await jp_fetch("code-interp", "providers", "proxy", "test", method="POST", body="{}")
    payloads.append(tested.body.decode())
    assert json.loads(tested.body)["status"] == "unreachable"

    client = await ChatClient.open(jp_ws_fetch)
    frames = await client.run_turn(turn("t1", "hi", provider="proxy", model="proxy-model"))
    assert frames[-1]["reason"] == "error", frames[-1]
    assert f"http://***@127.0.0.1:{DOWN_PORT}/v1?api-key=***" in frames[-1]["message"]
    await client.send({"type": "history", "notebook": "nb.ipynb"})
    frames.append(await client.receive())
    client.close()
    payloads += [json.dumps(frame, ensure_ascii=False) for frame in frames]

    location = app.services.conversations.db.location
    database = b"".join(
        Path(location + suffix).read_bytes()
        for suffix in ("", "-wal")
        if Path(location + suffix).exists()
    )
    assert b"t1" in database
    for secret in (URL_PASSWORD, URL_QUERY_KEY, DIALOG_PASSWORD):
        leaked = [payload for payload in payloads if secret in payload]
        assert not leaked, (secret, leaked[0][:300])
        assert secret.encode() not in database, secret
        logged = [r.getMessage() for r in caplog.records if secret in r.getMessage()]
        assert not logged, (secret, logged[0][:300])


@on_server_loop
async def test_attachments_are_read_only_for_users_allowed_to_read_files(
    deny_contents_read: None,
    code_interp_server: ScriptedLLM,
    jp_ws_fetch: Fetch,
    jp_root_dir: Path,
) -> None:
    (jp_root_dir / "salaries.csv").write_text("name,salary\nalice,123456789\n", encoding="utf-8")
    code_interp_server.push(text_reply("I read it"))
    client = await ChatClient.open(jp_ws_fetch)
    frames = await client.run_turn(turn("t1", "summarise", attachments=["salaries.csv"]))
    client.close()
    assert frames[-1]["type"] == "error" and frames[-1]["turnId"] == "t1", frames
    assert "salaries.csv" in frames[-1]["message"]
    assert "permission to read" in frames[-1]["message"]
    assert code_interp_server.requests == []


@on_server_loop
async def test_each_frame_type_has_its_size_limit_and_huge_frames_are_not_read(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch
) -> None:
    client = await ChatClient.open(jp_ws_fetch)
    padded = {"type": "history", "notebook": "nb.ipynb", "pad": "x" * 100_000}
    await client.send(padded)
    reply = await client.receive()
    assert reply["type"] == "error", reply
    assert "'history' frames may be at most 64 KiB" in reply["message"], reply
    await client.send({"type": "stop", "turnId": "t" * 100_000})
    assert "'stop' frames may be at most 64 KiB" in (await client.receive())["message"]
    code_interp_server.push(text_reply("still here"))
    frames = await client.run_turn(turn("t1", "ping"))
    assert frames[-1]["reason"] == "done"
    # Past the largest frame a client may send, the socket is closed before the frame is read.
    with contextlib.suppress(WebSocketClosedError):  # closed while the client still writes
        await client.socket.write_message("x" * (20 * 1024 * 1024))
    assert await client.socket.read_message() is None
    assert client.socket.close_code == 1009


@on_server_loop
async def test_one_user_may_open_a_bounded_number_of_chat_sockets(
    code_interp_server: ScriptedLLM,
    jp_fetch: Fetch,
    jp_ws_fetch: Fetch,
    jp_serverapp: Any,
    jp_http_port: int,
) -> None:
    from jupyter_code_interp.limits import CHAT_SOCKETS_PER_USER

    browser = browser_headers(
        await log_in(jp_fetch, jp_serverapp.identity_provider.token), jp_http_port
    )

    async def open_socket() -> ChatClient:
        return ChatClient(await jp_ws_fetch("code-interp", "chat", headers=browser))

    sockets = [await open_socket() for _ in range(CHAT_SOCKETS_PER_USER)]
    with pytest.raises(HTTPClientError) as refused:
        await open_socket()
    assert refused.value.code == 429
    other_user = await ChatClient.open(jp_ws_fetch)  # the limit is per user
    sockets.pop().close()
    for _ in range(100):  # the server hears the close a moment later
        try:
            sockets.append(await open_socket())
            break
        except HTTPClientError:
            await asyncio.sleep(0.05)
    assert len(sockets) == CHAT_SOCKETS_PER_USER
    code_interp_server.push(text_reply("works"))
    frames = await sockets[-1].run_turn(turn("t1", "hi"))
    for socket in [*sockets, other_user]:
        socket.close()
    assert frames[-1]["reason"] == "done"


async def test_frames_in_flight_and_sockets_are_bounded_per_user_and_in_all() -> None:
    from jupyter_code_interp.chat.budget import FrameBudget

    budget = FrameBudget(sockets_per_user=2, sockets=3, pending_per_user=100, pending=150)
    assert [budget.open_socket(user) for user in ("a", "a", "a", "b", "c")] == [
        True,
        True,
        False,  # a's share
        True,
        False,  # everyone's
    ]
    first = await budget.reserve("alice", 60)
    alice = asyncio.ensure_future(budget.reserve("alice", 60))  # alice's share is taken
    bob = await budget.reserve("bob", 60)  # bob has his own share ...
    carol = asyncio.ensure_future(budget.reserve("carol", 60))  # ... but not beyond the total
    await asyncio.sleep(0.05)
    assert not alice.done() and not carol.done()
    first.release()
    second = await asyncio.wait_for(alice, 1)
    assert budget.pending("alice") == 60 and not carol.done()
    bob.release()
    third = await asyncio.wait_for(carol, 1)
    second.release()
    third.release()
    assert budget.pending() == 0


def test_url_credentials_are_found_masked_and_kept_when_the_dialog_sends_them_back() -> None:
    from jupyter_code_interp.providers.redaction import redact, redact_url, restore_url, url_secrets

    url = "https://me:p%40ss-word@llm.example.com/v1?api-version=2024-10-21&api-key=k3y-value"
    assert {"p%40ss-word", "p@ss-word", "k3y-value"} <= set(url_secrets(url))
    shown = redact_url(url)
    assert shown == "https://***@llm.example.com/v1?api-version=2024-10-21&api-key=***"
    text = f"Client error for url '{url}/models' (sk-live-0123456789abcdef)"
    cleaned = redact(text, url_secrets(url))
    assert not any(secret in cleaned for secret in ("p@ss", "ss-word", "k3y-value", "0123456789"))
    assert restore_url(shown, url) == url  # the masked URL the dialog shows keeps the real one
    assert restore_url("https://other.example.com/v1", url) == "https://other.example.com/v1"


def test_key_values_are_blanked_in_place_in_a_start_up_block() -> None:
    from jupyter_code_interp.providers.process_env import blanked

    block = b"PATH=/usr/bin\0OPENAI_API_KEY=sk-123456789\0NOTE=uses sk-123456789 too\0"
    cleaned = blanked(block, {"OPENAI_API_KEY"}, [b"sk-123456789"])
    assert len(cleaned) == len(block)  # the layout /proc reports is unchanged
    assert b"sk-123456789" not in cleaned
    assert cleaned.startswith(b"PATH=/usr/bin\0OPENAI_API_KEY=************\0NOTE=uses ")
