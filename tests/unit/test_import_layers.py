"""Imports point one way: koschei_site <- packages <- builds <- resolution; kojisim is apart.

Every module of the project is read (its source, not imported) and each import, and each
``apps.get_model("app", ...)`` look-up, is checked against the layer of its module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("koschei_site", "packages", "builds", "resolution")
APPS = frozenset(LAYERS)


def referenced_apps(source: str) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every import and every ``get_model`` of an app label."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.partition(".")[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value.partition(".")[0]


def violations(package: str, path: Path, source: str) -> list[str]:
    """The references of a module of ``package`` that point at a higher layer (or, from
    kojisim, at any app)."""
    allowed = set(LAYERS[: LAYERS.index(package) + 1]) if package in LAYERS else set()
    where = path.relative_to(ROOT) if path.is_absolute() else path
    return [
        f"{where}:{line} -> {target}"
        for line, target in referenced_apps(source)
        if target in APPS and target not in allowed
    ]


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", [*LAYERS, "kojisim"])
def test_no_module_refers_to_a_higher_layer(package):
    found = [
        problem
        for path in modules(package)
        for problem in violations(package, path, path.read_text())
    ]
    assert found == []


def test_every_layer_has_modules_to_check():
    assert all(modules(package) for package in (*LAYERS, "kojisim"))


@pytest.mark.parametrize(
    ("package", "source", "found"),
    [
        ("koschei_site", "from packages.models import Collection\n", "x.py:1 -> packages"),
        ("packages", "def f():\n    import builds.koji\n", "x.py:2 -> builds"),
        ("builds", "from resolution import tasks\n", "x.py:1 -> resolution"),
        ("builds", "apps.get_model('resolution', 'Change')\n", "x.py:1 -> resolution"),
        ("packages", "get_model('resolution.Change')\n", "x.py:1 -> resolution"),
        ("kojisim", "from koschei_site.errors import ServiceError\n", "x.py:1 -> koschei_site"),
    ],
)
def test_an_upward_reference_is_reported(package, source, found):
    assert violations(package, Path("x.py"), source) == [found]


@pytest.mark.parametrize(
    ("package", "source"),
    [
        ("resolution", "from builds.koji import KojiSessions\nfrom packages import models\n"),
        ("builds", "from koschei_site.errors import ServiceError\n"),
        ("packages", "from . import models\nimport django\n"),
    ],
)
def test_a_downward_or_outside_reference_is_fine(package, source):
    assert violations(package, Path("x.py"), source) == []
