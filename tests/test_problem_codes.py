"""One test per problem code the product emits: the exact code, severity, sheet and cell, a
Vietnamese message that says where, and for errors that the file is refused and nothing at all
is stored (`table_counts` unchanged).

The sheets are written cell by cell so that every cell reference is known:

    Biểu 01   1 `Biểu số 01`   2 cut-off date   3 header   4 `(1) (2) …`   5 a good row   6… cases
    Biểu 03   1 `Biểu số 03`   2 header         3 `(1) (2) …`   4 a good row   5 the case
    Biểu 00   1 `Biểu số 00`   2 header         3 a good row    4 the case
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from etl.core.forms import FORM_01
from etl.core.problem_codes import CATALOGUE, ProblemFieldError, template_fields
from etl.core.problems import Problem, ProblemLog
from etl.reading import package
from tests.builders import (
    B00_HEADER,
    B01_GOOD,
    B01_HEADER,
    B03_GOOD,
    B03_HEADER,
    OLE_MAGIC,
    b00,
    b01,
    b01_as_of,
    b01_rows,
    b02,
    b03,
    city_targets,
    colnums,
    form01,
    ods,
    workbook_bytes,
    xlsx,
    zip_of,
)
from tests.conftest import table_counts


def is_vietnamese(text: str) -> bool:
    """Vietnamese prose has letters with diacritics (`ô`, `ư`, `đ`, tone marks)."""
    return any(ch in "đĐ" or unicodedata.normalize("NFD", ch) != ch for ch in text)


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """An upload that must give problem `code` at `sheet`!`cell`; `names`: texts the Vietnamese
    message must contain (by default the cell reference)."""

    content: Callable[[], bytes]
    code: str
    sheet: str = ""
    cell: str = ""
    names: tuple[str, ...] | None = None
    file_name: str = "bao_cao.xlsx"

    @property
    def must_name(self) -> tuple[str, ...]:
        if self.names is not None:
            return self.names
        return (self.cell,) if self.cell else ()


def good_workbook() -> bytes:
    return b01()


ERRORS = {
    # the file itself
    "empty-file": Case(lambda: b"", "file-empty"),
    "random-bytes": Case(lambda: random.Random(7).randbytes(4096), "file-not-excel"),
    "csv-named-xlsx": Case(
        lambda: "STT,Tên cơ quan,Biên chế 2021\n1,Sở Y tế,120\n".encode(), "file-not-excel"
    ),
    "truncated-zip": Case(lambda: good_workbook()[:1500], "file-not-excel"),
    "zip-not-a-workbook": Case(lambda: zip_of({"readme.txt": b"hello"}), "file-not-excel"),
    "pdf-named-xlsx": Case(lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "file-not-excel"),
    "encrypted": Case(
        lambda: OLE_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64),
        "file-encrypted",
    ),
    "damaged-xls": Case(
        lambda: OLE_MAGIC + random.Random(3).randbytes(2040), "file-unreadable", file_name="a.xls"
    ),
    "no-form": Case(
        lambda: xlsx({"Sheet1": [["Kính gửi: Sở Nội vụ"], ["Xin gửi kèm báo cáo."]]}),
        "no-form-found",
    ),
    # the header
    "header-not-found": Case(
        lambda: xlsx({"BM01": [["Biểu số 01"], ["Đơn vị", "Số liệu"], ["Sở Y tế", 120]]}),
        "header-not-found",
        "BM01",
        names=("Biểu 01",),
    ),
    "header-not-found-biểu-01": pytest.param(
        Case(
            lambda: xlsx({"Biểu 01": [["Biểu số 01"], ["Đơn vị", "Số liệu"], ["Sở Y tế", 120]]}),
            "header-not-found",
            "Biểu 01",
            names=("Biểu 01",),
        ),
    ),
    # the cut-off date (cell A2)
    "as-of-not-a-day": Case(
        lambda: b01_as_of("31/02/2024"), "as-of-invalid", "Biểu 01", "A2", names=("A2", "31/02")
    ),
    "as-of-1900-leap-day": Case(
        lambda: b01_as_of("29/02/1900"), "as-of-invalid", "Biểu 01", "A2", names=("29/02/1900",)
    ),
    "as-of-2010": Case(
        lambda: b01_as_of("01/01/2010"), "as-of-too-early", "Biểu 01", "A2", names=("A2", "2010")
    ),
    "as-of-9999": Case(
        lambda: b01_as_of("31/12/9999"), "as-of-future", "Biểu 01", "A2", names=("31/12/9999",)
    ),
    "header-below-row-30": Case(
        lambda: xlsx({"Bieu 01": [["Biểu số 01"]] + [[]] * 30 + [B01_HEADER, B01_GOOD]}),
        "header-not-found",
        "Bieu 01",
        names=("30",),
    ),
    "missing-column": Case(
        lambda: b03(B03_GOOD, header=[h for h in B03_HEADER if h != "Hình thức"]),
        "missing-column",
        "Biểu 03",
        "A2",
        names=("Hình thức",),
    ),
    # any one year of a per-year required column will do (a return of 2025-2026 only is read):
    # refused only when the column has no year at all, at its label or, without one, the header
    "missing-year-label-without-year": Case(
        lambda: b01(header=[*B01_HEADER[:2], "Biên chế công chức được giao", None, "Ghi chú"]),
        "missing-year",
        "Biểu 01",
        "C3",
        names=("Biên chế công chức được giao", "chưa có cột năm nào"),
    ),
    "missing-year-no-quota-at-all": Case(
        lambda: b01(header=[*B01_HEADER[:2], None, None, "Vị trí việc làm"]),
        "missing-year",
        "Biểu 01",
        "A3",
        names=("Biên chế công chức được giao", "chưa có cột năm nào"),
    ),
    "duplicate-column": Case(
        lambda: b01(
            header=[*B01_HEADER[:3], "BC được giao năm 2021", *B01_HEADER[3:]],
            good=False,
        ),
        "duplicate-column",
        "Biểu 01",
        "D3",
        names=("C3", "D3"),
    ),
    # counts
    "fraction-text": Case(
        lambda: b01([2, "Sở Tư pháp", "12,5", 40, None]), "not-integer", "Biểu 01", "C6"
    ),
    "fraction-number": Case(
        lambda: b01([2, "Sở Tư pháp", 45, 44.5, None]), "not-integer", "Biểu 01", "D6"
    ),
    "negative-number": Case(
        lambda: b01([2, "Sở Tư pháp", 45, -3, None]), "negative-count", "Biểu 01", "D6"
    ),
    "negative-text": Case(
        lambda: b01([2, "Sở Tư pháp", "-45", 44, None]), "negative-count", "Biểu 01", "C6"
    ),
    "word": Case(
        lambda: b01([2, "Sở Tư pháp", "khoảng 45", 44, None]), "not-a-number", "Biểu 01", "C6"
    ),
    "count-3e9": Case(
        lambda: b01([2, "Sở Tư pháp", 3e9, 44, None]), "count-too-large", "Biểu 01", "C6"
    ),
    "text-too-long": Case(
        lambda: b01([2, "Sở " + "x" * 300, 45, 44, None]), "text-too-long", "Biểu 01", "B6"
    ),
    "count-text-billions": Case(
        lambda: b01([2, "Sở Tư pháp", 45, "3.000.000.000", None]),
        "count-too-large",
        "Biểu 01",
        "D6",
        names=("D6", "3.000.000.000", "1.000.000"),
    ),
    "word-in-biểu-03": Case(
        lambda: b03(
            [2, "01/04/2023", "QĐ 2", "Kiện toàn bên trong", "Sở Tư pháp", None, None, "hai"]
        ),
        "not-a-number",
        "Biểu 03",
        "H5",
    ),
    "word-in-biểu-00": Case(
        lambda: b00([2, "Toàn thành phố", "Người làm việc", 2021, None, "vài chục", "KH"]),
        "not-a-number",
        "Biểu 00",
        "F4",
    ),
    "formula-without-value": Case(
        lambda: b01([2, "Sở Tư pháp", "=40+5", 44, None]), "formula-no-value", "Biểu 01", "C6"
    ),
    "subtotal-mismatch": Case(
        lambda: b01([2, "Sở Tư pháp", 45, 44, None], [None, "Cộng", 160, 159, None]),
        "subtotal-mismatch",
        "Biểu 01",
        "C7",
        names=("C7", "C5:C6", "160", "165"),
    ),
    "streamlined-basis-mismatch": Case(
        lambda: b01(
            [2, "Sở Tư pháp", 45, 44, None, 3, 1, 1],
            header=[
                *B01_HEADER,
                "Tinh giản năm 2024",
                f"{FORM_01.column('by_streamlining').label} năm 2024",
                f"{FORM_01.column('by_restructuring').label} năm 2024",
            ],
        ),
        "streamlined-basis-mismatch",
        "Biểu 01",
        "F6",
        names=("F6", "G6 = 1; H6 = 1", "3", "2"),
    ),
    "total-mismatch": Case(
        lambda: b01([2, "Sở Tư pháp", 45, 44, None], [None, "Tổng cộng", 165, 160, None]),
        "subtotal-mismatch",
        "Biểu 01",
        "D7",
        names=("D7", "D5:D6", "160", "159"),
    ),
    "group-row-mismatch": Case(
        lambda: b01(
            ["I", "Cơ quan chuyên môn", 170, 122, None],
            [1, "Sở Tư pháp", 45, 44, None],
            [2, "Sở Tài chính", 80, 78, None],
            good=False,
        ),
        "subtotal-mismatch",
        "Biểu 01",
        "C5",
        names=("C5", "C6:C7", "170", "125"),
    ),
    # choices, dates, names
    "job-position": Case(
        lambda: b01([2, "Sở Tư pháp", 45, 44, "Đang xây dựng"]), "bad-choice", "Biểu 01", "E6"
    ),
    "autonomy": Case(
        lambda: b02([2, "Trung tâm Y tế quận Cái Răng", "Nhóm 5", 200, 190]),
        "bad-choice",
        "Biểu 02",
        "C5",
    ),
    "event-type": Case(
        lambda: b03([2, "01/04/2023", "QĐ 2", "Gộp", "Trường A", "Trường B", None, None]),
        "bad-choice",
        "Biểu 03",
        "D5",
    ),
    "unit-kind": Case(
        lambda: b03([2, "01/04/2023", "QĐ 2", "Giải thể", "Trường A", None, "Doanh nghiệp", None]),
        "bad-choice",
        "Biểu 03",
        "G5",
    ),
    "measure": Case(
        lambda: b00([2, "Toàn thành phố", "Viên chức tinh giản", 2021, "10%", None, "KH"]),
        "bad-choice",
        "Biểu 00",
        "C4",
    ),
    "impossible-date": Case(
        lambda: b03([2, "31/02/2023", "QĐ 2", "Giải thể", "Trường A", None, None, None]),
        "bad-date",
        "Biểu 03",
        "B5",
    ),
    "words-not-a-date": Case(
        lambda: b03([2, "đầu năm 2023", "QĐ 2", "Giải thể", "Trường A", None, None, None]),
        "bad-date",
        "Biểu 03",
        "B5",
    ),
    "missing-date": Case(
        lambda: b03([2, None, "QĐ 2", "Giải thể", "Trường A", None, None, None]),
        "missing-date",
        "Biểu 03",
        "B5",
    ),
    "missing-event-type": Case(
        lambda: b03([2, "01/04/2023", "QĐ 2", None, "Trường A", None, None, None]),
        "missing-event-type",
        "Biểu 03",
        "D5",
    ),
    "dissolution-without-unit": Case(
        lambda: b03([2, "01/04/2023", "QĐ 2", "Giải thể", None, "Trường B", None, None]),
        "event-missing-units",
        "Biểu 03",
        "E5",
        names=("Dòng 5", "Giải thể"),
    ),
    "province-merger-dissolved": Case(
        lambda: b03(
            [
                2,
                "01/07/2025",
                "NQ 202",
                "Giải thể",
                "Tỉnh Hậu Giang",
                "Thành phố Cần Thơ",
                "Tỉnh, thành phố",
                None,
            ]
        ),
        "province-event-invalid",
        "Biểu 03",
        "G5",
        names=("Dòng 5", "Hợp nhất"),
    ),
    "consolidation-of-one": Case(
        lambda: b03([2, "01/04/2023", "QĐ 2", "Hợp nhất", "Trường A", "Trường C", None, None]),
        "event-missing-units",
        "Biểu 03",
        "E5",
        names=("Dòng 5", "Hợp nhất"),
    ),
    "bad-percent-words": Case(
        lambda: b00([2, "Toàn thành phố", "Người làm việc", 2021, "mười phần trăm", None, "KH"]),
        "bad-percent",
        "Biểu 00",
        "E4",
    ),
    "bad-percent-over-100": Case(
        lambda: b00([2, "Toàn thành phố", "Người làm việc", 2021, "150%", None, "KH"]),
        "bad-percent",
        "Biểu 00",
        "E4",
    ),
    "target-without-value": Case(
        lambda: b00([2, "Toàn thành phố", "Người làm việc", 2021, None, None, "KH"]),
        "target-missing-value",
        "Biểu 00",
        "E4",
        names=("Dòng 4",),
    ),
    "programme-unreadable": Case(
        lambda: _plan_with_programme(
            [2, "Toàn thành phố", "Người làm việc", 2021, "10%", None, "KH", "2026 đến 2031"]
        ),
        "bad-programme",
        "Biểu 00",
        "H4",
        names=("H4", "«2026 đến 2031»"),
    ),
    "programme-without-baseline": Case(
        lambda: _plan_with_programme(
            [2, "Toàn thành phố", "Người làm việc", None, "10%", None, "KH", "2031 - 2036"]
        ),
        "programme-baseline-missing",
        "Biểu 00",
        "B4",
        names=("B4", "«2031 - 2036»"),
    ),
    "target-without-measure": Case(
        lambda: b00([2, "Toàn thành phố", None, 2021, "10%", None, "KH"]),
        "missing-measure",
        "Biểu 00",
        "C4",
    ),
    "target-for-unknown-unit": Case(
        lambda: b00([2, "Sở Không Có Thật", "Biên chế công chức", 2021, "5%", None, "KH"]),
        "unknown-unit",
        "Biểu 00",
        "B4",
        names=("Sở Không Có Thật",),
    ),
    "figures-without-name": Case(
        lambda: b01([2, None, 45, 44, None]),
        "missing-name",
        "Biểu 01",
        "B6",
        names=("Dòng 6",),
    ),
    "unit-listed-twice": Case(
        lambda: b01([2, "SỞ Y TẾ", 45, 44, None]),
        "duplicate-row",
        "Biểu 01",
        "B6",
        names=("B5", "B6"),
    ),
    "unclear-group-rows": Case(
        lambda: b01(
            [2, "Sở Tài chính", None, None, None],
            [3, "Văn phòng", 10, 9, None],
            [4, "Sở Tư pháp", None, None, None],
            [5, "Văn phòng", 8, 8, None],
        ),
        "group-rows-unclear",
        "Biểu 01",
        "B8",
        names=("dòng 8", "B7, B9"),
    ),
}


def check_problem(result: Any, case: Case, severity: str) -> Any:
    """The one problem `case.code` of `result`, with its place and a message saying where."""
    found = [p for p in result.problems if p.code == case.code]
    assert len(found) == 1, [(p.code, p.sheet, p.cell, p.message_vi) for p in result.problems]
    problem = found[0]
    assert problem.severity == severity
    assert (problem.sheet, problem.cell) == (case.sheet, case.cell)
    if case.cell:
        assert problem.where == f"{case.sheet}!{case.cell}"  # what the CLI prints first
    assert problem.file == case.file_name
    assert problem.message_vi.strip() and is_vietnamese(problem.message_vi), problem.message_vi
    assert problem.message_en.strip()
    for text in case.must_name:
        assert text in problem.message_vi, (text, problem.message_vi)
    return problem


def check_refused(engine: Any, ingest: Any, case: Case, **kwargs: Any) -> Any:
    """Upload `case`: refused with exactly its error, and nothing stored."""
    before = table_counts(engine)
    result = ingest(case.content(), case.file_name, **kwargs)
    assert result.status == "refused"
    assert {p.code for p in result.errors} == {case.code}, [
        (p.code, p.cell, p.message_vi) for p in result.errors
    ]
    check_problem(result, case, "error")
    assert result.submission_id is None
    assert table_counts(engine) == before
    return result


@pytest.mark.parametrize("case", list(ERRORS.values()), ids=list(ERRORS))
def test_error_refuses_the_file(engine, ingest, case):
    check_refused(engine, ingest, case)


def test_file_too_large(engine, ingest):
    case = Case(good_workbook, "file-too-large", names=("MB",))
    check_refused(engine, ingest, case, max_upload_bytes=1000)


# ---------------------------------------------------------------- errors against known units


def district_rows(district: str, quota: int) -> list[list[Any]]:
    return [[None, district, None, None, None], [1, "Phòng Nội vụ", quota, quota - 1, None]]


MATCHING = {
    "name-near-match": (
        lambda: b01(),
        Case(
            lambda: b01([2, "Sở Y tê", 120, 110, None], good=False),
            "name-near-match",
            "Biểu 01",
            "B5",
            names=("Sở Y tê", "Sở Y tế"),
        ),
    ),
    "name-ambiguous-province": (
        lambda: xlsx(
            {
                "Biểu 01": b01_rows(
                    [2, "Sở Xây dựng tỉnh Hậu Giang (cũ)", 40, 38, None],
                    [3, "Sở Xây dựng tỉnh Sóc Trăng (cũ)", 30, 29, None],
                ),
                "Biểu 03": [
                    ["Biểu số 03"],
                    B03_HEADER,
                    colnums(len(B03_HEADER)),
                    [
                        1,
                        "01/07/2025",
                        "Nghị quyết 202/2025/QH15",
                        "Hợp nhất",
                        "Thành phố Cần Thơ; Tỉnh Sóc Trăng; Tỉnh Hậu Giang",
                        "Thành phố Cần Thơ",
                        "Tỉnh, thành phố",
                        None,
                    ],
                ],
            }
        ),
        Case(
            lambda: b01([1, "Sở Xây dựng", 12, 10, None], good=False),
            "name-ambiguous-province",
            "Biểu 01",
            "B5",
            names=("Sở Xây dựng", "Tỉnh Hậu Giang", "Tỉnh Sóc Trăng"),
        ),
    ),
    # the same office in every district: a district's row without diacritics is told by the
    # units of its own district, looked up by (loose_key, district_key) (migration 0013)
    "name-near-match-in-district": (
        lambda: xlsx(
            {
                "Biểu 01": b01_rows(
                    *district_rows("UBND huyện Cờ Đỏ", 12),
                    *district_rows("UBND quận Ninh Kiều", 14),
                    good=False,
                )
            }
        ),
        Case(
            lambda: xlsx(
                {
                    "Biểu 01": b01_rows(
                        [None, "UBND huyện Cờ Đỏ", None, None, None],
                        [1, "Phong Noi vu", 12, 10, None],
                        good=False,
                    )
                }
            ),
            "name-near-match",
            "Biểu 01",
            "B6",
            names=("Phong Noi vu", "Phòng Nội vụ"),
        ),
    ),
    "name-ambiguous": (
        lambda: xlsx(
            {
                "Biểu 01": b01_rows(
                    *district_rows("UBND huyện Cờ Đỏ", 12),
                    *district_rows("UBND quận Ninh Kiều", 14),
                    good=False,
                )
            }
        ),
        Case(
            lambda: b01([1, "Phòng Nội vụ", 12, 10, None], good=False),
            "name-ambiguous",
            "Biểu 01",
            "B5",
            names=("Phòng Nội vụ", "Cờ Đỏ", "Ninh Kiều"),
        ),
    ),
}


@pytest.mark.parametrize(("earlier", "case"), list(MATCHING.values()), ids=list(MATCHING))
def test_name_matching_errors(engine, ingest, earlier, case):
    assert ingest(earlier()).status == "accepted"
    check_refused(engine, ingest, case)


def test_good_row_beside_a_bad_one_stores_nothing(engine, ingest):
    """A file with one bad cell is refused whole: its good rows are not stored either, and what
    earlier uploads stored is unchanged."""
    earlier = b01([2, "Sở Tư pháp", 45, 44, "Đã phê duyệt"])
    assert ingest(earlier).status == "accepted"
    before = table_counts(engine)
    assert before["fact"] == 4
    later = b01_rows([2, "Sở Tư pháp", 45, "bốn mươi", None], [3, "Sở Tài chính", 80, 78, None])
    result = ingest(xlsx({"Biểu 01": later}))
    assert result.status == "refused"
    assert [(p.code, p.cell) for p in result.errors] == [("not-a-number", "D6")]
    assert table_counts(engine) == before


# ---------------------------------------------------------------- warnings (file accepted)


WARNINGS = {
    "unknown-column": Case(
        lambda: b01(header=[*B01_HEADER, "Số điện thoại"]),
        "unknown-column",
        "Biểu 01",
        "F3",
        names=("Số điện thoại",),
    ),
    "new-unit": Case(lambda: b01(), "new-unit", "Biểu 01", "B5", names=("Sở Y tế",)),
    "sheet-skipped": Case(
        lambda: xlsx({"Hướng dẫn": [["Hướng dẫn ghi biểu"]], "Biểu 01": b01_rows()}),
        "sheet-skipped",
        "Hướng dẫn",
        names=("Hướng dẫn",),
    ),
    "subtotal-formula-no-value": Case(
        lambda: b01([2, "Sở Tư pháp", 45, 44, None], [None, "Cộng", "=SUM(C5:C6)", 159, None]),
        "subtotal-formula-no-value",
        "Biểu 01",
        "C7",
    ),
    "file-extension-mismatch": Case(
        lambda: ods({"Biểu 01": [["Biểu số 01"], B01_HEADER[:4], B01_GOOD[:4]]}),
        "file-extension-mismatch",
        names=(".ods",),
    ),
}


@pytest.mark.parametrize("case", list(WARNINGS.values()), ids=list(WARNINGS))
def test_warning_does_not_block(engine, ingest, case):
    result = ingest(case.content(), case.file_name)
    assert result.status == "accepted", [(p.code, p.cell, p.message_vi) for p in result.errors]
    assert not result.errors
    check_problem(result, case, "warning")
    assert table_counts(engine)["submission"] == 1
    assert table_counts(engine)["fact"] >= 2


def test_same_file_twice_changes_nothing(engine, ingest):
    content = good_workbook()
    assert ingest(content).status == "accepted"
    before = table_counts(engine)
    again = ingest(content, "ban_sao.xlsx")
    assert again.status == "duplicate"
    assert again.problems == []
    assert table_counts(engine) == before


def own_unit(engine: Any, ingest: Any) -> int:
    """`Sở Nội vụ`, stored by an earlier upload: the one unit a scoped uploader is given."""
    from tests.builders import form01, workbook_bytes

    assert ingest(workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]]))).status == "accepted"
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT id FROM unit WHERE name = 'Sở Nội vụ'").scalar_one()


def mixed_units() -> bytes:
    """Biểu 01 with the uploader's own unit on row 11 and another on row 12."""
    from tests.builders import form01, workbook_bytes

    return workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 37], [2, "Sở Y tế", 9, 9, 9, 9]]))


def spoofed_header() -> bytes:
    """Biểu 01 of the uploader's own unit whose `Đơn vị báo cáo` names another one."""
    from tests.builders import TITLE_01, form01, workbook_bytes

    unit_line = "Đơn vị báo cáo"
    title = [[f"{unit_line}: Sở Y tế"] if str(r[0]).startswith(unit_line) else r for r in TITLE_01]
    return workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 36]], title=title))


def other_units_events() -> bytes:
    """Biểu 03: reorganisations of units that are not the uploader's."""
    return b03([2, "01/04/2023", "QĐ 2", "Giải thể", "Trường A", None, None, None])


def test_uploader_may_report_only_for_their_units(engine, ingest):
    """`unit-not-allowed` and `targets-admin-only`: an uploader scoped to some units."""
    own = own_unit(engine, ingest)
    before = table_counts(engine)
    refused = ingest(mixed_units(), allowed_units={own})
    assert refused.status == "refused"
    assert [(p.code, p.sheet, p.cell) for p in refused.errors] == [
        ("unit-not-allowed", "Biểu 01", "B12")
    ]
    assert "«Sở Y tế» (ô B12)" in refused.errors[0].message_vi
    events = ingest(other_units_events(), allowed_units={own})
    assert {(p.code, p.sheet, p.cell) for p in events.errors} == {
        ("unit-not-allowed", "Biểu 03", "D4"),
        ("unit-not-allowed", "Biểu 03", "D5"),
    }
    assert all("báo cáo sắp xếp của" in p.message_vi for p in events.errors)
    plan = ingest(city_targets(), allowed_units={own})
    assert {p.code for p in plan.errors} == {"targets-admin-only"}
    assert table_counts(engine) == before
    own_only = workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 37]]))
    assert ingest(own_only, allowed_units={own}).status == "accepted"


# ---------------------------------------------------------------- every code of the catalogue

Produce = Callable[[Any, Any, pytest.MonkeyPatch], list[Problem]]
"""Uploads through the real path (`ingest` on the `engine`) and gives the last upload's
problems."""


def uploaded(case: Any, *, earlier: Callable[[], bytes] | None = None, **kwargs: Any) -> Produce:
    """A `Case` here or a `Hostile` of tests/test_hostile_files.py, uploaded (after `earlier`,
    with its environment overrides of the reading limits)."""

    def produce(engine: Any, ingest: Any, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
        for key, value in getattr(case, "env", {}).items():
            monkeypatch.setenv(key, value)
        if earlier is not None:
            assert ingest(earlier()).status == "accepted"
        return ingest(case.content(), case.file_name, **kwargs).problems

    return produce


def by_scoped_uploader(content: Callable[[], bytes]) -> Produce:
    """`content` uploaded by an uploader given only `Sở Nội vụ`."""

    def produce(engine: Any, ingest: Any, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
        return ingest(content(), allowed_units={own_unit(engine, ingest)}).problems

    return produce


def with_malformed_reply(
    engine: Any, ingest: Any, monkeypatch: pytest.MonkeyPatch
) -> list[Problem]:
    """The reading child answers with forms its parent cannot use (as a crashed reader would):
    `parse-crashed`. A reader killed by a signal: tests/test_hostile_files.py."""
    from etl.reading import reader

    monkeypatch.setattr(reader, "_well_formed", lambda sheets: False)
    return ingest(good_workbook()).problems


def in_no_period(engine: Any, ingest: Any, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """A return dated 30/06/2024 when only the 2023 period exists."""
    import datetime as dt

    from tests.conftest import open_period

    open_period(engine, dt.date(2023, 12, 31))
    return ingest(good_workbook(), auto_period=False).problems


def in_closed_period(engine: Any, ingest: Any, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """A return dated 30/06/2024 after its period was closed."""
    import datetime as dt

    from etl.storage import periods
    from tests.conftest import open_period

    open_period(engine, dt.date(2024, 6, 30))
    with engine.begin() as conn:
        periods.close(conn, periods.find_for_as_of(conn, dt.date(2024, 6, 30)).id, "test")
    return ingest(good_workbook(), auto_period=False).problems


def _plan_with_programme(row: list[Any]) -> bytes:
    """Biểu 00 with a `Giai đoạn` column: a good target on row 3 (2022 - 2026), `row` on 4."""
    from tests.builders import B00_GOOD, LABELS_00, xlsx

    header = [*B00_HEADER, LABELS_00["programme"]]
    return xlsx({"Biểu 00": [["Biểu số 00"], header, [*B00_GOOD, "2022 - 2026"], row]})


def with_two_programmes(engine: Any, ingest: Any, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """A plan naming no `Giai đoạn` when two programmes are stored: `programme-ambiguous`."""
    row = [2, "Toàn thành phố", "Người làm việc", 2026, "10%", None, "KH", "2026 - 2031"]
    assert ingest(_plan_with_programme(row)).status == "accepted"
    return ingest(_city_targets(), "kh.xlsx").problems


def _city_targets() -> bytes:
    from tests.builders import city_targets

    return city_targets()


def catalogue_cases() -> dict[str, Produce]:
    """For each problem code, the first upload here (then in tests/test_hostile_files.py) that
    gives it: the registry the catalogue is checked against."""
    from tests.test_hostile_files import ACCEPTED, REFUSED

    cases: dict[str, Produce] = {}
    for case in ERRORS.values():
        case = case.values[0] if hasattr(case, "values") else case  # a pytest.param
        cases.setdefault(case.code, uploaded(case))
    for case in WARNINGS.values():
        cases.setdefault(case.code, uploaded(case))
    for earlier, case in MATCHING.values():
        cases.setdefault(case.code, uploaded(case, earlier=earlier))
    cases.setdefault(
        "file-too-large", uploaded(Case(good_workbook, "file-too-large"), max_upload_bytes=1000)
    )
    cases.setdefault("unit-not-allowed", by_scoped_uploader(mixed_units))
    cases.setdefault("targets-admin-only", by_scoped_uploader(_city_targets))
    cases.setdefault("programme-ambiguous", with_two_programmes)
    cases.setdefault("reporting-unit-not-allowed", by_scoped_uploader(spoofed_header))
    cases.setdefault("parse-crashed", with_malformed_reply)
    cases.setdefault("period-not-found", in_no_period)
    cases.setdefault("period-closed", in_closed_period)
    cases.setdefault(  # the mapping step: the added column not read (tests/test_mapping.py)
        "header-mapped",
        uploaded(
            Case(lambda: b01(header=[*B01_HEADER, "Số điện thoại"]), "header-mapped"),
            mapping={"Biểu 01": {"Số điện thoại": None}},
        ),
    )
    for hostile in [*REFUSED.values(), *ACCEPTED.values()]:
        for code in (hostile.code, *hostile.warnings):
            if code is not None:
                cases.setdefault(code, uploaded(hostile))
    return cases


CASES = catalogue_cases()


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_every_catalogue_code_is_given_by_an_upload(engine, ingest, monkeypatch, code):
    """Each code of the catalogue comes out of a real upload with the catalogue's severity: a
    new code needs a case, and a code nothing gives any more is to be deleted."""
    assert code in CASES, f"no test upload gives {code}: add a case (or delete the code)"
    problems = CASES[code](engine, ingest, monkeypatch)
    severities = {p.severity for p in problems if p.code == code}
    assert severities == {CATALOGUE[code].severity}, [(p.code, p.severity) for p in problems]


def test_every_case_names_a_catalogue_code():
    assert set(CASES) <= set(CATALOGUE), set(CASES) - set(CATALOGUE)
    assert package.NOT_REOPENABLE <= set(CATALOGUE), package.NOT_REOPENABLE - set(CATALOGUE)


def test_report_takes_exactly_the_fields_of_the_templates():
    log = ProblemLog("a.xlsx")
    log.report("not-integer", sheet="Biểu 01", cell="C6", value=12.5, label="BC", text="12,5")
    [problem] = log.items
    assert (problem.code, problem.severity, problem.file, problem.where) == (
        "not-integer",
        "error",
        "a.xlsx",
        "Biểu 01!C6",
    )
    assert problem.message_vi.startswith("Ô C6 (BC): giá trị «12,5» không phải số nguyên;")
    assert problem.value == "12,5"  # shown the Vietnamese way, as in the message
    with pytest.raises(ProblemFieldError, match="missing fields \\['text'\\]"):
        log.report("not-integer", sheet="Biểu 01", cell="C6", label="BC")
    with pytest.raises(ProblemFieldError, match="unknown fields \\['colour'\\]"):
        log.report("file-empty", colour="red")
    with pytest.raises(ProblemFieldError, match="unknown problem code"):
        log.report("no-such-code")
    with pytest.raises(ProblemFieldError, match="is not a warning"):
        log.replay(Problem("not-integer", "warning", "…", "…"))
    assert len(log.items) == 1


def test_templates_name_fields_plainly():
    for kind in CATALOGUE.values():
        assert kind.fields == template_fields(kind.vi) | template_fields(kind.en)
        assert is_vietnamese(kind.vi) and is_vietnamese(kind.name_vi), kind.code
    with pytest.raises(ProblemFieldError):
        template_fields("Ô {0}")
    with pytest.raises(ProblemFieldError):
        template_fields("Ô {cell.ref}")


def docs_table() -> list[str]:
    """The rows of the table of codes in docs/forms.md, "Problem records"."""
    text = (Path(__file__).parents[1] / "docs" / "forms.md").read_text(encoding="utf-8")
    section = text.split("\n## Problem records\n", 1)[1].split("\n## ", 1)[0]
    table = section.split("| code | severity | Vietnamese name |\n| --- | --- | --- |\n", 1)[1]
    return table.split("\n\n", 1)[0].strip().splitlines()


def test_docs_list_exactly_the_catalogue():
    """docs/forms.md lists every code with its severity and Vietnamese name, in the
    catalogue's order; on a change, paste the expected rows."""
    expected = [f"| `{k.code}` | {k.severity} | {k.name_vi} |" for k in CATALOGUE.values()]
    assert docs_table() == expected, "\n".join(expected)
