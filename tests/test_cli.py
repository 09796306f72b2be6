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


PERIOD_2024 = [
    "--name",
    "6 tháng đầu năm 2024",
    "--as-of",
    "2024-06-30",
    "--deadline",
    "2024-07-15",
]


@pytest.fixture
def env(new_env):
    """A new DATA_DIR whose database is migrated, with the period of 30/06/2024 open."""
    assert main(["migrate"]) == 0
    assert main(["period", "add", *PERIOD_2024]) == 0
    return new_env


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


def test_ingest_reports_each_file_and_exits_2_when_any_is_refused(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    bad = _write(env / "loi.xlsx", workbook_bytes(form01([[1, "Sở Y tế", 50, 50, -1, 49]])))
    plan = _write(env / "kh.xlsx", city_targets())
    assert main(["ingest", "--approve", good, bad, plan]) == 2
    out = capsys.readouterr().out
    assert "tot.xlsx: ĐÃ NHẬN" in out
    assert "đã duyệt, kỳ «6 tháng đầu năm 2024»" in out
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
    assert "chờ duyệt, kỳ «6 tháng đầu năm 2024»" in capsys.readouterr().out  # no --approve


def test_default_cut_off_is_the_latest_return(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    main(["ingest", "--approve", good])
    capsys.readouterr()
    main(["summary", "--json"])
    assert json.loads(capsys.readouterr().out)["as_of"] == "2024-06-30"


def test_unknown_scope_exits_2(env, capsys):
    assert main(["summary", "--json", "--scope", "Sở Không Có"]) == 2


def test_unknown_former_province_exits_2_saying_so(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    main(["ingest", "--approve", good])
    capsys.readouterr()
    assert main(["summary", "--json", "--province", "Tỉnh Hậu Giang (cũ)"]) == 2
    assert "Không có tỉnh, thành phố (cũ) «Tỉnh Hậu Giang (cũ)»" in capsys.readouterr().err


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


def test_period_commands(env, capsys):
    assert main(["period", "add", "--name", "Năm 2023", "--as-of", "2023-12-31",
                 "--deadline", "2024-01-15"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["period", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["Năm 2023", "6 tháng đầu năm 2024"]
    assert lines[0].endswith("Đang mở") and "tính đến 31/12/2023" in lines[0]
    first = lines[0].split("\t")[0]
    assert main(["period", "close", first]) == 0
    assert "Đã đóng" in capsys.readouterr().out
    assert main(["period", "close", first]) == 2  # already closed: said, not a traceback
    assert "đã đóng" in capsys.readouterr().err
    assert main(["period", "open", first]) == 0
    assert "Đang mở" in capsys.readouterr().out
    # refused: a duplicate cut-off, before 2015, a deadline before the cut-off, not a date
    for args in (
        PERIOD_2024,
        ["--name", "Cũ", "--as-of", "2010-12-31", "--deadline", "2011-01-15"],
        ["--name", "Sai", "--as-of", "2025-06-30", "--deadline", "2025-06-01"],
        ["--name", "Sai", "--as-of", "30/06/2025", "--deadline", "2025-07-15"],
        ["--name", "Thiếu"],
    ):
        assert main(["period", "add", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.strip() and "Traceback" not in err
    assert main(["period", "close", "999"]) == 2
    assert "Không có kỳ báo cáo số 999" in capsys.readouterr().err
    from etl.core.settings import load_settings
    from etl.storage import accounts

    engine = __import__("etl.service", fromlist=["open_engine"]).open_engine()
    actions = [e["action"] for e in accounts.read_audit(engine)]
    engine.dispose()
    assert {"period.add", "period.close", "period.open"} <= set(actions)
    assert load_settings().as_of_grace_days == 15


def test_review_commands(env, capsys):
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    later = _write(env / "sau.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 30]])))
    assert main(["ingest", good, later]) == 0
    capsys.readouterr()
    assert main(["review", "list", "--status", "cho_duyet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first, second = (line.split("\t") for line in reversed(lines))
    assert first[1:] == ["tot.xlsx", "Sở Nội vụ", "6 tháng đầu năm 2024", "Chờ duyệt"]
    assert main(["review", "approve", first[0]]) == 0
    assert main(["review", "approve", first[0]]) == 2  # approved already
    assert "không chờ duyệt" in capsys.readouterr().err
    assert main(["review", "return", second[0]]) == 2  # a comment is needed
    assert "cần có ý kiến" in capsys.readouterr().err
    assert main(["review", "return", second[0], "--comment", "Sai số năm 2024"]) == 0
    assert main(["review", "approve", "999"]) == 2
    assert "Không có báo cáo số 999" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["review", "list"]) == 0
    statuses = [line.split("\t")[-1] for line in capsys.readouterr().out.splitlines()]
    assert statuses == ["Trả lại", "Đã duyệt"]
    assert main(["review", "list", "--status", "cho_duyet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["review", "show", second[0]]) == 0
    shown = capsys.readouterr().out
    assert "sau.xlsx" in shown and "6 tháng đầu năm 2024" in shown
    assert "Chờ duyệt  (cli)" in shown and "Trả lại  (cli) — «Sai số năm 2024»" in shown
    assert main(["summary", "--json", "--as-of", "2024-06-30"]) == 0
    from etl import service
    from etl.storage import accounts

    engine = service.open_engine()
    actions = [e["action"] for e in accounts.read_audit(engine)]
    engine.dispose()
    assert actions.count("review.approve") == 1 and actions.count("review.return") == 1


def test_review_command_before_any_period_is_closed(env, capsys):
    """A return in a closed period can no longer be approved or returned."""
    good = _write(env / "tot.xlsx", workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    assert main(["ingest", good]) == 0
    assert main(["period", "close", "1"]) == 0
    capsys.readouterr()
    assert main(["review", "approve", "1"]) == 2
    assert "đã đóng" in capsys.readouterr().err
    assert (
        main(
            [
                "ingest",
                _write(env / "moi.xlsx", workbook_bytes(form01([[1, "Sở Y tế", 9, 9, 9, 9]]))),
            ]
        )
        == 2
    )
    assert "period-closed" in capsys.readouterr().out


def test_user_email_and_reviewer(env, capsys):
    assert main(["user", "add", "duyet", "--role", "reviewer", "--password", "mat-khau-dai-1",
                 "--email", "duyet@snv.gov.vn"]) == 0  # fmt: skip
    assert main(["user", "email", "duyet", "--email", "khong-hop-le"]) == 2
    assert "không hợp lệ" in capsys.readouterr().err
    assert main(["user", "email", "duyet", "--email", "can.bo@snv.gov.vn"]) == 0
    from etl import service
    from etl.storage import accounts

    engine = service.open_engine()
    account = accounts.get_account(engine, username="duyet")
    engine.dispose()
    assert account.email == "can.bo@snv.gov.vn" and account.role == "reviewer"
    assert account.may("review") and account.may("read") and not account.may("upload")
    assert not account.may("admin")


@pytest.mark.parametrize(
    "args",
    [
        ["review", "show", "99999999999999999999"],
        ["review", "approve", "abc"],
        ["review", "return", "-1", "--comment", "x"],
        ["review", "list", "--period", "10000000000000000000000"],
        ["period", "close", "2147483648"],
    ],
)
def test_ids_the_database_cannot_hold_are_usage_errors(env, capsys, args):
    """A number no stored row can have is refused by the argument parser (exit 2, a
    Vietnamese message), never handed to the database driver."""
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "không phải số hiệu hợp lệ" in capsys.readouterr().err
