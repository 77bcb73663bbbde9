"""The kernel's language as the prompts, the fence rule and the tool descriptions name it.

One source for every place that says which language the model writes: a kernel's
`language_info.name` ("python", "R", "bash", "julia", …) gives its display name, the fence tags
whose blocks run (the first is the one the model is told to write) and how a missing package is
installed, when the language has one way to do it.
"""

from __future__ import annotations

from dataclasses import dataclass

PYTHON_TAGS = frozenset({"python", "py", "python3", "ipython", "ipython3"})
"""Info-string tags of fenced blocks that are Python code."""


@dataclass(frozen=True)
class KernelLanguage:
    """How one kernel language is named to the model and tagged in fenced blocks."""

    name: str
    """`language_info.name`, lower case ("python", "r", "bash")."""
    display: str
    """The name in prose ("Python", "R", "Bash")."""
    fence: str
    """The tag the model is told to write on a block to run ("python", "r", "bash")."""
    tags: frozenset[str]
    """Every tag whose blocks run in this kernel (compared in lower case)."""
    install: str = ""
    """How code installs a missing package (empty: the prompt says nothing about it)."""

    @property
    def is_python(self) -> bool:
        """Whether the kernel runs Python (IPython magics, inspection, the CJK font setup)."""
        return self.name == "python"


_KNOWN = {
    "python": KernelLanguage(
        "python", "Python", "python", PYTHON_TAGS, "`%pip install -q <package>`"
    ),
    "r": KernelLanguage(
        "r", "R", "r", frozenset({"r", "rscript"}), '`install.packages("<package>")`'
    ),
    "julia": KernelLanguage(
        "julia", "Julia", "julia", frozenset({"julia", "jl"}), '`import Pkg; Pkg.add("<package>")`'
    ),
    "bash": KernelLanguage("bash", "Bash", "bash", frozenset({"bash", "sh", "shell", "zsh"})),
    "javascript": KernelLanguage(
        "javascript", "JavaScript", "javascript", frozenset({"javascript", "js"})
    ),
}


def kernel_language(name: str | None) -> KernelLanguage:
    """The language of a kernel from its `language_info.name` (Python when it is not known)."""
    key = (name or "").strip().lower()
    if not key or key in PYTHON_TAGS:
        return _KNOWN["python"]
    known = _KNOWN.get(key)
    if known is not None:
        return known
    display = (name or "").strip()
    return KernelLanguage(key, display[:1].upper() + display[1:], key, frozenset({key}))
