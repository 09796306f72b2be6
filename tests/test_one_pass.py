"""Every problem of a file in one pass (issue 12, item 2): reading, value checks, the cut-off
date and unit matching all run and report together, and a file with errors still changes
nothing. Through `ingest_bytes`, the service (`ingest_as`, a scoped uploader) and the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from etl import service
from etl.cli import main
from etl.core.forms import FORM_01, HEADER_LINES
from etl.core.settings import load_settings
from etl.storage import accounts
from tests.builders import b01, b01_rows, xlsx
from tests.conftest import table_counts

PASSWORD = "mat-khau-thu-nghiem"


def many_problems() -> bytes:
    """Biểu 01 with, at once: a cut-off date that is no date (A2), a count that is no number
    (C5), a name that differs from a known unit only by its diacritics (B6) and a unit the
    scoped uploader was not given (B7, a new unit)."""
    rows = b01_rows(
        [1, "Sở Nội vụ", "bốn mươi", 38, None],
        [2, "Sở Y tê", 120, 110, None],
        [3, "Sở Tư pháp", 30, 29, None],
        good=False,
    )
    rows[1] = [f"{HEADER_LINES['as_of']} 31/02/2024"]
    return xlsx({FORM_01.sheet_name: rows})


def known_units(ingest: Any) -> None:
    """`Sở Y tế` (row 5 of `b01`) and `Sở Nội vụ`, stored and approved."""
    assert ingest(b01([2, "Sở Nội vụ", 40, 38, None])).status == "accepted"


def placed(problems: list[Any]) -> set[tuple[str, str]]:
    return {(p.code, p.cell) for p in problems}


def test_every_problem_of_a_file_comes_in_one_pass(engine, ingest, tmp_path: Path):
    known_units(ingest)
    with engine.connect() as conn:
        own = conn.exec_driver_sql("SELECT id FROM unit WHERE name = 'Sở Nội vụ'").scalar_one()
    before = table_counts(engine)
    result = ingest(many_problems(), "nhieu_loi.xlsx", allowed_units={own}, auto_period=False)
    assert result.status == "refused"
    assert {
        ("as-of-invalid", "A2"),
        ("not-a-number", "C5"),
        ("name-near-match", "B6"),
        ("unit-not-allowed", "B7"),
    } <= placed(result.errors), [(p.code, p.cell) for p in result.problems]
    assert result.submission_id is None
    assert table_counts(engine) == before


def test_the_service_reports_every_problem_of_an_upload_at_once(engine, ingest, tmp_path: Path):
    known_units(ingest)
    with engine.connect() as conn:
        own = conn.exec_driver_sql("SELECT id FROM unit WHERE name = 'Sở Nội vụ'").scalar_one()
    account = accounts.create_account(engine, "donvi", PASSWORD, "uploader", unit_ids=[own])
    settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data")
    before = table_counts(engine)
    for dry_run in (True, False):  # the upload page's check, then the upload itself
        result = service.ingest_as(
            engine, many_problems(), "nhieu_loi.xlsx", account, settings, dry_run=dry_run
        )
        assert result.status == "refused"
        codes = {p.code for p in result.errors}
        assert {"as-of-invalid", "not-a-number", "name-near-match", "unit-not-allowed"} <= codes
    assert table_counts(engine) == before


def test_a_value_error_does_not_hide_the_date_nor_the_matching(engine, ingest):
    """Without a scoped uploader: the bad count, the bad date and the near-match together,
    and the new unit's warning with them."""
    known_units(ingest)
    result = ingest(many_problems(), auto_period=False)
    assert {("as-of-invalid", "A2"), ("not-a-number", "C5"), ("name-near-match", "B6")} <= (
        placed(result.errors)
    )
    assert ("new-unit", "B7") in placed(result.problems)


def test_the_cli_prints_every_problem_of_a_file_at_once(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    first = tmp_path / "truoc.xlsx"
    first.write_bytes(b01([2, "Sở Nội vụ", 40, 38, None], good=True))
    period = ["--name", "Kỳ 2024", "--as-of", "2024-06-30", "--deadline", "2024-07-15"]
    assert main(["period", "add", *period]) == 0
    assert main(["ingest", str(first)]) == 0
    bad = tmp_path / "nhieu_loi.xlsx"
    bad.write_bytes(many_problems())
    capsys.readouterr()
    assert main(["ingest", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "nhieu_loi.xlsx: BỊ TỪ CHỐI" in out
    for line in (
        "Biểu 01!A2 as-of-invalid [LỖI]",
        "Biểu 01!C5 not-a-number [LỖI]",
        "Biểu 01!B6 name-near-match [LỖI]",
        "Biểu 01!B7 new-unit [cảnh báo]",
    ):
        assert line in out, out
