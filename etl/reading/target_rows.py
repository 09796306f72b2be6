"""Biểu 00: one row per reduction target (a scope, a measure, a percentage or a count, and the
path year by year)."""

from __future__ import annotations

from etl.core.formatting import fmt_cell
from etl.core.forms import CITY_SCOPES, Form
from etl.core.normalize import clean_text, strip_footnotes, text_key
from etl.core.problems import ProblemLog
from etl.core.values import cell_ref, is_empty, parse_percent
from etl.reading.cells import MEASURES, read_choice, read_count, unsafe_cell
from etl.reading.layout import ColumnMap, table_rows
from etl.reading.records import Cell, SheetResult, TargetRow
from etl.reading.sheets import Grid


def read_target_rows(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, result: SheetResult
) -> None:
    """The target rows of a Biểu 00 sheet into `result.targets`; a row with an error is left
    out. Problems go to `log`."""
    cols = {f: c for c, (f, y) in cmap.by_col.items() if y is None}
    path_cols = cmap.years_of("path")
    for r in table_rows(grid, cmap):
        if all(is_empty(v) for v in grid.cells[r]):
            continue
        raw_scope = grid.value(r, cols["scope"])
        if is_empty(raw_scope):
            continue
        errors_before = len(log.items)
        for f in ("scope", "doc_ref"):
            if f in cols:
                unsafe_cell(grid, r, cols[f], log, form.column(f).label)
        measure = read_choice(grid, r, cols["measure"], log, "Chỉ tiêu", MEASURES)
        if measure is None and is_empty(grid.value(r, cols["measure"])):
            ref = cell_ref(r, cols["measure"])
            log.report("missing-measure", sheet=grid.name, cell=ref)
        base_year = 2021
        if "base_year" in cols:
            cell = read_count(grid, r, cols["base_year"], log, "Năm gốc")
            base_year = cell.value if cell else 2021
        pct = None
        if "pct" in cols:
            ref = cell_ref(r, cols["pct"])
            pct, code = parse_percent(grid.value(r, cols["pct"]))
            if code or (pct is not None and not 0 <= pct <= 100):
                log.report(
                    "bad-percent",
                    sheet=grid.name,
                    cell=ref,
                    value=grid.value(r, cols["pct"]),
                    text=clean_text(fmt_cell(grid.value(r, cols["pct"]))),
                )
                pct = None
        count_cell = (
            read_count(grid, r, cols["count"], log, "Số lượng giảm") if "count" in cols else None
        )
        if pct is None and count_cell is None and len(log.items) == errors_before:
            ref = cell_ref(r, cols.get("pct", cols["scope"]))
            log.report("target-missing-value", sheet=grid.name, cell=ref, row=r + 1)
        path = {}
        for year, c in path_cols.items():
            cell = read_count(grid, r, c, log, f"Lộ trình năm {year}")
            if cell is not None:
                path[year] = cell.value
        if any(p.is_error for p in log.items[errors_before:]):
            continue
        assert measure is not None
        result.targets.append(
            TargetRow(
                row=r,
                scope=Cell(strip_footnotes(clean_text(raw_scope)), cell_ref(r, cols["scope"])),
                measure=measure,
                base_year=base_year,
                pct=pct,
                count=count_cell.value if count_cell else None,
                path=path,
                doc_ref=clean_text(grid.value(r, cols["doc_ref"])) if "doc_ref" in cols else "",
            )
        )


def is_city_scope(text: str) -> bool:
    """A target's scope that is the whole city (`Toàn thành phố`, `Toàn tỉnh`)."""
    return text_key(text) in {text_key(s) for s in CITY_SCOPES}
