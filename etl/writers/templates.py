"""Blank Excel templates of the Department's return forms (Biểu 00-03), written with xlsxwriter.

Every label, choice list, header line and signature word comes from `etl.core.forms`, and the
forms' printed layout (letterhead, two-row table header, widths, formats, signature block, print
setup) from `etl.writers.layout`; this module adds what only a blank form has: the header lines to
fill in, bordered input rows with dropdowns and number/date validation, a hidden "Danh mục" sheet
holding the dropdown lists and a "Hướng dẫn" sheet with numbered instructions. Output is
byte-for-byte deterministic.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from etl.core.forms import (
    BASIS_FIELDS,
    FORMS,
    GUIDE_SHEET,
    GUIDE_TITLE,
    HEADER_LINES,
    LISTS_HEAD,
    LISTS_SHEET,
    SIGNATURE_WORDS,
    TOTAL_WORDS,
    Column,
    Form,
)
from etl.writers.layout import (
    FONT_NAME,
    FONT_SIZE_PT,
    PAPER_A4,
    TITLE_SIZE_PT,
    Block,
    Leaf,
    Sides,
    column_width,
    form_formats,
    header_blocks,
    leaves_of,
    set_print_layout,
    side_columns,
    write_letterhead,
    write_merged,
    write_signature,
    write_table_header,
)

INPUT_ROWS = 200
PLACEHOLDER = "…" * 24
FIXED_CREATED = dt.datetime(2024, 1, 1, 0, 0, 0)
_MAX_PROMPT_TITLE = 32
_MAX_PROMPT_MESSAGE = 255
_AGENCY = "TÊN CƠ QUAN BÁO CÁO"
_COUNT_ERROR = 'Chỉ nhập số nguyên không âm (ghi "-" nếu bằng 0).'
_PURPOSES = {
    "00": "nhập kế hoạch (chỉ tiêu) tinh giản biên chế giai đoạn; mỗi dòng là một chỉ tiêu "
    "của một phạm vi (toàn thành phố/toàn tỉnh, hoặc một đơn vị).",
    "01": "báo cáo biên chế công chức được giao, số công chức có mặt và số công chức tinh giản "
    "theo chính sách; mỗi dòng là một cơ quan, tổ chức hành chính.",
    "02": "báo cáo số lượng người làm việc hưởng lương từ ngân sách nhà nước được giao, số đề "
    "nghị giảm, số theo định mức và số viên chức tinh giản; mỗi dòng là một đơn vị sự nghiệp "
    "công lập.",
    "03": "báo cáo việc sắp xếp, kiện toàn tổ chức; mỗi dòng là một lần sắp xếp (thành lập, "
    "giải thể, sáp nhập, hợp nhất, chia tách, đổi tên, kiện toàn bên trong, tạm dừng).",
}
_KIND_VALUES = {
    "text": "văn bản",
    "count": 'số nguyên không âm; ghi "-" nếu bằng 0',
    "percent": "tỷ lệ phần trăm, ví dụ 8,17%",
    "date": "ngày dạng dd/mm/yyyy, ví dụ 08/12/2023",
    "units": 'tên đơn vị; nhiều đơn vị ghi cách nhau bằng dấu ";"',
}
_FIELD_HINTS = {
    "stt": "Số thứ tự. Dòng nhóm ghi I, II, A, B…; dòng cộng ghi Cộng hoặc Tổng cộng.",
    "code": "Mã đơn vị (nếu có); khi có mã, hệ thống nhận đơn vị theo mã.",
    "by_streamlining": "Trong số tinh giản cùng năm, số người nghỉ theo Nghị định "
    "29/2023/NĐ-CP (từ 16/06/2025: Nghị định 154/2025/NĐ-CP); số nguyên không âm.",
    "by_restructuring": "Trong số tinh giản cùng năm, số người nghỉ theo Nghị định "
    "178/2024/NĐ-CP (sửa đổi bởi Nghị định 67/2025/NĐ-CP); số nguyên không âm.",
}


@dataclass(frozen=True)
class _Rows:
    """Row positions (0-based) of the parts of the form sheet."""

    header_top: int
    number_row: int
    first_input: int
    last_input: int
    signature: int


def template_filename(form_code: str) -> str:
    """ASCII file name of a form's template, e.g. ``Bieu_01_bien_che_cong_chuc.xlsx``."""
    return f"Bieu_{form_code}_{_ascii_slug(_form(form_code).title)}.xlsx"


def write_template(
    form_code: str,
    out: str | pathlib.Path | BinaryIO,
    *,
    first_year: int = 2021,
    last_year: int = 2026,
) -> None:
    """Write the blank Excel template of one form to a path or a binary file object."""
    form = _form(form_code)
    if last_year <= first_year:
        raise ValueError(f"last_year ({last_year}) must be after first_year ({first_year})")
    blocks = header_blocks(form, first_year, last_year)
    target = str(out) if isinstance(out, pathlib.Path) else out
    workbook = xlsxwriter.Workbook(target, _workbook_options())
    try:
        _set_properties(workbook, form)
        formats = _formats(workbook)
        sheet = workbook.add_worksheet(form.sheet_name)
        lists = _write_lists_sheet(workbook, formats, blocks)
        _write_form_sheet(sheet, formats, form, blocks, lists, first_year)
        _write_guide(workbook, formats, form, blocks, first_year)
    finally:
        workbook.close()


def _form(form_code: str) -> Form:
    """The form for a code, or a KeyError that lists the known codes."""
    try:
        return FORMS[form_code]
    except KeyError:
        known = ", ".join(sorted(FORMS))
        raise KeyError(f"unknown form code {form_code!r}; known: {known}") from None


def _ascii_slug(text: str) -> str:
    """Lower-case ASCII words joined by underscores (``đ`` becomes ``d``)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


# --- rows ---------------------------------------------------------------------------------


def _rows(form: Form) -> _Rows:
    """Where the table header, input rows and signature go."""
    header_top = 4 + (1 if form.header_note else 0) + len(HEADER_LINES) + 1
    number_row = header_top + 2
    last_input = number_row + INPUT_ROWS
    return _Rows(header_top, number_row, number_row + 1, last_input, last_input + 2)


# --- workbook -----------------------------------------------------------------------------


def _workbook_options() -> dict:
    """In-memory packaging (fixed zip timestamps) and a Vietnamese-capable default font."""
    return {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT},
        "default_row_height": 21,
        "default_column_width": 72,
    }


def _set_properties(workbook: Workbook, form: Form) -> None:
    """Fixed document properties, so that the same call writes the same bytes."""
    workbook.set_properties(
        {
            "title": f"Biểu số {form.code} - {form.title}",
            "subject": "Biểu mẫu báo cáo tinh giản biên chế",
            "author": "Sở Nội vụ",
            "company": "Sở Nội vụ",
            "comments": "Biểu mẫu trống, tạo tự động.",
            "created": FIXED_CREATED,
        }
    )


def _formats(workbook: Workbook) -> dict[str, Format]:
    """The form sheet's formats (`layout.form_formats`) and those of the guide and lists sheets."""
    formats = form_formats(workbook)
    base = {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT, "valign": "vcenter"}
    specs: dict[str, dict] = {
        "guide_title": {"bold": True, "align": "center", "font_size": TITLE_SIZE_PT + 1},
        "guide_no": {"align": "right", "valign": "top"},
        "guide_head": {"bold": True, "valign": "top", "text_wrap": True},
        "guide": {"valign": "top", "text_wrap": True},
        "list_head": {"bold": True},
    }
    formats.update({name: workbook.add_format({**base, **spec}) for name, spec in specs.items()})
    return formats


def _input_format(formats: dict[str, Format], column: Column) -> Format:
    """The bordered format of an input cell of a column."""
    return formats["text"] if column.kind in ("text", "units") else formats[column.kind]


# --- form sheet ---------------------------------------------------------------------------


def _write_form_sheet(
    sheet: Worksheet,
    formats: dict[str, Format],
    form: Form,
    blocks: list[Block],
    lists: dict[str, str],
    first_year: int,
) -> None:
    """The form itself: title block, table header, input rows, signature, print setup."""
    leaves = leaves_of(blocks)
    widths = [column_width(leaf) for leaf in leaves]
    rows = _rows(form)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sides = side_columns(widths)
    _write_title_block(sheet, formats, form, len(leaves), sides)
    write_table_header(sheet, formats, blocks, rows.header_top)
    _write_input_rows(sheet, formats, leaves, rows)
    _add_validations(sheet, leaves, rows, lists, first_year)
    write_signature(sheet, formats, rows.signature, len(leaves), sides)
    _setup_page(sheet, rows, len(leaves))


def _write_title_block(
    sheet: Worksheet, formats: dict[str, Format], form: Form, n_cols: int, sides: Sides
) -> None:
    """The letterhead, the form's header note and the header lines to fill in."""
    last = n_cols - 1
    row = write_letterhead(
        sheet,
        formats,
        agency=_AGENCY,
        number=f"Biểu số {form.code}",
        title=form.title,
        n_cols=n_cols,
        sides=sides,
    )
    if form.header_note:
        write_merged(sheet, row, 0, row, last, form.header_note, formats["note"])
        row += 1
    for label in HEADER_LINES.values():
        write_merged(sheet, row, 0, row, last, f"{label} {PLACEHOLDER}", formats["line"])
        row += 1


def _write_input_rows(
    sheet: Worksheet, formats: dict[str, Format], leaves: list[Leaf], rows: _Rows
) -> None:
    """Empty bordered cells, formatted by column kind."""
    for col, leaf in enumerate(leaves):
        fmt = _input_format(formats, leaf.column)
        for row in range(rows.first_input, rows.last_input + 1):
            sheet.write_blank(row, col, None, fmt)


def _setup_page(sheet: Worksheet, rows: _Rows, n_cols: int) -> None:
    """Frozen header, the forms' print layout, the sheet shown first."""
    sheet.freeze_panes(rows.first_input, 0)
    set_print_layout(
        sheet,
        header_top=rows.header_top,
        number_row=rows.number_row,
        last_row=rows.signature + 6,
        n_cols=n_cols,
    )
    sheet.activate()


# --- validation ---------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    """Text cut to a length limit, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _hint(leaf: Leaf, first_year: int) -> str:
    """The input prompt of a column: required or not, then the note or a kind hint."""
    column = leaf.column
    parts = []
    if column.required:
        parts.append(
            "Bắt buộc (ít nhất một năm, năm nào cũng được)." if column.per_year else "Bắt buộc."
        )
    if column.note:
        parts.append(column.note)
    if column.field in _FIELD_HINTS:
        parts.append(_FIELD_HINTS[column.field])
    elif column.kind == "enum":
        parts.append("Chọn một giá trị trong danh sách.")
    elif column.kind != "text":
        parts.append(_KIND_VALUES[column.kind][:1].upper() + _KIND_VALUES[column.kind][1:] + ".")
    if column.kind in ("count", "percent"):
        parts.append("Để trống nếu không báo cáo.")
    return _clip(" ".join(parts), _MAX_PROMPT_MESSAGE)


def _prompt_title(leaf: Leaf) -> str:
    """The input prompt title: the label, with the year for a per-year column."""
    label = leaf.column.label
    if leaf.year is not None:
        label = f"{leaf.sub_label}: {label}"
    return _clip(label, _MAX_PROMPT_TITLE)


def _rule(leaf: Leaf, top_left: str, lists: dict[str, str]) -> dict | None:
    """The data-validation rule of a column kind, or None when the column is free text."""
    kind = leaf.column.kind
    if kind == "enum":
        return {
            "validate": "list",
            "source": lists[leaf.column.field],
            "error_message": "Chọn một giá trị trong danh sách thả xuống.",
        }
    if kind == "count":
        formula = f"=IF(ISNUMBER({top_left}),AND({top_left}>=0,INT({top_left})={top_left}),"
        return {
            "validate": "custom",
            "value": formula + f'{top_left}="-")',
            "error_message": _COUNT_ERROR,
        }
    if kind == "percent":
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1,
            "error_message": "Chỉ nhập tỷ lệ từ 0% đến 100%, ví dụ 8,17%.",
        }
    if kind == "date":
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_message": "Chỉ nhập ngày hợp lệ, dạng dd/mm/yyyy.",
        }
    return None


def _add_validations(
    sheet: Worksheet, leaves: list[Leaf], rows: _Rows, lists: dict[str, str], first_year: int
) -> None:
    """Dropdowns, number and date checks, and input prompts on every input column."""
    for col, leaf in enumerate(leaves):
        top_left = xl_rowcol_to_cell(rows.first_input, col)
        options = _rule(leaf, top_left, lists) or {"validate": "any"}
        options.update(
            {
                "input_title": _prompt_title(leaf),
                "input_message": _hint(leaf, first_year),
                "error_title": "Giá trị không hợp lệ",
                "error_type": "stop",
                "ignore_blank": True,
            }
        )
        if options["validate"] == "any":
            for key in ("error_title", "error_type"):
                options.pop(key)
        sheet.data_validation(rows.first_input, col, rows.last_input, col, options)


def _write_lists_sheet(
    workbook: Workbook, formats: dict[str, Format], blocks: list[Block]
) -> dict[str, str]:
    """The hidden sheet of dropdown lists; returns each enum field's range reference."""
    sheet = workbook.add_worksheet(LISTS_SHEET)
    refs: dict[str, str] = {}
    enums = [leaf.column for leaf in leaves_of(blocks) if leaf.column.kind == "enum"]
    for col, column in enumerate(enums):
        sheet.write_string(0, col, f"{LISTS_HEAD} {column.label}", formats["list_head"])
        for row, choice in enumerate(column.choices, start=1):
            sheet.write_string(row, col, choice)
        first = xl_rowcol_to_cell(1, col, row_abs=True, col_abs=True)
        last = xl_rowcol_to_cell(len(column.choices), col, row_abs=True, col_abs=True)
        refs[column.field] = f"={quote_sheetname(LISTS_SHEET)}!{first}:{last}"
        sheet.set_column(col, col, 40)
    sheet.hide()
    return refs


# --- instructions sheet -------------------------------------------------------------------


def _column_numbers(blocks: list[Block]) -> list[tuple[int, int]]:
    """First and last printed column number (1-based) of each block."""
    spans, start = [], 1
    for block in blocks:
        spans.append((start, start + len(block.leaves) - 1))
        start += len(block.leaves)
    return spans


def _accepted(column: Column) -> str:
    """What a column accepts, in words."""
    if column.kind == "enum":
        return "chọn một trong: " + "; ".join(column.choices)
    text = _KIND_VALUES.get(column.kind, "văn bản")
    return f"{text} ({column.note})" if column.note else text


def _required_text(column: Column, first_year: int) -> str:
    """Whether a column is required, in words."""
    if not column.required:
        return "không bắt buộc"
    if column.per_year:
        return "bắt buộc: ít nhất một năm (năm nào cũng được)"
    return "bắt buộc"


def _column_lines(blocks: list[Block], first_year: int) -> list[str]:
    """One instruction line per form column (per-year columns as one line)."""
    lines = []
    for block, (start, end) in zip(blocks, _column_numbers(blocks), strict=True):
        if block.grouped and block.leaves[0].year is not None:
            column = block.leaves[0].column
            years = f"{block.leaves[0].sub_label} … {block.leaves[-1].sub_label}"
            where = f"Cột ({start})-({end})"
            lines.append(
                f"{where} {column.label}, mỗi năm một cột ({years}): "
                f"{_required_text(column, first_year)}; {_accepted(column)}."
            )
            continue
        for offset, leaf in enumerate(block.leaves):
            column = leaf.column
            label = f"{block.label} - {column.label}" if block.grouped else column.label
            lines.append(
                f"Cột ({start + offset}) {label}: {_required_text(column, first_year)}; "
                f"{_accepted(column)}."
            )
    return lines


def _rule_lines(form: Form) -> list[str]:
    """The rules that decide whether an upload is accepted."""
    header = ", ".join(f'"{label.rstrip(":")}"' for label in HEADER_LINES.values())
    totals = ", ".join(f'"{word}"' for word in TOTAL_WORDS)
    lines = [
        f"Ghi đầy đủ các dòng {header} ở phần đầu biểu (thay dấu chấm lửng).",
        (
            "Ô để trống nghĩa là đơn vị không báo cáo số liệu đó, không phải bằng 0. "
            'Nếu số liệu bằng 0, ghi "-" (hoặc số 0).'
        ),
        (
            "Cột số lượng nhập số nguyên, không nhập chữ, số âm hay số thập phân; "
            "có thể dùng dấu chấm phân cách hàng nghìn (1.694)."
        ),
        (
            "Có thể kê khai nhiều đơn vị trên cùng một biểu, mỗi đơn vị (hoặc mỗi lần sắp xếp) "
            "một dòng; có thể thêm dòng nhóm (I, II, A, B… hoặc tên quận, huyện) không có số liệu."
        ),
        (
            f"Các dòng cộng ({totals}) được hệ thống kiểm tra với tổng các dòng mà nó cộng; "
            "nếu lệch, tệp bị từ chối và lỗi chỉ rõ ô."
        ),
        (
            "Không sửa, xóa, gộp hay đổi tên các dòng tiêu đề của bảng và dòng số thứ tự cột; "
            "không đổi tên trang tính."
        ),
        "Có thể dùng công thức; lưu tệp bằng Excel để giữ kết quả tính.",
        (
            "Ghi số liệu trong bảng, phía trên phần chữ ký "
            f"({SIGNATURE_WORDS[0]}, {SIGNATURE_WORDS[1]}); "
            "nội dung dưới phần chữ ký không được đọc."
        ),
    ]
    basis = [c.label for c in form.columns if c.field in BASIS_FIELDS]
    if basis:
        lines.append(
            f"Các cột «{basis[0]}» và «{basis[1]}» chia số tinh giản của cùng năm theo căn cứ "
            "pháp lý: khi ghi cả hai, tổng phải bằng số tinh giản; khi chỉ ghi một, không được "
            "lớn hơn số tinh giản. Không phân theo căn cứ thì để trống (không ghi 0)."
        )
    if any(c.field == "programme" for c in form.columns):
        lines.append(
            "Cột «Giai đoạn» ghi năm đầu và năm cuối, ví dụ 2026 - 2031 (để trống khi chỉ có một "
            "giai đoạn); giai đoạn mới cần cột «Năm gốc»: số giao của năm đó là mốc tính giảm. "
            "Chỉ tiêu nộp sau của cùng giai đoạn, phạm vi và chỉ tiêu thay thế chỉ tiêu trước."
        )
        lines.append(
            "Cột «Lĩnh vực giữ ổn định»: các lĩnh vực không phải giảm, cách nhau bởi dấu chấm "
            'phẩy ";"; tỷ lệ giảm tính trên số giao năm gốc của các lĩnh vực còn lại.'
        )
    if any(c.kind == "units" for c in form.columns):
        lines.append(
            'Nhiều đơn vị trong cùng một ô ghi cách nhau bằng dấu chấm phẩy ";" '
            "(hoặc xuống dòng trong ô), ví dụ: Phòng A; Phòng B."
        )
    if any(c.kind == "date" for c in form.columns):
        lines.append("Ngày ghi dạng dd/mm/yyyy, ví dụ 08/12/2023.")
    lines.append(
        "Một tệp có lỗi sẽ không được lưu; sửa lỗi rồi nộp lại. Báo cáo nộp sau cho cùng đơn vị, "
        "biểu và năm thay thế báo cáo trước. Trang hướng dẫn này không được đọc."
    )
    return lines


def _guide_height(text: str) -> float:
    """Row height (points) for wrapped text in the 100-character instructions column."""
    return 17 * (1 + len(text) // 95)


def _write_guide(
    workbook: Workbook, formats: dict[str, Format], form: Form, blocks: list[Block], year: int
) -> None:
    """The numbered instructions sheet."""
    sheet = workbook.add_worksheet(GUIDE_SHEET)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 100)
    sheet.merge_range(0, 0, 0, 1, f"{GUIDE_TITLE} SỐ {form.code}", formats["guide_title"])
    sheet.merge_range(1, 0, 1, 1, form.title, formats["guide_title"])
    sections = [
        (f"Mục đích: {_PURPOSES.get(form.code, form.title)}", []),
        ("Các cột của bảng:", _column_lines(blocks, year)),
        ("Quy tắc khi điền và nộp:", _rule_lines(form)),
    ]
    row = 3
    for number, (heading, items) in enumerate(sections, start=1):
        sheet.write_string(row, 0, f"{number}.", formats["guide_no"])
        sheet.write_string(row, 1, heading, formats["guide_head"])
        sheet.set_row(row, _guide_height(heading))
        row += 1
        for sub, item in enumerate(items, start=1):
            sheet.write_string(row, 0, f"{number}.{sub}", formats["guide_no"])
            sheet.write_string(row, 1, item, formats["guide"])
            sheet.set_row(row, _guide_height(item))
            row += 1
    sheet.set_paper(PAPER_A4)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
