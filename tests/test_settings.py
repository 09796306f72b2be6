"""Every environment variable the product reads is a field of `Settings` and a row of the
README's Configuration table, and only etl/core/settings.py reads the environment.

The parsing limits (PARSE_*, `Limits` in etl/reading/safety.py) are read there for now and
documented under "Hardened parsing"; they are left out of these checks until they join
`Settings`.
"""

from __future__ import annotations

import re
from pathlib import Path

from etl.core.settings import Settings, load_settings, variables

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = (
    "app.py",
    "gunicorn.conf.py",
    "etl",
    "web",
    "reporting",
    "components",
    "pages",
    "devdata",
)
SETTINGS_MODULE = Path("etl/core/settings.py")
NOT_YET = (Path("etl/reading"),)  # PARSE_*: read by etl/reading/safety.py for now
TEST_ONLY = {"TEST_DATABASE_URL"}  # read by the tests, documented beside the product's

# a variable read by name: os.environ["X"], os.environ.get("X"), os.getenv("X"), env.get("X")…
READ = re.compile(
    r"""(?:\benviron|\bgetenv|\benv)\s*(?:\.\s*(?:get|pop|setdefault)\s*)?[\(\[]\s*"""
    r"""["']([A-Z][A-Z0-9_]*)["']"""
)
TOUCHES_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bos\.getenv\b|\bfrom os import\b.*environ")


def _product_files() -> list[Path]:
    files: list[Path] = []
    for entry in PRODUCT:
        path = ROOT / entry
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f.relative_to(ROOT) for f in files]


def _not_yet(path: Path) -> bool:
    return any(path.is_relative_to(p) for p in NOT_YET)


def _read_variables() -> dict[str, set[Path]]:
    """Each variable name the product reads → the files reading it."""
    found: dict[str, set[Path]] = {}
    for path in _product_files():
        for name in READ.findall((ROOT / path).read_text(encoding="utf-8")):
            if not (_not_yet(path) and name.startswith("PARSE_")):
                found.setdefault(name, set()).add(path)
    return found


def _documented() -> set[str]:
    """The variables named in the first column of the README's Configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def test_the_scan_finds_what_settings_reads():
    read = _read_variables()
    assert set(variables()) <= set(read), "load_settings reads every variable of Settings"
    assert read["DATABASE_URL"] == {SETTINGS_MODULE}


def test_every_variable_read_is_a_settings_field():
    unknown = {n: sorted(map(str, f)) for n, f in _read_variables().items() if n not in variables()}
    assert not unknown, f"read but not a field of Settings (etl/core/settings.py): {unknown}"


def test_every_variable_is_in_the_readme_configuration_table():
    documented = _documented()
    missing = sorted(set(variables()) - documented)
    assert not missing, f"add to README.md's Configuration table: {missing}"
    stale = sorted(documented - set(variables()) - TEST_ONLY)
    assert not stale, f"in README.md's Configuration table but read by nothing: {stale}"


def test_only_settings_reads_the_environment():
    readers = [
        str(path)
        for path in _product_files()
        if path != SETTINGS_MODULE
        and not _not_yet(path)
        and TOUCHES_ENVIRONMENT.search((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert not readers, f"read the environment through etl.core.settings.Settings: {readers}"


def test_every_field_names_its_variable_and_secrets_stay_out_of_reprs():
    env = {name: "1" for name in variables()}
    env |= {"DATA_DIR": "/tmp/d", "SECRET_KEY": "bi-mat", "ADMIN_PASSWORD": "mat-khau"}
    env["REDIS_URL"] = "redis://:mat-khau-redis@h/0"
    settings = load_settings(env)
    assert isinstance(settings, Settings)
    assert settings.secret_key == "bi-mat" and settings.session_cookie_secure is True
    assert (settings.web_workers, settings.threads_per_worker) == (1, 1)
    shown = repr(settings)
    assert "bi-mat" not in shown and "mat-khau" not in shown


def test_defaults():
    settings = load_settings({})
    assert settings.admin_user == "admin" and settings.admin_password is None
    assert settings.session_cookie_secure is None  # auto
    assert settings.redis_url is None and settings.browser_path is None
    assert (settings.web_workers, settings.threads_per_worker) == (2, 4)
    assert load_settings({"SESSION_COOKIE_SECURE": "no"}).session_cookie_secure is False
