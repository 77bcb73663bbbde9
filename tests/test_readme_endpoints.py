"""The README's one-liners per endpoint work as written, each against the scripted server
emulating that endpoint (tests/stream_shapes.py `emulate`): `jupyter lab` offers the endpoint's
models, `jupyter code-interp run` runs a turn with the model it names."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_llm import ScriptedLLM
from stream_shapes import emulate, emulated_turn
from test_cli import REPO, error_lines

from jupyter_code_interp.config import CodeInterpreter
from jupyter_code_interp.providers.admin import status_payload
from jupyter_code_interp.providers.registry import ProviderRegistry

ENDPOINTS = {
    "http://127.0.0.1:11434/v1": "ollama",
    "https://api.deepseek.com/v1": "deepseek",
    "http://127.0.0.1:8000/v1": "vllm",
}


def readme_lines() -> list[list[str]]:
    """The command lines of the README's "One line per endpoint" block, split like a shell."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### One line per endpoint\n\n```bash\n(.*?)```", text, re.DOTALL)
    assert block is not None, "README.md lost its one-liners"
    lines = [line for line in block.group(1).splitlines() if line.startswith("OPENAI_")]
    return [shlex.split(line) for line in lines]


def _split(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """The VAR=value assignments and the command of one line."""
    env = {}
    while "=" in words[0] and words[0].split("=")[0].isupper():
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return env, words


LINES = readme_lines()


def test_the_readme_has_a_lab_and_a_cli_line_per_endpoint() -> None:
    endpoints = [_split(list(words))[0]["OPENAI_BASE_URL"] for words in LINES]
    assert sorted(set(endpoints)) == sorted(ENDPOINTS)
    assert len(LINES) == 2 * len(ENDPOINTS)


LAB = [words for words in LINES if " jupyter lab" in " " + " ".join(words)]
CLI = [words for words in LINES if words not in LAB]


def _ids(lines: list[list[str]]) -> list[str]:
    return [ENDPOINTS[_split(list(words))[0]["OPENAI_BASE_URL"]] for words in lines]


@pytest.mark.parametrize("words", LAB, ids=_ids(LAB))
async def test_jupyter_lab_offers_the_endpoints_models(
    words: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, command = _split(list(words))
    assert command == ["jupyter", "lab"]
    with ScriptedLLM() as server:
        emulate(server, ENDPOINTS[env["OPENAI_BASE_URL"]])
        server.api_key = env.get("OPENAI_API_KEY")  # the line's key must be the one sent
        env["OPENAI_BASE_URL"] = server.base_url
        for variable in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
            monkeypatch.delenv(variable, raising=False)
        for variable, value in env.items():
            monkeypatch.setenv(variable, value)
        registry = ProviderRegistry(CodeInterpreter(key_store_path=str(tmp_path / "keys.json")))
        await registry.refresh_models()
        status = status_payload(registry)
    assert status["ready"], status["problem"]
    assert [model["id"] for model in status["models"]] == server.models
    assert status["defaultModelProblem"] is None
    assert status["defaultModel"] == env.get("OPENAI_MODEL", server.models[0])


@pytest.mark.parametrize("words", CLI, ids=_ids(CLI))
def test_the_cli_line_runs_a_turn_on_the_model_it_names(words: list[str], tmp_path: Path) -> None:
    env, command = _split(list(words))
    assert command[:3] == ["jupyter", "code-interp", "run"], command
    name = ENDPOINTS[env["OPENAI_BASE_URL"]]
    with ScriptedLLM() as server:
        emulate(server, name)
        server.api_key = env.get("OPENAI_API_KEY")
        env["OPENAI_BASE_URL"] = server.base_url
        server.push(*emulated_turn(name, "print(6 * 7)", "Revenue peaks in March."))
        completed = subprocess.run(
            [sys.executable, "-m", "jupyter_code_interp.cli", *command[2:]],
            check=False,
            env=_environment(env, tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
        )
        sent = {request["model"] for request in server.requests}
    assert completed.returncode == 0, (error_lines(completed.stderr), completed.stderr[-800:])
    assert "Revenue peaks in March." in completed.stdout
    assert sent == {command[command.index("--model") + 1]}
    assert (tmp_path / "analysis.ipynb").exists()


def _environment(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: a clean Jupyter config dir and only the line's OPENAI_ variables."""
    config = tmp_path / "jupyter-config"
    config.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return {
        **clean,
        "PYTHONPATH": str(REPO),
        "JUPYTER_CONFIG_DIR": str(config),
        "PYTHONIOENCODING": "utf-8",
        **env,
    }
