"""Every environment variable the product reads is a field of `Settings` and a row of the
README's Configuration table, and only etl/core/settings.py reads the environment, the
parsing limits (PARSE_*, handed to the reader as `etl.reading.limits.Limits`) included.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.core.settings import Settings, load_settings, variables
from etl.reading.limits import Limits

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
# hands the whole environment on to its fork servers (adding a few variables), reads none
PASSES_ON = {Path("etl/reading/sandbox.py")}
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


def _read_variables() -> dict[str, set[Path]]:
    """Each variable name the product reads → the files reading it."""
    found: dict[str, set[Path]] = {}
    for path in _product_files():
        for name in READ.findall((ROOT / path).read_text(encoding="utf-8")):
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
    assert read["DATABASE_URL"] == read["PARSE_MAX_ROWS"] == {SETTINGS_MODULE}


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
        and path not in PASSES_ON
        and TOUCHES_ENVIRONMENT.search((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert not readers, f"read the environment through etl.core.settings.Settings: {readers}"


def test_every_field_names_its_variable_and_secrets_stay_out_of_reprs():
    env = {name: "1" for name in variables()}
    env |= {"DATA_DIR": "/tmp/d", "SECRET_KEY": "bi-mat", "ADMIN_PASSWORD": "mat-khau"}
    env["REDIS_URL"] = "redis://:mat-khau-redis@h/0"
    env["MERGER_BASELINE_RULE"] = "theo_don_vi_tiep_nhan"  # one of its values, not a number
    settings = load_settings(env)
    assert isinstance(settings, Settings)
    assert settings.secret_key == "bi-mat" and settings.session_cookie_secure is True
    assert (settings.web_workers, settings.threads_per_worker) == (1, 1)
    shown = repr(settings)
    assert "bi-mat" not in shown and "mat-khau" not in shown


def test_merger_baseline_rule_is_one_of_its_values():
    assert load_settings({}).merger_baseline_rule == "tong_truoc_sap_nhap"
    assert load_settings({}).province == ""
    with pytest.raises(ValueError, match="MERGER_BASELINE_RULE"):
        load_settings({"MERGER_BASELINE_RULE": "trung_binh"})


def test_defaults():
    settings = load_settings({})
    assert settings.admin_user == "admin" and settings.admin_password is None
    assert settings.session_cookie_secure is None  # auto
    assert settings.redis_url is None and settings.browser_path is None
    assert (settings.web_workers, settings.threads_per_worker) == (2, 4)
    assert load_settings({"SESSION_COOKIE_SECURE": "no"}).session_cookie_secure is False
    # the report's letterhead fits the sample city; a blank name keeps the default, a blank
    # signer's authority (the head signs) or recipients list is kept blank
    assert (settings.report_authority, settings.report_issuer) == (
        "UBND THÀNH PHỐ CẦN THƠ",
        "SỞ NỘI VỤ",
    )
    assert (settings.report_place, settings.report_issuer_code) == ("Cần Thơ", "SNV")
    assert settings.report_signer_authority == "KT. GIÁM ĐỐC"
    blank = load_settings(
        {"REPORT_ISSUER": " ", "REPORT_SIGNER_AUTHORITY": " ", "REPORT_RECIPIENTS": ""}
    )
    assert blank.report_issuer == "SỞ NỘI VỤ"
    assert blank.report_signer_authority == blank.report_recipients == ""


def test_parse_limits():
    """The PARSE_* variables, in their units, become the reader's `Limits` (in bytes)."""
    settings = load_settings(
        {"PARSE_TIMEOUT_S": "2.5", "PARSE_MEMORY_MB": "512", "PARSE_MAX_ROWS": "10"}
    )
    limits = Limits.from_settings(settings)
    assert (limits.parse_timeout_s, limits.parse_memory_bytes, limits.max_rows) == (
        2.5,
        512 * 1024 * 1024,
        10,
    )
    small = Limits.from_settings(
        load_settings({"PARSE_MAX_FILE_MB": "0.001", "PARSE_MAX_CELLS": "1e13"})
    )
    assert (small.max_file_bytes, small.max_cells) == (1048, 10**13)
    assert Limits.from_settings(load_settings({})) == Limits()
    assert Limits.from_settings(load_settings({"PARSE_WORKERS": " "})) == Limits()
    with pytest.raises(ValueError, match="PARSE_MAX_ROWS"):
        load_settings({"PARSE_MAX_ROWS": "many"})
    for bad in ("0", "-1", "inf", "nan"):
        with pytest.raises(ValueError, match="positive"):
            load_settings({"PARSE_TIMEOUT_S": bad})
