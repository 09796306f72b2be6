"""The form reader's entry: an uploaded workbook read as the Department's forms, the way staff
really fill them.

`read_forms` (what an upload uses) and `read_grids` check the package first in this process
(etl/reading/package.py), then read in the limited child process of the `READING` sandbox
(etl/reading/sandbox.py), so that a hostile file costs one refused upload, never the web process.
The child reads the grids (etl/reading/sheets.py) and, for `read_forms`, the forms, stage by
stage: where things are on the sheet (etl/reading/layout.py), then the rows of Biểu 01/02
(unit_rows.py), 03 (event_rows.py) or 00 (target_rows.py); only the plain records
(etl/reading/records.py) come back, checked field by field. Every problem is a record naming the
sheet and the cell; nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable
from typing import Any

from etl.core.forms import (
    FORMS,
    GUIDE_SHEET,
    GUIDE_TITLE,
    LISTS_HEAD,
    LISTS_SHEET,
    MEASURE_CHOICES,
)
from etl.core.normalize import text_key
from etl.core.problems import ProblemLog
from etl.core.values import MAX_COUNT, is_empty
from etl.reading.event_rows import EVENT_NEEDS, read_event_rows
from etl.reading.layout import (
    HEADER_SEARCH_ROWS,
    check_columns,
    detect_form,
    find_columns,
    is_skippable_sheet,
    read_header_lines,
)
from etl.reading.limits import Limits
from etl.reading.mapping import HeaderCell, Mapping, SheetLayout, map_columns
from etl.reading.package import check_package
from etl.reading.records import Cell, EventRow, Header, SheetResult, TargetRow, UnitRow
from etl.reading.sandbox import DATE_CLASSES, Sandbox, refuse_bad_reply
from etl.reading.sheets import Grid, read_grids_in_process
from etl.reading.target_rows import read_target_rows
from etl.reading.text import unsafe_text, visible
from etl.reading.unit_rows import read_unit_rows
from etl.reading.warm import warm_up_workbook

_GUIDE_NAME, _GUIDE_TITLE = text_key(GUIDE_SHEET), text_key(GUIDE_TITLE)
_LISTS_NAME, _LISTS_HEAD = text_key(LISTS_SHEET), text_key(LISTS_HEAD)

# ---------------------------------------------------------------- the reading child

# Only python-calamine is preloaded (openpyxl is needed in the rare package whose sheets cannot
# be mapped, and then imports numpy only to know its number types: blocked, so the fork server
# stays small and single-threaded, which it must be to fork safely).
READING = Sandbox(
    jobs={
        "grids": "etl.reading.sheets:read_grids_in_process",
        "forms": "etl.reading.reader:read_forms_in_process",
    },
    # the grids' dates, and the form reader's results (plain data) when the child reads forms
    reply_classes=DATE_CLASSES
    | {
        (c.__module__, c.__name__)
        for c in (SheetResult, Header, UnitRow, EventRow, TargetRow, Cell, SheetLayout, HeaderCell)
    },
    preload=("python_calamine", "etl.reading.reader", "etl.reading.sheets"),
    blocked=("numpy",),
    prepare="etl.reading.reader:prepare_fork_server",
    warm_up="etl.reading.reader:warm_up",
    env={
        "RUST_BACKTRACE": "0",  # a panic's message, not a page of backtrace
        "OPENPYXL_LXML": "False",  # openpyxl parses with the stdlib + defusedxml only
    },
)


def prepare_fork_server() -> None:
    """In each fork server, once: build the warm-up workbook and read it, so that what a read
    builds on first use (compiled patterns, the normalisation caches) is built there, before
    any child is forked, and shared by all of them instead of built again in each (about 4 ms
    of every child's CPU). The fork server stays single-threaded: the read starts no thread."""
    warm_up()


def warm_up(job_waiting: Callable[[], bool] = lambda: False) -> None:
    """Read the built-in workbook of the four forms (etl/reading/warm.py) while waiting for a
    job: the pages a read touches are copied from the fork server now, not while the upload
    waits. The read goes as `read_forms_in_process` goes, stage by stage (the grids, then
    each sheet); it stops between two when `job_waiting()` says the job has come."""
    log = ProblemLog("")
    data = read_grids_in_process(warm_up_workbook(), "xlsx", log, Limits())
    sheets: list[SheetResult] = []
    layouts: list[SheetLayout] = []
    for name, cells, merged, formulas in data or []:
        if job_waiting():
            return
        grid = Grid(name, cells, merged, set(formulas))
        sheets += read_workbook_sheets([grid], log, {}, layouts)
    pickle.dumps({"problems": log.items, "grids": sheets}, protocol=pickle.HIGHEST_PROTOCOL)


def read_grids(
    content: bytes, file_name: str, log: ProblemLog, limits: Limits | None = None
) -> list[Grid] | None:
    """All sheets of a workbook as grids; None (with an error logged) when it is refused or
    cannot be read. `file_name` is only shown and compared, never used as a path. `limits`:
    default `Limits()` (an upload passes those of its settings, `Limits.from_settings`)."""
    limits = Limits() if limits is None else limits
    kind = check_package(content, file_name, log, limits)
    if kind is None:
        return None
    data = READING.run("grids", (content, kind), log, limits)
    if data is None or log.has_errors:
        return None
    return [Grid(name, cells, merged, set(formulas)) for name, cells, merged, formulas in data]


# ---------------------------------------------------------------- the forms


def read_sheet(
    grid: Grid,
    form_code: str,
    log: ProblemLog,
    mapping: dict[str, str] | None = None,
    layouts: list[SheetLayout] | None = None,
) -> SheetResult | None:
    """One sheet as `form_code`; problems go to `log`; None when its header is not found.
    `mapping`: the clerk's choice of field for some header cells (etl/reading/mapping.py);
    `layouts`, when given, gets the sheet's header when it needs the mapping step."""
    form = FORMS[form_code]
    sheet = grid.name
    if reason := unsafe_text(sheet):
        log.report(
            "unsafe-text",
            sheet=visible(sheet),
            value=visible(sheet),
            subject_vi=f"Tên trang «{visible(sheet)}»",
            subject_en=f"Sheet name «{visible(sheet)}»",
            reason_vi=reason[0],
            reason_en=reason[1],
            advice_vi="hãy đặt lại tên trang bằng văn bản thuần.",
            advice_en="rename the sheet in plain text.",
        )
        return None
    cmap = find_columns(form, grid)
    if mapping or layouts is not None:
        cmap = map_columns(form, grid, cmap, mapping, log, layouts)
    if cmap is None:
        log.report(
            "header-not-found",
            sheet=sheet,
            form=form_code,
            rows=HEADER_SEARCH_ROWS,
            required=", ".join(f"«{c.label}»" for c in form.columns if c.required),
        )
        return None
    if not check_columns(form, cmap, sheet, log):
        return None
    result = SheetResult(sheet=sheet, form=form_code, header=read_header_lines(grid, log))
    if form_code in ("01", "02"):
        read_unit_rows(form, grid, cmap, log, result)
    elif form_code == "03":
        read_event_rows(form, grid, cmap, log, result)
    else:
        read_target_rows(form, grid, cmap, log, result)
    return result


def is_product_sheet(grid: Grid) -> bool:
    """A sheet the product itself writes beside a form (etl/writers/templates.py, the sample
    city's files): the instructions, named «Hướng dẫn» and titled «HƯỚNG DẪN ĐIỀN BIỂU…» in
    their first text cell, or the dropdown lists, named «Danh mục» with every heading of the
    first row «Danh mục: …». Named so but holding anything else, a sheet is not the product's."""
    name = text_key(grid.name)
    if name not in (_GUIDE_NAME, _LISTS_NAME) or grid.n_rows == 0:
        return False
    first = [v for v in grid.cells[0] if not is_empty(v)]
    if not first or not all(isinstance(v, str) for v in first):
        return False
    if name == _GUIDE_NAME:
        return text_key(first[0]).startswith(_GUIDE_TITLE)
    return all(":" in t and text_key(t.partition(":")[0]) == _LISTS_HEAD for t in first)


def read_workbook_sheets(
    grids: list[Grid],
    log: ProblemLog,
    mapping: Mapping | None = None,
    layouts: list[SheetLayout] | None = None,
) -> list[SheetResult]:
    """Every sheet that holds a form; the product's own instruction and list sheets
    (`is_product_sheet`) are skipped silently, any other sheet without a form with a note.
    `mapping` (sheet name → its mapping) and `layouts` as for `read_sheet`."""
    results: list[SheetResult] = []
    for grid in grids:
        if grid.n_rows == 0 or all(is_empty(v) for row in grid.cells for v in row):
            continue
        if is_product_sheet(grid):
            continue
        code = detect_form(grid)
        if code is None and not is_skippable_sheet(grid.name):
            scored = []
            for fcode, form in FORMS.items():
                cmap = find_columns(form, grid)
                if cmap is not None:
                    scored.append((len(cmap.by_col), fcode))
            code = max(scored)[1] if scored else None
        if code is None:
            log.report("sheet-skipped", sheet=grid.name)
            continue
        sheet_mapping = mapping.get(grid.name) if mapping else None
        sheet_result = read_sheet(grid, code, log, sheet_mapping, layouts)
        if sheet_result is not None:
            results.append(sheet_result)
    return results


def read_forms_in_process(
    content: bytes, kind: str, mapping: Mapping, log: ProblemLog, limits: Limits
) -> tuple[list[SheetResult], list[SheetLayout]] | None:
    """The grids (`etl.reading.sheets.read_grids_in_process`) read as forms, in the same process:
    what the reading child runs for `read_forms`: the sheets, and the headers that need the
    mapping step (or were mapped). None when the grids were refused."""
    data = read_grids_in_process(content, kind, log, limits)
    if data is None or log.has_errors:
        return None
    grids = [Grid(name, cells, merged, set(formulas)) for name, cells, merged, formulas in data]
    del data
    layouts: list[SheetLayout] = []
    return read_workbook_sheets(grids, log, mapping, layouts), layouts


def read_forms(
    content: bytes,
    file_name: str,
    log: ProblemLog,
    limits: Limits | None = None,
    *,
    mapping: Mapping | None = None,
    layouts: list[SheetLayout] | None = None,
) -> list[SheetResult] | None:
    """Every form of an uploaded workbook, as `read_workbook_sheets(read_grids(...))` gives
    them, with the same problems, but read entirely in the limited child process (the
    package checks first, in this process), so only the compact results come back. None
    (with an error logged) when the file is refused or cannot be read; the results are
    checked for shape and types before they are used. `limits`: as for `read_grids`.
    `mapping` (sheet name → the clerk's mapping of its header cells) is applied; `layouts`,
    when given, gets the headers that need the mapping step (also when the file is refused).

    Sheets whose cells have errors are still returned (without those cells, or without a
    sheet whose header was not found), so that the next stages (dates, unit matching) report
    their problems in the same pass: the caller refuses a file whose log has errors."""
    limits = Limits() if limits is None else limits
    kind = check_package(content, file_name, log, limits)
    if kind is None:
        return None
    reply = READING.run("forms", (content, kind, mapping or {}), log, limits)
    if reply is None:
        return None
    if not (type(reply) is tuple and len(reply) == 2 and _layouts_well_formed(reply[1])):
        refuse_bad_reply(log, limits, "malformed reply")
        return None
    sheets, found = reply
    if layouts is not None:
        layouts.extend(found)
    if sheets is None:
        return None
    if not _well_formed(sheets):
        refuse_bad_reply(log, limits, "malformed reply")
        return None
    return sheets


def _is_cell(value: Any, kind: type | tuple[type, ...] = str) -> bool:
    return (
        type(value) is Cell
        and isinstance(value.ref, str)
        and isinstance(value.value, kind)
        and not isinstance(value.value, bool)
    )


def _is_count(value: Any) -> bool:
    return _is_cell(value, int) and 0 <= value.value <= MAX_COUNT


def _optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or (isinstance(value, kind) and not isinstance(value, bool))


def _well_formed(sheets: Any) -> bool:
    """True when what the child sent is made only of what the reader makes: each field of
    the expected type, counts whole and non-negative, choices among the forms' choices. The
    parent never trusts the child's bytes more than it trusted a grid."""
    if not isinstance(sheets, list):
        return False
    unit_attrs = {
        "agency_kind",
        "autonomy",
        "sector",
        "district",
        "commune",
        "parent",
        "note",
        "province",
    }
    for s in sheets:
        if type(s) is not SheetResult or s.form not in FORMS or not isinstance(s.sheet, str):
            return False
        h = s.header
        if type(h) is not Header or not _optional(h.as_of, dt.date):
            return False
        if not (isinstance(h.reporting_unit, str) and isinstance(h.period, str)):
            return False
        if not isinstance(h.reporting_unit_cell, str):
            return False
        if not (isinstance(h.as_of_cell, str) and isinstance(h.as_of_text, str)):
            return False
        if not (type(s.units) is list and type(s.events) is list and type(s.targets) is list):
            return False
        fields = {c.field for c in FORMS[s.form].columns if c.kind == "count"}
        for u in s.units:
            if type(u) is not UnitRow or not (_is_cell(u.name) and _optional(u.code, str)):
                return False
            if type(u.attrs) is not dict or type(u.counts) is not dict:
                return False
            if type(u.yearly) is not dict or type(u.row) is not int:
                return False
            for k, v in u.attrs.items():
                ok = _is_cell(v) if k == "job_position" else k in unit_attrs and type(v) is str
                if not ok:
                    return False
            for k, v in u.counts.items():
                if k not in fields or not _is_count(v):
                    return False
            for k, v in u.yearly.items():
                if not (type(k) is tuple and len(k) == 2 and k[0] in fields):
                    return False
                if type(k[1]) is not int or not _is_count(v):
                    return False
        for e in s.events:
            if type(e) is not EventRow or type(e.row) is not int:
                return False
            if type(e.date) is not dt.date or e.event_type not in EVENT_NEEDS:
                return False
            if type(e.before) is not list or type(e.after) is not list:
                return False
            if not all(_is_cell(c) for c in (*e.before, *e.after)):
                return False
            texts = (e.doc_ref, e.note, e.ref)
            if not all(isinstance(t, str) for t in texts):
                return False
            if not (_optional(e.unit_kind, str) and _optional(e.sector, str)):
                return False
            if not _optional(e.province, str):
                return False
            if type(e.internal) is not dict:
                return False
            for k, v in e.internal.items():
                if k not in ("phong", "khoa", "chi_nhanh", "khac") or type(v) is not int or v < 0:
                    return False
        for t in s.targets:
            if type(t) is not TargetRow or type(t.row) is not int or not _is_cell(t.scope):
                return False
            if t.measure not in MEASURE_CHOICES or not _optional(t.base_year, int):
                return False
            if not (isinstance(t.programme, str) and isinstance(t.basis, str)):
                return False
            if not _strings(t.exclude_sectors):
                return False
            if not (_optional(t.pct, (int, float)) and _optional(t.count, int)):
                return False
            if type(t.path) is not dict or not isinstance(t.doc_ref, str):
                return False
            for k, v in t.path.items():
                if type(k) is not int or type(v) is not int:
                    return False
    return True


def _strings(values: Any) -> bool:
    return type(values) is list and all(type(v) is str for v in values)


def _layouts_well_formed(layouts: Any) -> bool:
    """The mapping step's headers as the reader makes them (plain text and numbers)."""
    if type(layouts) is not list:
        return False
    for lay in layouts:
        if type(lay) is not SheetLayout or lay.form not in FORMS:
            return False
        texts = (lay.sheet, lay.reporting_unit)
        if not all(type(t) is str for t in texts) or not _strings(lay.missing):
            return False
        if type(lay.header_found) is not bool or type(lay.mapped) is not bool:
            return False
        if type(lay.header_rows) is not list or type(lay.cells) is not list:
            return False
        if not all(type(r) is int for r in lay.header_rows):
            return False
        for c in lay.cells:
            if type(c) is not HeaderCell or type(c.col) is not int or not _strings(c.samples):
                return False
            if not all(type(t) is str for t in (c.ref, c.text, c.key, c.found, c.target)):
                return False
    return True
