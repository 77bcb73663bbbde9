""".ci/lab: what JupyterLab serves and the CJK font, with the tools it calls stubbed out.

The script is copied into a scratch "clone" whose .ci/install does nothing; `jupyter`, `id`,
`fc-list`, `apt-get` and `sudo` are small scripts on PATH that record how they were called.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _stub(directory: Path, name: str, body: str) -> None:
    """An executable `name` in `directory` running `body` (bash)."""
    path = directory / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def _clone(tmp_path: Path, *, uid: int, font: bool, sudo: bool) -> tuple[Path, dict[str, str]]:
    """A scratch clone with .ci/lab and stubbed tools; its environment."""
    clone = tmp_path / "clone"
    (clone / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "lab", clone / ".ci" / "lab")
    (clone / ".ci" / "install").write_text("# stub: nothing to install\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    _stub(bin_dir, "jupyter", f'echo "jupyter $*" >> {calls}')
    _stub(bin_dir, "id", f'[ "$1" = "-u" ] && echo {uid} || /usr/bin/id "$@"')
    _stub(bin_dir, "fc-list", 'echo "WenQuanYi Micro Hei"' if font else "true")
    _stub(bin_dir, "apt-get", f'echo "apt-get $*" >> {calls}')
    runs = f'echo "sudo $*" >> {calls}; while [[ "$1" == -* ]]; do shift; done; "$@"'
    _stub(bin_dir, "sudo", runs if sudo else "exit 1")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return clone, env


def _run(clone: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the clone's .ci/lab; its result and the calls the stubs recorded."""
    done = subprocess.run(
        ["bash", str(clone / ".ci" / "lab"), "--port", "9999"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    calls = clone.parent / "calls.log"
    return done, calls.read_text(encoding="utf-8") if calls.exists() else ""


def test_lab_serves_a_git_ignored_workspace_folder_not_the_repository(tmp_path: Path) -> None:
    clone, env = _clone(tmp_path, uid=1000, font=True, sudo=False)
    done, calls = _run(clone, env)
    assert done.returncode == 0, done.stderr
    assert (clone / "workspace").is_dir()  # created when missing
    [line] = [line for line in calls.splitlines() if line.startswith("jupyter lab")]
    assert f"--ServerApp.root_dir={clone / 'workspace'}" in line
    assert line.endswith("--port 9999")  # the user's arguments come last, so they win
    assert "--allow-root" not in line
    assert "apt-get" not in calls  # the font is there already
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "workspace/uploaded.csv"], cwd=REPO, check=False
    )
    assert ignored.returncode == 0, "workspace/ must be git-ignored"


@pytest.mark.parametrize(("uid", "sudo"), [(0, False), (1000, True)])
def test_lab_installs_the_debian_cjk_font_when_it_can(tmp_path: Path, uid: int, sudo: bool) -> None:
    clone, env = _clone(tmp_path, uid=uid, font=False, sudo=sudo)
    done, calls = _run(clone, env)
    assert done.returncode == 0, done.stderr
    assert "apt-get install -y -qq fonts-wqy-microhei" in calls
    assert ("sudo apt-get install" in calls) == sudo


def test_lab_says_so_when_it_cannot_install_the_font(tmp_path: Path) -> None:
    clone, env = _clone(tmp_path, uid=1000, font=False, sudo=False)
    done, calls = _run(clone, env)
    assert done.returncode == 0, done.stderr
    assert "apt-get" not in calls
    assert "no root, sudo or apt-get to install fonts-wqy-microhei" in done.stderr
    assert "jupyter lab" in calls  # JupyterLab starts all the same
