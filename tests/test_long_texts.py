"""Texts longer than their column (issue 12, item 4: no database error on any input): a unit's
name, code, district, parent or sector, the reporting unit and period lines, a sheet name, the
document of a reorganisation or a target. Each is the cell error `text-too-long` naming where it
is, and nothing is stored; a text exactly as long as its column is stored. On SQLite and, with
TEST_DATABASE_URL, PostgreSQL (which would refuse the value)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from etl.ingest.lengths import NAME_CHARS
from tests.builders import B01_HEADER, LABELS_01, SN, b00, b01, b01_rows, b03, xlsx
from tests.conftest import table_counts

LONG = "x" * 300
HEADER_WITH_DISTRICT = [*B01_HEADER, LABELS_01["district"], LABELS_01["code"]]

CASES = {
    "unit-name": (lambda: b01([2, "Sở " + LONG, 40, 40, None]), "Biểu 01", "B6"),
    "unit-name-abbreviations": (  # 250 characters, longer once `UBND` is spelled out
        lambda: b01([2, "UBND " * 50, 40, 40, None]),
        "Biểu 01",
        "B6",
    ),
    "unit-district": (
        lambda: xlsx(
            {
                "Biểu 01": b01_rows(
                    [2, "Phòng Nội vụ", 4, 4, None, LONG, None], header=HEADER_WITH_DISTRICT
                )
            }
        ),
        "Biểu 01",
        "B6",
    ),
    "unit-code": (
        lambda: xlsx(
            {
                "Biểu 01": b01_rows(
                    [2, "Phòng Nội vụ", 4, 4, None, None, "M" * 41], header=HEADER_WITH_DISTRICT
                )
            }
        ),
        "Biểu 01",
        "B6",
    ),
    "reporting-unit": (
        lambda: xlsx({"Biểu 01": b01_rows(title=[["Đơn vị báo cáo: " + LONG]])}),
        "Biểu 01",
        "A2",
    ),
    "period": (
        lambda: xlsx({"Biểu 01": b01_rows(title=[["Kỳ báo cáo: " + LONG]])}),
        "Biểu 01",
        "",
    ),
    "sheet-name": (lambda: xlsx({"Biểu 01 " + LONG: b01_rows()}), "Biểu 01 " + LONG, ""),
    "event-document": (
        lambda: b03([2, "01/03/2023", "QĐ " + LONG, "Sáp nhập", "Trường A", "Trường B", SN, 1]),
        "Biểu 03",
        None,
    ),
    "event-unit": (
        lambda: b03([2, "01/03/2023", "QĐ 2", "Sáp nhập", "Trường " + LONG, "Trường B", SN, 1]),
        "Biểu 03",
        "E5",
    ),
    "target-document": (
        lambda: b00([2, "Toàn thành phố", "Số lượng người làm việc", 2021, "10%", None, LONG]),
        "Biểu 00",
        "B4",
    ),
}


@pytest.mark.filterwarnings("ignore:Title is more than 31 characters")
@pytest.mark.parametrize(("content", "sheet", "cell"), list(CASES.values()), ids=list(CASES))
def test_a_text_longer_than_its_column_is_a_cell_error(engine, ingest, content, sheet, cell):
    before = table_counts(engine)
    result = ingest(content())
    assert result.status == "refused"
    errors = [(p.code, p.sheet, p.cell) for p in result.errors]
    assert {e[0] for e in errors} == {"text-too-long"}, errors
    problem = result.errors[0]
    assert problem.sheet == sheet and (cell is None or problem.cell == cell), errors
    assert "ký tự, quá" in problem.message_vi and "viết ngắn lại" in problem.message_vi
    assert table_counts(engine) == before


def test_a_name_as_long_as_its_column_is_stored(engine, ingest):
    name = "Trung tâm " + "a" * (NAME_CHARS - len("Trung tâm "))
    result = ingest(b01([2, name, 40, 40, None]))
    assert result.status == "accepted", [(p.code, p.cell) for p in result.errors]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT name FROM unit WHERE name LIKE 'Trung tâm %'")).all()
    assert [r.name for r in stored] == [name]
