"""Imports run one way, down the layers of pyproject.toml's `[tool.importlinter]` contract;
hand-built SQL stays in maild/store/: no other module calls `fixed_sql` or holds SQL that names a
table; test modules share helpers through tests/conftest.py and tests/helpers.py, never by
importing one another.

Scans of the syntax tree (string constants, f-string parts, names and attributes; imports):
comments do not count, SQL split over adjacent literals does, and prose fails the statement shapes
looked for.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ROOT
from maild.store.models import BaseModel

PACKAGE = ROOT / "maild"
STORE = PACKAGE / "store"
TESTS = ROOT / "tests"


def _table_names() -> list[str]:
    models: list[type[BaseModel]] = []
    pending = [BaseModel]
    while pending:
        model = pending.pop()
        models.append(model)
        pending.extend(model.__subclasses__())
    return sorted({model._meta.table_name for model in models if model is not BaseModel})


def _sql_pattern(tables: list[str]) -> re.Pattern[str]:
    table = r'["`]?(?:' + "|".join(map(re.escape, tables)) + r')\b'
    return re.compile(
        rf"\b(?:insert\s+into|delete\s+from|select\b[\s\S]*?\bfrom)\s+{table}"
        rf"|\bupdate\s+{table}[\"`]?\s+set\b", re.IGNORECASE)


SQL = _sql_pattern(_table_names())
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the `maild` found first from `cwd`, with the pyproject.toml there."""
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: pip install -e '.[test]'"
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_imports_run_down_the_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_of_the_package_has_a_layer() -> None:
    """A module the contract does not name would escape it: each one directly under maild/ is
    named."""
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in contract["contracts"] if c["type"] == "layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {f"maild.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {f"maild.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert sorted(modules - named) == []


def test_the_contract_breaks_on_an_import_back_up(tmp_path: Path) -> None:
    """A TYPE_CHECKING import from the runtime up into the pipeline, in a copy of the package."""
    shutil.copytree(PACKAGE, tmp_path / "maild", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    seeded = tmp_path / "maild" / "runtime" / "directory.py"
    seeded.write_text(seeded.read_text(encoding="utf-8") + "\nfrom typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from maild.pipeline.context import MailContext\n",
                      encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "maild.runtime.directory -> maild.pipeline.context" in result.stdout, result.stdout


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants, including the literal parts of f-strings."""
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _names(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.alias):
            found.append((node.lineno, node.asname or node.name.rsplit(".", 1)[-1]))
    return found


def violations(source: str, where: str) -> list[str]:
    """Each use of `fixed_sql` and each string holding SQL that names a table, as `where:line`."""
    tree = ast.parse(source)
    found = [f"{where}:{line}: uses fixed_sql"
             for line, name in _names(tree) if name == "fixed_sql"]
    found += [f"{where}:{node.lineno}: SQL naming a table: {node.value[:60]!r}"
              for node in _strings(tree) if SQL.search(node.value)]
    return found


def test_the_scan_finds_a_seeded_call_and_sql_strings_and_passes_prose() -> None:
    seeded = '''
"""Update the ticket when a participant writes; select who may join from the ticket's list."""
from maild.store.models import fixed_sql

def forget(address):
    # DELETE FROM bouncedaddress: a comment is not code
    fixed_sql("DELETE FROM bouncedaddress WHERE email = ?", (address,))

QUERY = ("UPDATE ticket "
         "SET updated_at = ? WHERE number = ?")
LISTED = f"SELECT COUNT(*) FROM outbox WHERE purpose IN ({1})"
'''
    found = violations(seeded, "seeded.py")
    lines = sorted(int(entry.split(":")[1]) for entry in found)
    assert lines == [3, 7, 7, 9, 11], found


def test_no_module_outside_the_store_calls_fixed_sql_or_names_a_table_in_sql() -> None:
    sources = [path for path in sorted(PACKAGE.rglob("*.py")) if STORE not in path.parents]
    assert len(sources) > 20, f"the scan found too few modules under {PACKAGE}"
    found = [entry for path in sources
             for entry in violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == [], "move these into a named function in maild/store/:\n" + "\n".join(found)


def _is_test_module(name: str) -> bool:
    return name.split(".")[0].startswith("test_")


def imports_of_test_modules(source: str, where: str) -> list[str]:
    """Each import of a test module (`test_*`), at any depth of the file, as `where:line`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{where}:{node.lineno}: imports {name}"
                  for name in names if _is_test_module(name)]
    return found


def test_the_import_scan_finds_seeded_test_module_imports_and_passes_helpers() -> None:
    seeded = '''
from conftest import write_config
import test_service
from helpers import send, wait_until

def later():
    from test_conversation import build
    import mails, test_imap as imap
from maild.store import test_data
'''
    found = imports_of_test_modules(seeded, "seeded.py")
    assert [int(entry.split(":")[1]) for entry in found] == [3, 7, 8], found


def test_no_test_module_imports_another() -> None:
    sources = sorted(TESTS.rglob("*.py"))
    assert len([p for p in sources if p.name.startswith("test_")]) > 20, \
        f"the scan found too few test modules under {TESTS}"
    found = [entry for path in sources
             for entry in imports_of_test_modules(path.read_text(encoding="utf-8"),
                                              str(path.relative_to(ROOT)))]
    assert found == [], ("move what is shared into tests/helpers.py (plain functions) or "
                         "tests/conftest.py (fixtures):\n" + "\n".join(found))
