"""One cell of a form read as what its column holds: a count, a choice, text that may be stored.

Shared by every stage of the form reader (etl/reading/layout.py, unit_rows.py, event_rows.py,
target_rows.py): each problem is logged naming the sheet and the cell.
"""

from __future__ import annotations

import functools
from typing import Any

from etl.core.formatting import fmt_cell
from etl.core.forms import (
    EVENT_TYPE_CHOICES,
    EVENT_UNIT_KIND_CHOICES,
    JOB_POSITION_CHOICES,
    MEASURE_CHOICES,
    SECTOR_CHOICES,
    Column,
    Form,
)
from etl.core.normalize import clean_text, text_key
from etl.core.problems import ProblemLog
from etl.core.values import MAX_COUNT, cell_ref, column_letter, is_empty, parse_count
from etl.core.vocabulary import UnitKind
from etl.reading.records import Cell
from etl.reading.sheets import Grid
from etl.reading.text import unsafe_text, visible


def choice_map(choices: tuple[str, ...]) -> dict[str, str]:
    """Each choice by its key (`text_key`), so a cell matches it however it is typed."""
    return {text_key(c): c for c in choices}


JOB_CHOICES = choice_map(JOB_POSITION_CHOICES)
EVENT_CHOICES = choice_map(EVENT_TYPE_CHOICES)
UNIT_KINDS = choice_map(EVENT_UNIT_KIND_CHOICES)
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
    if text_key("cấp xã") in key:
        return UnitKind.CO_QUAN_CAP_XA.value
    if text_key("cấp huyện") in key or text_key("quận, huyện") in key:
        return UnitKind.CO_QUAN_CHUYEN_MON_HUYEN.value
    if text_key("cơ quan chuyên môn") in key or text_key("cấp tỉnh") in key:
        return UnitKind.CO_QUAN_CHUYEN_MON_TINH.value
    return None


def cell_text(value: Any) -> str:
    """A text cell's clean text; "" for anything else."""
    return clean_text(value) if isinstance(value, str) else ""


UNSAFE_CELL_ADVICE = (
    "tên đơn vị và chữ trong biểu phải là văn bản thuần, không có ký tự điều khiển hay mã HTML. "
    "Hãy gõ lại ô này.",
    "names and text in a form must be plain text. Retype the cell.",
)


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
    log.report(
        "unsafe-text",
        sheet=grid.name,
        cell=ref,
        value=visible(raw),
        subject_vi=f"Ô {ref} ({label}): «{visible(raw)}»",
        subject_en=f"Cell {ref} ({label}): «{visible(raw)}»",
        reason_vi=reason[0],
        reason_en=reason[1],
        advice_vi=UNSAFE_CELL_ADVICE[0],
        advice_en=UNSAFE_CELL_ADVICE[1],
    )
    return True


def read_count(
    grid: Grid, r: int, c: int, log: ProblemLog, label: str, *, subtotal: bool = False
) -> Cell | None:
    """Parse a count cell; log problems; None when empty or bad."""
    ref = f"{col_letters(c)}{r + 1}"
    if grid.formulas_without_value and (r, c) in grid.formulas_without_value:
        if subtotal:
            log.report("subtotal-formula-no-value", sheet=grid.name, cell=ref)
        else:
            log.report("formula-no-value", sheet=grid.name, cell=ref, label=label)
        return None
    raw = grid.value(r, c)
    value, code = _parse_count(raw)
    if code:
        log.report(
            code, sheet=grid.name, cell=ref, value=raw, label=label, text=clean_text(fmt_cell(raw))
        )
        return None
    return None if value is None else Cell(value, ref)


def _parse_count(raw: Any) -> tuple[int | None, str | None]:
    """`parse_count`, with the common cells (empty, a whole number up to `MAX_COUNT`)
    answered at once."""
    if raw is None:
        return None, None
    kind = type(raw)
    if kind is int and 0 <= raw <= MAX_COUNT:
        return raw, None
    if kind is float and 0.0 <= raw <= MAX_COUNT and raw.is_integer():
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
    log.report(
        "bad-choice",
        sheet=grid.name,
        cell=cell_ref(r, c),
        value=raw,
        label=label,
        text=clean_text(raw),
        allowed="; ".join(dict.fromkeys(choices.values())),
    )
    return None
