"""The kernel setup: Chinese text in matplotlib plots renders with a CJK font, in a real kernel."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from kernel_helpers import KernelExecutor, running_kernel
from matplotlib import font_manager

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from jupyter_code_interp.kernel.setup_code import (
    CJK_FAMILIES,
    CJK_FONT_FILES,
    MPLFONTS_FONT,
    python_setup_code,
    setup_code,
)

USER_SETTINGS = """
import matplotlib
matplotlib.rcParams.update({"figure.figsize": [5.0, 3.0], "font.size": 13.0})
"""
"""What a user had set before the extension first ran code in the kernel."""

SNAPSHOT = """
import json, matplotlib
print(json.dumps({name: matplotlib.rcParams[name] for name in (
    "figure.figsize", "font.size", "font.family", "font.sans-serif", "axes.unicode_minus")}))
"""

PLOT = """
import hashlib, io, json, warnings
from matplotlib.figure import Figure
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    figure = Figure()
    axes = figure.subplots()
    axes.set_title("四个直辖市的 GDP")
    axes.plot([-1, 2])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
print(json.dumps({
    "warnings": [str(warning.message) for warning in caught],
    "png": hashlib.sha256(buffer.getvalue()).hexdigest(),
}, ensure_ascii=False))
"""


@pytest.fixture
async def kernel() -> AsyncIterator[KernelExecutor]:
    """A fresh python3 kernel."""
    async with running_kernel() as executor:
        yield executor


async def _printed(kernel: KernelExecutor, code: str) -> Any:
    """Run `code` as a cell and decode the JSON it printed."""
    result = await kernel.execute(code)
    assert result.error is None, result.outputs
    text = "".join(o.get("text", "") for o in result.outputs if o["output_type"] == "stream")
    return json.loads(text.strip().splitlines()[-1])


async def _setup(kernel: KernelExecutor, code: str) -> None:
    """Run the setup code the way the panel does: silent, not in the history."""
    reply = await kernel.client.execute(code, silent=True, store_history=False, reply=True)
    assert reply["content"]["status"] == "ok"


def _cjk_font_file() -> str:
    """A CJK font file of this machine (one the setup code knows by name)."""
    found = [
        path
        for path in font_manager.findSystemFonts()
        if os.path.basename(path).lower() in CJK_FONT_FILES
    ]
    assert found, "no CJK font installed: .ci/run installs fonts-wqy-microhei"
    return found[0]


async def test_setup_renders_chinese_and_keeps_the_user_settings(kernel: KernelExecutor) -> None:
    async with running_kernel() as plain:
        await _printed(plain, USER_SETTINGS + "print('{}')")
        boxes = await _printed(plain, PLOT)
    assert any("Glyph" in warning and "missing" in warning for warning in boxes["warnings"])

    before = await _printed(kernel, USER_SETTINGS + SNAPSHOT)
    await _setup(kernel, python_setup_code())
    after = await _printed(kernel, SNAPSHOT)
    plot = await _printed(kernel, PLOT)

    assert plot["warnings"] == []
    assert plot["png"] != boxes["png"]
    added = after["font.family"][len(before["font.family"]) :]
    assert after["font.family"][: len(before["font.family"])] == before["font.family"]
    assert len(added) == 1 and added[0] in CJK_FAMILIES
    for name in ("figure.figsize", "font.size", "font.sans-serif", "axes.unicode_minus"):
        assert after[name] == before[name], name
    assert before["figure.figsize"] == [5.0, 3.0] and before["font.size"] == 13.0


async def test_setup_is_silent_idempotent_and_leaves_no_names(kernel: KernelExecutor) -> None:
    await _setup(kernel, python_setup_code())
    await _setup(kernel, python_setup_code())
    state = await _printed(
        kernel,
        "import json, matplotlib\n"
        "print(json.dumps({'family': matplotlib.rcParams['font.family'],"
        " 'leftover': '_code_interp_cjk_font' in globals()}))",
    )
    assert len(state["family"]) == 2 and state["family"][1] in CJK_FAMILIES
    assert state["leftover"] is False
    result = await kernel.execute("print('next')")
    assert result.execution_count == 2  # the two setup runs took no execution count


async def test_a_font_file_is_registered_when_no_family_is_known(kernel: KernelExecutor) -> None:
    path = _cjk_font_file()
    code = python_setup_code([path]).replace(
        json.dumps(list(CJK_FAMILIES), ensure_ascii=False), "[]"
    )
    await _setup(kernel, code.replace(json.dumps(list(CJK_FONT_FILES)), "[]"))
    plot = await _printed(kernel, PLOT)
    assert plot["warnings"] == []
    family = await _printed(
        kernel, "import json, matplotlib\nprint(json.dumps(matplotlib.rcParams['font.family']))"
    )
    assert family[0] == "sans-serif" and len(family) == 2


async def test_before_matplotlib_3_6_the_family_goes_first_in_sans_serif(
    kernel: KernelExecutor,
) -> None:
    await _printed(kernel, "import matplotlib\nmatplotlib.__version__ = '3.5.3'\nprint('{}')")
    before = await _printed(kernel, SNAPSHOT)
    await _setup(kernel, python_setup_code())
    after = await _printed(kernel, SNAPSHOT)
    plot = await _printed(kernel, PLOT)
    assert plot["warnings"] == []
    assert after["font.family"] == before["font.family"]
    assert after["font.sans-serif"][1:] == before["font.sans-serif"]
    assert after["font.sans-serif"][0] in CJK_FAMILIES
    assert after["axes.unicode_minus"] is False


async def test_a_kernel_without_matplotlib_is_left_alone(kernel: KernelExecutor) -> None:
    hide = (
        "import importlib.util, sys\n"
        "_find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'matplotlib' else _find(name, *a)\n"
        "print('{}')"
    )
    assert await _printed(kernel, hide) == {}
    assert (
        await _printed(kernel, "import json, sys\nprint(json.dumps('matplotlib' in sys.modules))")
        is False
    )
    await _setup(kernel, python_setup_code())
    loaded = await _printed(
        kernel, "import json, sys\nprint(json.dumps('matplotlib' in sys.modules))"
    )
    assert loaded is False


def test_setup_code_is_offered_for_python_only() -> None:
    assert list(setup_code()) == ["python"]
    compile(setup_code()["python"], "<kernel-setup>", "exec")


HIDE_SYSTEM_CJK_FONTS = """
import os
from matplotlib import font_manager
_families = set({families})
_files = set({files})
font_manager.fontManager.ttflist = [
    entry for entry in font_manager.fontManager.ttflist
    if entry.name not in _families and os.path.basename(entry.fname).lower() not in _files
]
font_manager.findSystemFonts = lambda *args, **kwargs: []
print('{{}}')
"""
"""Kernel side: make matplotlib see a machine without any CJK font (as a bare Linux image)."""

FONT_OF_TITLE = """
import json
from matplotlib import font_manager, rcParams
chain = list(rcParams["font.family"])
print(json.dumps({
    "family": chain[-1],
    "file": font_manager.findfont(font_manager.FontProperties(family=chain[-1]),
                                  fallback_to_default=False),
}))
"""


async def _without_system_cjk_fonts(kernel: KernelExecutor) -> None:
    """Hide this machine's CJK fonts from the kernel's matplotlib; plots then show boxes."""
    code = HIDE_SYSTEM_CJK_FONTS.format(
        families=json.dumps(list(CJK_FAMILIES), ensure_ascii=False),
        files=json.dumps(list(CJK_FONT_FILES)),
    )
    assert await _printed(kernel, code) == {}
    boxes = await _printed(kernel, PLOT)
    assert any("missing from font" in warning for warning in boxes["warnings"])


def _zh_extra() -> list[str]:
    """The requirements of the package's `zh` extra (pyproject.toml)."""
    with open(Path(__file__).parents[1] / "pyproject.toml", "rb") as file:
        project = tomllib.load(file)["project"]
    return list(project["optional-dependencies"]["zh"])


def test_the_zh_extra_installs_the_font_package_the_setup_knows() -> None:
    names = [re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0] for requirement in _zh_extra()]
    assert names == ["mplfonts"]
    # The file the setup looks for, as mplfonts 0.0.11 lays it out (its wheel's RECORD).
    assert MPLFONTS_FONT == "fonts/NotoSansCJKsc-Regular.otf"


async def test_a_font_placed_where_mplfonts_puts_it_is_used_on_a_machine_without_cjk_fonts(
    kernel: KernelExecutor, tmp_path: Path
) -> None:
    # `pip install 'jupyter-code-interp[zh]'` puts mplfonts/fonts/NotoSansCJKsc-Regular.otf in
    # site-packages. Here a directory on the kernel's sys.path holds the same layout, with this
    # machine's CJK font file under mplfonts' file name (the real package is 85 MB; the test
    # below uses it when it is installed).
    package = tmp_path / "site" / "mplfonts"
    (package / "fonts").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    placed = package / MPLFONTS_FONT
    shutil.copyfile(_cjk_font_file(), placed)
    await _printed(
        kernel,
        f"import importlib, sys\nsys.path.insert(0, {str(tmp_path / 'site')!r})\n"
        "importlib.invalidate_caches()\nprint('{}')",
    )
    await _without_system_cjk_fonts(kernel)

    await _setup(kernel, python_setup_code([]))
    plot = await _printed(kernel, PLOT)
    used = await _printed(kernel, FONT_OF_TITLE)

    assert plot["warnings"] == []
    assert Path(used["file"]).resolve() == placed.resolve()


@pytest.mark.skipif(
    importlib.util.find_spec("mplfonts") is None,
    reason="mplfonts is not installed here: `pip install '.[zh]'` (85 MB); .ci/run installs it "
    "for this test, and the placed-font test above covers the same code path without it",
)
async def test_the_installed_mplfonts_package_is_used_on_a_machine_without_cjk_fonts(
    kernel: KernelExecutor,
) -> None:
    await _without_system_cjk_fonts(kernel)
    await _setup(kernel, python_setup_code())
    plot = await _printed(kernel, PLOT)
    used = await _printed(kernel, FONT_OF_TITLE)

    assert plot["warnings"] == []
    spec = importlib.util.find_spec("mplfonts")
    assert spec is not None and spec.submodule_search_locations
    package = Path(next(iter(spec.submodule_search_locations)))
    assert Path(used["file"]).resolve() == (package / MPLFONTS_FONT).resolve()
    assert used["family"] == "Noto Sans CJK SC"
