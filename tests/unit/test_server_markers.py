"""Every test that starts a real server is marked so (tests/support/markers.py): a fixture that
starts one is in SERVER_FIXTURES, or its module carries the server's marker."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.markers import SERVER_FIXTURES, SERVER_MARKERS, STARTERS

TESTS = Path(__file__).resolve().parents[1]


def is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in ("pytest.fixture", "fixture")


def marks(decorators) -> set[str]:
    """The names of pytest.mark.NAME in decorators or a pytestmark value."""
    found = set()
    for node in decorators:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and ast.unparse(sub.value) == "pytest.mark":
                found.add(sub.attr)
    return found


def started(node: ast.AST) -> set[str]:
    """The markers of the servers that the body of this function or class starts."""
    body = node.body + getattr(node, "bases", [])
    names = set()
    for statement in body:
        for sub in ast.walk(statement):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                names.update(s for s in STARTERS if "." in s and s in sub.value)
    return {STARTERS[name] for name in names & STARTERS.keys()}


def unmarked_starters(path: Path, root: Path = TESTS) -> list[str]:
    """`path:name starts <server>` for each fixture, test or class that starts a server and
    that no marker (mapped fixture, module or function mark) accounts for."""
    source = path.read_text()
    if not any(starter in source for starter in STARTERS):
        return []
    tree = ast.parse(source)
    module_marks = marks(s.value for s in tree.body if isinstance(s, ast.Assign)
                         and any(ast.unparse(t) == "pytestmark" for t in s.targets))
    support = path.parent.name == "support"
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        fixture = any(is_fixture(d) for d in node.decorator_list)
        if support and not fixture:
            continue  # a helper (own_node, private_server): its callers are checked
        covered = module_marks | marks(node.decorator_list)
        if fixture:
            covered |= set(SERVER_FIXTURES.get(node.name, ()))
        for marker in sorted(started(node) - covered):
            problems.append(f"{path.relative_to(root)}:{node.name} starts {marker}")
    return problems


def test_every_server_a_test_starts_is_named_by_a_marker():
    problems = [p for path in sorted(TESTS.rglob("*.py")) for p in unmarked_starters(path)]
    assert problems == []


def test_the_check_sees_a_fixture_that_starts_a_server_unmarked(tmp_path):
    path = tmp_path / "support" / "fixtures_x.py"
    path.parent.mkdir()
    path.write_text("import pytest\n\n@pytest.fixture(scope='session')\n"
                    "def rabbit(tmp_path_factory):\n    yield RabbitNode(tmp_path_factory)\n")
    assert unmarked_starters(path, tmp_path) == ["support/fixtures_x.py:rabbit starts broker"]


def test_every_server_marker_is_registered():
    pyproject = (TESTS.parent / "pyproject.toml").read_text()
    for marker in SERVER_MARKERS:
        assert f'"{marker}: ' in pyproject
