"""No import circle inside app/: the modules' imports, read from their source, form a graph
with no cycle (DESIGN.md: models <- rules <- views <- services <- state / doors).

An import inside a function counts (it only delays the circle to the first call); one under
`if TYPE_CHECKING:` does not (it never runs). Importing `app.a.b` is an arrow to that module
only, not to the package `app.a` around it.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from tests.support.project import ROOT

APP = ROOT / "app"
# Alembic's scripts: loaded by path, never imported by a module name.
NOT_MODULES = ("migrations",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(APP.rglob("*.py"))
            if not any(part in NOT_MODULES for part in path.relative_to(APP).parts)}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                pending.extend(child.orelse)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    submodule = f"{child.module}.{alias.name}"
                    found.add(submodule if submodule in modules else child.module)
            pending.append(child)
    return found & set(modules)


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(ast.parse(path.read_text(), str(path)), modules) - {name}
            for name, path in modules.items()}


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph as the modules along it (first = last), or None."""
    done: set[str] = set()  # modules from which no circle is reachable

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return path[path.index(module):] + [module]
        if module in done:
            return None
        path.append(module)
        for following in sorted(graph[module]):
            if circle := visit(following, path):
                return circle
        path.pop()
        done.add(module)
        return None

    for start in sorted(graph):
        if circle := visit(start, []):
            return circle
    return None


def test_the_graph_sees_the_imports_it_must():
    graph = import_graph()
    assert "app.setup.preflight" in graph["app.cli.base"]  # a module-level import
    assert "app.services.users" in graph["app.setup.startup_guard"]  # an import inside a function
    assert "app.rules.actors" not in graph["app.cli.options"]  # only under TYPE_CHECKING


def test_a_circle_is_found():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle_inside_app():
    assert find_circle(import_graph()) is None
