"""The house rules of the layout (README "Architecture"), read from the imports themselves.

The floors, ground up: ``fieldbook`` (settings, access, audit, errors, security) → ``places``
(reference data) → ``enablers`` and ``engagements`` (whose models point at each other: an
assignment is to an engagement, a session is an enabler's) → ``backoffice`` and ``demo``. A floor
may import the floors below it, never those above: ``fieldbook`` names a domain app only by
string (settings, URLconf includes), and ``places`` imports nothing of Fieldbook's but
``fieldbook``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("fieldbook", "places", "enablers", "engagements", "backoffice", "demo", "bench")
DOMAIN = {"fieldbook", "places", "enablers", "engagements"}
MAY_IMPORT = {
    "fieldbook": {"fieldbook"},
    "places": {"fieldbook", "places"},
    # An assignment is to an engagement and a session is an enabler's: the two domain apps may
    # import each other (models name each other by string; no module-level cycle, see below).
    "enablers": DOMAIN,
    "engagements": DOMAIN,
    # The back office and the demo stand on the domain and never on each other.
    "backoffice": DOMAIN | {"backoffice"},
    "demo": DOMAIN | {"demo"},
    # The benchmark drives everything; nothing imports it.
    "bench": set(OURS),
}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    """Every (top-level package of ours, line) that ``path`` imports, at any depth of the code
    (a function-level import counts as much as one at the top)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside its own package
                continue
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in OURS:
                found.add((top, node.lineno))
    return found


def sources(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_a_floor_imports_only_the_floors_below(app: str) -> None:
    files = sources(app)
    assert len(files) > 5, f"no sources found under {app}/"
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {top}"
        for path in files
        for top, line in sorted(imported_apps(path))
        if top not in MAY_IMPORT[app]
    ]
    assert broken == []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ours that ``path`` imports when it is imported: top-level statements
    only (not inside functions, not under ``if TYPE_CHECKING:``). ``from a import b`` counts
    ``a.b`` when that is a module, else ``a``."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            subs = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            found.update(subs or ({node.module} & modules))
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles_between_our_modules() -> None:
    """Importing any module of ours never needs a module that, in turn, needs it back: the only
    two-way links (a model and its queryset, enablers and engagements) are made by string or
    inside a function."""
    paths = {module_name(p): p for app in OURS for p in sources(app)}
    graph = {name: module_imports(path, set(paths)) - {name} for name, path in paths.items()}
    assert sum(len(v) for v in graph.values()) > 200, "the import reader found too few imports"
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_the_rule_reader_sees_an_import_that_breaks_it(tmp_path: Path) -> None:
    """The reader itself: an import inside a function, and one of several names, are seen."""
    module = tmp_path / "m.py"
    module.write_text("import os, engagements.models\n\ndef f():\n    from backoffice import x\n")
    assert imported_apps(module) == {("engagements", 1), ("backoffice", 4)}


def test_no_module_is_named_like_a_subject_package_beside_it() -> None:
    """``engagements/week.py`` beside ``engagements/week/`` (or ``views/week.py``) is what a
    newcomer trips over: a module and a package of the same name never sit side by side."""
    clashes = [
        str(path.relative_to(ROOT))
        for app in OURS
        for path in (ROOT / app).rglob("*.py")
        if path.with_suffix("").is_dir()
    ]
    assert clashes == []
