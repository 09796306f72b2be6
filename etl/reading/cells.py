"""One cell of a form read as what its column holds: a count, a choice, text that may be stored.

Shared by every stage of the form reader (etl/reading/layout.py, unit_rows.py, event_rows.py,
target_rows.py): each problem is logged naming the sheet and the cell.
"""

from __future__ import annotations

import functools
from typing import Any

from etl.core.forms import (
    EVENT_TYPE_CHOICES,
    JOB_POSITION_CHOICES,
    MEASURE_CHOICES,
    SECTOR_CHOICES,
    UNIT_KIND_CHOICES,
    Column,
    Form,
)
from etl.core.normalize import clean_text, text_key
from etl.core.problems import ProblemLog
from etl.core.values import cell_ref, column_letter, is_empty, parse_count
from etl.core.vocabulary import UnitKind
from etl.reading.records import Cell
from etl.reading.sheets import Grid
from etl.reading.text import unsafe_text, visible


def choice_map(choices: tuple[str, ...]) -> dict[str, str]:
    """Each choice by its key (`text_key`), so a cell matches it however it is typed."""
    return {text_key(c): c for c in choices}


JOB_CHOICES = choice_map(JOB_POSITION_CHOICES)
EVENT_CHOICES = choice_map(EVENT_TYPE_CHOICES)
UNIT_KINDS = choice_map(UNIT_KIND_CHOICES)
SECTORS = choice_map(SECTOR_CHOICES)
MEASURES = {
    **choice_map(MEASURE_CHOICES),
    text_key("Công chức"): MEASURE_CHOICES[0],
    text_key("Biên chế"): MEASURE_CHOICES[0],
    text_key("Số lượng người làm việc"): MEASURE_CHOICES[1],
    text_key("Số lượng người làm việc hưởng lương từ NSNN"): MEASURE_CHOICES[1],
    text_key("Viên chức"): MEASURE_CHOICES[1],
}


def agency_kind_of(text: str) -> str | None:
    """The kind of agency named by a value or a group row, by its words: its plain code (a
    record crosses the reading sandbox, whose reply check wants `type(v) is str`)."""
    key = text_key(text)
    if not key:
        return None
    if text_key("chi cục") in key:
        return UnitKind.CHI_CUC.value
    if text_key("tổ chức hành chính khác") in key:
        return UnitKind.TO_CHUC_HANH_CHINH_KHAC.value
    if text_key("cấp huyện") in key or text_key("quận, huyện") in key:
        return UnitKind.CO_QUAN_CHUYEN_MON_HUYEN.value
    if text_key("cơ quan chuyên môn") in key or text_key("cấp tỉnh") in key:
        return UnitKind.CO_QUAN_CHUYEN_MON_TINH.value
    return None


def cell_text(value: Any) -> str:
    """A text cell's clean text; "" for anything else."""
    return clean_text(value) if isinstance(value, str) else ""


def unsafe_cell(grid: Grid, r: int, c: int | None, log: ProblemLog | None, label: str) -> bool:
    """True (with `unsafe-text` logged) when a text to be stored holds control, NUL or
    bidirectional characters, or HTML/script: refused, never cleaned and stored."""
    if c is None or log is None:
        return False
    raw = grid.value(r, c)
    reason = unsafe_text(raw)
    if reason is None:
        return False
    ref = cell_ref(r, c)
    log.error(
        "unsafe-text",
        f"Ô {ref} ({label}): «{visible(raw)}» chứa {reason[0]}; tên đơn vị và chữ trong biểu "
        "phải là văn bản thuần, không có ký tự điều khiển hay mã HTML. Hãy gõ lại ô này.",
        f"Cell {ref} ({label}): «{visible(raw)}» contains {reason[1]}; names and text in a "
        "form must be plain text. Retype the cell.",
        sheet=grid.name,
        cell=ref,
        value=visible(raw),
    )
    return True


def read_count(
    grid: Grid, r: int, c: int, log: ProblemLog, label: str, *, subtotal: bool = False
) -> Cell | None:
    """Parse a count cell; log problems; None when empty or bad."""
    ref = f"{col_letters(c)}{r + 1}"
    if grid.formulas_without_value and (r, c) in grid.formulas_without_value:
        if subtotal:
            log.warning(
                "subtotal-formula-no-value",
                f"Ô {ref} là công thức chưa có giá trị tính sẵn; dòng cộng được tính lại.",
                f"Cell {ref} holds a formula with no cached value; the subtotal is recomputed.",
                sheet=grid.name,
                cell=ref,
            )
        else:
            log.error(
                "formula-no-value",
                f"Ô {ref} ({label}) là công thức chưa có giá trị tính sẵn; hãy mở tệp bằng Excel, "
                "lưu lại rồi nộp (hoặc nhập số).",
                f"Cell {ref} ({label}) holds a formula with no cached value; open and save the "
                "file in Excel, or type the number.",
                sheet=grid.name,
                cell=ref,
            )
        return None
    raw = grid.value(r, c)
    value, code = _parse_count(raw)
    if code:
        what = {
            "not-integer": ("không phải số nguyên", "is not a whole number"),
            "negative-count": ("là số âm", "is negative"),
            "not-a-number": ("không phải là số", "is not a number"),
        }[code]
        log.error(
            code,
            f"Ô {ref} ({label}): giá trị «{clean_text(raw)}» {what[0]}; số người phải là số "
            "nguyên không âm (để trống nếu chưa có số liệu, «-» nếu bằng 0).",
            f"Cell {ref} ({label}): «{clean_text(raw)}» {what[1]}; head counts are whole "
            "non-negative numbers (leave empty when not reported, «-» for zero).",
            sheet=grid.name,
            cell=ref,
            value=raw,
        )
        return None
    return None if value is None else Cell(value, ref)


EXACT_INT = 2**53  # below it, int(float(n)) == n, as parse_count computes


def _parse_count(raw: Any) -> tuple[int | None, str | None]:
    """`parse_count`, with the common cells (empty, a whole number) answered at once."""
    if raw is None:
        return None, None
    kind = type(raw)
    if kind is int and 0 <= raw < EXACT_INT:
        return raw, None
    if kind is float and raw >= 0.0 and raw.is_integer():
        return int(raw), None
    return parse_count(raw)


@functools.lru_cache(maxsize=1024)
def col_letters(col: int) -> str:
    """`column_letter`, remembered (a sheet has few columns; every cell asks)."""
    return column_letter(col)


def count_label(form: Form, key: tuple[str, int | None]) -> str:
    """A count cell's column label (`… năm 2023`), made once per form and key: it is asked
    for every count cell read, and forms are few and constant."""
    entry = _LABELS.get((id(form), key))
    if entry is None or entry[0] is not form:  # the form is held, so its id is not reused
        label = form_column(form, key[0]).label
        entry = _LABELS[(id(form), key)] = (form, f"{label} năm {key[1]}" if key[1] else label)
    return entry[1]


def form_column(form: Form, field_name: str) -> Column:
    """`form.column(field_name)` (a linear search), remembered per form and field."""
    entry = _COLUMNS.get((id(form), field_name))
    if entry is None or entry[0] is not form:
        entry = _COLUMNS[(id(form), field_name)] = (form, form.column(field_name))
    return entry[1]


_LABELS: dict[tuple[int, tuple[str, int | None]], tuple[Form, str]] = {}
_COLUMNS: dict[tuple[int, str], tuple[Form, Column]] = {}


def read_choice(
    grid: Grid,
    r: int,
    c: int,
    log: ProblemLog,
    label: str,
    choices: dict[str, str],
) -> str | None:
    """The choice a cell names; None when empty, or (with `bad-choice` logged) not a choice."""
    raw = grid.value(r, c)
    if is_empty(raw):
        return None
    key = text_key(raw)
    if key in choices:
        return choices[key]
    allowed = "; ".join(dict.fromkeys(choices.values()))
    ref = cell_ref(r, c)
    log.error(
        "bad-choice",
        f"Ô {ref} ({label}): «{clean_text(raw)}» không phải giá trị hợp lệ (chọn một trong: "
        f"{allowed}).",
        f"Cell {ref} ({label}): «{clean_text(raw)}» is not an allowed value ({allowed}).",
        sheet=grid.name,
        cell=ref,
        value=raw,
    )
    return None
