"""Head counts within a sane range (issue 12, item 4): a figure above `MAX_COUNT` (1.000.000)
in any count cell of any form, however it is written (3e9, above PostgreSQL's integer range;
1e20; 1e308; text `3.000.000.000`), is a cell error naming the cell, never a database error;
the bound itself is stored as written. On SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from etl.core.values import MAX_COUNT, parse_count
from etl.reading.cells import _parse_count
from tests.builders import SN, b00, b01, b02, b03
from tests.conftest import table_counts

TOO_LARGE = [MAX_COUNT + 1, 2**31, 3e9, 1e20, 1e308, "3.000.000.000", "1 000 001"]


@pytest.mark.parametrize("raw", TOO_LARGE, ids=str)
def test_a_count_above_the_bound_is_refused_by_every_parser(raw):
    assert parse_count(raw) == (None, "count-too-large")
    assert _parse_count(raw) == (None, "count-too-large")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, 0), (1, 1), (MAX_COUNT, MAX_COUNT), (float(MAX_COUNT), MAX_COUNT),
     ("1.000.000", MAX_COUNT), ("-", 0)],
)  # fmt: skip
def test_counts_up_to_the_bound_are_read(raw, expected):
    assert parse_count(raw) == (expected, None) == _parse_count(raw)


def test_what_was_refused_before_still_is():
    """Negative, fractional and non-numbers keep their own codes, also when huge."""
    assert parse_count(-3e9) == (None, "negative-count")
    assert parse_count(12.5) == (None, "not-integer")
    assert parse_count("1e308") == (None, "not-a-number")
    assert parse_count(float("nan")) == (None, "not-a-number")


CELLS = {
    "01-3e9": (lambda: b01([2, "Sở Tư pháp", 3e9, 40, None]), "Biểu 01", "C6"),
    "01-2^31": (lambda: b01([2, "Sở Tư pháp", 45, 2**31, None]), "Biểu 01", "D6"),
    "01-1e20": (lambda: b01([2, "Sở Tư pháp", 1e20, 40, None]), "Biểu 01", "C6"),
    "01-1e308": (lambda: b01([2, "Sở Tư pháp", 45, 1e308, None]), "Biểu 01", "D6"),
    "01-text": (lambda: b01([2, "Sở Tư pháp", "3.000.000.000", 40, None]), "Biểu 01", "C6"),
    "02-3e9": (lambda: b02([2, "Trường Mầm non A", "Nhóm 2", 3e9, 10]), "Biểu 02", "D5"),
    "03-internal-1e20": (
        lambda: b03([2, "01/03/2023", "QĐ 2", "Sáp nhập", "Trường A", "Trường B", SN, 1e20]),
        "Biểu 03",
        "H5",
    ),
    "00-count-1e308": (
        lambda: b00([2, "Toàn thành phố", "Biên chế công chức", 2021, None, 1e308, "KH 1"]),
        "Biểu 00",
        "F4",
    ),
}


@pytest.mark.parametrize(("content", "sheet", "cell"), list(CELLS.values()), ids=list(CELLS))
def test_a_huge_figure_is_a_cell_error_and_changes_nothing(engine, ingest, content, sheet, cell):
    before = table_counts(engine)
    result = ingest(content())
    assert result.status == "refused"
    assert [(p.code, p.sheet, p.cell) for p in result.errors] == [
        ("count-too-large", sheet, cell)
    ], [(p.code, p.cell, p.message_vi) for p in result.errors]
    message = result.errors[0].message_vi
    assert f"Ô {cell}" in message and "1.000.000" in message
    assert table_counts(engine) == before


def test_the_bound_itself_is_stored(engine, ingest):
    result = ingest(b01([2, "Sở Tư pháp", MAX_COUNT, MAX_COUNT - 1, None]))
    assert result.status == "accepted", [(p.code, p.cell) for p in result.problems]
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT MAX(f.value) FROM fact f JOIN unit u ON u.id = f.unit_id"
                " WHERE u.name = 'Sở Tư pháp'"
            )
        ).scalar_one()
    assert stored == MAX_COUNT


@pytest.mark.parametrize(
    ("raw", "code", "shown"),
    [(-3.0, "negative-count", "-3"), (12.5, "not-integer", "12,5"),
     (2_500_000, "count-too-large", "2.500.000")],
)  # fmt: skip
def test_a_refused_number_is_quoted_the_vietnamese_way(engine, ingest, raw, code, shown):
    """Read back from the workbook, -3 is the float -3.0: the message and the «Giá trị» column
    say «-3», not «-3.0»; 12.5 is «12,5»."""
    result = ingest(b01([2, "Sở Tư pháp", raw, 40, None]))
    [problem] = [p for p in result.errors if p.code == code]
    assert f"«{shown}»" in problem.message_vi, problem.message_vi
    assert problem.value == shown
