"""The shape of the code: tests mirror modules, files stay readable, and every function fits on a screen.

The import contract itself (stages import downwards, no cycles) is ``lint-imports``' job, run by .ci/run
from pyproject.toml; these are the rules of the "How we write code" section that a tool does not check.
"""

import ast
from pathlib import Path

import pytest
from helpers import ROOT

PACKAGE = ROOT / "textclf"
MODULES = sorted(path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")
MODULE_LINES, FUNCTION_LINES = 300, 40


def mirror_of(module: Path) -> Path:
    """``textclf/<stage>/<module>.py`` → ``tests/<stage>/test_<module>.py``; top-level modules → ``tests/``."""
    relative = module.relative_to(PACKAGE)
    name = "test_main.py" if relative.name == "__main__.py" else f"test_{relative.name}"
    return ROOT / "tests" / relative.parent / name


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_module_has_its_own_test_file(module):
    assert mirror_of(module).is_file(), f"{module.relative_to(ROOT)} has no {mirror_of(module).relative_to(ROOT)}"


def test_every_test_file_tests_a_module():
    """A test file named after a module that moved or went away would test nothing of its own name."""
    expected = {mirror_of(module) for module in MODULES}
    shared = {"test_layout.py", "test_fuzz.py", "test_benchmarks.py", "test_docs.py"}
    strays = [path.relative_to(ROOT) for path in (ROOT / "tests").rglob("test_*.py")
              if path not in expected and path.name not in shared and "fixtures" not in path.parts]
    assert not strays, f"test files that mirror no module: {strays}"


def test_modules_stay_under_300_lines_and_functions_under_40():
    too_long = []
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        if text.count("\n") > MODULE_LINES:
            too_long.append(f"{module.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    too_long.append(f"{module.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert not too_long, too_long
