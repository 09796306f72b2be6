"""The product's own sheets (issue 12, item 2 of the ETL part): uploading its blank template,
a filled one, or a sample file gives no warning about the instruction and list sheets the
product itself wrote; any other sheet without a form is still reported (`sheet-skipped`)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from etl.core.forms import FORMS, GUIDE_SHEET, HEADER_LINES, LISTS_SHEET
from etl.core.problems import ProblemLog
from etl.reading.reader import read_forms
from etl.writers.templates import write_template
from tests.builders import b01_rows, xlsx

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "data" / "sample").glob("*.xlsx"))


def blank(code: str) -> bytes:
    buf = io.BytesIO()
    write_template(code, buf)
    return buf.getvalue()


def filled_01() -> bytes:
    """The blank Biểu 01 filled as a clerk fills it in Excel (openpyxl keeps every sheet)."""
    book = openpyxl.load_workbook(io.BytesIO(blank("01")))
    sheet = book[FORMS["01"].sheet_name]
    sheet["A5"] = f"{HEADER_LINES['unit']} Sở Nội vụ"
    sheet["A6"] = f"{HEADER_LINES['period']} 6 tháng đầu năm 2024"
    sheet["A7"] = f"{HEADER_LINES['as_of']} 30/06/2024"
    for col, value in zip("ACFGHI", [1, "Sở Nội vụ", 40, 40, 39, 38], strict=True):
        sheet[f"{col}12"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def skipped(content: bytes, name: str = "bieu.xlsx") -> list[str]:
    log = ProblemLog(name)
    read_forms(content, name, log)
    return [p.sheet for p in log.items if p.code == "sheet-skipped"]


@pytest.mark.parametrize("code", sorted(FORMS))
def test_the_blank_template_has_no_warning_about_its_own_sheets(code: str):
    content = blank(code)
    names = openpyxl.load_workbook(io.BytesIO(content)).sheetnames
    assert GUIDE_SHEET in names and LISTS_SHEET in names  # the sheets are there …
    assert skipped(content) == []  # … and skipped without a word


def test_a_filled_template_is_accepted_without_a_warning_about_its_sheets(ingest):
    result = ingest(filled_01(), "bieu_01_da_dien.xlsx")
    assert result.status == "accepted", [(p.code, p.cell) for p in result.problems]
    assert [p for p in result.problems if p.code == "sheet-skipped"] == []
    assert result.counts["facts"] > 0


@pytest.mark.parametrize("path", SAMPLES[::6], ids=lambda p: p.name)
def test_a_sample_file_has_no_warning_about_its_guide(path: Path):
    assert skipped(path.read_bytes(), path.name) == []


def test_other_sheets_without_a_form_are_still_reported():
    content = xlsx(
        {
            "Biểu 01": b01_rows(),
            "Sheet2": [["Ghi chép riêng của đơn vị"]],
            # named like the product's sheets, but not what the product writes there
            GUIDE_SHEET: [["Hướng dẫn ghi biểu của phòng"]],
            LISTS_SHEET: [["Danh sách cán bộ"], ["Nguyễn Văn A"]],
        }
    )
    assert sorted(skipped(content)) == sorted(["Sheet2", GUIDE_SHEET, LISTS_SHEET])
