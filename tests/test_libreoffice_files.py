"""Returns written by another tool (issue 12.6, docs/forms.md tolerance 12): `.xls` and `.ods`
saved by LibreOffice Calc, and a return filled in the product's own template and saved by
LibreOffice. The workbooks are built here as .xlsx (tests/builders.py) and converted by
`soffice --headless --convert-to`; each is uploaded and must store the same figures as the
tidy form (`check_b01`, `check_b02` of tests/test_tolerances.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.builders import LABELS_01, Table, per_year, workbook_bytes
from tests.test_group_rows import district_return, expected_districts, stored
from tests.test_tolerances import (
    B01_ROWS,
    B02_ROWS,
    accepted,
    b01_columns,
    b02_columns,
    check_b01,
    check_b02,
    codes,
    table_02,
)

YEARS = (2021, 2022, 2024)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not SOFFICE,
        reason="LibreOffice Calc (soffice) not installed: .ci/run installs libreoffice-calc-nogui",
    ),
]


def convert(content: bytes, suffix: str, to: str, where: Path) -> bytes:
    """`content` (a workbook ending in `suffix`) opened and saved by LibreOffice as `to`."""
    source = where / f"bao_cao{suffix}"
    source.write_bytes(content)
    out = where / "out"
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{where / 'profile'}",
         "--convert-to", to, "--outdir", str(out), str(source)],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    return (out / f"bao_cao.{to}").read_bytes()


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], bytes]:
    """Each workbook in each format, converted once for every test of the module."""
    books = {
        "01": workbook_bytes(Table(b01_columns({}), B01_ROWS)),
        "02": workbook_bytes(table_02(b02_columns({}), B02_ROWS)),
        "districts": workbook_bytes(
            Table(
                [LABELS_01["stt"], LABELS_01["name"], *per_year(LABELS_01["quota"], YEARS)],
                district_return("1", "a"),
            )
        ),
    }
    out = {}
    for name, content in books.items():
        for to in ("xls", "ods"):
            where = tmp_path_factory.mktemp(f"{name}-{to}")
            out[(name, to)] = convert(content, ".xlsx", to, where)
    return out


@pytest.mark.parametrize("to", ["xls", "ods"])
@pytest.mark.parametrize("form", ["01", "02"])
def test_biểu_01_and_02_saved_by_libreoffice_calc(engine, ingest, converted, form, to):
    """Merged two-row headers, codes, choices and notes survive Calc's .xls and .ods."""
    content = converted[(form, to)]
    magic = {"xls": b"\xd0\xcf\x11\xe0", "ods": b"PK"}[to]
    assert content.startswith(magic)
    result = accepted(ingest(content, f"bao_cao.{to}"))
    assert result.forms == [form]
    assert "file-extension-mismatch" not in codes(result)
    {"01": check_b01, "02": check_b02}[form](engine)


@pytest.mark.parametrize("to", ["xls", "ods"])
def test_district_return_saved_by_libreoffice_calc(engine, ingest, converted, to):
    """The issue's district return (`1 | UBND quận …`, its phòng `a`, `b`, `c`, `Cộng`)."""
    accepted(ingest(converted[("districts", to)], f"bao_cao.{to}"))
    got, unit_list = stored(engine)
    expected = expected_districts()
    assert unit_list == sorted((name, district, kind) for name, district, kind, _ in expected)
    assert got == {
        (name, district, "assigned", year): value
        for name, district, _kind, figures in expected
        for (_field, year), value in figures.items()
    }


def fill_template(template: Path) -> bytes:
    """The product's blank Biểu 01 (`python -m etl template 01`) filled in with `B01_ROWS` by
    openpyxl, as a clerk fills it: header lines, then one unit per row from row 12."""
    wb = openpyxl.load_workbook(template)
    ws = wb["Biểu 01"]
    ws["A5"] = "Đơn vị báo cáo: Sở Nội vụ"
    ws["A6"] = "Kỳ báo cáo: 6 tháng đầu năm 2024"
    ws["A7"] = "Số liệu tính đến ngày: 30/06/2024"
    header = {ws.cell(9, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(9, c).value}
    years = {(c, ws.cell(10, c).value) for c in range(1, ws.max_column + 1)}
    quota = header[LABELS_01["quota"]]
    streamlined = header[LABELS_01["streamlined"]]

    def year_col(first: int, year: int) -> int:
        return next(c for c, label in sorted(years) if c >= first and label == f"Năm {year}")

    for i, row in enumerate(B01_ROWS):
        stt, code, name, kind, district, q21, q22, q24, present, s22, s23, job, note = row
        r = 12 + i
        values = {
            header[LABELS_01["stt"]]: stt,
            header[LABELS_01["code"]]: code,
            header[LABELS_01["name"]]: name,
            header[LABELS_01["agency_kind"]]: kind,
            header[LABELS_01["district"]]: district,
            year_col(quota, 2021): q21,
            year_col(quota, 2022): q22,
            year_col(quota, 2024): q24,
            header[LABELS_01["present"]]: present,
            year_col(streamlined, 2022): s22,
            year_col(streamlined, 2023): s23,
            header[LABELS_01["job_position"]]: job,
            header[LABELS_01["note"]]: note,
        }
        for c, v in values.items():
            ws.cell(r, c, v)
    out = template.with_name("filled.xlsx")
    wb.save(out)
    return out.read_bytes()


@pytest.mark.parametrize("to", ["xlsx", "ods"])
def test_own_template_filled_and_saved_by_libreoffice(engine, ingest, tmp_path, to):
    """The template written by the product, filled in, opened and saved by LibreOffice."""
    template = tmp_path / "bieu_01.xlsx"
    subprocess.run(
        [sys.executable, "-m", "etl", "template", "01", "--out", str(template)],
        cwd=ROOT, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    saved = convert(fill_template(template), ".xlsx", to, tmp_path)
    result = accepted(ingest(saved, f"bao_cao.{to}"))
    assert result.forms == ["01"]
    assert not [p for p in result.problems if p.code in ("unknown-column", "missing-year")]
    check_b01(engine)
