"""Biểu 01 and 02: one row per unit, with its attributes and its figures per year; group rows
give context to the rows under them, and subtotal rows are checked against the rows they cover.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from etl.core.forms import AGENCY_KIND_CHOICES, AUTONOMY_CHOICES, BASIS_FIELDS, Column, Form
from etl.core.normalize import (
    clean_text,
    commune_in_name,
    commune_label,
    district_label,
    looks_like_district,
    name_key,
    strip_footnotes,
    text_key,
)
from etl.core.problems import ProblemLog
from etl.core.provinces import province_key, province_label, split_province_suffix
from etl.core.values import MAX_COUNT, cell_ref, is_empty, parse_count
from etl.core.vocabulary import UnitKind
from etl.reading.cells import (
    JOB_CHOICES,
    SECTORS,
    agency_kind_of,
    cell_text,
    choice_map,
    col_letters,
    count_label,
    form_column,
    read_choice,
    read_count,
    unsafe_cell,
)
from etl.reading.layout import (
    ColumnMap,
    Group,
    Numbering,
    group_attrs,
    is_city_council,
    is_grand_total,
    is_total,
    names_a_group,
    numbering,
    table_rows,
)
from etl.reading.records import Cell, SheetResult, UnitRow
from etl.reading.sheets import Grid

_AUTONOMY_GROUP = re.compile(r"([1-4]|iv|i{1,3})\s*$")
# a record holds a kind as its plain code: records cross the reading sandbox, whose reply check
# wants `type(v) is str` (etl/reading/reader.py) and whose unpickler knows no enum
_CHI_CUC = UnitKind.CHI_CUC.value
_DISTRICT_AGENCY = UnitKind.CO_QUAN_CHUYEN_MON_HUYEN.value
_CITY_AGENCY = UnitKind.CO_QUAN_CHUYEN_MON_TINH.value
_SERVICE_UNIT = UnitKind.DON_VI_SU_NGHIEP.value
_COMMUNE_BODY = UnitKind.CO_QUAN_CAP_XA.value
# the names of commune-level bodies (docs/domain.md, "Communes"): `UBND xã …`, `Ủy ban nhân
# dân phường …`, `Văn phòng HĐND và UBND xã …`, `Phòng Kinh tế xã …`
_COMMUNE_BODY_HEADS = tuple(
    name_key(w) + " " for w in ("UBND", "Văn phòng HĐND và UBND", "Văn phòng UBND", "Phòng")
)


def is_commune_body(name: str) -> bool:
    """True for the name of a commune-level body: a council, its office or a phòng whose
    name ends with its commune (`Phòng Văn hóa - Xã hội phường An Bình`)."""
    key = name_key(name)
    commune = commune_in_name(name)
    if commune is None:
        return False
    rest = key[: len(key) - len(name_key(commune))].strip()
    return any((rest + " ").startswith(head) or rest + " " == head for head in _COMMUNE_BODY_HEADS)


def _infer_agency_kind(name: str, district: str | None, commune: str | None = None) -> str:
    key = name_key(name)
    if key.startswith(name_key("Chi cục")):
        return _CHI_CUC
    if commune or is_commune_body(name):
        return _COMMUNE_BODY
    if district:
        return _DISTRICT_AGENCY
    return _CITY_AGENCY


def _count_cols(form: Form, cmap: ColumnMap) -> list[int]:
    return sorted(c for c, (f, _) in cmap.by_col.items() if form.column(f).kind == "count")


def _has_figures(grid: Grid, r: int, cols: list[int]) -> bool:
    return any(not is_empty(grid.value(r, c)) for c in cols)


def _autonomy(raw: Any) -> str | None:
    return _autonomy_of(text_key(raw))


@functools.lru_cache(maxsize=1024)
def _autonomy_of(key: str) -> str | None:
    m = _AUTONOMY_GROUP.search(key)
    if not m:
        return None
    token = m.group(1)
    number = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(token) or int(token)
    return AUTONOMY_CHOICES[number - 1]


@dataclass
class _Line:
    """A non-empty row of the table, as the structure pass sees it."""

    r: int
    name: str
    numbering: Numbering
    stt: str  # the STT as text (empty for a number), for `Cộng I` → group `I`
    figures: bool
    other_data: bool
    total: str | None  # the label of a total or subtotal row


def _table_lines(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, count_cols: list[int]
) -> list[_Line]:
    """Every non-empty row under the header (a row whose name may not be stored is logged
    and left out)."""
    name_col = cmap.col_of("name")
    stt_col = cmap.col_of("stt")
    other_cols = [
        c
        for c, (f, _y) in cmap.by_col.items()
        if f not in ("stt", "name", "note") and form_column(form, f).kind != "count"
    ]
    name_label = form_column(form, "name").label
    lines = []
    for r in table_rows(grid, cmap):
        if all(is_empty(v) for v in grid.cells[r]):
            continue
        name = cell_text(grid.value(r, name_col))
        if name and unsafe_cell(grid, r, name_col, log, name_label):
            continue
        raw_stt = grid.value(r, stt_col) if stt_col is not None else None
        stt = "" if isinstance(raw_stt, (int, float)) else clean_text(raw_stt)
        total = None
        if is_total(name) or (not name and is_total(stt)) or is_total(stt):
            total = name if is_total(name) else stt
        lines.append(
            _Line(
                r,
                name,
                numbering(raw_stt),
                stt,
                _has_figures(grid, r, count_cols),
                any(not is_empty(grid.value(r, c)) for c in other_cols),
                total,
            )
        )
    return lines


def _next_row(lines: list[_Line], i: int) -> _Line | None:
    """The named row after line `i`, unless a total or subtotal row comes first."""
    for j in range(i + 1, len(lines)):
        line = lines[j]
        if line.total is not None:
            return None
        if line.name:
            return line
    return None


def _is_group(form: Form, lines: list[_Line], i: int) -> bool:
    """Whether line `i` is a group row, by the table's structure (docs/forms.md, tolerance 5):
    a row with a name and nothing in the other columns that names a district, a kind of
    agency or a sector and has no figures, whatever its number; or one whose next row sits
    under it (`_under`). A row with figures is a group row only when it has rows under it
    (numbered ones, if it is not) and is numbered as one (`A`, `I`, `1.`, `1.1`) or names a
    district, a kind of agency or a sector (`1 | UBND quận Ninh Kiều | 22`)."""
    line = lines[i]
    if not line.name or line.other_data:
        return False
    if not line.figures and names_a_group(form.code, line.name):
        return True
    after = _next_row(lines, i)
    if after is None or not _under(form, lines, i, after):
        return False
    if not line.figures:
        return True
    # with figures (asked last: most rows have figures, and few have a row under them)
    if line.numbering.style == after.numbering.style == "none":
        return False  # a list of unnumbered units, not a total over its rows
    if not (line.numbering.is_marker or names_a_group(form.code, line.name)):
        return False
    return after.figures or not names_a_group(form.code, after.name)  # not the next district


def _under(form: Form, lines: list[_Line], i: int, after: _Line) -> bool:
    """Whether `after`, the named row after line `i`, sits under it. A numbered line: `after`
    is numbered more deeply, or its numbers start again (`Numbering.encloses`); a group row of
    its own (`UBND huyện …`) sits only under a block numbered `A`, `I` or `1.`. An unnumbered
    line: any numbered row, unless the numbers run on around it (`1`, then it, then `2`); an
    unnumbered row or a group row (the next district), unless the row above it is an
    unnumbered unit with figures, beside which it is one more unit."""
    numbering_i = lines[i].numbering
    if numbering_i.style != "none":
        if not numbering_i.encloses(after.numbering):
            return False
        if after.figures or not names_a_group(form.code, after.name):
            return True
        # the next row is a group row of its own (a district): under a block (`A`, `I`, `1.`)
        # numbered above it, never under a numbered unit (`2 | Phòng Tư pháp`, `* Phòng …`)
        return numbering_i.depth <= _BLOCK_DEPTH and after.numbering.depth > numbering_i.depth
    before = None
    for j in range(i - 1, -1, -1):
        if lines[j].total is not None:
            break
        if lines[j].name:
            before = lines[j]
            break
    if after.numbering.style == "none" or (
        not after.figures and names_a_group(form.code, after.name)
    ):
        return not (before is not None and before.numbering.style == "none" and before.figures)
    if before is None or before.numbering.style != after.numbering.style:
        return True
    if before.numbering.number is None or after.numbering.number is None:
        return True
    return after.numbering.number != before.numbering.number + 1


def _open_group(groups: list[Group], closed: list[Group], group: Group) -> None:
    """Close what `group` ends (an open group numbered the same way or saying the same kind of
    thing, e.g. the previous district, with everything under it; or any group whose numbering
    sits as deep or deeper) and open it."""
    keys = set(group.attrs)
    for k, g in enumerate(groups):
        same = g.numbering.style == group.numbering.style or (keys and keys == set(g.attrs))
        if same or g.numbering.depth >= group.numbering.depth:
            closed.extend(reversed(groups[k:]))
            del groups[k:]
            break
    groups.append(group)


def _close_group(groups: list[Group], closed: list[Group], target: Group | None) -> None:
    """A `Cộng` row ends the group it closes, and every group under it."""
    k = next((k for k, g in enumerate(groups) if g is target), None)
    if k is not None:
        closed.extend(reversed(groups[k:]))
        del groups[k:]


def read_unit_rows(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, result: SheetResult
) -> None:
    """The unit rows of a Biểu 01/02 sheet into `result.units`; group rows give their context,
    subtotal and total rows are checked. Problems go to `log`."""
    name_col = cmap.col_of("name")
    count_cols = _count_cols(form, cmap)
    groups: list[Group] = []
    closed: list[Group] = []
    subtotals: list[tuple[int, str, list[int]]] = []  # (row, kind, member rows)
    data_rows: list[int] = []
    since_subtotal: list[int] = []
    # a unit's listing: its name cell and the group rows it is under; by its key
    seen_names: dict[tuple[str, str, str], _Listing] = {}
    duplicates: list[tuple[_Listing, _Listing]] = []  # (first listing, a later one)
    bare_rows: list[int] = []  # rows read as units with neither figures nor other data
    plan = _unit_row_plan(form, cmap)
    counted: dict[int, dict[int, int | None]] = {}  # data row → count column → value
    lines = _table_lines(form, grid, cmap, log, count_cols)
    has_basis = any(f in BASIS_FIELDS for f, _y in cmap.by_col.values())
    for i, line in enumerate(lines):
        r, name = line.r, line.name
        if line.total is not None:
            label = line.total
            if is_grand_total(label):
                subtotals.append((r, "total", []))
            else:
                target = _subtotal_target(label, groups, closed)
                members = list(target.members) if target else list(since_subtotal)
                subtotals.append((r, "subtotal", members))
                _close_group(groups, closed, target)
            since_subtotal = []
            continue
        if _is_group(form, lines, i):
            attrs = group_attrs(form.code, name)
            if "district" in attrs and is_city_council(name):
                after = _next_row(lines, i)
                if after is not None and name_key(after.name).startswith(_SO_KEY):
                    attrs = {}  # the province's own city over its sở, not a district
            group = Group(line.numbering, r, name, text_key(line.stt), attrs)
            group.has_figures = line.figures
            _open_group(groups, closed, group)
            continue
        if not name:
            if line.figures:
                log.report("missing-name", sheet=grid.name, cell=cell_ref(r, name_col), row=r + 1)
            continue
        unit = _parse_unit_row(form, grid, plan, log, r, name_col, groups, counted)
        if has_basis:
            _check_basis(form, grid, unit, log)
        if not line.figures and not line.other_data:
            bare_rows.append(r)
        key = (
            name_key(unit.name.value),
            name_key(unit.attrs.get("district") or ""),
            name_key(unit.attrs.get("commune") or ""),
            province_key(unit.attrs.get("province")),
        )
        listing = (unit.name, tuple(g.row for g in groups))
        if key in seen_names:
            duplicates.append((seen_names[key], listing))
        seen_names[key] = listing
        result.units.append(unit)
        data_rows.append(r)
        since_subtotal.append(r)
        for g in groups:
            g.members.append(r)
    _report_duplicates(grid, log, duplicates, bare_rows, name_col)
    closed.extend(groups)
    for g in closed:
        if g.has_figures:
            subtotals.append((g.row, "group", g.members))
    for r, kind, members in subtotals:
        covered = data_rows if kind == "total" else members
        _check_subtotal(form, grid, cmap, log, r, covered, count_cols, counted)


_SO_KEY = name_key("Sở") + " "
_BLOCK_DEPTH = numbering("1.").depth  # `A`, `I`, `1.`: the numbers of blocks over groups


_Listing = tuple[Cell, tuple[int, ...]]


def _report_duplicates(
    grid: Grid,
    log: ProblemLog,
    duplicates: list[tuple[_Listing, _Listing]],
    bare_rows: list[int],
    name_col: int,
) -> None:
    """`duplicate-row` for each unit listed twice, except where the grouping may tell the two
    listings apart: rows without figures stand between them (they may be groups), or they sit
    under different group rows that say nothing the reader knows (`1 | Ninh Kiều`). Then the
    grouping is unclear, said once with every row concerned (`group-rows-unclear`)."""
    unclear: list[tuple[Cell, Cell]] = []
    concerned: set[int] = set()
    for (first, first_groups), (later, later_groups) in duplicates:
        lo, hi = _row_of(first.ref), _row_of(later.ref)
        between = {b for b in bare_rows if lo < b < hi}
        apart = set(first_groups) ^ set(later_groups)
        if between or apart:
            unclear.append((first, later))
            concerned |= between | apart
        else:
            log.report(
                "duplicate-row",
                sheet=grid.name,
                cell=later.ref,
                value=later.value,
                name=later.value,
                first=first.ref,
            )
    if not unclear:
        return
    rows = sorted(concerned)
    cells = sorted({c.ref for pair in unclear for c in pair}, key=_row_of)
    log.report(
        "group-rows-unclear",
        sheet=grid.name,
        cell=cell_ref(rows[0], name_col),
        rows=", ".join(str(b + 1) for b in rows),
        cells=", ".join(cells),
    )


def _row_of(ref: str) -> int:
    """The 0-based row of a cell reference (`B9` → 8)."""
    return int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) - 1


_BASIS_RULES = {
    True: (
        "khi ghi đủ các căn cứ, tổng của chúng phải bằng số tinh giản",
        "when every basis is given they must add up to the streamlined count",
    ),
    False: (
        "số theo căn cứ không được lớn hơn số tinh giản",
        "the figures by basis cannot exceed the streamlined count",
    ),
}


def _check_basis(form: Form, grid: Grid, unit: UnitRow, log: ProblemLog) -> None:
    """A row's streamlined count of a year against its figures by legal basis
    (docs/forms.md, "Departures by legal basis"): equal when every basis is given, not
    more when only some are; nothing to check without the count or without any basis."""
    for (field_name, year), stated in unit.yearly.items():
        if field_name != "streamlined":
            continue
        given = [unit.yearly[(b, year)] for b in BASIS_FIELDS if (b, year) in unit.yearly]
        if not given:
            continue
        total = sum(cell.value for cell in given)
        complete = len(given) == len(BASIS_FIELDS)
        if total == stated.value or (not complete and total < stated.value):
            continue
        rule_vi, rule_en = _BASIS_RULES[complete]
        log.report(
            "streamlined-basis-mismatch",
            sheet=grid.name,
            cell=stated.ref,
            value=stated.value,
            label=count_label(form, (field_name, year)),
            stated=stated.value,
            parts="; ".join(f"{cell.ref} = {cell.value}" for cell in given),
            total=total,
            rule_vi=rule_vi,
            rule_en=rule_en,
        )


def _subtotal_target(label: str, groups: list[Group], closed: list[Group]) -> Group | None:
    """The group a `Cộng` / `Cộng I` row closes."""
    key = text_key(label)
    rest = key.split(" ", 1)[1].strip(" .:") if " " in key else ""
    if rest:
        for g in reversed(groups + closed):
            if g.stt.strip(". ") == rest or text_key(g.label) == rest:
                return g
    return groups[-1] if groups else None


def _check_subtotal(
    form: Form,
    grid: Grid,
    cmap: ColumnMap,
    log: ProblemLog,
    r: int,
    covered: list[int],
    count_cols: list[int],
    counted: dict[int, dict[int, int | None]] | None = None,
) -> None:
    """A subtotal row against the rows it covers; `counted` holds the values already parsed
    from those rows (row → column → value, None for an empty or bad cell)."""
    counted = counted or {}
    for c in count_cols:
        label = count_label(form, cmap.by_col[c])
        stated = read_count(grid, r, c, log, label, subtotal=True)
        if stated is None:
            continue
        total = 0
        for m in covered:
            values = counted.get(m)
            if values is not None and c in values:
                value = values[c]
            else:
                value, code = parse_count(grid.value(m, c))
                value = value if code is None else None
            if value is not None:
                total += value
        if total != stated.value:
            span = f"{cell_ref(covered[0], c)}:{cell_ref(covered[-1], c)}" if covered else "—"
            log.report(
                "subtotal-mismatch",
                sheet=grid.name,
                cell=stated.ref,
                value=stated.value,
                label=label,
                stated=stated.value,
                span=span,
                total=total,
            )


def _unit_row_plan(form: Form, cmap: ColumnMap) -> list[tuple[int, str, int | None, Column, str]]:
    """The columns a unit row is read from, in the column map's order, each with what every
    row needs of it: (column, field, year, the form's column, its label in messages)."""
    plan = []
    for c, key in cmap.by_col.items():
        field_name, year = key
        if field_name in ("stt", "name"):
            continue
        column = form_column(form, field_name)
        label = count_label(form, key) if column.kind == "count" else column.label
        plan.append((c, field_name, year, column, label))
    return plan


def _parse_unit_row(
    form: Form,
    grid: Grid,
    plan: list[tuple[int, str, int | None, Column, str]],
    log: ProblemLog,
    r: int,
    name_col: int,
    groups: list[Group],
    counted: dict[int, dict[int, int | None]],
) -> UnitRow:
    raw_name = grid.value(r, name_col)
    unit = UnitRow(row=r, name=Cell(strip_footnotes(clean_text(raw_name)), cell_ref(r, name_col)))
    context: dict[str, Any] = {}
    for g in groups:
        context.update(g.attrs)
    values = counted[r] = {}
    cells = grid.cells[r]
    n_cells = len(cells)
    formulas = grid.formulas_without_value
    row_number = str(r + 1)
    for c, field_name, year, column, label in plan:
        raw = cells[c] if c < n_cells else None
        if column.kind == "count":
            # the common cells (empty, a whole number) at once; anything else as `read_count` says
            kind = type(raw)
            if raw is None and not (formulas and (r, c) in formulas):
                values[c] = None
                continue
            if kind is int and 0 <= raw <= MAX_COUNT:
                cell = Cell(raw, col_letters(c) + row_number)
            elif kind is float and 0.0 <= raw <= MAX_COUNT and raw.is_integer():
                cell = Cell(int(raw), col_letters(c) + row_number)
            else:
                cell = read_count(grid, r, c, log, label)
            values[c] = None if cell is None else cell.value
            if cell is None:
                continue
            if year is None:
                unit.counts[field_name] = cell
            else:
                unit.yearly[(field_name, year)] = cell
        elif is_empty(raw) or unsafe_cell(grid, r, c, log, column.label):
            continue
        elif field_name == "code":
            unit.code = clean_text(raw if not isinstance(raw, float) else int(raw))
        elif field_name == "job_position":
            status = read_choice(grid, r, c, log, column.label, JOB_CHOICES)
            if status:
                unit.attrs["job_position"] = Cell(status, cell_ref(r, c))
        elif field_name == "agency_kind":
            kind = agency_kind_of(clean_text(raw))
            if kind is None:
                read_choice(grid, r, c, log, column.label, choice_map(AGENCY_KIND_CHOICES))
            else:
                unit.attrs["agency_kind"] = kind
        elif field_name == "autonomy":
            group = _autonomy(raw)
            if group is None:
                read_choice(grid, r, c, log, column.label, choice_map(AUTONOMY_CHOICES))
            else:
                unit.attrs["autonomy"] = group
        elif field_name == "sector":
            unit.attrs["sector"] = SECTORS.get(text_key(raw), clean_text(raw))
        elif field_name == "district":
            unit.attrs["district"] = district_label(raw)
        elif field_name == "commune":
            unit.attrs["commune"] = commune_label(raw)
        elif field_name == "province":
            unit.attrs["province"] = province_label(raw)
        elif field_name == "parent":
            unit.attrs["parent"] = strip_footnotes(clean_text(raw))
        elif field_name == "note":
            unit.attrs["note"] = clean_text(raw)
    base, suffix = split_province_suffix(unit.name.value)
    if suffix is not None:  # `Sở Y tế tỉnh Hậu Giang (cũ)`: the name, and its province
        unit.name = Cell(base, unit.name.ref)
        unit.attrs.setdefault("province", suffix)
    for key in ("district", "sector", "parent", "agency_kind", "province"):
        if key not in unit.attrs and key in context:
            unit.attrs[key] = context[key]
    if "district" not in unit.attrs and looks_like_district(unit.attrs.get("parent", "")):
        unit.attrs["district"] = district_label(unit.attrs["parent"])
    if form.code == "01" and "agency_kind" not in unit.attrs:
        unit.attrs["agency_kind"] = _infer_agency_kind(
            unit.name.value, unit.attrs.get("district"), unit.attrs.get("commune")
        )
    if unit.attrs.get("agency_kind") == _COMMUNE_BODY and "commune" not in unit.attrs:
        commune = commune_in_name(unit.name.value)
        if commune:  # `UBND xã Thới Hưng` is of Xã Thới Hưng
            unit.attrs["commune"] = commune_label(commune)
    if form.code == "02":
        unit.attrs["agency_kind"] = _SERVICE_UNIT
    return unit
