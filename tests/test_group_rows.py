"""Group rows known by the table's structure, not by their numbering (docs/forms.md, tolerance
5): a row that names a district, a sector or a kind of agency, has no figures and has rows
under it is a group row whatever its STT (`1`, `I`, `A`, `1.`, none), and its rows may be
numbered `1.1`, `a`, `a)`, `-`, `+`, `*`, `1, 2…` again or not at all. Most cases are read in
this process (`read_forms_in_process`, no database); the random layouts are stored in SQLite
and the stored facts compared.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from etl import service
from etl.core.problems import ProblemLog
from etl.reading.limits import Limits
from etl.reading.reader import read_forms_in_process
from etl.storage import schema
from tests.builders import LABELS_01, LABELS_02, Spec, Table, per_year, short_title, workbook_bytes
from tests.conftest import ingest_with_period
from tests.test_tolerances import units

YEARS = (2021, 2022, 2024)

# ---------------------------------------------------------------- reading in this process


def read(content: bytes) -> tuple[list[Any], list[Any]]:
    """The unit rows of every sheet and the problems, read as an upload reads them."""
    log = ProblemLog("bao_cao.xlsx")
    sheets = read_forms_in_process(content, "xlsx", log, Limits()) or []
    return [u for s in sheets for u in s.units], log.items


def stored_shape(rows: list[Any]) -> list[tuple[str, str | None, str | None, dict[Any, int]]]:
    """(name, district, agency kind or sector, figures) of each unit row, sorted."""
    return sorted(
        (
            u.name.value,
            u.attrs.get("district"),
            u.attrs.get("agency_kind") or u.attrs.get("sector"),
            {k: c.value for k, c in u.yearly.items()},
        )
        for u in rows
    )


def b01(rows: list[list[Any]]) -> bytes:
    """Biểu 01: STT, name, quota 2021/2022/2024 under a merged group label."""
    columns = [LABELS_01["stt"], LABELS_01["name"], *per_year(LABELS_01["quota"], YEARS)]
    return workbook_bytes(Table(columns, rows))


def b02(rows: list[list[Any]]) -> bytes:
    """Biểu 02: STT, name, staff numbers 2021/2022/2024."""
    columns = [LABELS_02["stt"], LABELS_02["name"], *per_year(LABELS_02["quota"], YEARS)]
    return workbook_bytes(Table(columns, rows, name="Biểu 02", title=short_title("02")))


def no_errors(problems: list[Any]) -> None:
    errors = [(p.code, p.cell, p.message_vi) for p in problems if p.severity == "error"]
    assert not errors, errors


# ---------------------------------------------------------------- a district return

# (as the group row names it, the district stored)
DISTRICTS = [
    ("UBND quận Ninh Kiều", "Quận Ninh Kiều"),
    ("Uỷ ban nhân dân huyện Cờ Đỏ", "Huyện Cờ Đỏ"),  # old tone placement
    ("Ủy ban nhân dân quận Bình Thủy", "Quận Bình Thủy"),
    ("UBND TP. Vị Thanh", "Thành phố Vị Thanh"),
    ("Thị xã Long Mỹ", "Thị xã Long Mỹ"),
    ("Huyện Phong Điền", "Huyện Phong Điền"),
    ("Quận Cái Răng", "Quận Cái Răng"),
]
PHONG = [
    ("Phòng Nội vụ", 12),
    ("Phòng Tư pháp", 9),
    ("Phòng Văn hóa và Thông tin", 7),
]


def figures(base: int, d: int) -> list[int]:
    return [base + d, base + d, base + d - 1]


def group_stt(style: Any, i: int) -> Any:
    """The STT of the i-th group row (from 0) in `style`."""
    return {
        "1": i + 1,
        "'1": str(i + 1),
        "I": ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"][i],
        "A": "ABCDEFGH"[i],
        "1.": f"{i + 1}.",
        "none": None,
    }[style]


def child_stt(style: str, i: int, j: int) -> Any:
    """The STT of the j-th row (from 0) of the i-th group in `style`."""
    return {
        "1.1": f"{i + 1}.{j + 1}",
        "1.1 as a number": float(f"{i + 1}.{j + 1}"),
        "a": "abcdefgh"[j],
        "a)": "abcdefgh"[j] + ")",
        "-": "-",
        "+": "+",
        "*": "*",
        "1": j + 1,
        "none": None,
    }[style]


GROUP_STYLES = ["1", "'1", "I", "A", "1.", "none"]
CHILD_STYLES = ["1.1", "1.1 as a number", "a", "a)", "-", "+", "*", "1", "none"]


def district_return(
    group: str,
    child: str,
    *,
    districts: Sequence[tuple[str, str]] = DISTRICTS,
    subtotals: bool = True,
    blank_figures: str | None = None,
) -> list[list[Any]]:
    """Every district of `districts` as a figure-less group row numbered `group`, its phòng
    numbered `child`, then its `Cộng` (the sum of its phòng) when `subtotals`; the phòng named
    `blank_figures` reports no figures."""
    rows: list[list[Any]] = []
    for i, (label, _district) in enumerate(districts):
        rows.append([group_stt(group, i), label, None, None, None])
        total = [0, 0, 0]
        for j, (name, base) in enumerate(PHONG):
            values: list[Any] = figures(base, i)
            if name == blank_figures:
                values = [None, None, None]
            else:
                total = [a + b for a, b in zip(total, values, strict=True)]
            rows.append([child_stt(child, i, j), name, *values])
        if subtotals:
            rows.append([None, "Cộng", *total])
    return rows


def expected_districts(
    districts: Sequence[tuple[str, str]] = DISTRICTS, blank_figures: str | None = None
) -> list[Any]:
    return sorted(
        (
            name,
            district,
            "co_quan_chuyen_mon_huyen",
            {}
            if name == blank_figures
            else dict(zip([("quota", y) for y in YEARS], figures(base, i), strict=True)),
        )
        for i, (_label, district) in enumerate(districts)
        for name, base in PHONG
    )


@pytest.mark.parametrize("child", CHILD_STYLES)
@pytest.mark.parametrize("group", GROUP_STYLES)
def test_district_groups_whatever_their_numbering(group, child):
    """The issue's return: `1 | UBND quận Ninh Kiều` (no figures), its phòng, `Cộng`, `2 | …`
    was refused with a `duplicate-row` per phòng; every numbering now reads the same."""
    unit_rows, problems = read(b01(district_return(group, child)))
    no_errors(problems)
    assert stored_shape(unit_rows) == expected_districts()


@pytest.mark.parametrize("child", ["1.1", "a", "-", "none", "1"])
@pytest.mark.parametrize("group", ["1", "I", "none"])
def test_district_groups_without_subtotals(group, child):
    """Without `Cộng` rows a group ends at the next district."""
    unit_rows, problems = read(b01(district_return(group, child, subtotals=False)))
    no_errors(problems)
    assert stored_shape(unit_rows) == expected_districts()


@pytest.mark.parametrize("child", ["a", "1.1", "-", "1", "none"])
@pytest.mark.parametrize("group", ["1", "1.", "I"])
def test_a_phong_without_figures_stays_under_its_district(group, child):
    """A phòng that reports nothing is a unit of its district, not a group that would take
    the next phòng away from it (`b | Phòng Tư pháp` with no figures between `a` and `c`)."""
    rows = district_return(group, child, blank_figures="Phòng Tư pháp")
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert stored_shape(unit_rows) == expected_districts(blank_figures="Phòng Tư pháp")


@pytest.mark.parametrize(("label", "district"), DISTRICTS)
def test_each_way_of_naming_a_district(label, district):
    rows = [
        [1, "UBND huyện Thới Lai", None, None, None],
        [None, "Phòng Nội vụ", 12, 12, 11],
        [2, label, None, None, None],
        [None, "Phòng Nội vụ", 14, 14, 13],
    ]
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs["district"]) for u in unit_rows] == [
        ("Phòng Nội vụ", "Huyện Thới Lai"),
        ("Phòng Nội vụ", district),
    ]


@pytest.mark.parametrize("child", ["1.1", "a", "-", "1", "none"])
@pytest.mark.parametrize("group", ["1", "'1"])
def test_numbered_district_rows_with_their_total_are_checked_groups(group, child):
    """`1 | UBND quận Ninh Kiều | 22 …` (the district's total) over its phòng: a group whose
    figures are checked against its rows, not a unit."""
    rows = [
        [group_stt(group, 0), "UBND quận Ninh Kiều", 22, 22, 20],
        [child_stt(child, 0, 0), "Phòng Nội vụ", 12, 12, 11],
        [child_stt(child, 0, 1), "Phòng Tư pháp", 10, 10, 9],
        [group_stt(group, 1), "UBND huyện Cờ Đỏ", 14, 14, 99],
        [child_stt(child, 1, 0), "Phòng Nội vụ", 14, 14, 13],
    ]
    unit_rows, problems = read(b01(rows))
    assert [(u.name.value, u.attrs["district"]) for u in unit_rows] == [
        ("Phòng Nội vụ", "Quận Ninh Kiều"),
        ("Phòng Tư pháp", "Quận Ninh Kiều"),
        ("Phòng Nội vụ", "Huyện Cờ Đỏ"),
    ]
    assert [(p.code, p.cell) for p in problems] == [("subtotal-mismatch", "E11")]


def test_district_groups_under_a_block_letter():
    """`B | KHỐI QUẬN, HUYỆN`, then districts numbered `1`, `2` with their phòng `1.1`, `1.2`."""
    rows = [
        ["A", "KHỐI THÀNH PHỐ", None, None, None],
        [1, "Sở Y tế", 120, 118, 115],
        [2, "Sở Tư pháp", 45, 44, 44],
        ["B", "KHỐI QUẬN, HUYỆN", None, None, None],
        [1, "UBND quận Ninh Kiều", None, None, None],
        ["1.1", "Phòng Nội vụ", 12, 12, 11],
        ["1.2", "Phòng Tư pháp", 10, 10, 9],
        [2, "UBND huyện Cờ Đỏ", None, None, None],
        ["2.1", "Phòng Nội vụ", 14, 14, 13],
    ]
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs.get("district"), u.attrs["agency_kind"]) for u in unit_rows] == [
        ("Sở Y tế", None, "co_quan_chuyen_mon_tinh"),
        ("Sở Tư pháp", None, "co_quan_chuyen_mon_tinh"),
        ("Phòng Nội vụ", "Quận Ninh Kiều", "co_quan_chuyen_mon_huyen"),
        ("Phòng Tư pháp", "Quận Ninh Kiều", "co_quan_chuyen_mon_huyen"),
        ("Phòng Nội vụ", "Huyện Cờ Đỏ", "co_quan_chuyen_mon_huyen"),
    ]


def test_the_provinces_own_city_over_its_so_is_not_a_district():
    rows = [
        [1, "UBND thành phố Cần Thơ", None, None, None],
        ["1.1", "Sở Y tế", 120, 118, 115],
        [2, "UBND TP. Vị Thanh", None, None, None],
        ["2.1", "Phòng Nội vụ", 12, 12, 11],
    ]
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs.get("district")) for u in unit_rows] == [
        ("Sở Y tế", None),
        ("Phòng Nội vụ", "Thành phố Vị Thanh"),
    ]


def test_numbered_kind_of_agency_groups():
    """`1 | Cơ quan chuyên môn thuộc UBND thành phố`, `2 | Chi cục` with their units `-`:
    `Chi cục Thú y` with no figures is a unit, not a group."""
    rows = [
        [1, "Cơ quan chuyên môn thuộc UBND thành phố", None, None, None],
        ["-", "Sở Y tế", 120, 118, 115],
        [2, "Các chi cục thuộc Sở", None, None, None],
        ["-", "Chi cục Thú y", None, None, None],
        ["-", "Chi cục Kiểm lâm", 80, 79, 75],
    ]
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs["agency_kind"]) for u in unit_rows] == [
        ("Sở Y tế", "co_quan_chuyen_mon_tinh"),
        ("Chi cục Thú y", "chi_cuc"),
        ("Chi cục Kiểm lâm", "chi_cuc"),
    ]


# ---------------------------------------------------------------- groups by sector (Biểu 02)


@pytest.mark.parametrize("child", ["1.1", "a)", "+", "none", "1"])
@pytest.mark.parametrize("group", ["1", "I", "none"])
@pytest.mark.parametrize(
    ("education", "health"),
    [
        ("Lĩnh vực Giáo dục", "Lĩnh vực Y tế"),
        ("Khối trường học", "Khối bệnh viện"),
        ("Giáo dục và Đào tạo", "Y tế"),
    ],
)
def test_sector_groups(education, health, group, child):
    rows = [
        [group_stt(group, 0), education, None, None, None],
        [child_stt(child, 0, 0), "Trường THPT Châu Văn Liêm", 95, 93, 90],
        [child_stt(child, 0, 1), "Trường Mầm non Hoa Sen", 30, 30, 29],
        [group_stt(group, 1), health, None, None, None],
        [child_stt(child, 1, 0), "Bệnh viện Nhi đồng", 420, 415, 410],
    ]
    unit_rows, problems = read(b02(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs.get("sector")) for u in unit_rows] == [
        ("Trường THPT Châu Văn Liêm", "Giáo dục và Đào tạo"),
        ("Trường Mầm non Hoa Sen", "Giáo dục và Đào tạo"),
        ("Bệnh viện Nhi đồng", "Y tế"),
    ]


@pytest.mark.parametrize("child", ["1", "-", "a"])
def test_numbered_parent_unit_groups_on_biểu_02(child):
    """`1 | Sở Y tế` with no figures and its units numbered from 1 again (or `-`, `a`): a group
    over the rows under it; `2 | Sở Nội vụ` the next one, their parent."""
    rows = [
        [1, "Sở Y tế", None, None, None],
        [child_stt(child, 0, 0), "Bệnh viện Nhi đồng", 420, 415, 410],
        [child_stt(child, 0, 1), "Trung tâm Kiểm soát bệnh tật", 80, 80, 78],
        [2, "Sở Nội vụ", None, None, None],
        [child_stt(child, 1, 0), "Trung tâm Lưu trữ lịch sử", 15, 15, 14],
    ]
    unit_rows, problems = read(b02(rows))
    no_errors(problems)
    assert [u.name.value for u in unit_rows] == [
        "Bệnh viện Nhi đồng",
        "Trung tâm Kiểm soát bệnh tật",
        "Trung tâm Lưu trữ lịch sử",
    ]
    assert [u.attrs.get("parent") or u.attrs.get("sector") for u in unit_rows] == [
        "Y tế",  # `Sở Y tế` names a sector (docs/forms.md, tolerance 5)
        "Y tế",
        "Sở Nội vụ",
    ]


def test_unnumbered_parent_rows_over_numbered_units_on_biểu_02():
    """The usual layout: a bold unnumbered parent row, its units numbered from 1."""
    rows = [
        [None, "Sở Nội vụ", None, None, None],
        [1, "Trung tâm Lưu trữ lịch sử", 15, 15, 14],
        [None, "Sở Tài nguyên và Môi trường", None, None, None],
        [1, "Văn phòng Đăng ký đất đai", 60, 58, 57],
        [2, "Trung tâm Quan trắc", 12, 12, 12],
    ]
    unit_rows, problems = read(b02(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs.get("parent")) for u in unit_rows] == [
        ("Trung tâm Lưu trữ lịch sử", "Sở Nội vụ"),
        ("Văn phòng Đăng ký đất đai", "Sở Tài nguyên và Môi trường"),
        ("Trung tâm Quan trắc", "Sở Tài nguyên và Môi trường"),
    ]


def test_unnumbered_parent_rows_over_unnumbered_units_on_biểu_02():
    """Nothing numbered: a `Sở …` row names the parent of the units under it on Biểu 02, and
    an unnumbered unit without figures among its siblings stays a unit."""
    rows = [
        [None, "Sở Nội vụ", None, None, None],
        [None, "Trung tâm Lưu trữ lịch sử", 15, 15, 14],
        [None, "Trung tâm Tin học", None, None, None],
        [None, "Trung tâm Hội nghị", 8, 8, 8],
        [None, "Sở Tài nguyên và Môi trường", None, None, None],
        [None, "Văn phòng Đăng ký đất đai", 60, 58, 57],
    ]
    unit_rows, problems = read(b02(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs.get("parent")) for u in unit_rows] == [
        ("Trung tâm Lưu trữ lịch sử", "Sở Nội vụ"),
        ("Trung tâm Tin học", "Sở Nội vụ"),
        ("Trung tâm Hội nghị", "Sở Nội vụ"),
        ("Văn phòng Đăng ký đất đai", "Sở Tài nguyên và Môi trường"),
    ]


@pytest.mark.parametrize("child", ["1", "-", "*", "a)", "1.1", "none"])
@pytest.mark.parametrize("group", ["1", "none", "I"])
def test_last_phong_without_figures_is_not_a_group_over_the_next_district(group, child):
    """`2 | Phòng Tư pháp` (nothing reported) then `2 | UBND huyện Cờ Đỏ`: the district is
    not under the phòng, which stays a unit of the first district."""
    rows = district_return(
        group,
        child,
        districts=DISTRICTS[:2],
        subtotals=False,
        blank_figures="Phòng Văn hóa và Thông tin",
    )
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert stored_shape(unit_rows) == expected_districts(
        DISTRICTS[:2], blank_figures="Phòng Văn hóa và Thông tin"
    )


def test_unnumbered_district_row_with_its_total_over_numbered_phong():
    rows = [
        [None, "UBND huyện Cờ Đỏ", 22, 22, 20],
        [1, "Phòng Nội vụ", 12, 12, 11],
        [2, "Phòng Tư pháp", 10, 10, 9],
        [None, "UBND quận Ninh Kiều", 14, 14, 99],
        [1, "Phòng Nội vụ", 14, 14, 13],
    ]
    unit_rows, problems = read(b01(rows))
    assert [(u.name.value, u.attrs["district"]) for u in unit_rows] == [
        ("Phòng Nội vụ", "Huyện Cờ Đỏ"),
        ("Phòng Tư pháp", "Huyện Cờ Đỏ"),
        ("Phòng Nội vụ", "Quận Ninh Kiều"),
    ]
    assert [(p.code, p.cell) for p in problems] == [("subtotal-mismatch", "E11")]


@pytest.mark.parametrize("sheet", ["01", "02"])
def test_unnumbered_unit_without_figures_between_1_and_2_is_a_unit(sheet):
    rows = [
        [1, "Trung tâm Lưu trữ lịch sử", 15, 15, 14],
        [None, "Trung tâm Tin học", None, None, None],
        [2, "Trung tâm Quan trắc", 12, 12, 12],
    ]
    unit_rows, problems = read((b01 if sheet == "01" else b02)(rows))
    no_errors(problems)
    assert [(u.name.value, u.attrs.get("parent")) for u in unit_rows] == [
        ("Trung tâm Lưu trữ lịch sử", None),
        ("Trung tâm Tin học", None),
        ("Trung tâm Quan trắc", None),
    ]


def test_numbered_unit_without_figures_between_numbered_units_is_a_unit():
    """`2 | Sở Tư pháp` with no figures between `1` and `3` is a unit that reported nothing."""
    rows = [
        [1, "Sở Y tế", 120, 118, 115],
        [2, "Sở Tư pháp", None, None, None],
        [3, "Sở Xây dựng", 50, 49, 48],
    ]
    unit_rows, problems = read(b01(rows))
    no_errors(problems)
    assert [u.name.value for u in unit_rows] == ["Sở Y tế", "Sở Tư pháp", "Sở Xây dựng"]


# ---------------------------------------------------------------- unclear structure: one problem


def test_unclear_grouping_is_one_problem_naming_every_row():
    """Rows without figures numbered like units, each followed by a `Văn phòng`: they may be
    groups (then nothing is listed twice) or units (then `Văn phòng` is). Said once."""
    rows = [[1, "Sở Y tế", 120, 118, 115]]
    for i, so in enumerate(["Sở Tài chính", "Sở Tư pháp", "Sở Xây dựng", "Sở Công Thương"]):
        rows += [[2 + 2 * i, so, None, None, None], [3 + 2 * i, "Văn phòng", 10, 10, 9]]
    _units, problems = read(b01(rows))
    assert [p.code for p in problems if p.severity == "error"] == ["group-rows-unclear"]
    [problem] = problems
    # data from row 8: Sở Y tế, then a figure-less row on 9, 11, 13, 15, `Văn phòng` on 10 … 16
    assert problem.cell == "B11"  # the figure-less row between the first two listings
    assert "dòng 11, 13, 15" in problem.message_vi
    assert "B10, B12, B14, B16" in problem.message_vi


@pytest.mark.parametrize("child", ["1.1", "a", "-", "none"])
def test_groups_that_name_nothing_known_over_the_same_phong_are_one_problem(child):
    """`1 | Ninh Kiều` (a district without `Quận`/`UBND`) over its phòng: a group by its
    structure, but what it gives is unknown, so the phòng of three districts collide. One
    problem names the group rows and every repeated cell, not a `duplicate-row` each."""
    rows: list[list[Any]] = []
    for i, district in enumerate(["Ninh Kiều", "Cờ Đỏ", "Phong Điền"]):
        rows.append([i + 1, district, None, None, None])
        rows += [
            [child_stt(child, i, j), name, *figures(base, i)]
            for j, (name, base) in enumerate(PHONG)
        ]
    _units, problems = read(b01(rows))
    assert [p.code for p in problems] == ["group-rows-unclear"]
    [problem] = problems
    # data from row 8: the group rows are 8, 12 and 16, each with three phòng under it
    assert problem.cell == "B8"
    assert "dòng 8, 12, 16" in problem.message_vi
    assert "B9, B10, B11, B13, B14, B15, B17, B18, B19" in problem.message_vi


def test_a_unit_listed_twice_without_figure_less_rows_between_is_still_duplicate_row():
    rows = [[1, "Sở Y tế", 120, 118, 115], [2, "Sở Tư pháp", 45, 44, 44], [3, "SỞ Y TẾ", 1, 1, 1]]
    _units, problems = read(b01(rows))
    assert [p.code for p in problems] == ["duplicate-row"]


# ---------------------------------------------------------------- random layouts, stored the same

# One known return: two sở, and two districts of two phòng each. (name, district, figures:
# quota 2021, 2022, 2024, present 2024)
# Three units report nothing, each where a figure-less row is easily taken for a group row:
# between two sở, last under the first district, between two phòng.
NOTHING = (None, None, None, None)
KNOWN: list[tuple[str, str | None, tuple[Any, Any, Any, Any]]] = [
    ("Sở Y tế", None, (120, 118, 115, 112)),
    ("Sở Xây dựng", None, NOTHING),
    ("Sở Tư pháp", None, (45, 44, 44, 40)),
    ("Phòng Nội vụ", "Quận Ninh Kiều", (12, 12, 11, 11)),
    ("Phòng Tư pháp", "Quận Ninh Kiều", NOTHING),
    ("Phòng Nội vụ", "Huyện Cờ Đỏ", (14, 14, 13, 13)),
    ("Phòng Văn hóa và Thông tin", "Huyện Cờ Đỏ", NOTHING),
    ("Phòng Tư pháp", "Huyện Cờ Đỏ", (9, 9, 8, 7)),
]


def added(values: Sequence[Any]) -> list[int]:
    return [sum(v for v in column if v is not None) for column in zip(*values, strict=True)]


DISTRICT_ROWS = {
    "Quận Ninh Kiều": "UBND quận Ninh Kiều",
    "Huyện Cờ Đỏ": "Uỷ ban nhân dân huyện Cờ Đỏ",
}


def random_layout(rng: random.Random) -> tuple[str, bytes]:
    """`KNOWN` laid out at random: the district by group rows (numbered in any style, their
    phòng in any style, with or without `Cộng` and block rows `A`/`B`) or by a column; blank
    rows anywhere; columns in any order; a header of one or two rows; a `Tổng cộng` or not.
    Returns a description (for a failure's message) and the workbook."""
    groups = rng.random() < 0.7
    group, child = rng.choice(GROUP_STYLES), rng.choice(CHILD_STYLES)
    blocks = groups and group != "A" and rng.random() < 0.5
    subtotals = groups and rng.random() < 0.5
    grand_total = rng.choice([None, "top", "bottom"])
    one_row_header = rng.random() < 0.5
    colnums = rng.choice(["(n)", "n", None])
    blank_rate = rng.choice([0.0, 0.1, 0.3])

    fields = ["stt", "name", "quota", "present"] + ([] if groups else ["district"])
    rng.shuffle(fields)
    columns: list[Spec] = []
    for f in fields:
        if f == "quota":
            label = LABELS_01["quota"] + (" năm {y}" if one_row_header else "")
            columns += per_year(label, YEARS)
        else:
            columns.append(LABELS_01[f])

    def row(stt: Any, name: str, values: Sequence[Any] = (None,) * 4, district: Any = None):
        by_field = {"stt": [stt], "name": [name], "quota": list(values[:3]), "present": [values[3]]}
        by_field["district"] = [district]
        return [v for f in fields for v in by_field[f]]

    rows: list[list[Any]] = []
    total = added([k[2] for k in KNOWN])
    if grand_total == "top":
        rows.append(row(None, "Tổng cộng", total))
    city = [k for k in KNOWN if k[1] is None]
    if blocks:
        rows.append(row("A", "KHỐI THÀNH PHỐ"))
    for j, (name, _d, values) in enumerate(city):
        rows.append(row(j + 1, name, values))
    if blocks:
        rows.append(row("B", "KHỐI QUẬN, HUYỆN"))
    for i, district in enumerate(DISTRICT_ROWS):
        phong = [k for k in KNOWN if k[1] == district]
        if groups:
            rows.append(row(group_stt(group, i), DISTRICT_ROWS[district]))
        for j, (name, _d, values) in enumerate(phong):
            stt = child_stt(child, i, j) if groups else len(city) + 3 * i + j + 1
            rows.append(row(stt, name, values, None if groups else district))
        if subtotals:
            rows.append(row(None, "Cộng", added([k[2] for k in phong])))
    if grand_total == "bottom":
        rows.append(row(None, "Tổng cộng", total))
    laid_out: list[list[Any]] = []
    for r in rows:
        while rng.random() < blank_rate:
            laid_out.append([])
        laid_out.append(r)
    description = (
        f"groups={groups} group={group!r} child={child!r} blocks={blocks} subtotals={subtotals} "
        f"total={grand_total} fields={fields} one_row_header={one_row_header} colnums={colnums} "
        f"blank_rate={blank_rate}"
    )
    return description, workbook_bytes(Table(columns, laid_out, colnums=colnums))


def tidy_form() -> bytes:
    """`KNOWN` in the tidy form: one row per unit, the district in its column."""
    columns = [
        LABELS_01["stt"],
        LABELS_01["name"],
        LABELS_01["district"],
        *per_year(LABELS_01["quota"], YEARS),
        LABELS_01["present"],
    ]
    rows = [[i + 1, name, d, *values] for i, (name, d, values) in enumerate(KNOWN)]
    return workbook_bytes(Table(columns, rows))


def stored(engine: Engine) -> tuple[dict[Any, int], list[Any]]:
    """Every stored fact by (unit, district, status, year), and the units."""
    f, u = schema.fact.c, schema.unit.c
    query = select(u.name, u.district, f.status, f.year, f.value).join_from(
        schema.fact, schema.unit, f.unit_id == u.id
    )
    with engine.connect() as conn:
        got = {(n, d, s, y): v for n, d, s, y, v in conn.execute(query)}
    return got, units(engine)


@pytest.fixture(scope="module")
def blank_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, copied for each upload (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "blank.sqlite3"
    service.migrate(f"sqlite:///{path}")
    return path


def store(blank: Path, where: Path, content: bytes) -> tuple[dict[Any, int], list[Any]]:
    """`content` uploaded into a fresh copy of the blank database; what was stored."""
    where.mkdir()
    path = where / "db.sqlite3"
    shutil.copy(blank, path)
    engine = service.open_engine(f"sqlite:///{path}")
    try:
        result = ingest_with_period(engine, content, "bao_cao.xlsx", uploads_dir=where / "up")
        assert result.status == "accepted", [(p.code, p.cell, p.message_vi) for p in result.errors]
        return stored(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def tidy_stored(blank_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return store(blank_database, tmp_path_factory.mktemp("tidy") / "db", tidy_form())


def test_tidy_form_stores_the_known_return(tidy_stored):
    got, unit_list = tidy_stored
    assert len(got) == 4 * len([k for k in KNOWN if k[2] != NOTHING])
    assert got[("Phòng Nội vụ", "Huyện Cờ Đỏ", "assigned", 2024)] == 13
    assert got[("Sở Y tế", None, "present", 2024)] == 112
    assert [(n, d) for n, d, _k in unit_list] == sorted((n, d) for n, d, _v in KNOWN)


@pytest.mark.parametrize("seed", range(60))
def test_random_layouts_store_the_same_figures(seed, blank_database, tmp_path, tidy_stored):
    """A property of the reader: however `KNOWN` is laid out (numbering styles, blank rows,
    moved columns, group rows on or off), the stored facts and units are those of the tidy
    form. Seeded, so a failure is reproduced by its seed (the message says the layout)."""
    description, content = random_layout(random.Random(seed))
    got = store(blank_database, tmp_path / "db", content)
    assert got == tidy_stored, description
