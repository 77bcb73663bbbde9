"""GET /code-interp/preview and /code-interp/files, and a real-kernel turn that writes a file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_server.auth.authorizer import Authorizer
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_handlers import NO_AUTH, Fetch, on_server_loop, open_panel
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_code_interp.kernel.headless import KernelExecutor


class DenyContentsRead(Authorizer):
    """Allows everything but reading `contents` (asynchronously, like real authorizers may)."""

    async def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        """Refuse `read` on `contents`."""
        await asyncio.sleep(0)
        return not (resource == "contents" and action == "read")


@pytest.fixture
def deny_contents() -> type[Authorizer]:
    """Requesting this fixture makes the server use DenyContentsRead."""
    return DenyContentsRead


@pytest.fixture
def jp_server_config(jp_server_config: Config, request: pytest.FixtureRequest) -> Config:
    """The shared config, plus the denying authorizer when a test asks for it."""
    if "deny_contents" in request.fixturenames:
        jp_server_config.ServerApp.authorizer_class = DenyContentsRead
    return jp_server_config


async def refused(fetch: Fetch, *parts: str, **params: str) -> tuple[int, str]:
    """Status and message of a request that must fail."""
    with pytest.raises(HTTPClientError) as error:
        await fetch(*parts, params=params)
    response = error.value.response
    assert response is not None
    return error.value.code, json.loads(response.body)["message"]


@on_server_loop
async def test_preview_and_listing_require_authentication(jp_fetch: Fetch) -> None:
    for endpoint in ("preview", "files"):
        with pytest.raises(HTTPClientError) as error:
            await jp_fetch("code-interp", endpoint, params={"path": "a.csv"}, headers=NO_AUTH)
        assert error.value.code == 403


@on_server_loop
async def test_preview_and_listing_require_contents_read(
    deny_contents: type[Authorizer], jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "a.csv").write_text("a\n1\n")
    for endpoint in ("preview", "files"):
        with pytest.raises(HTTPClientError) as error:
            await jp_fetch("code-interp", endpoint, params={"path": "a.csv"})
        assert error.value.code == 403


@on_server_loop
async def test_preview_of_a_gbk_csv(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "数据").mkdir()
    (jp_root_dir / "数据" / "gdp.csv").write_bytes("地区,GDP\n北京,43760.7\n".encode("gbk"))
    response = await jp_fetch("code-interp", "preview", params={"path": "数据/gdp.csv"})
    body = json.loads(response.body)
    assert body["path"] == "数据/gdp.csv"
    assert body["name"] == "gdp.csv"
    assert body["kind"] == "csv"
    assert body["facts"]["encoding"] == "gb18030"
    assert body["facts"]["columns"] == ["地区", "GDP"]
    assert "北京 | 43760.7" in body["text"]
    assert body["problem"] is None


@on_server_loop
async def test_preview_refusals_are_specific(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    outside = jp_root_dir.parent / "outside-secret.txt"
    outside.write_text("CONTENT-THAT-MUST-NOT-LEAK")
    (jp_root_dir / "link.txt").symlink_to(outside)
    (jp_root_dir / "folder").mkdir()
    cases = [
        ({"path": "../outside-secret.txt"}, 400, "leads outside the server root"),
        ({"path": str(outside)}, 400, "is absolute"),
        ({"path": "link.txt"}, 400, "is a symbolic link"),
        ({"path": "nothing.csv"}, 404, "does not exist"),
        ({"path": "folder"}, 400, "is a directory"),
        ({}, 400, "'path' is required"),
    ]
    for params, status, message in cases:
        code, text = await refused(jp_fetch, "code-interp", "preview", **params)
        assert code == status and message in text, (params, text)
        assert "CONTENT-THAT-MUST-NOT-LEAK" not in text


@on_server_loop
async def test_file_listing_for_at_completion(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "work" / "data").mkdir(parents=True)
    (jp_root_dir / "work" / "data" / "GDP.csv").write_text("a")
    (jp_root_dir / "work" / "gdp.ipynb").write_text("{}")
    (jp_root_dir / "work" / "notes.md").write_text("b")
    (jp_root_dir / "elsewhere-gdp.csv").write_text("c")
    response = await jp_fetch("code-interp", "files", params={"dir": "work", "prefix": "gdp"})
    body = json.loads(response.body)
    assert body["dir"] == "work"
    assert body["truncated"] is False
    assert [(item["path"], item["relative"]) for item in body["files"]] == [
        ("work/gdp.ipynb", "gdp.ipynb"),
        ("work/data/GDP.csv", "data/GDP.csv"),
    ]
    assert body["files"][1] == {
        "path": "work/data/GDP.csv",
        "relative": "data/GDP.csv",
        "name": "GDP.csv",
        "size": 1,
        "mime": "text/csv",
    }
    for params, status, message in [
        ({"dir": "../"}, 400, "leads outside the server root"),
        ({"dir": "/tmp"}, 400, "is absolute"),
        ({"dir": "missing"}, 404, "does not exist"),
        ({"dir": "work", "limit": "0"}, 400, "'limit' must be a whole number"),
    ]:
        code, text = await refused(jp_fetch, "code-interp", "files", **params)
        assert code == status and message in text, (params, text)


@on_server_loop
async def test_a_real_kernel_turn_that_writes_a_file_shows_a_card_and_attachments_work(
    code_interp_server: ScriptedLLM, jp_ws_fetch: Fetch, jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "分析").mkdir()
    (jp_root_dir / "数据.csv").write_text("城市,人口\n北京,2186\n", encoding="utf-8")
    code = (
        "import csv\n"
        "rows = list(csv.reader(open('../数据.csv', encoding='utf-8')))\n"
        "with open('out.csv', 'w', encoding='utf-8', newline='') as f:\n"
        "    csv.writer(f).writerows(rows + [['上海', '2487']])\n"
        "print(len(rows))"
    )
    code_interp_server.push(tool_reply(code), text_reply("写好了 `out.csv`。"))
    panel = await open_panel(jp_ws_fetch)
    executor = KernelExecutor(nbformat.v4.new_notebook(), jp_root_dir / "分析" / "a.ipynb")
    await executor.start()
    try:
        frames = await panel.run_turn(
            {
                "type": "turn",
                "turnId": "t1",
                "notebook": "分析/a.ipynb",
                "instruction": "加上上海",
                "attachments": ["数据.csv"],
            },
            executor,
        )
    finally:
        await executor.shutdown()
        panel.socket.close()

    assert (frames[-1]["type"], frames[-1]["reason"]) == ("turn_finished", "done")
    cards = [frame for frame in frames if frame["type"] == "files"]
    written = (jp_root_dir / "分析" / "out.csv").read_bytes()
    assert cards == [
        {
            "type": "files",
            "turnId": "t1",
            "step": 1,
            "files": [
                {
                    "path": "分析/out.csv",
                    "name": "out.csv",
                    "size": len(written),
                    "mime": "text/csv",
                }
            ],
        }
    ]
    first = code_interp_server.requests[0]["messages"][-1]["content"]
    assert '<file path="../数据.csv">' in first
    assert "城市 | 人口" in first
    second = json.dumps(code_interp_server.requests[1]["messages"], ensure_ascii=False)
    assert "Files created or changed by this step" in second and "out.csv" in second
    # The card's download link is the server's /files/ URL of that path.
    download = await jp_fetch("files", *cards[0]["files"][0]["path"].split("/"))
    assert download.body == written
    assert "上海,2487" in written.decode("utf-8")
