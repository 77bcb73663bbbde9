"""Code run silently in a notebook's kernel before the extension first runs code in it.

Today it gives matplotlib a CJK font so that Chinese titles, labels and legends render as
characters instead of boxes. The kernel-side code is a real function of this module (so it is
linted, type-checked and tested) whose source is sent to the kernel with its arguments.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
from pathlib import Path

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "SimHei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)
"""Families with Simplified Chinese glyphs, most suitable first (Linux, Windows, macOS names)."""

CJK_FONT_FILES = (
    "notosanscjksc-regular.otf",
    "notosanscjk-regular.ttc",
    "notosanssc-regular.otf",
    "notosanssc-regular.ttf",
    "sourcehansanssc-regular.otf",
    "sourcehansans-regular.ttc",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "msyh.ttc",
    "msyh.ttf",
    "pingfang.ttc",
    "simhei.ttf",
    "droidsansfallbackfull.ttf",
    "arialuni.ttf",
)
"""Lower-cased file names of those fonts: found on disk even when matplotlib's font cache is
older than the font (matplotlib never rescans the system by itself)."""

MPLFONTS_FONT = "fonts/NotoSansCJKsc-Regular.otf"
"""The OFL Noto Sans CJK SC file inside the optional `mplfonts` package."""


# The annotations stay quoted: this source runs in kernels without `from __future__ import
# annotations`, possibly on Pythons older than `list[str]` and `str | None` at run time.
def _code_interp_cjk_font(
    families: "list[str]",  # noqa: UP037
    file_names: "list[str]",  # noqa: UP037
    extra_files: "list[str]",  # noqa: UP037
) -> "str | None":  # noqa: UP037
    """Kernel side: make a CJK family available to matplotlib; returns it (None if none)."""
    import importlib.util
    import os
    import re

    if importlib.util.find_spec("matplotlib") is None:
        return None
    import matplotlib
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    family = next((name for name in families if name in installed), None)
    if family is None:
        candidates = [
            path
            for path in font_manager.findSystemFonts()
            if os.path.basename(path).lower() in file_names
        ]
        spec = importlib.util.find_spec("mplfonts")
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidates.append(os.path.join(location, "fonts", "NotoSansCJKsc-Regular.otf"))
        candidates.extend(extra_files)
        for path in candidates:
            if not os.path.isfile(path):
                continue
            try:
                font_manager.fontManager.addfont(path)
                family = font_manager.FontProperties(fname=path).get_name()
                break
            except Exception:  # noqa: BLE001, S112 - an unreadable font file: try the next one
                continue
    if family is None:
        return None
    version = tuple(int(part) for part in re.findall(r"\d+", matplotlib.__version__)[:2])
    if version >= (3, 6):
        # Per-glyph fallback along font.family: Latin text keeps the user's font, only the
        # glyphs it lacks come from the CJK family.
        chain = list(matplotlib.rcParams["font.family"])
        if family not in chain:
            matplotlib.rcParams["font.family"] = [*chain, family]
    else:
        # No fallback before 3.6: the CJK family must come first, and CJK fonts often lack
        # the Unicode minus sign.
        sans = list(matplotlib.rcParams["font.sans-serif"])
        if family not in sans:
            matplotlib.rcParams["font.sans-serif"] = [family, *sans]
        matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def server_font_files() -> list[str]:
    """CJK font files installed in the server's environment (today: from `mplfonts`)."""
    spec = importlib.util.find_spec("mplfonts")
    locations = spec.submodule_search_locations if spec is not None else None
    files = [Path(location) / MPLFONTS_FONT for location in locations or []]
    return [str(path.resolve()) for path in files if path.is_file()]


def python_setup_code(extra_files: list[str] | None = None) -> str:
    """Python source that configures the CJK font and leaves no name in the user's namespace."""
    extra = server_font_files() if extra_files is None else extra_files
    name = _code_interp_cjk_font.__name__
    call = (
        f"try:\n    {name}({json.dumps(list(CJK_FAMILIES), ensure_ascii=False)}, "
        f"{json.dumps(list(CJK_FONT_FILES))}, {json.dumps(extra, ensure_ascii=False)})\n"
        "except Exception:\n    pass\n"
        f"finally:\n    del {name}\n"
    )
    return inspect.getsource(_code_interp_cjk_font) + call


def setup_code() -> dict[str, str]:
    """Setup code per kernel language (the `language_info.name` of a kernel)."""
    return {"python": python_setup_code()}
