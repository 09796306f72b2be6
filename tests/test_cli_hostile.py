"""Every subcommand of `python -m etl` given hostile arguments (issue 12, item 4, the CLI):
a missing file, a directory, an unreadable or non-Excel file, a huge id, dates that are not
dates, a database address that is not one, unknown choices and options. Each answers a
Vietnamese message and exit 2, never a traceback, and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from etl import cli
from etl.cli import main
from tests.builders import b01
from tests.conftest import table_counts

ROOT = Path(__file__).resolve().parent.parent
PERIOD = ["--name", "Kỳ 2024", "--as-of", "2024-06-30", "--deadline", "2024-07-15"]


def is_vietnamese(text: str) -> bool:
    return any(ch in "đĐ" or unicodedata.normalize("NFD", ch) != ch for ch in text)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATA_DIR with a migrated database, its 2024 period, an account and hostile paths: a
    directory, a text file named .xlsx, a file (to put a path under). Made once: each test
    checks that it changed nothing."""
    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATA_DIR", str(root / "data"))
        mp.delenv("DATABASE_URL", raising=False)
        assert main(["migrate"]) == 0
        assert main(["period", "add", *PERIOD]) == 0
        assert main(["user", "add", "lanhdao", "--password", "mat-khau-dai-du-roi"]) == 0
    (root / "thu_muc").mkdir()
    (root / "van_ban.xlsx").write_text("không phải bảng tính", encoding="utf-8")
    (root / "tep").write_bytes(b"x")
    return root


@pytest.fixture
def env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`data_dir` as the environment's DATA_DIR and the working directory."""
    monkeypatch.setenv("DATA_DIR", str(data_dir / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(data_dir)
    return data_dir


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`main(argv)` as the process would end: its exit code (argparse's SystemExit too) and
    everything it printed."""
    try:
        code = main(argv)
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out + captured.err


HUGE = "9" * 30
UNDER_A_FILE = "tep/ra.xlsx"  # a path through a file: NotADirectoryError
HOSTILE = {
    # ingest
    "ingest-missing": (["ingest", "khong_co.xlsx"], "Không tìm thấy tệp"),
    "ingest-directory": (["ingest", "thu_muc"], "là một thư mục"),
    "ingest-under-a-file": (["ingest", UNDER_A_FILE], "không phải thư mục"),
    "ingest-device": (["ingest", os.devnull], "không phải tệp thông thường"),
    "ingest-not-excel": (["ingest", "van_ban.xlsx"], "BỊ TỪ CHỐI"),
    "ingest-nothing": (["ingest"], "thiếu tham số bắt buộc"),
    "ingest-nul": (["ingest", "bao\x00cao.xlsx"], "không phải đường dẫn tệp"),
    "ingest-empty-name": (["ingest", ""], "không phải đường dẫn tệp"),
    "ingest-rtl-name": (["ingest", "bao\u202ecao.xlsx"], "«bao⟨U+202E⟩cao.xlsx»"),
    "ingest-bad-db": (["ingest", "van_ban.xlsx", "--db", "khong-phai-dia-chi"], "không hợp lệ"),
    # summary
    "summary-not-a-date": (["summary", "--as-of", "30/06/2024"], "không phải ngày"),
    "summary-no-such-day": (["summary", "--as-of", "2024-02-30"], "không phải ngày"),
    "summary-huge-year": (["summary", "--as-of", HUGE], "không phải ngày"),
    "summary-empty-date": (["summary", "--as-of", ""], "không phải ngày"),
    "summary-before-data": (["summary", "--as-of", "2010-01-01"], "trước 01/01/2015"),
    "summary-no-scope": (["summary", "--scope", "Không có đơn vị này"], "Không có phạm vi"),
    "summary-nul-scope": (["summary", "--scope", "\x01\u202e"], "Không có phạm vi"),
    "summary-bad-db": (["summary", "--db", "khong-phai-dia-chi"], "không hợp lệ"),
    "summary-no-server": (
        ["summary", "--db", "postgresql://nobody@127.0.0.1:1/khong_co"],
        "Không dùng được cơ sở dữ liệu",
    ),
    "summary-unknown-option": (["summary", "--bogus"], "tham số không nhận ra"),
    # template, sample, export
    "template-no-form": (["template", "07"], "không phải lựa chọn hợp lệ"),
    "template-out-directory": (["template", "01", "--out", "thu_muc"], "đây là một thư mục"),
    "template-out-under-a-file": (["template", "01", "--out", UNDER_A_FILE], "không phải"),
    "template-out-nul": (["template", "01", "--out", "a\x00.xlsx"], "không phải đường dẫn"),
    "sample-out-a-file": (["sample", "--out", "tep"], "Không đọc/ghi được"),
    "export-bad-format": (["export", "report", "--format", "xlsx", "--out", "x"], "chỉ xuất"),
    "export-bad-date": (["export", "data", "--as-of", "hôm qua", "--out", "x"], "không phải"),
    "export-no-scope": (
        ["export", "data", "--scope", "Không có", "--out", "x"],
        "Không có phạm vi",
    ),
    "export-out-directory": (["export", "data", "--out", "thu_muc"], "đây là một thư mục"),
    "export-no-out": (["export", "data"], "thiếu tham số bắt buộc"),
    "export-no-programme": (
        ["export", "report", "--programme", "2099 - 2104", "--out", "x"],
        "Không có giai đoạn",
    ),
    # user
    "user-no-name": (["user", "add"], "Cần tên đăng nhập"),
    "user-short-password": (["user", "add", "canbo", "--password", "x"], "ít nhất"),
    "user-control-name": (["user", "add", "a\x01b", "--password", "mat-khau-dai-du"], "ký tự"),
    "user-long-name": (["user", "add", "a" * 300, "--password", "mat-khau-dai-du"], "dài quá"),
    "user-unknown-unit": (
        ["user", "add", "donvi", "--role", "uploader", "--unit", "Không có"],
        "Đơn vị",
    ),
    "user-bad-role": (["user", "role", "lanhdao", "--role", "vua"], "không phải lựa chọn"),
    "user-password-no-tty": (["user", "password", "lanhdao"], "Cần --password"),
    "user-no-such-user": (["user", "token", "khong_co"], "Không có tài khoản"),
    "user-bad-email": (["user", "email", "lanhdao", "--email", "a\x00@b.vn"], "Địa chỉ thư"),
    "user-bad-action": (["user", "xoa", "lanhdao"], "không phải lựa chọn"),
    # period
    "period-bad-date": (
        ["period", "add", "--name", "K", "--as-of", "x", "--deadline", "y"],
        "ngày",
    ),
    "period-too-early": (
        ["period", "add", "--name", "K", "--as-of", "2010-01-01", "--deadline", "2010-02-01"],
        "trước 01/01/2015",
    ),
    "period-missing": (["period", "add"], "Thiếu"),
    "period-huge-id": (["period", "close", HUGE], "không phải số hiệu hợp lệ"),
    "period-negative-id": (["period", "open", "-1"], "không phải số hiệu hợp lệ"),
    "period-no-such": (["period", "close", "999"], "Không có kỳ báo cáo"),
    "period-no-id": (["period", "close"], "Cần số hiệu"),
    # review
    "review-huge-id": (["review", "approve", HUGE], "không phải số hiệu hợp lệ"),
    "review-no-such": (["review", "show", "999"], "Không có báo cáo"),
    "review-no-comment": (["review", "return", "1"], "cần có ý kiến"),
    "review-bad-period": (["review", "list", "--period", "abc"], "không phải số hiệu hợp lệ"),
    "review-bad-status": (["review", "list", "--status", "xong"], "không phải lựa chọn"),
    # demo, migrate, the command itself
    "demo-bad-db": (["demo", "--db", "khong-phai-dia-chi"], "không hợp lệ"),
    "migrate-bad-db": (["migrate", "--db", "khong-phai-dia-chi"], "không hợp lệ"),
    "no-command": ([], "thiếu tham số bắt buộc"),
    "unknown-command": (["xoa-het"], "không phải lựa chọn hợp lệ"),
}


@pytest.mark.parametrize(("argv", "says"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_arguments_get_a_vietnamese_message_and_exit_2(env, capsys, argv, says):
    from etl import service

    engine = service.open_engine()
    before = table_counts(engine)
    code, printed = run(argv, capsys)
    assert code == 2, printed
    assert "Traceback" not in printed
    assert says in printed, printed
    assert is_vietnamese(printed), printed
    assert table_counts(engine) == before
    engine.dispose()


def test_an_unreadable_file_is_refused_before_anything_is_ingested(env, capsys, monkeypatch):
    """No permission to read (the tests may run as root, who reads everything: the check is
    made to answer no), beside a good file: neither is ingested."""
    good = env / "tot.xlsx"
    good.write_bytes(b01())
    secret = env / "bi_mat.xlsx"
    secret.write_bytes(b01())
    real_access = os.access
    monkeypatch.setattr(
        cli.os, "access", lambda p, mode: Path(p).name != secret.name and real_access(p, mode)
    )
    code, printed = run(["ingest", str(good), str(secret)], capsys)
    assert code == 2 and "Không có quyền đọc tệp" in printed and "Không nạp tệp nào" in printed
    assert "ĐÃ NHẬN" not in printed


def test_a_file_that_vanishes_while_ingesting_is_a_message(env, capsys, monkeypatch):
    """A file removed between the check and its reading: the operating system's error is
    answered in Vietnamese, exit 2."""
    path = env / "tot.xlsx"
    path.write_bytes(b01())
    monkeypatch.setattr(cli, "unreadable_reason", lambda p: None)
    path.unlink()
    code, printed = run(["ingest", str(path)], capsys)
    assert code == 2 and "Traceback" not in printed
    assert "không có tệp hoặc thư mục này" in printed


def test_an_unexpected_fault_is_exit_1_without_a_traceback(env, capsys, monkeypatch):
    """What no input should cause (a fault of the program) still ends in one line."""

    def broken(*args, **kwargs):
        raise KeyError("reduced_pct")

    monkeypatch.setattr(cli.service, "summary", broken)
    code, printed = run(["summary"], capsys)
    assert code == 1 and "Traceback" not in printed
    assert "Lỗi không mong đợi" in printed and "KeyError" in printed


@pytest.mark.parametrize(
    "argv",
    [
        ["ingest", "khong_co.xlsx"],
        ["summary", "--as-of", "2024-13-45"],
        ["summary", "--db", "khong-phai-dia-chi"],
    ],
    ids=lambda a: " ".join(a),
)
def test_the_process_itself_never_prints_a_traceback(data_dir: Path, argv: list[str]):
    environ = {**os.environ, "DATA_DIR": str(data_dir / "data")}
    environ.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "etl", *argv],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert is_vietnamese(done.stderr), done.stderr
