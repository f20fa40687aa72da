"""The import graph of recexp/ and hydra_plugins/ reads top to bottom: no import circles, the shared
plumbing (recexp.common) imports nothing above it, a run's lifecycle (recexp.run) is started only
by the entry points, and nothing calls back into the launcher.

Every import statement counts: at module level, inside functions and under ``if TYPE_CHECKING``
(a circle through a type hint is still a circle to a reader). An import of ``a.b`` is an edge to
``a.b`` only, not to the package ``a`` that Python also runs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("recexp", "hydra_plugins")
# what may start or check a run: the console script, its subcommands, the Hydra plugins
ENTRY_POINTS = ("recexp.cli", "hydra_plugins.")


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of PACKAGES under ``root``."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of PACKAGES it imports (anywhere in its file)."""
    files = modules(root)
    graph = {}
    for name, path in files.items():
        graph[name] = {target for node in ast.walk(ast.parse(path.read_text()))
                       for target in _targets(node, name, path, files) if target != name}
    return graph


def _targets(node: ast.AST, name: str, path: Path, files: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in files]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
    targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
    return [t for t in targets if t in files]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for child in sorted(graph[node]):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _importers(graph: dict[str, set[str]], prefix: str) -> dict[str, list[str]]:
    """Importer -> the modules starting with ``prefix`` it imports."""
    return {source: sorted(t for t in targets if t.startswith(prefix))
            for source, targets in graph.items() if any(t.startswith(prefix) for t in targets)}


def _describe(graph: dict[str, set[str]], component: list[str]) -> str:
    return "; ".join(f"{m} -> {', '.join(sorted(graph[m] & set(component)))}" for m in component)


GRAPH = import_graph()


def test_the_graph_is_read():
    assert "recexp.run.launcher" in GRAPH["recexp.run.app"]
    assert "recexp.common.errors" in GRAPH["recexp.run.validation"]
    assert "recexp.teachers.cache" in GRAPH["recexp.teachers.hf"]  # an import inside a function counts


def test_no_import_circles():
    found = circles(GRAPH)
    assert not found, "import circles:\n" + "\n".join(_describe(GRAPH, c) for c in found)


def test_common_imports_nothing_above_it():
    climbs = {source: [t for t in targets if not t.startswith("recexp.common")]
              for source, targets in _importers(GRAPH, "recexp.").items() if source.startswith("recexp.common")}
    assert not {s: t for s, t in climbs.items() if t}, climbs


def test_a_run_is_started_only_from_the_entry_points():
    """recexp.run is imported by itself, the `recexp` command and its subcommands (recexp.*.command:
    `recexp data pin` composes and checks a dataset), and the sweeper: never by a stage, the data
    pipeline or any other part a run calls."""
    outside = [source for source in _importers(GRAPH, "recexp.run.")
               if not source.startswith(("recexp.run.", *ENTRY_POINTS)) and not source.endswith(".command")]
    assert not outside, f"modules below the run lifecycle import it: {outside}"


def test_nothing_calls_back_into_the_launcher():
    assert sorted(_importers(GRAPH, "recexp.run.launcher")) == ["recexp.run.app"]


def test_a_planted_circle_is_found():
    planted = {name: set(targets) for name, targets in GRAPH.items()}
    planted["recexp.common.jsonio"].add("recexp.run.launcher")  # the launcher imports jsonio
    assert any({"recexp.common.jsonio", "recexp.run.launcher"} <= set(c) for c in circles(planted))
