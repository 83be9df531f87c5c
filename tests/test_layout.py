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
MAY_IMPORT = {
    "fieldbook": {"fieldbook"},
    "places": {"fieldbook", "places"},
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
