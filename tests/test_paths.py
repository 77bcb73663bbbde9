"""Client paths resolved inside the server root, and the working-directory snapshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_code_interp.files.paths import FileAccess, PathRefused
from jupyter_code_interp.files.workspace import changed_files, list_files, take_snapshot


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A server root with a data folder, next to a directory outside it."""
    root = tmp_path / "root"
    (root / "数据").mkdir(parents=True)
    (root / "数据" / "gdp.csv").write_text("a,b\n1,2\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    return root


@pytest.mark.parametrize(
    ("client_path", "message"),
    [
        ("../outside/secret.txt", "leads outside the server root ('..')"),
        ("数据/../../outside/secret.txt", "leads outside the server root ('..')"),
        ("..\\outside\\secret.txt", "leads outside the server root ('..')"),
        ("/etc/passwd", "is absolute; send it relative to the server root"),
        ("C:\\Windows\\win.ini", "is absolute; send it relative to the server root"),
        ("\\\\server\\share\\x", "is absolute; send it relative to the server root"),
        ("数据/gdp.csv\x00.png", "contains a NUL character"),
    ],
)
def test_paths_that_leave_the_root_are_refused(root: Path, client_path: str, message: str) -> None:
    access = FileAccess.at(root)
    with pytest.raises(PathRefused) as refused:
        access.resolve(client_path, "Attachment")
    assert message in str(refused.value)
    assert str(refused.value).startswith("Attachment ")


def test_symlinks_leading_outside_are_refused(root: Path) -> None:
    access = FileAccess.at(root)
    (root / "link.txt").symlink_to(root.parent / "outside" / "secret.txt")
    (root / "linked-dir").symlink_to(root.parent / "outside", target_is_directory=True)
    for client_path in ("link.txt", "linked-dir/secret.txt", "linked-dir"):
        with pytest.raises(PathRefused) as refused:
            access.resolve(client_path)
        assert "symbolic link" in str(refused.value)
        assert "outside the server root" in str(refused.value)


def test_paths_inside_the_root_resolve(root: Path) -> None:
    access = FileAccess.at(root)
    assert access.resolve("数据/gdp.csv") == root / "数据" / "gdp.csv"
    assert access.resolve("数据/../数据/./gdp.csv") == root / "数据" / "gdp.csv"
    assert access.resolve("数据\\gdp.csv") == root / "数据" / "gdp.csv"
    assert access.resolve("") == root
    (root / "alias.csv").symlink_to(root / "数据" / "gdp.csv")
    # A link that stays inside is fine, and keeps the name the client used.
    assert access.resolve("alias.csv") == root / "alias.csv"
    assert access.relative(root / "数据" / "gdp.csv") == "数据/gdp.csv"
    assert access.relative(root) == ""


def test_hidden_paths_follow_the_contents_manager_setting(root: Path) -> None:
    (root / ".env").write_text("KEY=1")
    with pytest.raises(PathRefused) as refused:
        FileAccess.at(root, allow_hidden=False).resolve(".env")
    assert "is hidden" in str(refused.value)
    assert FileAccess.at(root, allow_hidden=True).resolve(".env") == root / ".env"


def test_the_root_itself_may_be_reached_through_a_symlink(tmp_path: Path, root: Path) -> None:
    alias = tmp_path / "alias-root"
    alias.symlink_to(root, target_is_directory=True)
    access = FileAccess.at(alias)
    assert access.resolve("数据/gdp.csv") == root / "数据" / "gdp.csv"


def test_snapshot_diff_finds_created_and_changed_files(tmp_path: Path) -> None:
    (tmp_path / "kept.csv").write_text("same")
    (tmp_path / "edited.csv").write_text("old")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    before = take_snapshot(tmp_path)

    (tmp_path / "out.csv").write_text("a,b\n1,2\n")
    (tmp_path / "edited.csv").write_text("new content")
    (tmp_path / "图表").mkdir()
    (tmp_path / "图表" / "plot.png").write_bytes(b"png")
    (tmp_path / "analysis.ipynb").write_text("{}")  # saved by JupyterLab, never 'produced'
    (tmp_path / ".hidden.csv").write_text("x")
    (tmp_path / ".ipynb_checkpoints" / "x-checkpoint.csv").write_text("x")
    after = take_snapshot(tmp_path)

    assert changed_files(before, after) == ["edited.csv", "out.csv", "图表/plot.png"]
    assert changed_files(after, take_snapshot(tmp_path)) == []


def test_snapshot_is_bounded_and_does_not_follow_links(tmp_path: Path) -> None:
    for index in range(30):
        (tmp_path / f"f{index:02}.txt").write_text("x")
    deep = tmp_path / "a" / "b" / "c" / "d" / "e" / "f"
    deep.mkdir(parents=True)
    (deep / "too-deep.txt").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    snapshot = take_snapshot(tmp_path, max_entries=10)
    assert snapshot.truncated and len(snapshot.files) == 10
    full = take_snapshot(tmp_path, max_depth=3)
    assert not full.truncated
    assert not any("too-deep" in path or path.startswith("loop") for path in full.files)


def test_list_files_matches_a_query_breadth_first(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "GDP_2023.csv").write_text("x" * 10)
    (tmp_path / "gdp-notes.md").write_text("y")
    (tmp_path / "other.txt").write_text("z")
    (tmp_path / ".secret-gdp.csv").write_text("s")
    os.symlink(tmp_path / "other.txt", tmp_path / "gdp-link.txt")
    found, truncated = list_files(tmp_path, "gdp")
    assert found == [("gdp-notes.md", 1), ("data/GDP_2023.csv", 10)]
    assert not truncated
    limited, truncated = list_files(tmp_path, "", limit=2)
    assert len(limited) == 2 and truncated
