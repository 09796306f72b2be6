"""Excel exports of the stored figures, written with xlsxwriter.

`write_consolidated` writes the Department's consolidated return (biểu tổng hợp) in the forms'
own layout (`etl.writers.layout`: Biểu 01 and Biểu 02 with the letterhead, the forms' two-row
header, group rows and `Cộng` rows as `=SUM(...)` formulas with their cached values, a signature
block), so that it prints like the forms and can be uploaded again through the product's reader.

`write_data` writes a tidy workbook for analysts: the headline figures, one row per unit, every
current figure with the file and cell it came from, the reorganisation events and the targets.

Safety: strings are never turned into formulas, links or numbers, every text cell is written
with `write_string` after control characters are stripped, and the only formulas are SUM ranges
computed here. The same input writes the same bytes (fixed properties, in-memory packaging).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import numbers
import pathlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from etl.core.formatting import fmt_date
from etl.core.forms import (
    BASIS_FIELDS,
    FORM_00,
    FORM_01,
    FORM_02,
    FORM_03,
    HEADER_LINES,
    SECTOR_CHOICES,
    YEAR_WORDS,
    Form,
)
from etl.core.normalize import looks_like_district, loose_key
from etl.core.vocabulary import (
    GROUP_LABELS,
    KIND_LABELS,
    MEASURE_LABELS,
    MEASURE_OF_FORM,
    NOT_BROKEN_DOWN_LABEL,
    STATUS_OF_FIELD,
    DepartureBasis,
    FactStatus,
    JobPositionStatus,
    Measure,
    UnitGroup,
    UnitKind,
)
from etl.measures.analysis import unit_table
from etl.measures.dataset import Dataset, unreviewed_stamp
from etl.measures.metrics import (
    NO_DATA_LABEL,
    NOT_BROKEN_DOWN,
    no_data_reason,
    no_data_text,
)
from etl.measures.programmes import baseline_year, programme_for, programmes
from etl.measures.provinces import province_choices
from etl.measures.query import ResolvedView
from etl.measures.scoping import CITY_LABEL, Filter, exists_at, scope_mask
from etl.writers.layout import (
    FONT_NAME,
    FONT_SIZE_PT,
    INTERNAL_FIELDS,
    Leaf,
    Sides,
    column_width,
    form_formats,
    header_blocks,
    leaves_of,
    set_print_layout,
    side_columns,
    stamp_sheet,
    write_letterhead,
    write_merged,
    write_signature,
    write_table_header,
)

DEPARTMENT = "Sở Nội vụ"
SCOPE_WORD = "Phạm vi"
GRAND_TOTAL = "Tổng cộng"
SUBTOTAL = "Cộng"
CONSOLIDATED_SUFFIX = "(tổng hợp)"
# Biểu 01 groups, in the order of the Department's consolidated forms.
AGENCY_GROUPS = (
    UnitKind.CO_QUAN_CHUYEN_MON_TINH,
    UnitKind.TO_CHUC_HANH_CHINH_KHAC,
    UnitKind.CHI_CUC,
    UnitKind.CO_QUAN_CHUYEN_MON_HUYEN,
)
OTHER_SECTOR = "Khác"
DATA_SHEETS = ("Tổng hợp", "Đơn vị", "Số liệu", "Sự kiện", "Chỉ tiêu")
MAX_CELL_CHARS = 32_767
_FIELD_OF_STATUS = {status: field_name for field_name, status in STATUS_OF_FIELD.items()}
# members used row by row, hoisted (an enum's attribute costs more than a module global)
_ASSIGNED, _SERVICE_MEASURE = FactStatus.ASSIGNED, Measure.NGUOI_LAM_VIEC
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip

Key = tuple[str, int | None]  # (form field, year or None): one figure column
Figures = dict[int, dict[Key, int]]  # unit id → figures


# --- shared helpers -----------------------------------------------------------------------


def safe_text(value: Any) -> str:
    """Text for a cell: control characters (other than tab and line break) removed, cut to
    Excel's cell limit. Never interpreted: the caller writes it with `write_string`."""
    text = _CONTROL.sub("", str(value)).replace("\r", "")
    return text[:MAX_CELL_CHARS]


def _blank(value: Any) -> bool:
    """None, NaN, NaT or pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _roman(number: int) -> str:
    """`4` → `IV`."""
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def _year_end(year: int, as_of: dt.date) -> dt.date:
    """The last day of a year, or the cut-off when earlier."""
    return min(dt.date(year, 12, 31), as_of)


def workbook_options() -> dict[str, Any]:
    """Safe options (text stays text: no formulas, links or numbers made from strings),
    in-memory packaging and the forms' font. A new dict each time: xlsxwriter mutates it."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "in_memory": True,
        "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT},
    }


def _open(out: BinaryIO | pathlib.Path | str) -> Workbook:
    """A workbook on a path or a binary file object, with the safe options."""
    target = str(out) if isinstance(out, pathlib.PurePath) else out
    return xlsxwriter.Workbook(target, workbook_options())


def _set_properties(workbook: Workbook, as_of: dt.date, title: str) -> None:
    """Fixed document properties derived from the cut-off, so output is reproducible."""
    workbook.set_properties(
        {
            "title": title,
            "subject": f"{HEADER_LINES['as_of']} {fmt_date(as_of)}",
            "author": DEPARTMENT,
            "company": DEPARTMENT,
            "created": dt.datetime.combine(as_of, dt.time()),
        }
    )


# --- the consolidated return ----------------------------------------------------------------


@dataclass
class _Group:
    """Units under one group row, with sub-groups; closed by a `Cộng` row."""

    stt: str
    label: str
    units: list[int]
    children: list[_Group]


@dataclass(frozen=True)
class _Line:
    """One table row: the grand total, a group row, a unit, or a subtotal.

    `sources` (totals only) are the sheet row ranges (first, last) that the SUM covers.
    """

    kind: str  # total | group | unit | subtotal
    stt: str | int | None
    name: str
    unit_id: int | None = None
    sources: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class _Rows:
    """Row positions (0-based) of the parts of a consolidated sheet."""

    header_top: int
    number_row: int
    first_line: int


def write_consolidated(ds: Dataset, view: ResolvedView, out: BinaryIO | pathlib.Path) -> None:
    """The Department's consolidated return: sheets "Biểu 01" and "Biểu 02" in the forms'
    layout, for the units of the view existing at its cut-off (plus units ended since 2021
    that still carry a figure of a year shown, so that each year's total is the city's)."""
    as_of, flt = view.as_of, view.filter
    workbook = _open(out)
    try:
        title = f"Biểu số {FORM_01.code}, {FORM_02.code} {CONSOLIDATED_SUFFIX}"
        _set_properties(workbook, as_of, title)
        formats = _consolidated_formats(workbook)
        for form in (FORM_01, FORM_02):
            sheet = workbook.add_worksheet(form.sheet_name)
            _write_form_sheet(sheet, formats, form, ds, as_of, flt)
            stamp_sheet(sheet, unreviewed_stamp(ds.figures))
        workbook.worksheets()[0].activate()
    finally:
        workbook.close()


def _consolidated_formats(workbook: Workbook) -> dict[str, Format]:
    """The forms' formats plus those of group, subtotal and total rows."""
    formats = form_formats(workbook)
    base = {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT, "valign": "vcenter", "border": 1}
    extra: dict[str, dict[str, Any]] = {
        "stt": {"align": "center"},
        "group": {"bold": True, "text_wrap": True},
        "group_stt": {"bold": True, "align": "center"},
        "sum_text": {"bold": True, "italic": True, "align": "center"},
        "sum_count": {"bold": True, "italic": True, "num_format": "#,##0", "align": "right"},
        "total_text": {"bold": True, "align": "center"},
        "total_count": {"bold": True, "num_format": "#,##0", "align": "right"},
        "blank": {},
    }
    for name, spec in extra.items():
        formats[name] = workbook.add_format({**base, **spec})
    formats["scope"] = workbook.add_format(
        {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT, "italic": True, "align": "center"}
    )
    formats["stamp"] = workbook.add_format(
        {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT, "bold": True, "align": "center",
         "font_color": "#C00000"}
    )  # fmt: skip
    return formats


def _write_form_sheet(
    sheet: Worksheet,
    formats: dict[str, Format],
    form: Form,
    ds: Dataset,
    as_of: dt.date,
    flt: Filter,
) -> None:
    """One consolidated form: title block, header, total/group/unit/subtotal rows, signature."""
    measure = MEASURE_OF_FORM[form.code]
    candidates = _candidate_units(ds, as_of, flt, form is FORM_02)
    programme = programme_for(ds, as_of)
    year0 = baseline_year(ds, programme) or as_of.year
    last_year = _last_year(ds, candidates, measure, as_of, year0)
    blocks = header_blocks(form, year0, last_year)
    keys = {
        (leaf.column.field, leaf.year) for leaf in leaves_of(blocks) if leaf.column.kind == "count"
    }
    figures = _unit_figures(ds, candidates, measure, as_of, last_year, keys, year0)
    # the columns by legal basis only when some unit gave one (absent: not broken down)
    given = {key[0] for unit_figures in figures.values() for key in unit_figures}
    blocks = [
        b
        for b in blocks
        if b.leaves[0].column.field not in BASIS_FIELDS or b.leaves[0].column.field in given
    ]
    if not province_choices(ds):  # the province column only when the data holds several
        blocks = [b for b in blocks if b.leaves[0].column.field != "province"]
    alive = exists_at(candidates, as_of)
    units = candidates[alive | candidates.index.isin(list(figures))]
    # the commune column only when a unit shown has a commune (docs/domain.md, "Communes")
    if "commune" not in units.columns or not units["commune"].notna().any():
        blocks = [b for b in blocks if b.leaves[0].column.field != "commune"]
    leaves = leaves_of(blocks)
    if form is FORM_02:
        groups = _sector_groups(units)
    else:
        groups = _agency_groups(units, _district_labels(ds.units))
    widths = [30.0 if leaf.column.field == "note" else column_width(leaf) for leaf in leaves]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sides = side_columns(widths)
    notes = []
    stamp = unreviewed_stamp(ds.figures)
    if stamp:
        notes.append(stamp.upper())
    reason = no_data_reason(as_of, max((y for _, y in _figure_years(figures)), default=None), year0)
    if reason:
        notes.append(f"{no_data_text(reason, year0)}.")
    rows = _write_title(sheet, formats, form, as_of, flt, len(leaves), sides, tuple(notes))
    write_table_header(sheet, formats, blocks, rows.header_top)
    lines = _lay_out(groups, rows.first_line)
    texts = _unit_texts(ds, units, as_of)
    last_row = _write_lines(sheet, formats, leaves, lines, rows.first_line, figures, texts)
    write_signature(sheet, formats, last_row + 2, len(leaves), sides)
    _setup_print(sheet, rows, leaves, last_row + 8)


def _figure_years(figures: Figures) -> list[tuple[str, int]]:
    """(field, year) of every quota figure the units carry."""
    return [k for per_unit in figures.values() for k in per_unit if k[1] is not None]


def _in_scope(ds: Dataset, flt: Filter) -> pd.Series:
    """The units of `ds` a filter covers (`scoping.scope_mask`: a former district's
    communes too), aligned with `ds.units`."""
    return pd.Series(scope_mask(ds, flt), index=ds.units.index)


def _candidate_units(ds: Dataset, as_of: dt.date, flt: Filter, su_nghiep: bool) -> pd.DataFrame:
    """Units of one form within the filter, established by the cut-off."""
    units = ds.units
    started = pd.to_datetime(units["valid_from"])
    mask = _in_scope(ds, flt) & ((units["kind"] == UnitKind.DON_VI_SU_NGHIEP) == su_nghiep)
    mask &= started.isna() | (started <= pd.Timestamp(as_of))
    return units[mask]


def _last_year(ds: Dataset, units: pd.DataFrame, measure: str, as_of: dt.date, year0: int) -> int:
    """The latest year with a figure up to the cut-off (at least one year after the
    baseline year `year0`)."""
    facts = ds.facts
    years = facts.loc[
        (facts["measure"] == measure)
        & facts["unit_id"].isin(units.index)
        & (facts["year"] <= as_of.year),
        "year",
    ]
    latest = int(years.max()) if len(years) else as_of.year
    return max(latest, year0 + 1)


def _unit_figures(
    ds: Dataset,
    units: pd.DataFrame,
    measure: str,
    as_of: dt.date,
    last_year: int,
    keys: set[Key],
    year0: int,
) -> Figures:
    """Each unit's figures by column, counted as the measures count them: a quota of a year
    after 2021 only when the unit existed at that year's end; pending, norm and present (one
    column each) of the latest year, for units existing at the cut-off."""
    facts = ds.facts
    facts = facts[
        (facts["measure"] == measure)
        & facts["unit_id"].isin(units.index)
        & facts["year"].between(year0, min(last_year, as_of.year))
    ]
    alive = {y: exists_at(units, _year_end(y, as_of)) for y in range(year0, last_year + 1)}
    existing = exists_at(units, as_of)
    out: Figures = defaultdict(dict)
    rows = facts[["unit_id", "status", "year", "value"]].itertuples(index=False)
    for unit_id, status, year, value in rows:
        field_name = _FIELD_OF_STATUS.get(status, "")
        if (field_name, year) in keys:
            if status == _ASSIGNED and year != year0 and not alive[year][unit_id]:
                continue
            out[int(unit_id)][(field_name, int(year))] = int(value)
        elif (field_name, None) in keys and year == last_year and existing[unit_id]:
            out[int(unit_id)][(field_name, None)] = int(value)
    return dict(out)


def _sort_units(units: pd.DataFrame) -> list[int]:
    """Unit ids in alphabetical order (diacritics ignored first, then the exact name)."""
    keys = units["name"].map(loose_key)
    order = sorted(zip(keys, units["name"], units.index, strict=True))
    return [int(unit_id) for _, _, unit_id in order]


def _agency_groups(units: pd.DataFrame, districts: dict[str, str]) -> list[_Group]:
    """Biểu 01: I–IV by kind of agency; district agencies sub-grouped by district."""
    kinds = list(AGENCY_GROUPS) + sorted(set(units["kind"]) - set(AGENCY_GROUPS))
    groups = []
    for kind in kinds:
        members = units[units["kind"] == kind]
        if members.empty:
            continue
        stt = _roman(len(groups) + 1)
        label = KIND_LABELS.get(kind, kind)
        if kind == UnitKind.CO_QUAN_CHUYEN_MON_HUYEN:
            direct = members[members["district_key"] == ""]
            children = _district_groups(members[members["district_key"] != ""], districts)
            groups.append(_Group(stt, label, _sort_units(direct), children))
        else:
            groups.append(_Group(stt, label, _sort_units(members), []))
    return groups


def _district_rank(label: str) -> tuple[int, str]:
    """Quận before thị xã before huyện, then by name."""
    key = loose_key(label)
    for rank, word in enumerate(("quan ", "thi xa ", "thanh pho ", "huyen ")):
        if key.startswith(word):
            return rank, key[len(word) :]
    return 9, key


def _district_labels(units: pd.DataFrame) -> dict[str, str]:
    """District key → the fullest way any unit writes it (`Huyện Cờ Đỏ` rather than `Cờ Đỏ`)."""
    out: dict[str, str] = {}
    for key, names in units.groupby("district_key")["district"]:
        labels = sorted(set(names.dropna()), key=lambda n: (not looks_like_district(n), -len(n), n))
        if key and labels:
            out[str(key)] = labels[0]
    return out


def _district_groups(units: pd.DataFrame, districts: dict[str, str]) -> list[_Group]:
    """One sub-group per district ("1.", "2." …)."""
    labelled = [
        (districts.get(str(key), ""), members)
        for key, members in units.groupby("district_key", sort=False)
    ]
    labelled.sort(key=lambda item: _district_rank(item[0]))
    return [
        _Group(f"{number}.", label, _sort_units(members), [])
        for number, (label, members) in enumerate(labelled, start=1)
    ]


def _sector_groups(units: pd.DataFrame) -> list[_Group]:
    """Biểu 02: one group per sector, in the form's order (units without one under Khác)."""
    sectors = units["sector"].where(units["sector"].notna(), OTHER_SECTOR)
    known = [s for s in SECTOR_CHOICES if (sectors == s).any()]
    others = sorted(set(sectors) - set(SECTOR_CHOICES), key=loose_key)
    return [
        _Group(_roman(number), sector, _sort_units(units[sectors == sector]), [])
        for number, sector in enumerate(known + others, start=1)
    ]


def _lay_out(groups: list[_Group], first_row: int) -> list[_Line]:
    """The table's lines: the grand total first, then each group and its `Cộng` row."""
    lines: list[_Line] = [_Line("total", None, GRAND_TOTAL)]
    tops = [_lay_out_group(group, lines, first_row) for group in groups]
    lines[0] = _Line("total", None, GRAND_TOTAL, sources=tuple((r, r) for r in tops))
    return lines


def _lay_out_group(group: _Group, lines: list[_Line], first_row: int) -> int:
    """Append a group's lines; returns the sheet row of its `Cộng` row."""
    lines.append(_Line("group", group.stt, group.label))
    start = first_row + len(lines)
    for number, unit_id in enumerate(group.units, start=1):
        lines.append(_Line("unit", number, "", unit_id=unit_id))
    sources = [(start, start + len(group.units) - 1)] if group.units else []
    for child in group.children:
        row = _lay_out_group(child, lines, first_row)
        sources.append((row, row))
    label = f"{SUBTOTAL} {group.stt.rstrip('.')}"
    lines.append(_Line("subtotal", None, label, sources=tuple(sources)))
    return first_row + len(lines) - 1


def _line_values(lines: list[_Line], first_row: int, figures: Figures, key: Key) -> list[Any]:
    """Each line's figure in one column; a total is None when nothing under it was reported."""
    memo: dict[int, int | None] = {}

    def value(index: int) -> int | None:
        if index in memo:
            return memo[index]
        line = lines[index]
        if line.kind == "unit":
            result = figures.get(line.unit_id or 0, {}).get(key)
        elif line.kind in ("total", "subtotal"):
            parts = [
                value(row - first_row)
                for first, last in line.sources
                for row in range(first, last + 1)
            ]
            reported = [p for p in parts if p is not None]
            result = sum(reported) if reported else None
        else:
            result = None
        memo[index] = result
        return result

    return [value(i) for i in range(len(lines))]


def _sum_formula(sources: tuple[tuple[int, int], ...], col: int) -> str:
    """`=SUM(F12:F30,F45)` over computed row ranges of one column."""
    parts = []
    for first, last in sources:
        cell = xl_rowcol_to_cell(first, col)
        parts.append(cell if first == last else f"{cell}:{xl_rowcol_to_cell(last, col)}")
    return f"=SUM({','.join(parts)})"


def _unit_texts(ds: Dataset, units: pd.DataFrame, as_of: dt.date) -> dict[int, dict[str, str]]:
    """The text columns of each unit row (code, name, kind, district, parent, sector…)."""
    jobs = ds.job_positions.set_index("unit_id") if len(ds.job_positions) else pd.DataFrame()
    alive = exists_at(units, as_of)
    out: dict[int, dict[str, str]] = {}
    for unit_id, unit in units.iterrows():
        texts = {
            "code": unit["code"],
            "name": unit["name"],
            "agency_kind": KIND_LABELS.get(unit["kind"]),
            "district": unit["district"],
            "commune": unit.get("commune"),
            "province": unit.get("province"),
            "parent": unit["parent"],
            "sector": unit["sector"],
            "autonomy": unit["autonomy"],
        }
        if unit_id in jobs.index:
            texts["job_position"] = jobs.loc[unit_id, "status"]
            texts["note"] = jobs.loc[unit_id, "note"]
        if not alive[unit_id]:
            texts["note"] = _ended_note(ds, int(unit_id), unit["valid_to"])
        out[int(unit_id)] = {k: safe_text(v) for k, v in texts.items() if not _blank(v) and v}
    return out


def _ended_note(ds: Dataset, unit_id: int, ended: dt.date) -> str:
    """Why a listed unit no longer exists: the event that ended it, or its end date."""
    events = ds.events
    if len(events):
        on_day = events[events["effective_date"] == ended].sort_values("id")
        for event_id, event_type in zip(on_day["id"], on_day["event_type"], strict=True):
            before, after = ds.event_sets.get(int(event_id), (frozenset(), frozenset()))
            if unit_id in before and unit_id not in after:
                names = "; ".join(sorted(ds.units.loc[list(after), "name"]))
                note = f"{event_type} ngày {fmt_date(ended)}"
                return f"{note}; {FORM_03.column('after').label}: {names}" if names else note
    return f"Không còn từ ngày {fmt_date(ended)}"


def _write_title(
    sheet: Worksheet,
    formats: dict[str, Format],
    form: Form,
    as_of: dt.date,
    flt: Filter,
    n_cols: int,
    sides: Sides,
    notes: tuple[str, ...] = (),
) -> _Rows:
    """The letterhead (the Department, form number and title), then reporting unit, cut-off
    and scope, then `notes` in red (the stamp of unreviewed figures, «chưa có số liệu»)."""
    last = n_cols - 1
    first = write_letterhead(
        sheet,
        formats,
        agency=DEPARTMENT.upper(),
        number=f"Biểu số {form.code} {CONSOLIDATED_SUFFIX}",
        title=form.title,
        n_cols=n_cols,
        sides=sides,
    )
    lines = [
        (f"{HEADER_LINES['unit']} {DEPARTMENT}", formats["scope"]),
        (f"{HEADER_LINES['as_of']} {fmt_date(as_of)}", formats["scope"]),
        (f"{SCOPE_WORD}: {safe_text(flt.label)}", formats["scope"]),
        *((note, formats["stamp"]) for note in notes),
    ]
    for row, (text, style) in enumerate(lines, start=first):
        write_merged(sheet, row, 0, row, last, text, style)
    header_top = first + len(lines) + 1
    return _Rows(header_top, header_top + 2, header_top + 3)


def _write_lines(
    sheet: Worksheet,
    formats: dict[str, Format],
    leaves: list[Leaf],
    lines: list[_Line],
    first_row: int,
    figures: Figures,
    texts: dict[int, dict[str, str]],
) -> int:
    """Write every table line, bordered; returns the last row written."""
    for col, leaf in enumerate(leaves):
        key: Key = (leaf.column.field, leaf.year)
        is_count = leaf.column.kind == "count"
        values = _line_values(lines, first_row, figures, key) if is_count else []
        for index, line in enumerate(lines):
            row = first_row + index
            if is_count:
                _write_figure(sheet, formats, row, col, line, values[index])
            else:
                _write_text(sheet, formats, row, col, leaf, line, texts)
    for index, line in enumerate(lines):
        if line.kind == "unit":
            name = texts.get(line.unit_id or 0, {}).get("name", "")
            sheet.set_row(first_row + index, 18 * max(1, math.ceil(len(name) / 36)))
    return first_row + len(lines) - 1


def _write_figure(
    sheet: Worksheet,
    formats: dict[str, Format],
    row: int,
    col: int,
    line: _Line,
    value: int | None,
) -> None:
    """A count: a number on a unit row, a SUM formula with its cached value on a total."""
    fmt = {"total": "total_count", "subtotal": "sum_count"}.get(line.kind, "count")
    if value is None:
        sheet.write_blank(row, col, None, formats[fmt])
    elif line.kind == "unit":
        sheet.write_number(row, col, value, formats[fmt])
    else:
        sheet.write_formula(row, col, _sum_formula(line.sources, col), formats[fmt], value)


def _write_text(
    sheet: Worksheet,
    formats: dict[str, Format],
    row: int,
    col: int,
    leaf: Leaf,
    line: _Line,
    texts: dict[int, dict[str, str]],
) -> None:
    """A text cell: STT, the name or label, or a unit's attribute."""
    field_name = leaf.column.field
    if field_name == "stt" and line.stt is not None:
        fmt = formats["stt" if line.kind == "unit" else "group_stt"]
        if isinstance(line.stt, int):
            sheet.write_number(row, col, line.stt, fmt)
        else:
            sheet.write_string(row, col, line.stt, fmt)
        return
    if line.kind == "unit":
        text = texts.get(line.unit_id or 0, {}).get(field_name)
        fmt = formats["text"]
    else:
        text = line.name if field_name == "name" else None
        fmt = formats[{"group": "group", "subtotal": "sum_text", "total": "total_text"}[line.kind]]
    if text:
        sheet.write_string(row, col, safe_text(text), fmt)
    else:
        sheet.write_blank(row, col, None, formats["blank"] if line.kind == "unit" else fmt)


def _setup_print(sheet: Worksheet, rows: _Rows, leaves: list[Leaf], last_row: int) -> None:
    """Frozen header and name column, the forms' print layout."""
    name_col = next(i for i, leaf in enumerate(leaves) if leaf.column.field == "name")
    sheet.freeze_panes(rows.first_line, name_col + 1)
    set_print_layout(
        sheet,
        header_top=rows.header_top,
        number_row=rows.number_row,
        last_row=last_row,
        n_cols=len(leaves),
    )


# --- the data export ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Col:
    """A column of a data sheet: header text, how values are written (text, count, number,
    year, date) and where the value comes from (a frame column)."""

    header: str
    kind: str = "text"
    source: str = ""


@dataclass(frozen=True)
class _Typed:
    """A value written with its own kind instead of its column's (a year among counts)."""

    kind: str
    value: Any


_SUMMARY_WORDS: dict[str, str] = {
    Measure.CONG_CHUC: Measure.CONG_CHUC.label,
    Measure.NGUOI_LAM_VIEC: Measure.NGUOI_LAM_VIEC.label,
    "streamlined": FactStatus.STREAMLINED.label,
    "streamlined_by_basis": "Tinh giản theo căn cứ pháp lý",
    **{basis.value: basis.label for basis in DepartureBasis},
    NOT_BROKEN_DOWN: NOT_BROKEN_DOWN_LABEL,
    "vien_chuc": "Viên chức",
    "job_positions": FORM_01.column("job_position").label,
    UnitGroup.ADMINISTRATIVE: UnitGroup.ADMINISTRATIVE.label,
    UnitGroup.SERVICE: UnitGroup.SERVICE.label,
    "reorganization": FORM_03.title[:1] + FORM_03.title[1:].lower(),
    "baseline_year": FORM_00.column("base_year").label,
    "baseline": "Số được giao năm gốc",
    "latest_year": "Năm gần nhất có số liệu",
    "current": "Số được giao năm gần nhất",
    "done": "Đã giảm so với năm gốc",
    "pending": FORM_02.column("pending").label,
    "reduced": "Tổng số giảm",
    "reduced_pct": "Tỷ lệ giảm so với năm gốc (%)",
    "target": "Chỉ tiêu giảm (người)",
    "pct_of_target": "Tỷ lệ đạt so với chỉ tiêu (%)",
    "no_data": "Tình trạng số liệu",
    "programme": FORM_00.column("programme").label,
    "name": "Tên giai đoạn",
    "basis": FORM_00.column("basis").label,
    "end_year": "Năm kết thúc",
    "target_rule": "Cách tính chỉ tiêu",
    "pct": "Tỷ lệ giảm (%)",
    "count": "Số lượng giảm",
    "exclude_sectors": FORM_00.column("exclude_sectors").label,
    "excluded_baseline": "Số năm gốc của lĩnh vực giữ ổn định",
    "stable": "Chỉ gồm lĩnh vực giữ ổn định",
    "approved": JobPositionStatus.APPROVED.label,
    "eligible": "Đủ điều kiện phê duyệt",
    "ineligible": JobPositionStatus.INELIGIBLE.label,
    "established": "Số đơn vị thành lập mới",
    "restructured": "Số đơn vị kiện toàn bên trong",
    "internal_reduced": FORM_03.extra["internal_group"],
    "phong": FORM_03.column("internal_phong").label,
    "khoa": FORM_03.column("internal_khoa").label,
    "chi_nhanh": FORM_03.column("internal_chi_nhanh").label,
    "khac": FORM_03.column("internal_khac").label,
    "missing": "Số đơn vị thiếu số liệu",
    "job_positions_ineligible": "Số đơn vị không đủ điều kiện phê duyệt vị trí việc làm",
    "warnings": "Số cảnh báo",
}
_PATH_WORDS = {
    ("reorganization", "reduced"): "Số đơn vị giảm",
    ("streamlined", "cong_chuc"): "Công chức",
    ("streamlined_by_basis", "cong_chuc"): "Công chức",
}
_UNIT_COLUMNS = (
    ("unit_id", _Col("Mã hệ thống", "year")),
    ("code", _Col(FORM_01.column("code").label)),
    ("name", _Col("Tên đơn vị")),
    ("kind_label", _Col(FORM_03.column("unit_kind").label)),
    ("district", _Col(FORM_01.column("district").label)),
    ("sector", _Col(FORM_02.column("sector").label)),
    ("parent", _Col(FORM_02.column("parent").label)),
    ("measure", _Col(FORM_00.column("measure").label)),
    ("baseline", _Col(_SUMMARY_WORDS["baseline"], "number")),
    ("latest_year", _Col(_SUMMARY_WORDS["latest_year"], "year")),
    ("current", _Col(_SUMMARY_WORDS["current"], "number")),
    ("done", _Col(_SUMMARY_WORDS["done"], "number")),
    ("pending", _Col(_SUMMARY_WORDS["pending"], "number")),
    ("reduced", _Col(_SUMMARY_WORDS["reduced"], "number")),
    ("reduced_pct", _Col(_SUMMARY_WORDS["reduced_pct"], "number")),
    ("target", _Col(_SUMMARY_WORDS["target"], "number")),
    ("pct_of_target", _Col(_SUMMARY_WORDS["pct_of_target"], "number")),
    ("gap", _Col("Còn phải giảm để đạt chỉ tiêu", "number")),
    ("missing_years", _Col("Năm thiếu số liệu")),
    ("job_position", _Col(FORM_01.column("job_position").label)),
)
_UNIT_SKIPPED = frozenset({"kind"})
_SOURCE_COLUMNS = (
    _Col("Tệp nguồn", source="file_name"),
    _Col("Trang tính", source="sheet"),
    _Col("Ô", source="cell"),
)


def write_data(
    ds: Dataset, view: ResolvedView, summary: dict[str, Any], out: BinaryIO | pathlib.Path
) -> None:
    """The analysts' workbook of a view and its summary: headline figures, units, figures
    with their source cells, reorganisation events and targets, one tidy table per sheet.
    The units sheet counts pending reductions whatever the view says (as it always has)."""
    as_of, flt = view.as_of, view.filter
    workbook = _open(out)
    try:
        _set_properties(workbook, as_of, f"Số liệu tinh giản biên chế - {safe_text(flt.label)}")
        formats = _data_formats(workbook)
        sheets = (
            _summary_table(summary, as_of),
            _unit_sheet_table(ds, dataclasses.replace(view, include_pending=True)),
            _facts_table(ds, as_of, flt),
            _events_table(ds, as_of, flt),
            _targets_table(ds),
        )
        stamp = unreviewed_stamp(ds.figures)
        for name, (columns, rows) in zip(DATA_SHEETS, sheets, strict=True):
            sheet = workbook.add_worksheet(name)
            _write_table(sheet, formats, columns, rows)
            stamp_sheet(sheet, stamp)
    finally:
        workbook.close()


def _data_formats(workbook: Workbook) -> dict[str, Format]:
    """Formats of the data sheets, by value kind."""
    base = {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT}
    specs: dict[str, dict[str, Any]] = {
        "header": {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1},
        "text": {},
        "count": {"num_format": "#,##0"},
        "number": {},
        "year": {"num_format": "0"},
        "date": {"num_format": "dd/mm/yyyy"},
    }
    return {name: workbook.add_format({**base, **spec}) for name, spec in specs.items()}


def _put(
    sheet: Worksheet, formats: dict[str, Format], row: int, col: int, kind: str, v: Any
) -> None:
    """One value, by kind: text always as a string; empty stays empty."""
    if isinstance(v, _Typed):
        kind, v = v.kind, v.value
    if _blank(v) or (isinstance(v, str) and not v):
        return
    if kind == "date" and isinstance(v, dt.date):
        sheet.write_datetime(row, col, v, formats["date"])
    elif kind in ("count", "number", "year") and isinstance(v, numbers.Real):
        number = float(v)
        if kind == "year":
            fmt = formats["year"]
        else:
            fmt = formats["count" if number.is_integer() else "number"]
        sheet.write_number(row, col, number, fmt)
    else:
        sheet.write_string(row, col, safe_text(v), formats["text"])


def _display_width(kind: str, v: Any) -> int:
    """Roughly how many characters a value takes on screen."""
    if isinstance(v, _Typed):
        kind, v = v.kind, v.value
    if _blank(v):
        return 0
    if kind == "date":
        return 10
    if isinstance(v, numbers.Real) and kind != "text":
        return len(f"{float(v):,.0f}") + (0 if float(v).is_integer() else 6)
    return max((len(part) for part in str(v).split("\n")), default=0)


def _write_table(
    sheet: Worksheet,
    formats: dict[str, Format],
    columns: Sequence[_Col],
    rows: list[Sequence[Any]],
) -> None:
    """A header row (bold, frozen, with autofilter) and one row per record."""
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header, formats["header"])
    for r, values in enumerate(rows, start=1):
        for col, (column, v) in enumerate(zip(columns, values, strict=True)):
            _put(sheet, formats, r, col, column.kind, v)
    for col, column in enumerate(columns):
        widest = max((_display_width(column.kind, row[col]) for row in rows), default=0)
        header = min(len(column.header), 24)
        sheet.set_column(col, col, min(60, max(header, widest, 6) + 2))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _summary_label(path: tuple[str, ...]) -> str:
    """A Vietnamese label for a summary key path (without its first, the group's, key)."""
    words = []
    for key in path[1:]:
        word = _PATH_WORDS.get((path[0], key)) or _SUMMARY_WORDS.get(key)
        if word is None and key.isdigit():
            word = f"{YEAR_WORDS[0]} {key}"
        words.append(word or key)
    return " – ".join(words)


def _flatten(value: Any, path: tuple[str, ...]) -> Iterable[tuple[tuple[str, ...], Any]]:
    """Leaf values of a nested summary; a list becomes its length."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, (*path, str(key)))
    elif isinstance(value, list | tuple):
        yield path, len(value)
    else:
        yield path, value


def _summary_table(summary: dict[str, Any], as_of: dt.date) -> tuple[list[_Col], list[list[Any]]]:
    """One row per headline figure: group, label, unrounded value and its key."""
    columns = [
        _Col("Nhóm"),
        _Col("Chỉ số"),
        _Col("Giá trị", "number"),
        _Col("Khóa"),
    ]
    rows: list[list[Any]] = [
        ["", SCOPE_WORD, summary.get("scope", ""), "scope"],
        ["", HEADER_LINES["as_of"].rstrip(":"), _Typed("date", as_of), "as_of"],
    ]
    stamp = unreviewed_stamp(summary.get("figures", "approved"))
    if stamp:  # approved figures only: said by nothing, as before
        rows.append(["", "Số liệu", stamp, "figures"])
    for key, value in summary.items():
        if key in ("scope", "as_of", "figures"):
            continue
        for path, leaf in _flatten(value, (key,)):
            group = _SUMMARY_WORDS.get(key, key)
            label = _summary_label(path) if len(path) > 1 else group
            if len(path) == 1:
                group = ""
            if path[-1].endswith("year") and isinstance(leaf, numbers.Real):
                leaf = _Typed("year", int(leaf))
            missing = isinstance(value, dict) and value.get("no_data")
            if missing and path[-1] == "no_data":
                leaf = no_data_text(missing, value.get("baseline_year"))
            elif missing and leaf is None:
                leaf = NO_DATA_LABEL
            rows.append([group, label, leaf, ".".join(path)])
    return columns, rows


def _unit_sheet_table(ds: Dataset, view: ResolvedView) -> tuple[list[_Col], list[list[Any]]]:
    """`analysis.unit_table` with Vietnamese headers (columns it adds later keep their name)."""
    table = unit_table(ds, view)
    known = dict(_UNIT_COLUMNS)
    names = [n for n, _ in _UNIT_COLUMNS if n in table.columns]
    names += [n for n in table.columns if n not in known and n not in _UNIT_SKIPPED]
    columns = [known.get(n, _Col(n)) for n in names]
    frame = table[names].copy()
    if "measure" in frame:
        frame["measure"] = frame["measure"].map(lambda m: MEASURE_LABELS.get(m, m))
    return columns, [list(row) for row in frame.itertuples(index=False)]


def _status_label(measure: str, status: str) -> str:
    """A figure's kind in the words of its form (`Biên chế công chức được giao`)."""
    form = FORM_02 if measure == _SERVICE_MEASURE else FORM_01
    field_name = _FIELD_OF_STATUS.get(status)
    if field_name and any(c.field == field_name for c in form.columns):
        return form.column(field_name).label
    return status


def _file_names(ds: Dataset) -> dict[int, str]:
    """Submission id → uploaded file name."""
    subs = ds.submissions
    if subs.empty:
        return {}
    return {int(i): str(n) for i, n in zip(subs["id"], subs["file_name"], strict=True)}


def _facts_table(ds: Dataset, as_of: dt.date, flt: Filter) -> tuple[list[_Col], list[list[Any]]]:
    """Every current figure of the units in scope up to the cut-off year, with its source."""
    columns = [
        _Col(FORM_01.column("code").label),
        _Col("Tên đơn vị"),
        _Col(FORM_01.column("district").label),
        _Col(FORM_00.column("measure").label),
        _Col("Loại số liệu"),
        _Col(YEAR_WORDS[0], "year"),
        _Col("Giá trị", "count"),
        *_SOURCE_COLUMNS,
        _Col("Mã chỉ tiêu"),
        _Col("Mã loại số liệu"),
    ]
    units = ds.units[_in_scope(ds, flt)]
    facts = ds.facts[ds.facts["unit_id"].isin(units.index) & (ds.facts["year"] <= as_of.year)]
    facts = facts.assign(
        unit_key=facts["unit_id"].map(units["loose_key"]),
        district=facts["unit_id"].map(units["district"]),
    ).sort_values(["district", "unit_key", "unit_id", "measure", "status", "year"])
    files = _file_names(ds)
    rows = [
        [
            units.at[fact.unit_id, "code"],
            units.at[fact.unit_id, "name"],
            fact.district,
            MEASURE_LABELS.get(fact.measure, fact.measure),
            _status_label(fact.measure, fact.status),
            fact.year,
            fact.value,
            files.get(int(fact.submission_id)),
            fact.sheet,
            fact.cell,
            fact.measure,
            fact.status,
        ]
        for fact in facts.itertuples(index=False)
    ]
    return columns, rows


def _event_kind_label(kind: Any) -> Any:
    """`don_vi_su_nghiep` → `Đơn vị sự nghiệp công lập`; other agencies → hành chính."""
    if _blank(kind) or not kind:
        return None
    if kind == UnitGroup.SERVICE:
        return GROUP_LABELS[UnitGroup.SERVICE]
    administrative = kind in KIND_LABELS or kind == UnitGroup.ADMINISTRATIVE
    return GROUP_LABELS[UnitGroup.ADMINISTRATIVE] if administrative else kind


def _events_table(ds: Dataset, as_of: dt.date, flt: Filter) -> tuple[list[_Col], list[list[Any]]]:
    """Reorganisation events up to the cut-off touching units in scope, oldest first."""
    form = FORM_03
    columns = [
        _Col(form.column("date").label, "date"),
        _Col(form.column("doc_ref").label),
        _Col(form.column("event_type").label),
        _Col(form.column("before").label),
        _Col(form.column("after").label),
        _Col(form.column("unit_kind").label),
        _Col(form.column("sector").label),
        *(
            _Col(f"{form.extra['internal_group']}: {form.column(f).label}", "count")
            for f in INTERNAL_FIELDS
        ),
        _Col(form.column("note").label),
        *_SOURCE_COLUMNS,
    ]
    if ds.events.empty:
        return columns, []
    scope = set(ds.units.index[_in_scope(ds, flt)])
    names = ds.units["name"]
    files = _file_names(ds)
    rows = []
    events = ds.events[ds.events["effective_date"] <= as_of].sort_values(["effective_date", "id"])
    for ev in events.itertuples(index=False):
        before, after = ds.event_sets.get(int(ev.id), (frozenset(), frozenset()))
        if (before | after) and not (before | after) & scope:
            continue
        rows.append(
            [
                ev.effective_date,
                ev.doc_ref,
                ev.event_type,
                "; ".join(sorted(names[u] for u in before)),
                "; ".join(sorted(names[u] for u in after)),
                _event_kind_label(ev.unit_kind),
                ev.sector,
                ev.internal_phong,
                ev.internal_khoa,
                ev.internal_chi_nhanh,
                ev.internal_khac,
                ev.note,
                files.get(int(ev.submission_id)),
                ev.sheet,
                ev.cell,
            ]
        )
    return columns, rows


def _target_path(raw: Any) -> dict[int, Any]:
    """A target's yearly path as {year: count} (stored as JSON)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    return {int(y): v for y, v in raw.items() if str(y).isdigit()}


def _targets_table(ds: Dataset) -> tuple[list[_Col], list[list[Any]]]:
    """The reduction targets: programme, scope, measure, base year, percentage or count, yearly
    path, the sectors kept stable."""
    form = FORM_00
    targets = ds.targets
    programme_names = {p.id: p.name for p in programmes(ds)}
    paths = [_target_path(p) for p in targets["path"]] if len(targets) else []
    years = sorted({y for p in paths for y in p})
    path_label = form.column("path").label
    columns = [
        _Col(form.column("programme").label),
        _Col(form.column("scope").label),
        _Col(form.column("measure").label),
        _Col(form.column("base_year").label, "year"),
        _Col(form.column("pct").label, "number"),
        _Col(form.column("count").label, "number"),
        *(_Col(f"{path_label} {YEAR_WORDS[0]} {y}", "number") for y in years),
        _Col(form.column("exclude_sectors").label),
        _Col(form.column("doc_ref").label),
        *_SOURCE_COLUMNS,
    ]
    files = _file_names(ds)
    names = ds.units["name"]
    rows = []
    for target, path in zip(targets.itertuples(index=False), paths, strict=True):
        unit = target.scope_unit_id
        scope = CITY_LABEL if _blank(unit) else names.get(int(unit))
        programme_id = getattr(target, "programme_id", None)
        excluded = getattr(target, "exclude_sectors", None)
        rows.append(
            [
                None if _blank(programme_id) else programme_names.get(int(programme_id)),
                scope,
                MEASURE_LABELS.get(target.measure, target.measure),
                target.base_year,
                target.pct,
                target.count,
                *(path.get(y) for y in years),
                excluded if isinstance(excluded, str) else None,
                target.doc_ref,
                files.get(int(target.submission_id)),
                target.sheet,
                target.cell,
            ]
        )
    return columns, rows
