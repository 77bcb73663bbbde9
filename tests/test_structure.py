"""The package layout stays readable: no import circles, few top-level modules, small modules."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from jupyter_code_interp.limits import PANEL_SETTINGS, PANEL_SWITCHES

PACKAGE = Path(__file__).resolve().parent.parent / "jupyter_code_interp"
SCHEMA = PACKAGE.parent / "schema" / "panel.json"
MAX_TOP_LEVEL = 10
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (the built lab extension aside)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "labextension" in relative.parts:
            continue
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    """`if TYPE_CHECKING:` blocks import for annotations only."""
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules `name` imports when it runs (anywhere but TYPE_CHECKING blocks)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    skipped: set[int] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        found.update(target for target in targets if target in modules and target != name)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, if there is any."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_module_imports_itself_through_a_circle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    # A package's __init__ is imported with each of its modules: it must import none of them.
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_subpackage_inits_are_empty_and_few_modules_sit_at_the_top() -> None:
    modules = _modules()
    inits = [path for path in modules.values() if path.name == "__init__.py"]
    assert all(p.read_text().strip() == "" for p in inits if p.parent != PACKAGE), inits
    top = [name for name, path in modules.items() if path.parent == PACKAGE]
    assert len(top) <= MAX_TOP_LEVEL + 1, sorted(top)  # + the package itself


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_tornado_is_only_imported_by_the_handlers() -> None:
    for name, path in _modules().items():
        if ".handlers" in name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and not node.level
        }
        assert "tornado" not in imported, name


def test_the_settings_schema_and_the_server_share_their_limits() -> None:
    properties = json.loads(SCHEMA.read_text(encoding="utf-8"))["properties"]
    for name, limit in PANEL_SETTINGS.items():
        schema = properties[name]
        assert (schema["default"], schema["minimum"], schema["maximum"]) == (
            limit.default,
            limit.minimum,
            limit.maximum,
        ), name
    for name, default in PANEL_SWITCHES.items():
        assert (properties[name]["type"], properties[name]["default"]) == ("boolean", default)
