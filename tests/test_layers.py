"""The layer contracts (pyproject.toml, run by `make lint` as `lint-imports`) hold for the
product, and they do fail on an upward import or a cycle: each is tried on a copy of the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("etl", "web", "reporting", "components", "pages", "devdata")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter chưa cài (make install-dev)"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(path: Path, line: str) -> None:
    text = path.read_text()
    head, sep, rest = text.partition("from __future__ import annotations\n")
    path.write_text(f"{head}{sep}{line}\n{rest}" if sep else f"{line}\n{text}")


def test_the_product_keeps_every_contract():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the ground floor reaching up into the web layer
        ("etl/core/values.py", "import web.policy  # noqa", "The house"),
        # etl knowing Dash
        ("etl/measures/metrics.py", "import dash  # noqa", "etl knows nothing"),
        # storage reaching up into the measures
        ("etl/storage/db.py", "import etl.measures.metrics  # noqa", "etl: the command line"),
        # the shipped product importing a test-data generator
        ("reporting/figures.py", "import devdata.world  # noqa", "Test-data generators"),
        # a cycle between two siblings of one package
        ("etl/reading/limits.py", "import etl.reading.text  # noqa", "No import cycles"),
    ],
)
def test_a_contract_fails_on_a_wrong_import(tmp_path: Path, module: str, line: str, broken: str):
    root = copy_of_the_code(tmp_path)
    if module == "etl/reading/limits.py":  # and text imports limits: a loop
        add_import(root / "etl/reading/text.py", "import etl.reading.limits  # noqa")
    add_import(root / module, line)
    done = lint_imports(root)
    assert done.returncode != 0
    assert f"{broken}" in done.stdout.split("Broken contracts")[-1], done.stdout[-3000:]
