"""A whole turn in a real bash kernel (bash_kernel from PyPI, installed by .ci/install) through
the headless executor (`jupyter code-interp run`), with the scripted model in fenced and in tools
mode: the model is told about Bash, the code runs in bash and its output goes back to it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from scripted_llm import ScriptedLLM, text_reply, tool_reply
from test_cli import run_cli


@pytest.fixture(autouse=True)
def bash_kernel_installed() -> None:
    """Fail with the fix when the kernel is missing (CI installs it; see .ci/install)."""
    try:
        KernelSpecManager().get_kernel_spec("bash")
    except NoSuchKernel:
        pytest.fail(
            "The bash kernel is not installed: pip install bash_kernel && "
            "python -m bash_kernel.install --sys-prefix (as .ci/install does)."
        )


def bash_notebook(path: Path) -> None:
    """A notebook for the bash kernel with one cell the user wrote."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("ls -1 | wc -l")])
    notebook.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    nbformat.write(notebook, path)


def configure(tmp_path: Path, lines: str) -> None:
    """The server config the CLI reads (cli_environment's JUPYTER_CONFIG_DIR)."""
    folder = tmp_path / "jupyter-config"
    folder.mkdir(exist_ok=True)
    (folder / "jupyter_server_config.py").write_text(lines, encoding="utf-8")


def check_saved(path: Path) -> None:
    """The notebook keeps the bash cell the model ran, with bash's output."""
    saved = nbformat.read(path, as_version=4)
    [ran] = [cell for cell in saved.cells if cell.source == "echo $((6*7))"]
    assert "".join(output.get("text", "") for output in ran.outputs).strip() == "42"
    assert saved.metadata["kernelspec"]["name"] == "bash"
    assert saved.metadata["language_info"]["name"] == "bash"


def test_a_fenced_turn_runs_bash_in_a_bash_kernel(
    scripted_llm: ScriptedLLM, tmp_path: Path
) -> None:
    path = tmp_path / "shell.ipynb"
    bash_notebook(path)
    (tmp_path / "AGENTS.md").write_text("Prefer POSIX tools.", encoding="utf-8")
    configure(tmp_path, "c.CodeInterpreter.tool_modes = {'scripted-model': 'fenced'}\n")
    scripted_llm.push(
        text_reply("Let bash compute it.\n```bash\necho $((6*7))\n```\n"),
        text_reply("Six times seven is 42."),
    )
    completed = run_cli(scripted_llm, tmp_path, "run", str(path), "What is 6*7? Use the shell.")

    assert completed.returncode == 0, completed.stderr
    first = scripted_llm.requests[0]
    assert "tools" not in first  # fenced mode
    system = first["messages"][0]["content"]
    assert "running Bash code in the notebook's own Bash kernel" in system
    assert "write exactly one ```bash block" in system
    assert "python" not in system.lower() and "%pip" not in system
    assert '<rules from="AGENTS.md" path="AGENTS.md">\nPrefer POSIX tools.\n</rules>' in system
    context = first["messages"][-1]["content"]
    assert "```bash\nls -1 | wc -l\n```" in context  # the user's cell, in its language
    assert "Kernel: Bash (its variables are not inspected)." in context
    # The code ran in bash: the model got bash's arithmetic back, and is asked for ```bash.
    feedback = scripted_llm.requests[1]["messages"][-1]["content"]
    assert "Output of the code you ran (step 1):\n42" in feedback
    assert "write one ```bash block for the next step" in feedback
    assert completed.stdout.strip().endswith("Six times seven is 42.")
    check_saved(path)


def test_a_tools_turn_runs_bash_in_a_bash_kernel(scripted_llm: ScriptedLLM, tmp_path: Path) -> None:
    path = tmp_path / "shell.ipynb"
    bash_notebook(path)
    configure(tmp_path, "c.CodeInterpreter.rules = 'Say which shell ran the code.'\n")
    scripted_llm.push(tool_reply("echo $((6*7))", text="Computing."), text_reply("It is 42."))
    completed = run_cli(scripted_llm, tmp_path, "run", str(path), "6*7 in the shell")

    assert completed.returncode == 0, completed.stderr
    first = scripted_llm.requests[0]
    [run_code] = [tool for tool in first["tools"] if tool["function"]["name"] == "run_code"]
    assert "Run Bash code" in run_code["function"]["description"]
    assert "python" not in str(first["tools"]).lower()
    system = first["messages"][0]["content"]
    assert "call the `run_code` tool with the Bash code of one cell" in system
    assert "python" not in system.lower()
    assert '<rules from="administrator">\nSay which shell ran the code.\n</rules>' in system
    [tool] = [m for m in scripted_llm.requests[1]["messages"] if m["role"] == "tool"]
    assert tool["content"].strip() == "42"
    check_saved(path)
