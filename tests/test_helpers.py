"""Pure helpers, table-driven: text keys, cell values, figures written the Vietnamese way."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from etl.core.formatting import (
    fmt_cell,
    fmt_count_prose,
    fmt_date,
    fmt_moment,
    fmt_number,
    fmt_pct,
)
from etl.core.normalize import district_key, loose_key, name_key, text_key
from etl.core.values import cell_ref, parse_count, parse_date, parse_percent

NFD = unicodedata.normalize("NFD", "Sở Y tế")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("Trường Tiểu học Hoà Bình", "Trường Tiểu học Hòa Bình"),
        (NFD, "Sở Y tế"),
        ("Sở Y tế¹", "Sở Y tế"),
        ("Sở Y tế (1)", "Sở  Y  tế "),
        ("UBND quận Ninh Kiều", "Ủy ban nhân dân quận Ninh Kiều"),
        ("TP. Cần Thơ", "thành phố Cần Thơ"),
        ("Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hoá,Thể thao và Du lịch"),
        ("Chi cục Thuỷ sản", "Chi cục Thủy sản"),
    ],
)
def test_same_name(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Trường Tiểu học An Bình A", "Trường Tiểu học An Bình B"),
        ("Bệnh viện số 1", "Bệnh viện số 2"),
        ("Sở Y tê", "Sở Y tế"),
    ],
)
def test_different_names(a, b):
    assert name_key(a) != name_key(b)


def test_loose_key_ignores_every_diacritic():
    assert loose_key("Sở Y tê") == loose_key("Sở Y tế") == "so y te"


@pytest.mark.parametrize(
    "text", ["UBND huyện Cờ Đỏ", "Ủy ban nhân dân huyện Cờ Đỏ", "Huyện Cờ Đỏ", "Cờ Đỏ", "H. Cờ Đỏ"]
)
def test_district_written_any_way(text):
    assert district_key(text) == district_key("Cờ Đỏ")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tên cơ quan, tổ chức:", "tên cơ quan,  tổ chức"),
        ("Biên chế\ngiao năm 2021", "Biên chế giao năm 2021"),
        ("Ghi chú (*)", "Ghi chú"),
    ],
)
def test_header_keys(a, b):
    assert text_key(a) == text_key(b)


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        (None, None, None),
        ("", None, None),
        ("  ", None, None),
        (12, 12, None),
        (12.0, 12, None),
        ("1.694", 1694, None),
        ("20 734", 20734, None),
        ("20\u00a0734", 20734, None),
        ("1,234,567", None, "count-too-large"),  # over values.MAX_COUNT
        ("-", 0, None),
        ("–", 0, None),
        ("45", 45, None),
        ("12,0", 12, None),
        (1.5, None, "not-integer"),
        ("1,5", None, "not-integer"),
        (-3, None, "negative-count"),
        ("-3", None, "negative-count"),
        ("ba mươi", None, "not-a-number"),
        (True, None, "not-a-number"),
        (dt.datetime(2024, 1, 1), None, "not-a-number"),
    ],
)
def test_parse_count(raw, value, code):
    assert parse_count(raw) == (value, code)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("8,17%", 8.17), (0.0817, 8.17), ("5%", 5.0), (5, 5.0), ("0,05", 5.0), ("10 %", 10.0)],
)
def test_parse_percent(raw, value):
    parsed, code = parse_percent(raw)
    assert code is None and parsed == pytest.approx(value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (dt.datetime(2023, 12, 8), dt.date(2023, 12, 8)),
        ("08/12/2023", dt.date(2023, 12, 8)),
        ("8/12/2023", dt.date(2023, 12, 8)),
        ("ngày 08 tháng 12 năm 2023", dt.date(2023, 12, 8)),
        ("2023-12-08", dt.date(2023, 12, 8)),
        (45268, dt.date(2023, 12, 8)),
    ],
)
def test_parse_date(raw, value):
    assert parse_date(raw) == (value, None)


@pytest.mark.parametrize("raw", ["31/02/2023", "hôm qua", 12])
def test_bad_dates(raw):
    assert parse_date(raw) == (None, "bad-date")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0215, "1,02%"),
        (20.4301, "20,43%"),
        (8.1701, "8,17%"),
        (81.7016, "81,7%"),
        (100.0, "100%"),
    ],
)
def test_fmt_pct(value, text):
    assert fmt_pct(value) == text


def test_fmt_numbers_and_dates():
    assert fmt_number(1694) == "1.694"
    assert fmt_number(20734) == "20.734"
    assert fmt_number(2073.4, 2) == "2.073,4"
    assert fmt_count_prose(9) == "09"
    assert fmt_date("2024-06-30") == "30/06/2024"
    assert cell_ref(6, 3) == "D7"
    assert cell_ref(0, 27) == "AB1"


GRID_ROWS = [
    {"name": "Sở Nội vụ", "district": None, "n": 10},
    {"name": "Đài Phát thanh", "district": "Huyện Cờ Đỏ", "n": None},
    {"name": "Trường Mầm non Hoà Bình", "district": "Quận Ninh Kiều", "n": 3},
    {"name": "Bệnh viện Đa khoa", "district": "Quận Ninh Kiều", "n": 7},
]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({"name": {"type": "contains", "filter": "HOA BINH"}}, ["Trường Mầm non Hoà Bình"]),
        ({"name": {"type": "startsWith", "filter": "da"}}, ["Đài Phát thanh"]),
        ({"name": {"type": "endsWith", "filter": "khoa"}}, ["Bệnh viện Đa khoa"]),
        ({"name": {"type": "notContains", "filter": "o"}}, ["Đài Phát thanh"]),
        ({"district": {"type": "blank"}}, ["Sở Nội vụ"]),
        ({"district": {"type": "equals", "filter": "quan ninh kieu"}},
         ["Trường Mầm non Hoà Bình", "Bệnh viện Đa khoa"]),
        ({"district": {"filterType": "text", "operator": "OR", "conditions": [
            {"type": "contains", "filter": "co do"}, {"type": "blank"}]}},
         ["Sở Nội vụ", "Đài Phát thanh"]),
        ({"n": {"filterType": "number", "type": "notBlank"},
          "district": {"type": "notBlank"}},
         ["Trường Mầm non Hoà Bình", "Bệnh viện Đa khoa"]),
    ],
)  # fmt: skip
def test_grid_rows_filter_like_ag_grid_without_diacritics(filters, names):
    import pandas as pd

    from components.grids import serve_rows

    got = serve_rows(
        pd.DataFrame(GRID_ROWS), {"startRow": 0, "endRow": 100, "filterModel": filters}
    )
    assert [r["name"] for r in got["rowData"]] == names and got["rowCount"] == len(names)


def test_grid_rows_sort_vietnamese_with_blanks_last_and_page():
    import pandas as pd

    from components.grids import serve_rows

    frame = pd.DataFrame(GRID_ROWS)
    by_name = serve_rows(frame, {"sortModel": [{"colId": "name", "sort": "asc"}]})
    assert [r["name"][0] for r in by_name["rowData"]] == ["B", "Đ", "S", "T"]
    for direction in ("asc", "desc"):
        got = serve_rows(frame, {"sortModel": [{"colId": "n", "sort": direction}]})
        assert got["rowData"][-1]["n"] is None  # blanks last either way
    page = serve_rows(
        frame, {"startRow": 1, "endRow": 3, "sortModel": [{"colId": "n", "sort": "desc"}]}
    )
    assert [r["n"] for r in page["rowData"]] == [7, 3] and page["rowCount"] == 4


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.datetime(2026, 12, 6, 5, 22), "06/12/2026 12:22"),  # naive: UTC as SQLite gives it
        (dt.datetime(2026, 12, 6, 20, 5, tzinfo=dt.UTC), "07/12/2026 03:05"),  # the next day
        ("2026-12-06T05:22:00+00:00", "06/12/2026 12:22"),
        (None, ""),
    ],
)
def test_fmt_moment_is_vietnam_time(value, shown):
    assert fmt_moment(value) == shown


def test_fmt_moment_of_pandas_values():
    import pandas as pd

    assert fmt_moment(pd.Timestamp("2026-12-06 05:22", tz="UTC")) == "06/12/2026 12:22"
    assert fmt_moment(pd.NaT) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-3.0, "-3"), (12.5, "12,5"), (1234567, "1.234.567"), (0.1 + 0.2, "0,3"),
     (dt.datetime(2024, 6, 30), "30/06/2024"), (dt.date(2024, 6, 30), "30/06/2024"),
     ("1,5 người", "1,5 người"), (True, "True"), (None, "")],
)  # fmt: skip
def test_fmt_cell_quotes_a_value_the_vietnamese_way(value, shown):
    assert fmt_cell(value) == shown


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [(4.25, 1, "4,3"), (85 * 0.05, 1, "4,3"), (2.5, 0, "3"), (-2.5, 0, "-3"),
     (2073.45, 1, "2.073,5"), (0.125, 2, "0,13")],
)  # fmt: skip
def test_fmt_number_rounds_a_half_up_as_the_grids_do(value, decimals, shown):
    """A target of 85 × 5% is 4,25: the report wrote «4,2» (Python rounds the binary float
    half to even) where the grid's Intl.NumberFormat writes «4,3»."""
    assert fmt_number(value, decimals) == shown


def test_fmt_pct_rounds_a_half_up():
    assert fmt_pct(20.425) == "20,43%" and fmt_pct(0.125, 2) == "0,13%"
