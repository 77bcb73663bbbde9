"""The settings file of the providers dialog: private, atomic, never inside the server root."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from jupyter_code_interp.providers.keystore import KeyStore, KeyStoreError, StoredSettings

KEY = "sk-keystore-0123456789SECRET"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_file_is_private_and_round_trips(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "data" / "code_interp" / "providers.json")
    assert store.load() == StoredSettings()  # no file yet: an empty store
    store.save(StoredSettings({"qwen": {"preset": "dashscope", "label": "通义"}}, {"qwen": KEY}))
    assert _mode(store.path) == 0o600
    assert _mode(store.path.parent) == 0o700
    loaded = store.load()
    assert loaded.providers == {"qwen": {"preset": "dashscope", "label": "通义"}}
    assert loaded.keys == {"qwen": KEY}
    assert "通义" in store.path.read_text(encoding="utf-8")  # utf-8, not \\u escapes
    assert KEY not in repr(store) and KEY not in repr(loaded)


def test_saving_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "providers.json")
    store.save(StoredSettings({}, {"a": KEY}))
    store.path.chmod(0o644)  # someone loosened it: the next save makes it private again
    store.save(StoredSettings({}, {"a": KEY, "b": KEY + "2"}))
    assert _mode(store.path) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["providers.json"]
    assert set(store.load().keys) == {"a", "b"}


def test_a_path_inside_the_server_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    store = KeyStore(root / "notebooks" / "providers.json", root)
    assert store.problem is not None
    assert "inside the server root" in store.problem
    assert "c.CodeInterpreter.key_store_path" in store.problem
    with pytest.raises(KeyStoreError, match="inside the server root"):
        store.save(StoredSettings({}, {"a": KEY}))
    assert not (root / "notebooks").exists()


def test_a_hidden_directory_under_the_root_is_fine_unless_hidden_files_are_served(
    tmp_path: Path,
) -> None:
    # The common case: root = home, data dir = ~/.local/share/jupyter.
    root = tmp_path / "home"
    path = root / ".local" / "share" / "jupyter" / "code_interp" / "providers.json"
    assert KeyStore(path, root, allow_hidden=False).problem is None
    assert KeyStore(path, root, allow_hidden=True).problem is not None
    assert KeyStore(tmp_path / "elsewhere.json", root).problem is None


def test_a_corrupted_file_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "providers.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyStoreError, match="is not valid JSON; fix or delete it"):
        KeyStore(path).load()
    path.write_text(json.dumps({"providers": [1, 2]}), encoding="utf-8")
    with pytest.raises(KeyStoreError, match="unexpected layout"):
        KeyStore(path).load()
