"""The data walks one way (STYLE.md): entities imports no app above it and not the project
package; the demo loader lives in core and names no app."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABOVE_ENTITIES = {"indicators", "oversight", "compacts", "reports", "resultsframework"}


def imported_packages(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", sorted((ROOT / "entities").rglob("*.py")), ids=str)
def test_entities_imports_nothing_above_it(path):
    assert not set(imported_packages(path)) & ABOVE_ENTITIES


def test_core_imports_no_app():
    for path in (ROOT / "core").rglob("*.py"):
        assert not set(imported_packages(path)) & (ABOVE_ENTITIES | {"entities", "audit"}), path


def test_demo_loaders_are_discovered_in_declared_order():
    from core.management.commands.load_demo import demo_modules, demo_order

    modules = demo_modules()
    assert {"entities", "indicators", "oversight"} <= set(modules)
    order = demo_order(modules)
    for label, module in modules.items():
        for before in getattr(module, "DEMO_AFTER", ()):
            assert order.index(before) < order.index(label)
    assert order[0] == "entities"


def test_demo_order_refuses_a_cycle_and_an_unknown_dependency():
    from types import SimpleNamespace

    from django.core.management.base import CommandError

    from core.management.commands.load_demo import demo_order

    def demo(*after):
        return SimpleNamespace(load=lambda: None, DEMO_AFTER=after)

    with pytest.raises(CommandError, match="cycle"):
        demo_order({"entities": demo("indicators"), "indicators": demo("entities")})
    with pytest.raises(CommandError, match="no demo"):
        demo_order({"entities": demo("nowhere")})


def test_settings_define_each_name_once():
    for name in ("settings.py", "settings_test.py"):
        tree = ast.parse((ROOT / "resultsframework" / name).read_text())
        names = [
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
        assert len(names) == len(set(names)), name
