"""The tolerances of docs/forms.md ("Tolerances"), each through the real upload path
(`ingest`), then checked against what was stored (SQL on the tables, or `service.summary`).

Workbooks come from tests/builders.py (`Table`: a form sheet laid out as staff lay it out, a
header of one to three rows with merged group labels; `Raw`: a sheet cell by cell).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from etl import service
from etl.storage import schema
from tests.builders import (
    LABELS_01,
    LABELS_02,
    Raw,
    Spec,
    Table,
    as_xlsm,
    form00,
    form03,
    ods,
    per_year,
    short_title,
    with_cached_values,
    workbook_bytes,
)

AS_OF = dt.date(2024, 6, 30)


# ---------------------------------------------------------------- what was stored


def facts(engine: Engine) -> dict[tuple[str, str, int], int]:
    """Current figures: (unit name, status, year) -> value, the latest submission winning."""
    f, u = schema.fact.c, schema.unit.c
    query = (
        select(u.name, f.status, f.year, f.value)
        .join_from(schema.fact, schema.unit, f.unit_id == u.id)
        .order_by(f.submission_id, f.id)
    )
    with engine.connect() as conn:
        return {(n, s, y): v for n, s, y, v in conn.execute(query)}


def units(engine: Engine) -> list[tuple[str, str | None, str]]:
    """Stored units as (name, district, kind), sorted."""
    u = schema.unit.c
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(u.name, u.district, u.kind)))


def unit_names(engine: Engine) -> set[str]:
    return {name for name, _, _ in units(engine)}


def unit_row(engine: Engine, name: str) -> dict[str, Any]:
    """The stored unit with the attributes the stored returns set (parent, sector, autonomy
    and dates are revisions of the return that reads them: docs/design/review.md)."""
    import pandas as pd

    from etl.measures.dataset import overlay_revisions

    with engine.connect() as conn:
        units = pd.read_sql(select(schema.unit).where(schema.unit.c.name == name), conn)
        revisions = pd.read_sql(select(schema.unit_revision), conn)
    assert len(units) == 1, units
    found = {
        k: (None if pd.isna(v) else v)
        for k, v in overlay_revisions(units, revisions).iloc[0].items()
    }
    dated = revisions[
        (revisions["unit_id"] == found["id"]) & revisions["field"].isin(["valid_from", "valid_to"])
    ]
    for r in dated.sort_values(["submission_id", "id"]).itertuples():  # dates: from Biểu 03 events
        found[r.field] = dt.date.fromisoformat(r.value) if r.value else None
    return found


def job_positions(engine: Engine) -> dict[str, str]:
    j, u = schema.job_position.c, schema.unit.c
    query = select(u.name, j.status).join_from(schema.job_position, schema.unit, j.unit_id == u.id)
    with engine.connect() as conn:
        return {name: status for name, status in conn.execute(query)}


def summary(engine: Engine) -> dict[str, Any]:
    return service.summary(engine, as_of=AS_OF)


def codes(result: Any, severity: str | None = None) -> list[str]:
    return [p.code for p in result.problems if severity is None or p.severity == severity]


def accepted(result: Any) -> Any:
    """Assert the upload was stored without errors; return it."""
    assert result.status == "accepted", [(p.code, p.cell, p.message_vi) for p in result.errors]
    assert not result.errors
    return result


def tone_on_first_vowel(text: str) -> str:
    """Move each word's tone mark to its first vowel: `Uỷ` → `Ủy`, `hoà` → `hòa`."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

    def move(word: str) -> str:
        chars = list(unicodedata.normalize("NFD", word))
        marks = [ch for ch in chars if ch in tones]
        if not marks:
            return word
        base = [ch for ch in chars if ch not in tones]
        i = next(i for i, ch in enumerate(base) if ch.casefold() in "aeiouy")
        j = i + 1
        while j < len(base) and unicodedata.combining(base[j]):
            j += 1
        return unicodedata.normalize("NFC", "".join(base[:j] + marks + base[j:]))

    return "".join(move(w) for w in re.split(r"(\s+)", text))


def test_helper_tone_on_first_vowel() -> None:
    assert tone_on_first_vowel("Uỷ ban hoà") == "Ủy ban hòa"
    assert tone_on_first_vowel("người") == unicodedata.normalize("NFC", "ngừơi")
    assert tone_on_first_vowel("Số\nlượng") == unicodedata.normalize("NFC", "Số\nlựơng")


# ---------------------------------------------------------------- the full Biểu 01 / 02 layouts

B01_ROWS = [
    [
        1,
        "CD.NV",
        "Phòng Nội vụ",
        "Cơ quan chuyên môn cấp huyện",
        "Huyện Cờ Đỏ",
        25,
        24,
        22,
        21,
        1,
        2,
        "Đã phê duyệt",
        "Phòng có 3 bộ phận",
    ],
    [
        2,
        "SYT",
        "Sở Y tế",
        "Cơ quan chuyên môn cấp tỉnh/thành phố",
        None,
        120,
        118,
        115,
        112,
        None,
        3,
        "Chưa phê duyệt",
        None,
    ],
]
B02_ROWS = [
    [
        1,
        "BVDK",
        "Bệnh viện Đa khoa thành phố",
        "Sở Y tế",
        "Y tế",
        "Nhóm 2",
        850,
        840,
        830,
        12,
        900,
        3,
        4,
        "Đã phê duyệt",
        None,
    ],
    [
        2,
        "THPT.CVL",
        "Trường THPT Châu Văn Liêm",
        "Sở Giáo dục và Đào tạo",
        "Giáo dục và Đào tạo",
        "Nhóm 3",
        95,
        93,
        90,
        2,
        96,
        None,
        1,
        "Đã phê duyệt",
        None,
    ],
]
QUOTA_YEARS = (2021, 2022, 2024)
STREAMLINED_YEARS = (2022, 2023)


def b01_columns(labels: dict[str, str], fix: Callable[[str], str] = str) -> list[Spec]:
    lab = {k: fix(v) for k, v in {**LABELS_01, **labels}.items()}
    return [
        lab["stt"],
        lab["code"],
        lab["name"],
        lab["agency_kind"],
        lab["district"],
        *per_year(lab["quota"], QUOTA_YEARS),
        lab["present"],
        *per_year(lab["streamlined"], STREAMLINED_YEARS),
        lab["job_position"],
        lab["note"],
    ]


def b02_columns(labels: dict[str, str], fix: Callable[[str], str] = str) -> list[Spec]:
    lab = {k: fix(v) for k, v in {**LABELS_02, **labels}.items()}
    return [
        lab["stt"],
        lab["code"],
        lab["name"],
        lab["parent"],
        lab["sector"],
        lab["autonomy"],
        *per_year(lab["quota"], QUOTA_YEARS),
        lab["pending"],
        lab["norm"],
        *per_year(lab["streamlined"], STREAMLINED_YEARS),
        lab["job_position"],
        lab["note"],
    ]


def _fix_year_labels(spec: Spec, fix: Callable[[str], str]) -> Spec:
    if isinstance(spec, tuple):
        return (spec[0], [_fix_year_labels(s, fix) for s in spec[1]])
    return fix(spec) if spec and spec.startswith("Năm ") else spec


def check_b01(engine: Engine) -> None:
    """What the full Biểu 01 (`B01_ROWS`) must store, whatever its header looks like."""
    got = facts(engine)
    assert {k: v for k, v in got.items() if k[0] == "Phòng Nội vụ"} == {
        ("Phòng Nội vụ", "assigned", 2021): 25,
        ("Phòng Nội vụ", "assigned", 2022): 24,
        ("Phòng Nội vụ", "assigned", 2024): 22,
        ("Phòng Nội vụ", "present", 2024): 21,
        ("Phòng Nội vụ", "streamlined", 2022): 1,
        ("Phòng Nội vụ", "streamlined", 2023): 2,
    }
    assert {k: v for k, v in got.items() if k[0] == "Sở Y tế"} == {
        ("Sở Y tế", "assigned", 2021): 120,
        ("Sở Y tế", "assigned", 2022): 118,
        ("Sở Y tế", "assigned", 2024): 115,
        ("Sở Y tế", "present", 2024): 112,
        ("Sở Y tế", "streamlined", 2023): 3,
    }
    assert units(engine) == [
        ("Phòng Nội vụ", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
        ("Sở Y tế", None, "co_quan_chuyen_mon_tinh"),
    ]
    assert unit_row(engine, "Phòng Nội vụ")["code"] == "CD.NV"
    assert unit_row(engine, "Sở Y tế")["code"] == "SYT"
    assert job_positions(engine) == {"Phòng Nội vụ": "Đã phê duyệt", "Sở Y tế": "Chưa phê duyệt"}


def check_b02(engine: Engine) -> None:
    """What the full Biểu 02 (`B02_ROWS`) must store, whatever its header looks like."""
    bv, th = "Bệnh viện Đa khoa thành phố", "Trường THPT Châu Văn Liêm"
    assert {k: v for k, v in facts(engine).items() if k[0] in (bv, th)} == {
        (bv, "assigned", 2021): 850,
        (bv, "assigned", 2022): 840,
        (bv, "assigned", 2024): 830,
        (bv, "pending", 2024): 12,
        (bv, "norm", 2024): 900,
        (bv, "streamlined", 2022): 3,
        (bv, "streamlined", 2023): 4,
        (th, "assigned", 2021): 95,
        (th, "assigned", 2022): 93,
        (th, "assigned", 2024): 90,
        (th, "pending", 2024): 2,
        (th, "norm", 2024): 96,
        (th, "streamlined", 2023): 1,
    }
    row = unit_row(engine, bv)
    assert (row["code"], row["kind"], row["parent"], row["sector"], row["autonomy"]) == (
        "BVDK",
        "don_vi_su_nghiep",
        "Sở Y tế",
        "Y tế",
        "Nhóm 2",
    )
    row = unit_row(engine, th)
    assert (row["parent"], row["sector"], row["autonomy"]) == (
        "Sở Giáo dục và Đào tạo",
        "Giáo dục và Đào tạo",
        "Nhóm 3",
    )
    jobs = job_positions(engine)
    assert (jobs[bv], jobs[th]) == ("Đã phê duyệt", "Đã phê duyệt")


def table_02(columns: list[Spec], rows: list[list[Any]]) -> Table:
    """A Biểu 02 sheet with its own short title block."""
    return Table(columns, rows, name="Biểu 02", title=short_title("02"))


def simple_b01(rows: list[list[Any]], **kwargs: Any) -> Table:
    """STT, name, quota 2021/2022/2024 under a merged group label (two header rows)."""
    quota = per_year(LABELS_01["quota"], QUOTA_YEARS)
    columns = [LABELS_01["stt"], LABELS_01["name"], *quota]
    return Table(columns, rows, **kwargs)


# ---------------------------------------------------------------- 1. title block


def tall_title(height: int) -> tuple[list[list[Any]], list[str]]:
    """A title block of `height` rows: merged agency and motto cells, number, place and date."""
    lines: list[list[Any]] = [
        ["UBND THÀNH PHỐ CẦN THƠ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["SỞ NỘI VỤ", None, None, "Độc lập - Tự do - Hạnh phúc"],
        [None, None, None, "-----------------"],
        ["Số: 215/BC-SNV", None, None, "Cần Thơ, ngày 05 tháng 7 năm 2024"],
        [],
        ["Biểu số 01"],
        ["BIÊN CHẾ CÔNG CHỨC"],
        ["(Kèm theo Báo cáo số 215/BC-SNV ngày 05/7/2024 của Sở Nội vụ)"],
        ["Đơn vị báo cáo: Sở Nội vụ"],
        ["Kỳ báo cáo: 6 tháng đầu năm 2024"],
        ["Số liệu tính đến ngày: 30/06/2024"],
        [],
    ]
    merges = ["A1:C1", "D1:F1", "A2:C2", "D2:F2", "A6:F6", "A7:F7", "A8:F8"]
    if height < len(lines):
        return lines[:height], [m for m in merges if int(m.split(":")[1][1:]) <= height]
    padding = [[None, "(phần để trống của khối tiêu đề)"] for _ in range(height - len(lines))]
    return lines + padding, merges


@pytest.mark.parametrize("height", [0, 6, 12, 27])
def test_t1_title_block_of_any_height_is_skipped(engine, ingest, height):
    block, merges = tall_title(height)
    table = simple_b01(
        [[1, "Sở Y tế", 120, 118, 115], [2, "Sở Tư pháp", 45, 44, 44]],
        title=block,
        title_merges=merges,
    )
    accepted(ingest(workbook_bytes(table)))
    assert facts(engine) == {
        ("Sở Y tế", "assigned", 2021): 120,
        ("Sở Y tế", "assigned", 2022): 118,
        ("Sở Y tế", "assigned", 2024): 115,
        ("Sở Tư pháp", "assigned", 2021): 45,
        ("Sở Tư pháp", "assigned", 2022): 44,
        ("Sở Tư pháp", "assigned", 2024): 44,
    }
    # the title lines are not units (not the motto, not the agency, not the date line)
    assert unit_names(engine) == {"Sở Y tế", "Sở Tư pháp"}


def test_t1_header_lines_are_read_from_the_title_block(engine, ingest):
    block, merges = tall_title(12)
    table = simple_b01([[1, "Sở Y tế", 120, 118, 115]], title=block, title_merges=merges)
    result = accepted(ingest(workbook_bytes(table)))
    assert result.as_of == AS_OF
    with engine.connect() as conn:
        row = conn.execute(select(schema.submission)).mappings().one()
    assert (row["reporting_unit"], row["period"]) == ("Sở Nội vụ", "6 tháng đầu năm 2024")
    assert row["as_of"] == AS_OF


def test_t1_header_row_found_on_row_30(engine, ingest):
    block, _ = tall_title(29)
    table = Table(
        ["STT", "Tên cơ quan, tổ chức", "Biên chế giao năm 2021", "Biên chế giao năm 2024"],
        [[1, "Sở Y tế", 120, 115]],
        title=block,
    )
    assert table.first_row == 32  # header on row 30, column numbers on row 31
    accepted(ingest(workbook_bytes(table)))
    assert facts(engine)[("Sở Y tế", "assigned", 2024)] == 115


# ---------------------------------------------------------------- 2. one- to three-row headers


HEADER_SHAPES = {
    "one-row": [
        "STT",
        "Tên cơ quan, tổ chức",
        "Biên chế giao năm 2021",
        "Biên chế giao năm 2022",
        "Biên chế giao năm 2024",
        "Số công chức có mặt",
    ],
    "two-rows": [
        "STT",
        "Tên cơ quan, tổ chức",
        ("Biên chế công chức được giao", ["Năm 2021", "Năm 2022", "Năm 2024"]),
        "Số công chức có mặt",
    ],
    "three-rows": [
        "STT",
        "Tên cơ quan, tổ chức",
        (
            "Số liệu về biên chế",
            [
                ("Biên chế công chức được giao", ["Năm 2021", "Năm 2022", "Năm 2024"]),
                "Số công chức có mặt",
            ],
        ),
    ],
}


@pytest.mark.parametrize("colnums", ["(n)", "n", None], ids=["(1)(2)(3)", "1-2-3", "none"])
@pytest.mark.parametrize("shape", list(HEADER_SHAPES))
def test_t2_header_of_one_to_three_rows(engine, ingest, shape, colnums):
    rows = [[1, "Sở Y tế", 120, 118, 115, 110], [2, "Sở Tư pháp", 145, 144, 144, 139]]
    table = Table(HEADER_SHAPES[shape], rows, colnums=colnums)
    accepted(ingest(workbook_bytes(table)))
    assert facts(engine) == {
        ("Sở Y tế", "assigned", 2021): 120,
        ("Sở Y tế", "assigned", 2022): 118,
        ("Sở Y tế", "assigned", 2024): 115,
        ("Sở Y tế", "present", 2024): 110,
        ("Sở Tư pháp", "assigned", 2021): 145,
        ("Sở Tư pháp", "assigned", 2022): 144,
        ("Sở Tư pháp", "assigned", 2024): 144,
        ("Sở Tư pháp", "present", 2024): 139,
    }


def test_t2_column_number_row_with_formula_labels_is_skipped(engine, ingest):
    rows = [
        ["A", "B", "(1)", "(2)", "(3)=(1)-(2)"],
        [1, "Sở Y tế", 120, 115, 5],
    ]
    table = Table(
        [
            "STT",
            "Tên cơ quan, tổ chức",
            "Biên chế giao năm 2021",
            "Biên chế giao năm 2024",
            "Ghi chú",
        ],
        rows,
        colnums=None,
    )
    accepted(ingest(workbook_bytes(table)))
    assert unit_names(engine) == {"Sở Y tế"}


def test_t2_first_row_of_small_numbers_is_data_not_column_numbers(engine, ingest):
    table = Table(
        ["STT", "Tên cơ quan, tổ chức", *per_year("Biên chế giao", (2021, 2022, 2023, 2024))],
        [[1, "Phòng Nội vụ", 8, 8, 7, 7], [2, "Phòng Tư pháp", 6, 6, 6, 5]],
        colnums=None,
    )
    accepted(ingest(workbook_bytes(table)))
    assert unit_names(engine) == {"Phòng Nội vụ", "Phòng Tư pháp"}


# ---------------------------------------------------------------- 3. column order, unknown columns


def test_t3_columns_in_any_order_and_unknown_column_warned(engine, ingest):
    columns = [
        "Vị trí việc làm",
        "Tên cơ quan, tổ chức",
        "Số điện thoại liên hệ",
        ("Biên chế công chức được giao", ["Năm 2024", "Năm 2021", "Năm 2022"]),
        "STT",
    ]
    rows = [
        ["Đã phê duyệt", "Sở Y tế", "0292 3820 123", 115, 120, 118, 1],
        ["Chưa phê duyệt", "Sở Tư pháp", "0292 3821 456", 44, 45, 44, 2],
    ]
    table = Table(columns, rows)
    result = accepted(ingest(workbook_bytes(table)))
    assert facts(engine) == SHUFFLED_FACTS
    assert job_positions(engine) == {"Sở Y tế": "Đã phê duyệt", "Sở Tư pháp": "Chưa phê duyệt"}
    [warning] = [p for p in result.problems if p.code == "unknown-column"]
    assert (warning.severity, warning.sheet) == ("warning", "Biểu 01")
    header_rows = (len(table.title) + 1, len(table.title) + 2)
    assert warning.cell in {f"C{r}" for r in header_rows}  # merged over both header rows
    assert "Số điện thoại liên hệ" in warning.message_vi


SHUFFLED_FACTS = {
    ("Sở Y tế", "assigned", 2021): 120,
    ("Sở Y tế", "assigned", 2022): 118,
    ("Sở Y tế", "assigned", 2024): 115,
    ("Sở Tư pháp", "assigned", 2021): 45,
    ("Sở Tư pháp", "assigned", 2022): 44,
    ("Sở Tư pháp", "assigned", 2024): 44,
}


def test_t3_year_group_left_of_the_name_column(engine, ingest):
    columns = [
        ("Biên chế công chức được giao", ["Năm 2024", "Năm 2021", "Năm 2022"]),
        "Tên cơ quan, tổ chức",
        "STT",
    ]
    rows = [[115, 120, 118, "Sở Y tế", 1], [44, 45, 44, "Sở Tư pháp", 2]]
    accepted(ingest(workbook_bytes(Table(columns, rows))))
    assert facts(engine) == SHUFFLED_FACTS


def title_as_of(day: str, code: str = "01") -> list[list[Any]]:
    """The short title block with the cut-off line `Số liệu tính đến ngày: {day}`."""
    return [*short_title(code)[:-1], [f"Số liệu tính đến ngày: {day}"]]


def test_t3_any_years_will_do_a_return_of_2025_and_2026_only(engine, ingest):
    """A merged province's return gives the years since the merger only: it is read, and
    which years a programme lacks is for the measures to show (docs/forms.md, tolerance 3)."""
    columns = [
        "STT",
        "Tên cơ quan, tổ chức",
        *per_year("Biên chế công chức được giao", (2025, 2026)),
        "Vị trí việc làm",
    ]
    rows = [[1, "Sở Y tế", 98, 95, "Đã phê duyệt"], [2, "Sở Tư pháp", 40, 38, None]]
    result = accepted(ingest(workbook_bytes(Table(columns, rows, title=title_as_of("30/06/2026")))))
    assert "missing-year" not in codes(result)
    assert facts(engine) == {
        ("Sở Y tế", "assigned", 2025): 98,
        ("Sở Y tế", "assigned", 2026): 95,
        ("Sở Tư pháp", "assigned", 2025): 40,
        ("Sở Tư pháp", "assigned", 2026): 38,
    }


def test_t3_any_years_will_do_biểu_02_with_one_year_cell(engine, ingest):
    columns = ["STT", "Tên đơn vị sự nghiệp công lập", "Số lượng người làm việc được giao năm 2026"]
    title = title_as_of("30/06/2026", "02")
    table = Table(columns, [[1, "Trường THPT Vị Thanh", 61]], name="Biểu 02", title=title)
    accepted(ingest(workbook_bytes(table)))
    assert facts(engine) == {("Trường THPT Vị Thanh", "assigned", 2026): 61}


@pytest.mark.parametrize("two_rows", [False, True])
def test_t3_a_quota_column_without_any_year_is_refused_at_its_label(engine, ingest, two_rows):
    quota = "Biên chế công chức được giao"
    columns: list[Spec] = ["STT", "Tên cơ quan, tổ chức", quota, "Vị trí việc làm"]
    if two_rows:  # a second header row (another field's years) under the yearless label
        columns.append(("Công chức tinh giản theo chính sách", ["Năm 2025"]))
    table = Table(columns, [[1, "Sở Y tế", 98, "Đã phê duyệt", *([2] if two_rows else [])]])
    result = ingest(workbook_bytes(table))
    assert result.status == "refused" and result.submission_id is None
    [error] = result.errors
    label_rows = {len(table.title) + 1, len(table.title) + (2 if two_rows else 1)}
    assert (error.code, error.sheet) == ("missing-year", "Biểu 01")
    assert error.cell in {f"C{r}" for r in label_rows}
    assert error.message_vi.startswith(f"Cột «{quota}» chưa có cột năm nào")
    assert facts(engine) == {}


# ---------------------------------------------------------------- 4. header text variants


def _nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


HEADER_TEXT = {
    "nfd": _nfd,
    "tone-placement": tone_on_first_vowel,
    "upper-case": str.upper,
    "line-breaks": lambda s: s.replace(" ", "\n", 1),
    "crlf": lambda s: s.replace(" ", "\r\n", 1),
    "double-spaces": lambda s: "  " + s.replace(" ", "  ") + " ",
    "trailing-colon": lambda s: s + ":",
    "footnote-(1)": lambda s: s + " (1)",
    "footnote-superscript": lambda s: s + "¹",
    "footnote-star": lambda s: s + "*",
    "all-together": lambda s: _nfd(tone_on_first_vowel(s.upper().replace(" ", "\n", 1))) + " :",
}


@pytest.mark.parametrize("variant", list(HEADER_TEXT))
def test_t4_header_text_variants_biểu_02(engine, ingest, variant):
    fix = HEADER_TEXT[variant]
    columns = [_fix_year_labels(c, fix) for c in b02_columns({}, fix)]
    accepted(ingest(workbook_bytes(table_02(columns, B02_ROWS))))
    check_b02(engine)


@pytest.mark.parametrize("variant", ["nfd", "tone-placement", "footnote-(1)"])
def test_t4_header_text_variants_biểu_01(engine, ingest, variant):
    fix = HEADER_TEXT[variant]
    columns = [_fix_year_labels(c, fix) for c in b01_columns({}, fix)]
    accepted(ingest(workbook_bytes(Table(columns, B01_ROWS))))
    check_b01(engine)


B01_ALIASES = [
    ("stt", "TT"),
    ("stt", "Số TT"),
    ("code", "Mã"),
    ("code", "Mã ĐV"),
    ("code", "Mã số"),
    ("name", "Tên cơ quan"),
    ("name", "Tên cơ quan, tổ chức, đơn vị"),
    ("name", "Cơ quan, đơn vị"),
    ("name", "Tên đơn vị"),
    ("agency_kind", "Loại hình"),
    ("district", "Quận/huyện"),
    ("district", "Địa bàn"),
    ("quota", "Biên chế được giao"),
    ("quota", "Biên chế giao"),
    ("quota", "Biên chế giao năm {y}"),
    ("quota", "BC được giao năm {y}"),
    ("present", "Có mặt"),
    ("present", "Số có mặt"),
    ("present", "Hiện có"),
    ("streamlined", "Số người tinh giản"),
    ("streamlined", "Tinh giản biên chế (người)"),
    ("streamlined", "Tinh giản năm {y}"),
    ("job_position", "Tình trạng phê duyệt vị trí việc làm"),
]


def test_t4_template_labels_biểu_01(engine, ingest):
    accepted(ingest(workbook_bytes(Table(b01_columns({}), B01_ROWS))))
    check_b01(engine)


@pytest.mark.parametrize(("field_name", "alias"), B01_ALIASES)
def test_t4_alias_biểu_01(engine, ingest, field_name, alias):
    table = Table(b01_columns({field_name: alias}), B01_ROWS)
    accepted(ingest(workbook_bytes(table)))
    check_b01(engine)


B02_ALIASES = [
    ("stt", "TT"),
    ("stt", "Số TT"),
    ("code", "Mã"),
    ("code", "Mã ĐV"),
    ("code", "Mã số"),
    ("name", "Tên đơn vị"),
    ("name", "Đơn vị sự nghiệp"),
    ("parent", "Cơ quan quản lý"),
    ("parent", "Trực thuộc"),
    ("sector", "Ngành, lĩnh vực"),
    ("autonomy", "Mức độ tự chủ tài chính"),
    ("autonomy", "Nhóm tự chủ"),
    ("quota", "Số người làm việc được giao"),
    ("quota", "Số lượng người làm việc"),
    ("quota", "Số lượng người làm việc năm {y}"),
    ("pending", "Đề nghị giảm"),
    ("pending", "Dự kiến giảm"),
    ("pending", "Trình phê duyệt giảm"),
    ("norm", "Định mức"),
    ("streamlined", "Số người tinh giản"),
    ("streamlined", "Tinh giản biên chế (người)"),
    ("streamlined", "Tinh giản năm {y}"),
    ("job_position", "Tình trạng phê duyệt vị trí việc làm"),
]


def test_t4_template_labels_biểu_02(engine, ingest):
    accepted(ingest(workbook_bytes(table_02(b02_columns({}), B02_ROWS))))
    check_b02(engine)


@pytest.mark.parametrize(("field_name", "alias"), B02_ALIASES)
def test_t4_alias_biểu_02(engine, ingest, field_name, alias):
    table = table_02(b02_columns({field_name: alias}), B02_ROWS)
    accepted(ingest(workbook_bytes(table)))
    check_b02(engine)


# ---------------------------------------------------------------- 5. group rows


def test_t5_group_rows_give_kind_and_district(engine, ingest):
    rows = [
        ["A", "KHỐI THÀNH PHỐ", None, None, None],
        ["I", "Cơ quan chuyên môn thuộc UBND thành phố", None, None, None],
        [1, "Sở Y tế", 120, 118, 115],
        ["II", "Tổ chức hành chính khác", None, None, None],
        [1, "Ban Quản lý các khu chế xuất và công nghiệp", 40, 39, 38],
        ["B", "KHỐI QUẬN, HUYỆN", None, None, None],
        ["1.", "UBND huyện Cờ Đỏ", None, None, None],
        [1, "Phòng Nội vụ", 12, 12, 11],
        [2, "Phòng Tư pháp", 10, 10, 9],
        ["2.", "Ủy ban nhân dân quận Ninh Kiều", None, None, None],
        [1, "Phòng Nội vụ", 14, 14, 13],
    ]
    accepted(ingest(workbook_bytes(simple_b01(rows))))
    assert units(engine) == [
        ("Ban Quản lý các khu chế xuất và công nghiệp", None, "to_chuc_hanh_chinh_khac"),
        ("Phòng Nội vụ", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
        ("Phòng Nội vụ", "Quận Ninh Kiều", "co_quan_chuyen_mon_huyen"),
        ("Phòng Tư pháp", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
        ("Sở Y tế", None, "co_quan_chuyen_mon_tinh"),
    ]
    assert summary(engine)["cong_chuc"]["baseline"] == 120 + 40 + 12 + 10 + 14


def test_t5_bare_district_name_rows_give_the_district(engine, ingest):
    rows = [
        [None, "UBND huyện Cờ Đỏ", None, None, None],
        [1, "Phòng Nội vụ", 12, 12, 11],
        [2, "Phòng Văn hóa và Thông tin", 9, 9, 8],
        [None, "Uỷ ban nhân dân quận Ninh Kiều", None, None, None],
        [1, "Phòng Nội vụ", 14, 14, 13],
    ]
    accepted(ingest(workbook_bytes(simple_b01(rows))))
    assert units(engine) == [
        ("Phòng Nội vụ", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
        ("Phòng Nội vụ", "Quận Ninh Kiều", "co_quan_chuyen_mon_huyen"),
        ("Phòng Văn hóa và Thông tin", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
    ]
    with engine.connect() as conn:
        district_keys = set(conn.execute(select(schema.unit.c.district_key)).scalars())
    assert len(district_keys) == 2


# ---------------------------------------------------------------- 6. subtotals


SUBTOTAL_LABELS = [
    ("Cộng", "name-column"),
    ("Cộng I", "stt-column"),
    ("Cộng:", "name-column"),
    ("CỘNG", "stt-column"),
    ("Tổng cộng", "name-column"),
    ("TỔNG CỘNG", "stt-column"),
    ("Tổng số", "name-column"),
    ("Tổng", "stt-column"),
    ("Cộng I", "name-column"),
]


@pytest.mark.parametrize(("label", "where"), SUBTOTAL_LABELS)
def test_t6_subtotal_rows_are_checked_not_stored(engine, ingest, label, where):
    total = [None, label] if where == "name-column" else [label, None]
    rows = [
        ["I", "Cơ quan chuyên môn thuộc UBND thành phố", None, None, None],
        [1, "Sở Y tế", 120, 118, 115],
        [2, "Sở Tư pháp", 45, 44, 44],
        [*total, 165, 162, 159],
    ]
    result = accepted(ingest(workbook_bytes(simple_b01(rows))))
    assert "subtotal-mismatch" not in codes(result)
    assert unit_names(engine) == {"Sở Y tế", "Sở Tư pháp"}
    assert len(facts(engine)) == 6


def test_t6_nested_subtotals_and_group_figures_that_add_up(engine, ingest):
    rows = [
        [None, "Tổng cộng", 325, 321, 312],
        ["I", "Cơ quan chuyên môn thuộc UBND thành phố", 165, 162, 159],
        [1, "Sở Y tế", 120, 118, 115],
        [2, "Sở Tư pháp", 45, 44, 44],
        [None, "Cộng I", 165, 162, 159],
        ["II", "Chi cục", None, None, None],
        [1, "Chi cục Thú y", 80, 80, 78],
        [2, "Chi cục Kiểm lâm", 80, 79, 75],
        [None, "Cộng", 160, 159, 153],
        [None, "Tổng số", 325, 321, 312],
    ]
    result = accepted(ingest(workbook_bytes(simple_b01(rows))))
    assert not [p for p in result.problems if p.code.startswith("subtotal")]
    assert unit_names(engine) == {"Sở Y tế", "Sở Tư pháp", "Chi cục Thú y", "Chi cục Kiểm lâm"}
    cong_chuc = summary(engine)["cong_chuc"]
    assert (cong_chuc["baseline"], cong_chuc["current"]) == (325, 312)


# ---------------------------------------------------------------- 7. numbers as staff type them


def test_t7_counts_as_text_dash_and_empty(engine, ingest):
    columns = [
        "STT",
        "Tên đơn vị sự nghiệp công lập",
        "Lĩnh vực",
        *per_year(LABELS_02["quota"], (2021, 2022, 2023, 2024)),
        "Số lượng đề nghị giảm (chờ phê duyệt)",
    ]
    bv, th = "Bệnh viện Đa khoa thành phố", "Trường THPT Châu Văn Liêm"
    rows = [
        [1, bv, "Y tế", "1.694", "1 680", "1\u00a0650", 1620.0, "-"],
        [2, th, "Giáo dục và Đào tạo", "20 734", "20.700", None, "20.500", None],
    ]
    accepted(ingest(workbook_bytes(table_02(columns, rows))))
    assert facts(engine) == {
        (bv, "assigned", 2021): 1694,
        (bv, "assigned", 2022): 1680,
        (bv, "assigned", 2023): 1650,
        (bv, "assigned", 2024): 1620,
        (bv, "pending", 2024): 0,
        (th, "assigned", 2021): 20734,
        (th, "assigned", 2022): 20700,
        (th, "assigned", 2024): 20500,
    }
    result = summary(engine)
    assert [(m["name"], m["years"]) for m in result["missing"]] == [(th, [2023])]
    assert result["nguoi_lam_viec"]["baseline"] == 1694 + 20734


@pytest.mark.parametrize(
    ("written", "pct"),
    [("8,17%", 8.17), (0.0817, 8.17), ("5%", 5.0), (5, 5.0), ("10 %", 10.0), ("0,05", 5.0)],
)
def test_t7_percentages_in_biểu_00(engine, ingest, written, pct):
    sheet = form00([[1, "Toàn thành phố", "Người làm việc", 2021, written, None, "KH 123"]])
    accepted(ingest(workbook_bytes(sheet)))
    with engine.connect() as conn:
        stored = conn.execute(select(schema.target.c.measure, schema.target.c.pct)).one()
    assert stored.measure == "nguoi_lam_viec"
    assert stored.pct == pytest.approx(pct)


def test_t7_target_percentage_applies_to_the_baseline(engine, ingest):
    accepted(ingest(workbook_bytes(simple_b01([[1, "Sở Y tế", 1000, 990, 980]]))))
    sheet = form00([[1, "Toàn thành phố", "Biên chế công chức", 2021, "5%", None, "KH 123"]])
    accepted(ingest(workbook_bytes(sheet)))
    cong_chuc = summary(engine)["cong_chuc"]
    assert cong_chuc["target"] == pytest.approx(50)
    assert cong_chuc["pct_of_target"] == pytest.approx(40)


# ---------------------------------------------------------------- 8. formulas


@pytest.mark.parametrize("where", ["cong-row", "group-row"])
def test_t8_subtotal_formula_without_cached_value_is_a_warning(engine, ingest, where):
    top = len(short_title()) + 4  # first data row: 4 title rows, 2 header rows, column numbers
    if where == "cong-row":
        rows = [
            [1, "Sở Y tế", 120, 118, 115],
            [2, "Sở Tư pháp", 45, 44, 44],
            [None, "Cộng", f"=SUM(C{top}:C{top + 1})", 162, 159],
        ]
        cell = f"C{top + 2}"
    else:
        rows = [
            ["I", "Cơ quan chuyên môn", f"=SUM(C{top + 1}:C{top + 2})", 162, 159],
            [1, "Sở Y tế", 120, 118, 115],
            [2, "Sở Tư pháp", 45, 44, 44],
        ]
        cell = f"C{top}"
    table = simple_b01(rows)
    assert table.first_row == top
    result = accepted(ingest(workbook_bytes(table)))
    [warning] = [p for p in result.problems if p.code == "subtotal-formula-no-value"]
    assert (warning.severity, warning.sheet, warning.cell) == ("warning", "Biểu 01", cell)
    assert unit_names(engine) == {"Sở Y tế", "Sở Tư pháp"}
    assert facts(engine)[("Sở Tư pháp", "assigned", 2021)] == 45


def test_t8_formula_with_cached_value_is_read_by_its_value(engine, ingest):
    table = simple_b01([[1, "Sở Y tế", "=100+20", 118, 115], [None, "Cộng", "=C8", 118, 115]])
    assert table.first_row == 8
    content = with_cached_values(workbook_bytes(table), {"C8": 120, "C9": 120})
    result = accepted(ingest(content))
    assert not [p for p in result.problems if "formula" in p.code]
    assert facts(engine)[("Sở Y tế", "assigned", 2021)] == 120


# ---------------------------------------------------------------- 9. dates


@pytest.mark.parametrize(
    "written",
    [
        dt.datetime(2023, 12, 8),
        dt.date(2023, 12, 8),
        45268,  # an Excel serial day number that lost its date format
        "08/12/2023",
        "8/12/2023",
        "ngày 08 tháng 12 năm 2023",
        "Ngày 8 tháng 12 năm 2023",
    ],
    ids=["excel-datetime", "excel-date", "serial", "dd/mm/yyyy", "d/m/yyyy", "words", "Words"],
)
def test_t9_dates_in_biểu_03(engine, ingest, written):
    row = [1, written, "12/QĐ-UBND", "Giải thể", "Trường Mầm non Hoa Mai", None]
    row += ["Đơn vị sự nghiệp công lập", "Giáo dục và Đào tạo", None, None, None, None, None]
    accepted(ingest(workbook_bytes(form03([row]))))
    with engine.connect() as conn:
        event = conn.execute(select(schema.event)).mappings().one()
    assert event["effective_date"] == dt.date(2023, 12, 8)
    assert event["event_type"] == "Giải thể"
    assert unit_row(engine, "Trường Mầm non Hoa Mai")["valid_to"] == dt.date(2023, 12, 8)


# ---------------------------------------------------------------- 10. blank rows, end of table


@pytest.mark.parametrize(
    ("words", "col"),
    [
        ("NGƯỜI LẬP BIỂU", 0),
        ("THỦ TRƯỞNG ĐƠN VỊ", 3),
        ("Thủ trưởng đơn vị", 1),
        ("Nơi nhận:", 0),
        ("Ghi chú: số liệu năm 2024 là số giao đầu năm.", 0),
        ("Cần Thơ, ngày 05 tháng 7 năm 2024", 3),
    ],
)
def test_t10_blank_rows_skipped_and_table_ends_at_signature(engine, ingest, words, col):
    signature = [None] * 5
    signature[col] = words
    table = simple_b01(
        [
            [1, "Sở Y tế", 120, 118, 115],
            [],
            [None, None, None, None, None],
            [2, "Sở Tư pháp", 45, 44, 44],
            [],
            signature,
            [3, "Sở Xây dựng", 60, 59, 58],
            [None, "Tổng cộng", 999, 999, 999],
        ],
        after=[],
    )
    result = accepted(ingest(workbook_bytes(table)))
    assert unit_names(engine) == {"Sở Y tế", "Sở Tư pháp"}
    assert "subtotal-mismatch" not in codes(result)
    assert len(facts(engine)) == 6


def test_t10_a_note_mentioning_a_date_does_not_end_the_table(engine, ingest):
    note = "Giải thể, ngày 01 tháng 3 năm 2023 bàn giao tài sản về Phòng Giáo dục"
    tail = ["Đơn vị sự nghiệp công lập", "Giáo dục và Đào tạo", None, None, None, None]
    rows = [
        [1, "01/03/2023", "QĐ 1", "Giải thể", "Trường Mầm non Hoa Mai", None, *tail, note],
        [2, "01/04/2023", "QĐ 2", "Giải thể", "Trường Mầm non Hoa Sen", None, *tail, None],
    ]
    accepted(ingest(workbook_bytes(form03(rows))))
    with engine.connect() as conn:
        assert len(conn.execute(select(schema.event.c.id)).all()) == 2


# ---------------------------------------------------------------- 11. sheets without a form


def test_t11_instructions_sheet_skipped_with_a_note(engine, ingest):
    guide = Raw(
        "Hướng dẫn",
        [
            ["HƯỚNG DẪN GHI BIỂU"],
            ["1. Cột «Tên cơ quan, tổ chức»: ghi tên đầy đủ của cơ quan."],
            ["2. Cột «Biên chế công chức được giao»: ghi số được giao từng năm."],
            ["STT", "Tên cơ quan, tổ chức", "Biên chế giao năm 2021", "Biên chế giao năm 2024"],
            [1, "Sở Ví dụ", 10, 9],
        ],
    )
    result = accepted(ingest(workbook_bytes(guide, simple_b01([[1, "Sở Y tế", 120, 118, 115]]))))
    [note] = [p for p in result.problems if p.code == "sheet-skipped"]
    assert (note.severity, note.sheet) == ("warning", "Hướng dẫn")
    assert "Hướng dẫn" in note.message_vi
    assert result.forms == ["01"]
    assert unit_names(engine) == {"Sở Y tế"}


def test_t11_empty_sheets_are_ignored(engine, ingest):
    result = accepted(
        ingest(workbook_bytes(Raw("Sheet2", []), simple_b01([[1, "Sở Y tế", 1, 1, 1]])))
    )
    assert result.forms == ["01"]


# ---------------------------------------------------------------- 12. file types


def test_t12_xlsm_accepted(engine, ingest):
    content = as_xlsm(workbook_bytes(simple_b01([[1, "Sở Y tế", 120, 118, 115]])))
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
    result = accepted(ingest(content, "bao_cao.xlsm"))
    assert "file-extension-mismatch" not in codes(result)
    assert facts(engine)[("Sở Y tế", "assigned", 2024)] == 115


def test_t12_ods_accepted(engine, ingest):
    rows = [
        ["Biểu số 01"],
        ["STT", "Tên cơ quan, tổ chức", "Biên chế giao năm 2021", "Biên chế giao năm 2024"],
        [1, "Sở Y tế", 120, 115],
    ]
    result = accepted(ingest(ods({"Biểu 01": rows}), "bao_cao.ods"))
    assert result.forms == ["01"]
    assert facts(engine)[("Sở Y tế", "assigned", 2024)] == 115


def test_t12_ods_with_a_merged_two_row_header(engine, ingest):
    """An .ods merges cells by spans on the first cell (python-calamine does not give them):
    the quota label spread over its years, the name and STT over both header rows."""
    rows = [
        ["Biểu số 01"],
        ["Số liệu tính đến ngày: 30/06/2024"],
        [None, None, None, None, None, None, "ghi chú ngoài bảng"],
        ["STT", "Tên cơ quan, tổ chức", "Biên chế công chức được giao", None, None],
        [None, None, "Năm 2021", "Năm 2022", "Năm 2024"],
        [1, "Sở Y tế", 120, 118, 115],
    ]
    spans = {"Biểu 01": {(3, 0): (2, 1), (3, 1): (2, 1), (3, 2): (1, 3)}}
    result = accepted(ingest(ods({"Biểu 01": rows}, spans), "bao_cao.ods"))
    assert "unknown-column" not in codes(result)
    assert {k: v for k, v in facts(engine).items() if k[0] == "Sở Y tế"} == {
        ("Sở Y tế", "assigned", 2021): 120,
        ("Sở Y tế", "assigned", 2022): 118,
        ("Sở Y tế", "assigned", 2024): 115,
    }


def test_t12_text_file_refused_with_a_clear_message(engine, ingest):
    result = ingest("STT,Tên cơ quan\n1,Sở Y tế\n".encode(), "bao_cao.csv")
    assert result.status == "refused"
    [error] = result.errors
    assert error.code == "file-not-excel"
    assert ".xlsx" in error.message_vi


# ---------------------------------------------------------------- several forms, recognition


def test_two_forms_on_two_sheets(engine, ingest):
    content = workbook_bytes(
        Table(b01_columns({}), B01_ROWS),
        table_02(b02_columns({}), B02_ROWS),
    )
    result = accepted(ingest(content))
    assert result.forms == ["01", "02"]
    check_b02(engine)
    got = summary(engine)
    assert got["cong_chuc"]["baseline"] == 25 + 120
    assert got["nguoi_lam_viec"]["baseline"] == 850 + 95


@pytest.mark.parametrize(
    "heading",
    [["Biểu số 01"], ["Biểu 01"], ["Mẫu 01"], ["BIỂU SỐ 01", "BIÊN CHẾ CÔNG CHỨC"], []],
)
def test_form_recognised_with_or_without_title(engine, ingest, heading):
    rows = [[1, "Sở Y tế", 120, 118, 115]]
    table = simple_b01(rows, name="Sheet1", title=[[h] for h in heading])
    result = accepted(ingest(workbook_bytes(table)))
    assert result.forms == ["01"]


# A header that fits Biểu 01 and Biểu 02 equally well (both accept `Tên đơn vị`, `Số người tinh
# giản`, `Vị trí việc làm`) and lacks the quota: only the title or the sheet name tells which form
# it is, and the refusal must name that form's quota column.
AMBIGUOUS = ["STT", "Tên đơn vị", ("Số người tinh giản", ["Năm 2022", "Năm 2023"]), "Ghi chú"]


@pytest.mark.parametrize(
    ("heading", "sheet", "form_label"),
    [
        pytest.param("Biểu số 01", "Sheet1", "Biên chế công chức được giao"),
        pytest.param("Biểu 01", "Sheet1", "Biên chế công chức được giao"),
        pytest.param("Mẫu 01", "Sheet1", "Biên chế công chức được giao"),
        pytest.param("BM 01", "Sheet1", "Biên chế công chức được giao"),
        pytest.param(None, "Biểu 01", "Biên chế công chức được giao"),
        pytest.param(None, "Bieu_01", "Biên chế công chức được giao"),
        pytest.param(None, "BM01", "Biên chế công chức được giao"),
        pytest.param("Biểu số 02", "Sheet1", "Số lượng người làm việc được giao"),
        pytest.param(None, "Biểu 02", "Số lượng người làm việc được giao"),
    ],
)
def test_form_recognised_by_title_or_sheet_name(engine, ingest, heading, sheet, form_label):
    rows = [[1, "Sở Y tế", 1, 2, None]]
    table = Table(AMBIGUOUS, rows, name=sheet, title=[[heading]] if heading else [])
    result = ingest(workbook_bytes(table))
    assert result.status == "refused"
    [error] = result.errors
    assert error.code == "missing-year"
    assert form_label in error.message_vi


# ------------------------------------------------ name matching (docs/domain.md, "Name matching")


def one_unit_b01(name: str, quota_2024: int, *, code: str | None = None) -> bytes:
    columns = ["STT", "Mã đơn vị", "Tên cơ quan, tổ chức", *per_year("Biên chế giao", (2021, 2024))]
    return workbook_bytes(Table(columns, [[1, code, name, 100, quota_2024]]))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Sở Y tế", _nfd("Sở Y tế")),
        ("Văn phòng Ủy ban nhân dân thành phố", "Văn phòng Uỷ ban nhân dân thành phố"),
        ("Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hoá, Thể thao và Du lịch"),
        ("Văn phòng UBND thành phố", "Văn phòng Ủy ban nhân dân thành phố"),
        ("Văn phòng Ủy ban nhân dân thành phố", "Văn phòng UBND TP."),
        ("Sở Y tế", "Sở Y tế¹"),
        ("Sở Y tế", "Sở Y tế (1)"),
        ("Sở Y tế", "  SỞ  Y TẾ "),
        ("Trung tâm Y tế quận Ninh Kiều", "Trung tâm Y tế Q. Ninh Kiều"),
    ],
)
def test_names_written_differently_match_the_same_unit(engine, ingest, first, second):
    accepted(ingest(one_unit_b01(first, 95)))
    result = accepted(ingest(one_unit_b01(second, 90)))
    assert "new-unit" not in codes(result)
    assert unit_names(engine) == {first}
    assert summary(engine)["cong_chuc"]["current"] == 90


@pytest.mark.parametrize(
    "second_district",
    [
        [None, "Ủy ban nhân dân huyện Cờ Đỏ", None, None, None],
        [None, "UBND H. Cờ Đỏ", None, None, None],
    ],
    ids=["group-row-full", "group-row-abbrev"],
)
def test_district_group_rows_written_differently_match(engine, ingest, second_district):
    first = [[None, "UBND huyện Cờ Đỏ", None, None, None], [1, "Phòng Nội vụ", 12, 12, 11]]
    accepted(ingest(workbook_bytes(simple_b01(first))))
    second = [second_district, [1, "Phòng Nội vụ", 12, 12, 10]]
    result = accepted(ingest(workbook_bytes(simple_b01(second))))
    assert "new-unit" not in codes(result)
    assert units(engine) == [("Phòng Nội vụ", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen")]
    assert facts(engine)[("Phòng Nội vụ", "assigned", 2024)] == 10


@pytest.mark.parametrize("written", ["Cờ Đỏ", "Huyện Cờ Đỏ", "huyện Cờ Đỏ", "H. Cờ Đỏ"])
def test_district_column_matches_a_district_group_row(engine, ingest, written):
    first = [[None, "UBND huyện Cờ Đỏ", None, None, None], [1, "Phòng Nội vụ", 12, 12, 11]]
    accepted(ingest(workbook_bytes(simple_b01(first))))
    columns = [
        "STT",
        "Tên cơ quan, tổ chức",
        "Quận, huyện",
        *per_year("Biên chế giao", QUOTA_YEARS),
    ]
    result = accepted(
        ingest(workbook_bytes(Table(columns, [[1, "Phòng Nội vụ", written, 12, 12, 10]])))
    )
    assert "new-unit" not in codes(result)
    assert len(units(engine)) == 1
    assert facts(engine)[("Phòng Nội vụ", "assigned", 2024)] == 10


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Trường Tiểu học An Bình A", "Trường Tiểu học An Bình B"),
        ("Bệnh viện số 1", "Bệnh viện số 2"),
    ],
)
def test_names_differing_in_a_letter_or_number_are_two_units(engine, ingest, a, b):
    columns = [
        "STT",
        "Tên đơn vị sự nghiệp công lập",
        *per_year("Số lượng người làm việc", (2021, 2024)),
    ]

    def upload(rows: list[list[Any]]) -> Any:
        return accepted(ingest(workbook_bytes(table_02(columns, rows))))

    upload([[1, a, 40, 38]])
    # the other letter is a new unit: neither merged into the first nor refused as a near match
    assert codes(upload([[1, b, 35, 35]])) == ["new-unit"]
    # both in one return: two rows, not a duplicate
    assert codes(upload([[1, a, 40, 37], [2, b, 35, 34]])) == []
    assert unit_names(engine) == {a, b}
    assert facts(engine)[(a, "assigned", 2024)] == 37
    assert facts(engine)[(b, "assigned", 2024)] == 34


def test_phong_noi_vu_under_two_districts_are_two_units(engine, ingest):
    first = [[None, "UBND huyện Cờ Đỏ", None, None, None], [1, "Phòng Nội vụ", 12, 12, 11]]
    accepted(ingest(workbook_bytes(simple_b01(first))))
    second = [[None, "UBND huyện Phong Điền", None, None, None], [1, "Phòng Nội vụ", 9, 9, 9]]
    result = accepted(ingest(workbook_bytes(simple_b01(second))))
    assert codes(result, "warning") == ["new-unit"]
    assert units(engine) == [
        ("Phòng Nội vụ", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
        ("Phòng Nội vụ", "Huyện Phong Điền", "co_quan_chuyen_mon_huyen"),
    ]


def test_unit_code_wins_over_the_name(engine, ingest):
    accepted(ingest(one_unit_b01("Sở Nội vụ", 95, code="000.00.01.H13")))
    result = accepted(ingest(one_unit_b01("Sở Nội vụ thành phố Cần Thơ", 90, code="000.00.01.H13")))
    assert "new-unit" not in codes(result)
    assert unit_names(engine) == {"Sở Nội vụ"}
    assert facts(engine)[("Sở Nội vụ", "assigned", 2024)] == 90


def test_a_code_matches_whatever_its_case_also_one_learned_by_name(engine, ingest):
    """Codes compare case-insensitively (docs/domain.md, Name matching), looked up by their
    stored case-folded form: a code written in other letters later, a code a known unit
    (matched by its name) is given by a later return, and one with a letter that folds to
    two (ß → ss) all find their unit, in files naming no other unit."""
    accepted(ingest(one_unit_b01("Sở Nội vụ", 95, code="000.00.01.H13")))
    accepted(ingest(one_unit_b01("Sở Y tế", 80)))
    accepted(ingest(one_unit_b01("Sở Y tế", 81, code="syt-Straße")))  # learned by name
    result = accepted(ingest(one_unit_b01("Sở Nội vụ mới", 90, code="000.00.01.h13")))
    assert "new-unit" not in codes(result)
    result = accepted(ingest(one_unit_b01("Sở Y tế thành phố", 79, code="SYT-STRASSE")))
    assert "new-unit" not in codes(result)
    assert unit_names(engine) == {"Sở Nội vụ", "Sở Y tế"}
    assert facts(engine)[("Sở Nội vụ", "assigned", 2024)] == 90
    assert facts(engine)[("Sở Y tế", "assigned", 2024)] == 79
    u = schema.unit.c
    with engine.connect() as conn:
        keys = dict(conn.execute(select(u.name, u.code_key)).all())
    assert keys == {"Sở Nội vụ": "000.00.01.h13", "Sở Y tế": "syt-strasse"}


def test_unit_code_wins_over_another_units_name(engine, ingest):
    columns = ["STT", "Mã đơn vị", "Tên cơ quan, tổ chức", *per_year("Biên chế giao", (2021, 2024))]
    first = [[1, "SNV", "Sở Nội vụ", 60, 58], [2, "STP", "Sở Tư pháp", 45, 44]]
    accepted(ingest(workbook_bytes(Table(columns, first))))
    accepted(ingest(workbook_bytes(Table(columns, [[1, "STP", "Sở Nội vụ", 45, 40]]))))
    assert facts(engine)[("Sở Tư pháp", "assigned", 2024)] == 40
    assert facts(engine)[("Sở Nội vụ", "assigned", 2024)] == 58
