"""Any kernel: the prompts, the fence rule, the fix flow and the notebook snapshot follow the
kernel's `language_info.name` (Python, R, bash, Julia), with no Python wording elsewhere."""

from __future__ import annotations

import pytest

from jupyter_code_interp.agent.codeblocks import code_rule, first_runnable
from jupyter_code_interp.agent.executor import ExecutionResult
from jupyter_code_interp.agent.languages import kernel_language
from jupyter_code_interp.agent.messages import request_messages
from jupyter_code_interp.agent.prompts import (
    compute_request,
    cut_reply,
    next_step_nudge,
    system_prompt,
)
from jupyter_code_interp.agent.repair import FixTracker, approval_feedback
from jupyter_code_interp.agent.snapshot import NotebookContext, NotebookSnapshot

MODES = ("tools", "fenced", "answer")


@pytest.mark.parametrize(
    ("name", "display", "fence", "tags"),
    [
        ("python", "Python", "python", {"python", "py", "python3", "ipython", "ipython3"}),
        (None, "Python", "python", {"python", "py", "python3", "ipython", "ipython3"}),
        ("R", "R", "r", {"r", "rscript"}),
        ("bash", "Bash", "bash", {"bash", "sh", "shell", "zsh"}),
        ("julia", "Julia", "julia", {"julia", "jl"}),
        ("scala", "Scala", "scala", {"scala"}),
    ],
)
def test_one_helper_names_each_language_and_its_fence_tags(
    name: str | None, display: str, fence: str, tags: set[str]
) -> None:
    language = kernel_language(name)
    assert (language.display, language.fence, set(language.tags)) == (display, fence, tags)


@pytest.mark.parametrize(
    ("language", "runs", "stays"),
    [
        ("bash", ["bash", "sh", "shell", "Bash"], ["python", "r", "text", ""]),
        ("R", ["r", "R", "{r}", "Rscript"], ["python", "bash", ""]),
        ("julia", ["julia", "jl"], ["python", ""]),
    ],
)
def test_the_fence_rule_runs_the_kernels_tags_only(
    language: str, runs: list[str], stays: list[str]
) -> None:
    for fenced in (True, False):
        rule = code_rule(language, fenced=fenced)
        for tag in runs:
            block = first_runnable(f"Go:\n```{tag}\necho hi\n```\n", rule)
            assert block is not None and block.code == "echo hi", (tag, fenced)
        for tag in stays:
            assert first_runnable(f"```{tag}\nprint(1)\n```\n", rule) is None, (tag, fenced)


def test_python_prompts_keep_python_wording() -> None:
    tools = system_prompt("tools", "Python 3.12")
    assert "running Python code in the notebook's own IPython kernel" in tools
    assert "`%pip install -q <package>`" in tools and "matplotlib" in tools
    assert "write exactly one ```python block" in system_prompt("fenced")
    assert "```text, ```bash" in system_prompt("fenced")


@pytest.mark.parametrize(
    ("language", "display", "fence", "install"),
    [
        ("R", "R", "r", 'install.packages("<package>")'),
        ("bash", "Bash", "bash", None),
        ("julia", "Julia", "julia", 'Pkg.add("<package>")'),
    ],
)
def test_other_kernels_get_their_language_and_no_python_wording(
    language: str, display: str, fence: str, install: str | None
) -> None:
    texts = [system_prompt(mode, language=language) for mode in MODES]
    texts += [system_prompt(mode, language=language, compact=True) for mode in MODES]
    fenced = system_prompt("fenced", language=language)
    assert f"running {display} code in the notebook's own {display} kernel" in texts[0]
    assert f"call the `run_code` tool with the {display} code of one cell" in texts[0]
    assert f"write exactly one ```{fence} block" in fenced
    assert f"no ```{fence} block ends the turn" in fenced
    assert f"write one ```{fence} block and stop" in system_prompt(
        "fenced", language=language, compact=True
    )
    if install:
        assert install in texts[0]
    # The fix flow and the nudges of fenced mode name the kernel's fence too.
    fixes = FixTracker(3)
    fixes.start_step()
    fixes.finish_step(ExecutionResult(outputs=[{"output_type": "error", "ename": "E"}]))
    note = fixes.error_note("c1", tools=False, fence=fence)
    assert f"first line of the ```{fence} block" in note
    edited = ExecutionResult(edited_code="ls")
    texts += [
        note,
        next_step_nudge(fenced=True, ran=True, printed=False, fence=fence),
        compute_request(True, fence),
        cut_reply(fence),
        approval_feedback(edited, "pwd", "out", fence),
    ]
    assert f"```{fence}" in texts[-1] and f"```{fence}" in texts[-2]
    for text in texts:
        lowered = text.lower()
        assert "python" not in lowered and "%pip" not in lowered and "matplotlib" not in lowered


def test_a_fenced_history_shows_earlier_tool_calls_in_the_kernels_fence() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "run_code", "arguments": ""}}
    call["function"]["arguments"] = '{"code": "echo $((6*7))"}'
    messages = [
        {"role": "user", "content": "six times seven"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c", "content": "42"},
    ]
    sent = request_messages("system", messages, "fenced", fence="bash")
    assert sent[2] == {"role": "assistant", "content": "```bash\necho $((6*7))\n```"}


def test_the_snapshot_tags_cells_and_names_the_kernel_in_its_language() -> None:
    cells = [{"id": "a", "type": "code", "source": "x <- c(1, 2)", "outputs": []}]
    r = NotebookSnapshot(
        NotebookContext(cells=cells, kernel={"language": "R", "state": None, "error": None})
    ).render()
    assert "```r\nx <- c(1, 2)\n```" in r
    assert "Kernel: R (its variables are not inspected)." in r
    assert "python" not in r.lower() and "inspection failed" not in r
    python = NotebookSnapshot(NotebookContext(cells=cells)).render()
    assert "```python\nx <- c(1, 2)" in python
