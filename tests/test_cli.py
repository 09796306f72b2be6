"""`python -m etl`: exit codes, the problem lines, the JSON, the templates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from etl.cli import main
from etl.core.forms import FORMS
from tests.builders import city_targets, form01, workbook_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def new_env(tmp_path, monkeypatch):
    """A new, empty DATA_DIR (no database yet)."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def env(new_env):
    """A new DATA_DIR whose database is migrated."""
    assert main(["migrate"]) == 0
    return new_env


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


def test_ingest_reports_each_file_and_exits_2_when_any_is_refused(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    bad = _write(env / "loi.xlsx", workbook_bytes(form01([[1, "Sở Y tế", 50, 50, -1, 49]])))
    plan = _write(env / "kh.xlsx", city_targets())
    assert main(["ingest", good, bad, plan]) == 2
    out = capsys.readouterr().out
    assert "tot.xlsx: ĐÃ NHẬN" in out
    assert "loi.xlsx: BỊ TỪ CHỐI" in out
    assert "Biểu 01!E11 negative-count" in out
    assert "kh.xlsx: ĐÃ NHẬN" in out  # the others are still stored
    assert main(["summary", "--json", "--as-of", "2024-06-30"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cong_chuc"]["baseline"] == 40
    assert summary["cong_chuc"]["reduced"] == 2
    assert summary["cong_chuc"]["pct_of_target"] == pytest.approx(100.0)


def test_ingest_exit_0_when_all_accepted(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    assert main(["ingest", good]) == 0


def test_default_cut_off_is_the_latest_return(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    main(["ingest", good])
    capsys.readouterr()
    main(["summary", "--json"])
    assert json.loads(capsys.readouterr().out)["as_of"] == "2024-06-30"


def test_unknown_scope_exits_2(env, capsys):
    assert main(["summary", "--json", "--scope", "Sở Không Có"]) == 2


@pytest.mark.parametrize("code", ["00", "01", "02", "03"])
def test_template_has_labels_dropdowns_and_instructions(env, code):
    out = env / f"bieu_{code}.xlsx"
    assert main(["template", code, "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    form = FORMS[code]
    ws = wb[form.sheet_name]
    texts = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    for column in form.columns:
        assert column.label in texts
    assert any(s.startswith("Hướng dẫn") for s in wb.sheetnames)
    if any(c.kind == "enum" for c in form.columns):
        assert any(dv.type == "list" for dv in ws.data_validations.dataValidation)


@pytest.mark.slow
def test_module_entry_point(env):
    done = subprocess.run(
        [sys.executable, "-m", "etl", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and "ingest" in done.stdout


@pytest.mark.parametrize(
    "command", [["summary", "--json"], ["user", "list"], ["ingest", "tot.xlsx"]]
)
def test_a_database_without_the_schema_is_named_not_a_traceback(new_env, capsys, command):
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "chưa có lược đồ mới nhất" in err and "make migrate" in err
    assert main(["migrate"]) == 0
    assert main(["summary", "--json"]) == 0


def test_demo_migrates_a_new_database_itself(new_env, capsys):
    assert main(["demo", "--if-empty"]) == 0
    assert "ĐÃ NHẬN" in capsys.readouterr().out
    assert main(["demo", "--if-empty"]) == 0
    assert "không nạp lại" in capsys.readouterr().out


def test_user_commands(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    main(["ingest", good])
    assert main(["user", "add", "lanhdao", "--role", "viewer", "--password", "mat-khau-dai-1"]) == 0
    assert main(["user", "add", "donvi", "--role", "uploader", "--unit", "Sở Nội vụ"]) == 0
    out = capsys.readouterr().out
    assert "Mật khẩu (chỉ hiện một lần):" in out  # generated, shown once
    assert main(["user", "add", "donvi2", "--role", "uploader", "--unit", "Sở Không Có"]) == 2
    assert main(["user", "role", "lanhdao", "--role", "admin"]) == 0
    assert main(["user", "disable", "donvi"]) == 0
    assert main(["user", "token", "lanhdao", "--label", "he-thong"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("tgbc_")
    main(["user", "list"])
    listing = capsys.readouterr().out
    assert "lanhdao\tadmin" in listing and "donvi\tuploader [đã khóa]\tSở Nội vụ" in listing
    assert main(["user", "add", "ngan", "--password", "ngan"]) == 2  # too short
