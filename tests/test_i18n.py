"""The zh_CN catalog: extraction, the .po round trip, the JSON JupyterLab loads, the CI check."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from jupyterlab_server.translation_utils import get_language_pack, get_language_packs

ROOT = Path(__file__).resolve().parent.parent


def _load_script() -> ModuleType:
    """scripts/i18n.py as a module."""
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


i18n = _load_script()

SOURCE = """
const a = trans.__('Send');
const b = this._trans.__("It's %1", name);
const c = trans._n('%1 cell', '%1 cells', count);
const d = trans._p('menu', 'Open');
const e = trans.__(
  'Joined ' +
    "parts \\u00e9\\n"
);
const f = trans.__(`template ${x}`);
const g = trans.__(message);
const h = trans.__(shown); // i18n-dynamic: checked elsewhere
"""

SCHEMA = {
    "title": "Panel",
    "description": "Panel settings.",
    "jupyter.lab.setting-icon-label": "Icon label",
    "properties": {
        "maxSteps": {"title": "Steps", "description": "How many.", "default": 3},
        "theme": {"title": "Theme", "default": {"title": "not a UI string"}},
    },
}


def _tree(tmp_path: Path, source: str = SOURCE) -> Path:
    """A fake repository with one source file and one schema."""
    (tmp_path / "src" / "components").mkdir(parents=True)
    (tmp_path / "src" / "components" / "A.tsx").write_text(source, "utf-8")
    (tmp_path / "src" / "__tests__").mkdir()
    (tmp_path / "src" / "__tests__" / "a.spec.ts").write_text("trans.__('test only')", "utf-8")
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "panel.json").write_text(json.dumps(SCHEMA), "utf-8")
    return tmp_path


def test_extraction_reads_every_call_kind_and_flags_non_literals() -> None:
    messages, problems = i18n.extract_source(SOURCE, "src/A.tsx")
    found = {(m.context, m.msgid, m.plural) for m in messages}
    assert found == {
        (None, "Send", None),
        (None, "It's %1", None),
        (None, "%1 cell", "%1 cells"),
        ("menu", "Open", None),
        (None, "Joined parts é\n", None),
    }
    assert problems == [
        "src/A.tsx:10: template literal used as a msgid (use a '…' string and %1)",
        "src/A.tsx:11: msgid is not a string literal",
    ]


def test_schema_strings_are_extracted_but_not_data(tmp_path: Path) -> None:
    messages, _ = i18n.extract(_tree(tmp_path))
    msgids = [m.msgid for m in messages]
    for expected in ("Panel", "Panel settings.", "Icon label", "Steps", "How many.", "Theme"):
        assert expected in msgids
    assert "not a UI string" not in msgids
    assert "test only" not in msgids  # tests are not UI


def test_check_fails_on_missing_and_untranslated_then_update_and_translate_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path, "trans.__('Send'); trans._n('%1 file', '%1 files', n);")
    assert i18n.main([], root) == 1
    assert "LC_MESSAGES/jupyter_code_interp.po is missing" in capsys.readouterr().err

    assert i18n.main(["--update"], root) == 1
    err = capsys.readouterr().err
    assert 'untranslated "Send"' in err and 'untranslated "%1 file"' in err

    po_path, json_path = i18n.catalog_paths("zh_CN", root)
    header, entries = i18n.parse_po(po_path.read_text("utf-8"))
    for entry in entries:
        entry.msgstr = ["%1 个文件"] if entry.plural else [f"译：{entry.msgid}"]
    po_path.write_text(i18n.write_po(header, entries), "utf-8")
    assert i18n.main([], root) == 1  # the JSON is stale now
    assert "out of date" in capsys.readouterr().err
    assert i18n.main(["--update"], root) == 0

    catalog = json.loads(json_path.read_text("utf-8"))
    assert catalog[""]["domain"] == "jupyter_code_interp"
    assert catalog[""]["language"] == "zh-CN"
    assert catalog["Send"] == ["译：Send"]
    assert catalog["%1 file"] == ["%1 个文件", ""]  # plural entries need two slots
    assert catalog["Steps"] == ["译：Steps"]


def test_broken_placeholders_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path, "trans.__('Error: %1');")
    i18n.main(["--update"], root)
    po_path, _ = i18n.catalog_paths("zh_CN", root)
    header, entries = i18n.parse_po(po_path.read_text("utf-8"))
    for entry in entries:
        entry.msgstr = ["错误" if entry.msgid == "Error: %1" else "好"]
    po_path.write_text(i18n.write_po(header, entries), "utf-8")
    assert i18n.main(["--update"], root) == 1
    assert 'placeholders differ in the translation of "Error: %1"' in capsys.readouterr().err


def test_po_files_round_trip_with_context_plural_fuzzy_and_escapes() -> None:
    entries = [
        i18n.Message('Say "hi"\n', references=["src/a.ts"], msgstr=["说“嗨”\n"]),
        i18n.Message("Open", context="menu", msgstr=["打开"]),
        i18n.Message("%1 cell", plural="%1 cells", msgstr=["%1 个单元格"], fuzzy=True),
    ]
    text = i18n.write_po("Language: zh_CN\n", entries)
    header, parsed = i18n.parse_po(text)
    assert header == "Language: zh_CN\n"
    assert parsed == entries
    assert i18n.write_po(header, parsed) == text
    assert not parsed[2].translated  # fuzzy entries do not count


def test_jupyterlab_server_serves_the_catalog_with_the_language_pack() -> None:
    packs, _ = get_language_packs()
    assert "zh_CN" in packs  # jupyterlab-language-pack-zh-cn (the test extra)
    data, message = get_language_pack("zh_CN")
    assert message == ""
    catalog = data["jupyter_code_interp"]
    assert catalog[""]["domain"] == "jupyter_code_interp"
    assert catalog["Send"] == ["发送"]
    assert catalog["Code Interpreter"] == ["代码解释器"]


PYTHON_SOURCE = '''
from ..i18n import N_, _

LOST = N_("The connection was lost.")


def stopped(steps: int) -> str:
    """How a turn ended."""
    for _index in range(2):
        pass
    first = _("Stopped after {steps} steps.", steps=steps)
    return first + _(LOST) + _(
        "Joined "
        "parts"
    ) + _(message)
'''


def test_the_servers_messages_are_collected_into_the_same_catalog(tmp_path: Path) -> None:
    messages, problems = i18n.extract_python(PYTHON_SOURCE, "jupyter_code_interp/a.py")
    assert [m.msgid for m in messages] == [
        "The connection was lost.",
        "Stopped after {steps} steps.",
        "Joined parts",
    ]
    # A module constant is collected where N_ marks it; any other variable is a problem.
    assert problems == ["jupyter_code_interp/a.py:15: msgid is not a string literal"]

    root = _tree(tmp_path, "trans.__('Send');")
    (root / "jupyter_code_interp").mkdir()
    (root / "jupyter_code_interp" / "b.py").write_text(
        'from .i18n import _\nMESSAGE = _("Stopped after {steps} steps.", steps=3)\n', "utf-8"
    )
    found, _problems = i18n.extract(root)
    by_id = {m.msgid: m.references for m in found}
    assert by_id["Stopped after {steps} steps."] == ["jupyter_code_interp/b.py"]
    assert "Send" in by_id


def test_a_server_translation_must_keep_its_named_placeholders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path, "trans.__('Send');")
    (root / "jupyter_code_interp").mkdir()
    (root / "jupyter_code_interp" / "b.py").write_text(
        'from .i18n import _\nM = _("Stopped after {steps} steps.", steps=3)\n', "utf-8"
    )
    i18n.main(["--update"], root)
    po_path, _json = i18n.catalog_paths("zh_CN", root)
    header, entries = i18n.parse_po(po_path.read_text("utf-8"))
    for entry in entries:
        entry.msgstr = ["已执行 {count} 步。" if "{steps}" in entry.msgid else "发送"]
    po_path.write_text(i18n.write_po(header, entries), "utf-8")
    assert i18n.main(["--update"], root) == 1
    err = capsys.readouterr().err
    assert 'placeholders differ in the translation of "Stopped after {steps} steps."' in err


def test_the_server_translates_with_the_compiled_catalog() -> None:
    from jupyter_code_interp.i18n import _, normalize_locale, use_locale

    assert normalize_locale("zh-CN") == normalize_locale("zh_cn") == "zh_CN"
    assert normalize_locale("zh") == "zh_CN"  # the language's catalog
    assert normalize_locale("fr-FR") is None and normalize_locale("../../etc") is None
    message = (
        "Stopped after {steps} steps, the most one turn may run. Raise the “Max steps per turn” "
        "setting to allow more."
    )
    with use_locale("zh-CN"):
        assert _(message, steps=4).startswith("已执行 4 步")
        assert _("not in the catalog {x}", x=1) == "not in the catalog 1"
    assert _(message, steps=4).startswith("Stopped after 4 steps")
