"""Biểu 00: one row per reduction target (a scope, a measure, a percentage or a count, and the
path year by year), with its programme (`Giai đoạn`), legal basis (`Căn cứ`) and the sectors
kept stable (`Lĩnh vực giữ ổn định`): docs/domain.md, "Programme targets"."""

from __future__ import annotations

from etl.core.formatting import fmt_cell
from etl.core.forms import CITY_SCOPES, Form
from etl.core.normalize import clean_text, strip_footnotes, text_key
from etl.core.problems import ProblemLog
from etl.core.programme_names import find_programme, normal_name, programme_name
from etl.core.values import cell_ref, is_empty, parse_percent
from etl.reading.cells import MEASURES, SECTORS, read_choice, read_count, unsafe_cell
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
        for f in ("scope", "doc_ref", "programme", "basis", "exclude_sectors"):
            if f in cols:
                unsafe_cell(grid, r, cols[f], log, form.column(f).label)
        measure = read_choice(grid, r, cols["measure"], log, "Chỉ tiêu", MEASURES)
        if measure is None and is_empty(grid.value(r, cols["measure"])):
            ref = cell_ref(r, cols["measure"])
            log.report("missing-measure", sheet=grid.name, cell=ref)
        base_year = None  # not written: the programme's baseline year
        if "base_year" in cols:
            cell = read_count(grid, r, cols["base_year"], log, "Năm gốc")
            base_year = cell.value if cell else None
        programme = _programme(grid, r, cols, log)
        exclude = _sectors(grid, r, cols, log)
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
                doc_ref=_text(grid, r, cols, "doc_ref"),
                programme=programme,
                basis=_text(grid, r, cols, "basis"),
                exclude_sectors=exclude,
            )
        )


def _text(grid: Grid, r: int, cols: dict[str, int], name: str) -> str:
    return clean_text(grid.value(r, cols[name])) if name in cols else ""


def _programme(grid: Grid, r: int, cols: dict[str, int], log: ProblemLog) -> str:
    """The row's programme, normalised (`2022 - 2026`): its `Giai đoạn` cell, else a phrase
    `giai đoạn 2022 - 2026` in its document or note; "" when it names none."""
    if "programme" in cols and not is_empty(raw := grid.value(r, cols["programme"])):
        name = normal_name(cell_text_of(raw))
        if name is None:
            log.report(
                "bad-programme",
                sheet=grid.name,
                cell=cell_ref(r, cols["programme"]),
                value=raw,
                text=clean_text(fmt_cell(raw)),
            )
            return ""
        return name
    for other in ("doc_ref", "note", "basis"):
        years = find_programme(_text(grid, r, cols, other)) if other in cols else None
        if years is not None:
            return programme_name(*years)
    return ""


def cell_text_of(raw: object) -> str:
    return raw if isinstance(raw, str) else clean_text(fmt_cell(raw))


def _sectors(grid: Grid, r: int, cols: dict[str, int], log: ProblemLog) -> list[str]:
    """The sectors kept stable, `;`-separated, each one of forms.SECTOR_CHOICES (a part that
    is none: `bad-choice`, and the row is left out)."""
    if "exclude_sectors" not in cols or is_empty(raw := grid.value(r, cols["exclude_sectors"])):
        return []
    out: list[str] = []
    for part in clean_text(cell_text_of(raw)).replace("\n", ";").split(";"):
        if not part.strip():
            continue
        key = text_key(part)
        if key not in SECTORS:
            log.report(
                "bad-choice",
                sheet=grid.name,
                cell=cell_ref(r, cols["exclude_sectors"]),
                value=raw,
                label="Lĩnh vực giữ ổn định",
                text=part.strip(),
                allowed="; ".join(dict.fromkeys(SECTORS.values())),
            )
            continue
        if SECTORS[key] not in out:
            out.append(SECTORS[key])
    return out


def is_city_scope(text: str) -> bool:
    """A target's scope that is the whole city (`Toàn thành phố`, `Toàn tỉnh`)."""
    return text_key(text) in {text_key(s) for s in CITY_SCOPES}
