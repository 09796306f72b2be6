"""The mapping step: a sheet whose header columns the reader cannot place, described for the
clerk, and read again with the clerk's choice of field for each header cell.

`describe` gives a sheet's header as plain data (`SheetLayout`): its rows, each header cell's
address and text, the field the reader placed it in (if any), a few values under it, and the
form's required fields it could not place. It is made when a sheet needs the step (no header
found, a column the form does not know, a required field missing or given twice) or when a
mapping was applied to it. A `ColumnMapping` (normalised header text → target) is applied by
`apply` to the reader's column map; a target is a field (`name`), a field and year
(`quota@2024`) or `SKIP` (the column is not read). Nothing here touches the database: the
mappings kept per reporting unit are looked up by etl/ingest and handed to the reader.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from etl.core.clock import vn_today
from etl.core.forms import HEADER_LINES, Form
from etl.core.normalize import clean_text, text_key
from etl.core.problems import ProblemLog, short_value
from etl.core.values import cell_ref, is_empty
from etl.reading.cells import cell_text
from etl.reading.layout import (
    FIRST_YEAR,
    HEADER_SEARCH_ROWS,
    LAST_YEAR,
    ColumnMap,
    _match_label,
    _merged_value_grid,
    columns_from,
    read_header_lines,
    table_rows,
)
from etl.reading.sheets import Grid
from etl.reading.text import visible

SKIP = "-"
"""The target of a column the clerk chose not to read («Bỏ qua»)."""
ANY_YEAR = "any"
"""In `SheetLayout.missing`, `quota@any`: a required per-year field has no year at all (any one
year is enough; which years a programme needs is the measures' concern, docs/domain.md)."""
YEARS_BACK = 5
"""How many years before today's a dropdown offers when the header names no earlier year."""
SAMPLE_VALUES = 3
MAX_KEY_CHARS = 400  # a header text longer than this is cut (its key still tells columns apart)

ColumnMapping = dict[str, str]
"""One sheet's mapping: a header cell's normalised text (`HeaderCell.key`) → target."""
Mapping = dict[str, ColumnMapping]
"""A workbook's mapping: sheet name → its `ColumnMapping`."""

_TARGET = re.compile(r"^([a-z_]+)(?:@(\d{4}))?$")
_YEAR_IN_TEXT = re.compile(r"\b(20\d\d)\b")
_HEADER_LINE_KEYS = tuple(text_key(v.rstrip(":")) for v in HEADER_LINES.values())


@dataclass
class HeaderCell:
    """One column of a sheet's header as the clerk sees it."""

    col: int  # 0-based
    ref: str  # the cell naming it in the header's last row (`C9`)
    text: str  # the header text, stacked labels joined by « / »
    key: str  # the normalised text (`text_key`), `#2` … for a repeated text: mapping keys
    found: str  # the target the reader placed it in by itself; "" when none
    target: str  # the target it is read as (found, or the mapping's); "" when none
    samples: list[str] = field(default_factory=list)  # the first values under it


@dataclass
class SheetLayout:
    """A sheet's header for the mapping step (see the module's text)."""

    sheet: str
    form: str
    header_rows: list[int]  # 1-based, as Excel numbers them
    reporting_unit: str  # `Đơn vị báo cáo:` (may be empty)
    cells: list[HeaderCell]
    missing: list[str]  # required targets no column gives: `name`, `quota@any` (no year)
    header_found: bool  # False: no header row of the form was found, this one is a guess
    mapped: bool  # a mapping was applied to this sheet

    @property
    def unplaced(self) -> list[str]:
        """The keys of the columns read as nothing (neither placed nor skipped)."""
        return [c.key for c in self.cells if not c.target]

    @property
    def needs_mapping(self) -> bool:
        """Whether the sheet, as read now, still has cells or fields to place (a guessed
        header needs a mapping until one is applied)."""
        guessed = not self.header_found and not self.mapped
        return guessed or bool(self.unplaced or self.missing) or self.duplicated

    @property
    def duplicated(self) -> bool:
        targets = [c.target for c in self.cells if c.target and c.target != SKIP]
        return len(targets) != len(set(targets))


# ---------------------------------------------------------------- targets


def target_of(field_name: str, year: int | None) -> str:
    return field_name if year is None else f"{field_name}@{year}"


def parse_target(form: Form, target: Any) -> tuple[str, int | None] | None:
    """A target of `form` as (field, year); None for anything else (`SKIP` included)."""
    if not isinstance(target, str) or not (m := _TARGET.match(target)):
        return None
    name, year = m.group(1), m.group(2)
    column = next((c for c in form.columns if c.field == name), None)
    if column is None or column.per_year != (year is not None):
        return None
    if year is not None and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return None
    return name, int(year) if year else None


def is_target(form: Form, target: Any) -> bool:
    return target == SKIP or parse_target(form, target) is not None


def target_label(form: Form, target: str) -> str:
    """What the clerk reads for a target: the field's template label (and year)."""
    if target == SKIP:
        return "Bỏ qua"
    name, _, year = target.partition("@")
    column = next((c for c in form.columns if c.field == name), None)
    if column is None:
        return target
    if year == ANY_YEAR:
        return f"{column.label} (ít nhất một năm)"
    return f"{column.label} năm {year}" if year.isdigit() else column.label


def target_options(form: Form, years: list[int]) -> list[tuple[str, str]]:
    """(target, label) of every field of `form`, per-year fields once for each of `years`."""
    options = []
    for column in form.columns:
        if column.per_year:
            options += [(target_of(column.field, y), target_label(form, f"{column.field}@{y}"))
                        for y in years]  # fmt: skip
        else:
            options.append((column.field, column.label))
    return options


def offered_years(layouts: list[SheetLayout], today: dt.date | None = None) -> list[int]:
    """The years a dropdown offers: every year from the earliest the headers name (in their
    text or a column's target), or `YEARS_BACK` years before today's if that is earlier, to
    the latest they name or this year if that is later (Vietnam time, etl/core/clock.py).
    So a return of 2025–2026 only is offered those years, and one from a programme that began
    long ago its own first year; no programme's years are written here."""
    this_year = (today or vn_today()).year
    named = set()
    for layout in layouts:
        for cell in layout.cells:
            named |= {int(y) for y in _YEAR_IN_TEXT.findall(cell.text)}
            for target in (cell.found, cell.target):
                if (year := target.partition("@")[2]).isdigit():
                    named.add(int(year))
    named = {y for y in named if FIRST_YEAR <= y <= LAST_YEAR}
    first = max(FIRST_YEAR, min([this_year - YEARS_BACK, *named]))
    last = min(LAST_YEAR, max([this_year, *named]))
    return list(range(first, last + 1))


MAX_SHEETS, MAX_COLUMNS = 100, 1000  # what a given mapping may name


def clean_workbook_mapping(raw: Any) -> Mapping:
    """A workbook's mapping as given from outside (a page, a JSON file): sheet name → header
    text (or key) → target, kept only where each is plain text and each target is written as
    one (a field, `field@year`, `SKIP`; empty or null is `SKIP`); the form checks the field
    when it is applied. Anything else is left out, so the reader gets plain data only."""
    if not isinstance(raw, dict):
        return {}
    out: Mapping = {}
    for sheet, columns in list(raw.items())[:MAX_SHEETS]:
        if not isinstance(sheet, str) or not isinstance(columns, dict):
            continue
        chosen: ColumnMapping = {}
        for key, target in list(columns.items())[:MAX_COLUMNS]:
            target = SKIP if target in (None, "") else target
            if not isinstance(key, str) or len(key) > 2 * MAX_KEY_CHARS:
                continue
            if isinstance(target, str) and (target == SKIP or _TARGET.match(target)):
                if k := header_key(key):
                    chosen[k] = target
        if chosen:
            out[sheet[:255]] = chosen
    return out


def header_key(text: str) -> str:
    """The normalised header text a mapping is kept under (stacked labels split by ` / `;
    a repeat marker `#2` kept)."""
    base, mark, n = text.rpartition("#")
    if mark and n.isdigit() and base:
        return f"{header_key(base)}#{n}"
    return " / ".join(k for k in (text_key(p) for p in text.split(" / ")) if k)[:MAX_KEY_CHARS]


_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text_key(_YEAR_IN_TEXT.sub(" ", text)))) - {"năm", "nam"}


def suggest(form: Form, text: str) -> str:
    """A guess at the target of a header text the reader could not place, for the clerk to
    confirm (never applied by itself): the one field whose label or an alias shares the
    most words with it (at least half of the longer of the two), with the year the text names
    for a per-year field; "" when nothing is close or two fields are as close."""
    words = _words(text)
    years = [int(y) for y in _YEAR_IN_TEXT.findall(text)]
    scores: dict[str, float] = {}
    for column in form.columns:
        if column.per_year != bool(years) or not words:
            continue
        for label in (column.label, *column.aliases):
            if theirs := _words(label):
                score = len(words & theirs) / max(len(words), len(theirs))
                scores[column.field] = max(scores.get(column.field, 0.0), score)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 0.5 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return ""
    target = target_of(ranked[0][0], years[-1] if years else None)
    return target if parse_target(form, target) else ""


# ---------------------------------------------------------------- the header, described


def guess_header(form: Form, grid: Grid) -> ColumnMap | None:
    """When the reader found no header row: the row of the first 30 with the most labels of
    `form`, then the most text cells (at least three), read as the header; None if none."""
    best: tuple[int, int, int] | None = None
    for r in range(min(grid.n_rows, HEADER_SEARCH_ROWS)):
        texts = [cell_text(v) for v in grid.cells[r] if cell_text(v)]
        keys = [text_key(t) for t in texts]
        if len(texts) < 3 or any(k.startswith(_HEADER_LINE_KEYS) for k in keys):
            continue
        hits = sum(1 for k in keys if _match_label(form, k))
        score = (hits, len(texts), -r)
        if best is None or score > best:
            best = score
    return None if best is None else columns_from(form, grid, -best[2])


def _texts(grid: Grid, cmap: ColumnMap) -> dict[int, str]:
    """Each header column's text: its stacked labels, top to bottom, repeats left out."""
    filled = _merged_value_grid(grid, cmap.header_rows)
    n_cols = max([grid.n_cols] + [c1 + 1 for _, _, _, c1 in grid.merged])
    out = {}
    for c in range(n_cols):
        parts: list[str] = []
        for r in cmap.header_rows:
            v = filled.get((r, c))
            if is_empty(v):
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            text = clean_text(v)
            if text and (not parts or text_key(parts[-1]) != text_key(text)):
                parts.append(text)
        if parts:
            out[c] = " / ".join(parts)
    return out


def _keyed(grid: Grid, cmap: ColumnMap) -> list[tuple[int, str, str]]:
    """(column, text, key) of each header column, left to right; a text met again gets the
    key `…#2`, `…#3`, so every column has its own."""
    out = []
    seen: dict[str, int] = {}
    for c, text in sorted(_texts(grid, cmap).items()):
        key = header_key(text)
        seen[key] = seen.get(key, 0) + 1
        out.append((c, text, key if seen[key] == 1 else f"{key}#{seen[key]}"))
    return out


def _samples(grid: Grid, cmap: ColumnMap, c: int) -> list[str]:
    found = []
    for r in itertools.islice(table_rows(grid, cmap), 40):
        v = grid.value(r, c)
        if not is_empty(v):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            found.append(visible(clean_text(v), 40))
            if len(found) == SAMPLE_VALUES:
                break
    return found


def _with_year(form: Form, hit: tuple[str, int | None] | None) -> tuple[str, int | None] | None:
    """`hit` when it is a target of `form` (a per-year field with its year); else None."""
    if hit is None or parse_target(form, target_of(*hit)) is None:
        return None
    return hit


def _missing(form: Form, targets: list[str]) -> list[str]:
    placed = {hit for t in targets if (hit := parse_target(form, t)) is not None}
    missing = []
    for column in form.columns:
        if not column.required:
            continue
        if column.per_year:
            if not any(f == column.field and y is not None for f, y in placed):
                missing.append(f"{column.field}@{ANY_YEAR}")
        elif (column.field, None) not in placed:
            missing.append(column.field)
    return missing


def describe(
    form: Form,
    grid: Grid,
    cmap: ColumnMap,
    found: dict[int, tuple[str, int | None]],
    *,
    reporting_unit: str,
    header_found: bool,
    mapped: bool,
    samples: bool = True,
) -> SheetLayout:
    """The header of `cmap` as `SheetLayout`; `found` is what the reader placed by itself,
    `cmap.by_col` what is read now (`samples=False`: each cell's `samples` left empty). A
    per-year field's label with no year under it (`Biên chế công chức được giao` alone) is
    shown as placed nowhere: the clerk picks its year."""
    cells = []
    for c, text, key in _keyed(grid, cmap):
        hit, now = _with_year(form, found.get(c)), _with_year(form, cmap.by_col.get(c))
        cells.append(
            HeaderCell(
                col=c,
                ref=cell_ref(cmap.header_rows[-1], c),
                text=visible(text, MAX_KEY_CHARS),
                key=key,
                found=target_of(*hit) if hit else "",
                target=target_of(*now) if now else (SKIP if c in cmap.skipped else ""),
                samples=_samples(grid, cmap, c) if samples else [],
            )
        )
    targets = [c.target for c in cells if c.target and c.target != SKIP]
    return SheetLayout(
        sheet=grid.name,
        form=form.code,
        header_rows=[r + 1 for r in cmap.header_rows],
        reporting_unit=reporting_unit,
        cells=cells,
        missing=_missing(form, targets),
        header_found=header_found,
        mapped=mapped,
    )


# ---------------------------------------------------------------- a mapping, applied


def apply(
    form: Form, grid: Grid, cmap: ColumnMap, mapping: ColumnMapping, log: ProblemLog
) -> ColumnMap:
    """`cmap` with the columns `mapping` names read as it says (or not read, `SKIP`); each
    column so changed is noted (`header-mapped`), so the reviewer sees what was read how."""
    by_col = dict(cmap.by_col)
    skipped: set[int] = set()
    keyed = _keyed(grid, cmap)
    for c, text, key in keyed:
        target = mapping.get(key)
        if target is None:
            continue
        before = by_col.get(c)
        if target == SKIP:
            by_col.pop(c, None)
            skipped.add(c)
        elif (hit := parse_target(form, target)) is not None:
            by_col[c] = hit
        else:
            continue
        if before is not None and target_of(*before) == target:
            continue
        log.report(
            "header-mapped",
            sheet=grid.name,
            cell=cell_ref(cmap.header_rows[-1], c),
            value=short_value(text),
            label=short_value(text),
            target_vi="được bỏ qua"
            if target == SKIP
            else f"được đọc là «{target_label(form, target)}»",
            target_en="not read" if target == SKIP else f"read as {target}",
        )
    unknown = [(c, text) for c, text, _ in keyed if c not in by_col and c not in skipped]
    return ColumnMap(cmap.header_rows, cmap.data_start, by_col, unknown, skipped)


def map_columns(
    form: Form,
    grid: Grid,
    cmap: ColumnMap | None,
    mapping: ColumnMapping | None,
    log: ProblemLog,
    layouts: list[SheetLayout] | None,
) -> ColumnMap | None:
    """The reader's hook: `cmap` (None: no header found) with `mapping` applied (on the
    guessed header when none was found), and the sheet's `SheetLayout` added to `layouts`
    when it needs the mapping step or a mapping was applied."""
    header_found = cmap is not None
    base = cmap if cmap is not None else guess_header(form, grid)
    if base is None:
        return None
    if mapping:
        cmap = apply(form, grid, base, mapping, log)
    if layouts is not None:
        shown = cmap if cmap is not None else base
        # described without its samples and reporting unit first: they do not decide whether
        # the sheet needs the step, and most sheets do not (read only for those that do)
        layout = describe(
            form,
            grid,
            shown,
            base.by_col,
            reporting_unit="",
            header_found=header_found,
            mapped=bool(mapping),
            samples=False,
        )
        if layout.needs_mapping or layout.mapped:
            layout.reporting_unit = read_header_lines(grid).reporting_unit
            for cell in layout.cells:
                cell.samples = _samples(grid, shown, cell.col)
            layouts.append(layout)
    return cmap
