"""Rules for the test suite itself, checked on its source with ``ast``: no test module imports another
test module (shared helpers live in modules that are not collected: tests/factories.py, tests/llm_fakes.py,
the ``seed.py`` and ``helpers.py`` modules, a package's conftest), so running or moving one test module never
drags another one's tests, fixtures or side effects along."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def is_test_module(dotted: str) -> bool:
    return dotted.split(".")[-1].startswith("test_")


def imported_test_modules(path: Path) -> list[str]:
    """The test modules ``path`` imports (``import tests.x.test_y``, ``from tests.x.test_y import z``,
    ``from tests.x import test_y``), lazy imports inside functions included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("tests.") and is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "tests":
            if is_test_module(node.module):
                found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if is_test_module(a.name)]
    return found


def test_the_check_sees_each_form_of_import(tmp_path):
    source = tmp_path / "test_sample.py"
    source.write_text(
        "import tests.browser.test_a\n"
        "from tests.routes.test_b import helper\n"
        "from tests.synthesis import test_c\n"
        "from tests.factories import make_engagement\n"
        "def f():\n    from tests.test_d import x\n",
        encoding="utf-8",
    )
    assert sorted(imported_test_modules(source)) == [
        "tests.browser.test_a",
        "tests.routes.test_b",
        "tests.synthesis.test_c",
        "tests.test_d",
    ]


def test_no_test_module_imports_another_test_module():
    offenders = {
        str(path.relative_to(TESTS)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := imported_test_modules(path))
    }
    assert offenders == {}, f"move what these import into a helper module (tests/factories.py): {offenders}"


def test_modules_holding_a_long_test_are_handed_out_first(request):
    """The run's own collection (tests/conftest.py ``LongFirst``): each module's tests are together, and
    every module holding a long test (``LONG`` markers) comes before every other; scripts/test.sh keeps that
    order for the workers (pytest-xdist would otherwise sort modules by their number of tests)."""
    from tests.conftest import LONG

    items = request.session.items
    modules = [item.nodeid.split("::")[0] for item in items]
    runs = list(dict.fromkeys(modules))
    assert len(runs) == sum(1 for i, m in enumerate(modules) if i == 0 or modules[i - 1] != m), "a module is split"
    long = {m for m, item in zip(modules, items, strict=True) if any(map(item.get_closest_marker, LONG))}
    flags = [m in long for m in runs]
    assert flags == sorted(flags, reverse=True), [m for m in runs if m in long]
    assert "--no-loadscope-reorder" in (TESTS.parent / "scripts" / "test.sh").read_text(encoding="utf-8")


def test_a_worker_of_a_parallel_run_encodes_on_one_thread():
    """Under pytest-xdist (scripts/test.sh: two workers on two cores) torch takes one thread per worker
    (tests/conftest.py sets it before torch loads, whatever the shell says: the workers share the cores
    whatever their number); in one process the libraries keep their default."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("a run in one process: the libraries keep their default")
    import torch

    assert torch.get_num_threads() == 1
