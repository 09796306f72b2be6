"""Biểu 03: one row per reorganisation event (a date, its kind, the units before and after)."""

from __future__ import annotations

import re
from typing import Any

from etl.core.formatting import fmt_cell
from etl.core.forms import DISTRICT_END_KIND, PROVINCE_KIND_CHOICE, Form
from etl.core.normalize import clean_text, commune_key, name_key, strip_footnotes, text_key
from etl.core.problems import ProblemLog
from etl.core.provinces import province_label
from etl.core.values import cell_ref, is_empty, parse_date
from etl.reading.cells import (
    EVENT_CHOICES,
    SECTORS,
    UNIT_KINDS,
    read_choice,
    read_count,
    unsafe_cell,
)
from etl.reading.layout import ColumnMap, table_rows
from etl.reading.records import Cell, EventRow, SheetResult
from etl.reading.sheets import Grid
from etl.reading.target_rows import is_city_scope

_UNIT_SPLIT = re.compile(r"\s*(?:;|\n|\r)\s*")
_LIST_MARK = re.compile(r"^(?:[-+•*]\s*|\d{1,2}[.)]\s+)")


def split_units(raw: Any) -> list[str]:
    """Unit names in one cell: separated by `;` or line breaks, list marks removed."""
    if is_empty(raw):
        return []
    text = str(raw)
    parts = [_LIST_MARK.sub("", clean_text(p)) for p in _UNIT_SPLIT.split(text)]
    return [strip_footnotes(p) for p in parts if p]


def read_event_rows(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, result: SheetResult
) -> None:
    """The event rows of a Biểu 03 sheet into `result.events`; a row with an error is left
    out. Problems go to `log`."""
    cols = {f: c for c, (f, y) in cmap.by_col.items() if y is None}
    for r in table_rows(grid, cmap):
        if all(is_empty(v) for v in grid.cells[r]):
            continue
        raw_type = grid.value(r, cols["event_type"])
        raw_date = grid.value(r, cols["date"])
        before_raw = grid.value(r, cols["before"]) if "before" in cols else None
        after_raw = grid.value(r, cols["after"]) if "after" in cols else None
        if is_empty(raw_type) and is_empty(raw_date) and is_empty(before_raw):
            continue  # a group row or a remark
        errors_before = len(log.items)
        for f in ("before", "after", "doc_ref", "note", "sector"):
            if f in cols:
                unsafe_cell(grid, r, cols[f], log, form.column(f).label)
        date, code = parse_date(raw_date)
        ref = cell_ref(r, cols["date"])
        if code or date is None:
            log.report(
                "bad-date" if code else "missing-date",
                sheet=grid.name,
                cell=ref,
                value=raw_date,
                text=clean_text(fmt_cell(raw_date)),
            )
        event_type = read_choice(grid, r, cols["event_type"], log, "Hình thức", EVENT_CHOICES)
        if event_type is None and is_empty(raw_type):
            tref = cell_ref(r, cols["event_type"])
            log.report("missing-event-type", sheet=grid.name, cell=tref)
        before = [Cell(n, cell_ref(r, cols["before"])) for n in split_units(before_raw)]
        after = [Cell(n, cell_ref(r, cols["after"])) for n in split_units(after_raw)]
        internal: dict[str, int] = {}
        for f in ("internal_phong", "internal_khoa", "internal_chi_nhanh", "internal_khac"):
            if f in cols:
                cell = read_count(grid, r, cols[f], log, form.column(f).label)
                if cell is not None:
                    internal[f.removeprefix("internal_")] = cell.value
        unit_kind = (
            read_choice(grid, r, cols["unit_kind"], log, "Loại đơn vị", UNIT_KINDS)
            if "unit_kind" in cols
            else None
        )
        province = None
        if "province" in cols and not is_empty(grid.value(r, cols["province"])):
            unsafe_cell(grid, r, cols["province"], log, form.column("province").label)
            province = province_label(grid.value(r, cols["province"]))
        sector = None
        if "sector" in cols and not is_empty(grid.value(r, cols["sector"])):
            raw_sector = grid.value(r, cols["sector"])
            sector = SECTORS.get(text_key(raw_sector), clean_text(raw_sector))
        district_end = unit_kind == DISTRICT_END_KIND
        if unit_kind == PROVINCE_KIND_CHOICE and event_type:
            if event_type not in PROVINCE_EVENT_TYPES or not before or len(after) != 1:
                uref = cell_ref(r, cols.get("unit_kind", cols["event_type"]))
                log.report("province-event-invalid", sheet=grid.name, cell=uref, row=r + 1)
        elif event_type and (
            not _district_end_ok(before, after)
            if district_end
            else not _event_units_ok(event_type, before, after)
        ):
            uref = cell_ref(r, cols.get("before", cols["event_type"]))
            need = DISTRICT_END_NEEDS if district_end else EVENT_NEEDS[event_type]
            log.report(
                "event-missing-units",
                sheet=grid.name,
                cell=uref,
                row=r + 1,
                event_type=event_type,
                need_vi=need[0],
                need_en=need[1],
            )
        if len(log.items) > errors_before and any(p.is_error for p in log.items[errors_before:]):
            continue
        assert date is not None and event_type is not None
        result.events.append(
            EventRow(
                row=r,
                date=date,
                event_type=event_type,
                before=before,
                after=after,
                doc_ref=clean_text(grid.value(r, cols["doc_ref"])) if "doc_ref" in cols else "",
                unit_kind=unit_kind,
                sector=sector,
                internal=internal,
                note=clean_text(grid.value(r, cols["note"])) if "note" in cols else "",
                ref=cell_ref(r, cols["event_type"]),
                province=province,
            )
        )


# a merger of provinces (`Loại đơn vị` = `Tỉnh, thành phố`): the provinces before, one after
PROVINCE_EVENT_TYPES = ("Hợp nhất", "Sáp nhập")

EVENT_NEEDS = {
    "Thành lập mới": ("cần ghi đơn vị sau sắp xếp", "the new unit (after) is required"),
    "Giải thể": ("cần ghi đơn vị bị giải thể", "the dissolved unit (before) is required"),
    "Sáp nhập": (
        "cần ghi các đơn vị trước và đơn vị sau sắp xếp",
        "units before and the receiving unit after are required",
    ),
    "Hợp nhất": (
        "cần ít nhất hai đơn vị trước và một đơn vị sau",
        "at least two units before and one after are required",
    ),
    "Chia tách": (
        "cần một đơn vị trước và các đơn vị sau",
        "one unit before and the units after are required",
    ),
    "Đổi tên": ("cần tên cũ (trước) và tên mới (sau)", "the old and new names are required"),
    "Kiện toàn bên trong": ("cần ghi đơn vị được kiện toàn", "the restructured unit is required"),
    "Tạm dừng": ("cần ghi đơn vị liên quan", "the units concerned are required"),
}


# a row ending a district's level (docs/domain.md, "The end of the district level")
DISTRICT_END_NEEDS = (
    "cần ghi một quận, huyện (trước sắp xếp) và các xã, phường nhận (sau sắp xếp) hoặc "
    "Toàn tỉnh/Toàn thành phố",
    "one district (before) and the communes receiving its staff, or the province (after), "
    "are required",
)


def _district_end_ok(before: list[Cell], after: list[Cell]) -> bool:
    """One district before; after it the province alone, or communes each written with its
    kind (`Xã Thới Hưng`, `Phường An Bình`, `UBND xã Cờ Đỏ`), never a bare or other name."""
    if len(before) != 1 or not after:
        return False
    if len(after) == 1 and is_city_scope(after[0].value):
        return True
    return all(commune_key(_council_free(c.value)) != _council_free(c.value) for c in after)


_COUNCIL_WORDS = name_key("UBND") + " "


def _council_free(text: str) -> str:
    return name_key(text).removeprefix(_COUNCIL_WORDS)


def _event_units_ok(event_type: str, before: list[Cell], after: list[Cell]) -> bool:
    if event_type == "Thành lập mới":
        return bool(after)
    if event_type == "Giải thể":
        return bool(before)
    if event_type in ("Sáp nhập", "Chia tách", "Đổi tên"):
        return bool(before) and bool(after)
    if event_type == "Hợp nhất":
        return len(before) >= 2 and bool(after)
    return bool(before) or bool(after)
