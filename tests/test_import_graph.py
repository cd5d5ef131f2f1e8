"""lime_kit has no import circles, counting imports inside functions (lazy ones) too.

A circle means one module cannot be understood, tested or loaded without the
other; lazy imports only hide it until run time. The graph is built from the
source with ``ast``: module ``a`` points at ``b`` when ``a`` imports ``b``
anywhere (``from pkg import name`` points at ``pkg.name`` when that is a
module, else at ``pkg``), and calls ``import_module("lime_kit.x")`` or
``__import__("lime_kit.x")`` with a literal name count as well. Imports under ``if TYPE_CHECKING:`` never run and
do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lime_kit

ROOT = Path(lime_kit.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = ("lime_kit",) + path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> set[str]:
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if candidate in modules else source)
        stack.extend(ast.iter_child_nodes(node))
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    """``{module: modules of lime_kit it imports}`` for every module under lime_kit."""
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(paths)
    return {
        name: _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", modules) - {name}
        for name, path in paths.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle ``[a, b, ..., a]`` in ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(graph):
        if state.get(start):
            continue
        path, iterators = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while path:
            step = next(iterators[-1], None)
            if step is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(step) == 1:
                return path[path.index(step):] + [step]
            elif not state.get(step):
                state[step] = 1
                path.append(step)
                iterators.append(iter(sorted(graph.get(step, ()))))
    return None


def test_the_cycle_finder_names_a_planted_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_lazy_and_relative_imports_are_edges():
    tree = ast.parse(
        "def f():\n    from .many import x\n    import lime_kit.plot\n"
        "    return import_module('lime_kit.batch')\n"
        "if TYPE_CHECKING:\n    import lime_kit.cli\n"
    )
    modules = {"lime_kit.many", "lime_kit.plot", "lime_kit.pick", "lime_kit.batch", "lime_kit.cli"}
    assert _imports(tree, "lime_kit.pick", False, modules) == {"lime_kit.many", "lime_kit.plot", "lime_kit.batch"}


def test_lime_kit_has_no_import_circle():
    graph = import_graph()
    assert "lime_kit.many" in graph and "lime_kit.plot.html" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)
