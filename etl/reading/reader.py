"""Read one sheet grid as one of the Department's forms, the way staff really fill them.

Finds the form (title cell, sheet name or header columns), the header block (1-3 rows,
merged group labels over year sub-columns, a column-number row), group rows that give
context, subtotal rows that are checked, and data rows parsed cell by cell. Every problem
is a record naming the sheet and the cell; nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from etl.core.forms import (
    AGENCY_KIND_CHOICES,
    AUTONOMY_CHOICES,
    CITY_SCOPES,
    EVENT_TYPE_CHOICES,
    FORMS,
    HEADER_LINES,
    JOB_POSITION_CHOICES,
    MEASURE_CHOICES,
    SECTOR_CHOICES,
    SIGNATURE_WORDS,
    TOTAL_WORDS,
    UNIT_KIND_CHOICES,
    Column,
    Form,
)
from etl.core.normalize import (
    clean_text,
    district_label,
    looks_like_district,
    name_key,
    strip_footnotes,
    text_key,
)
from etl.core.problems import ProblemLog
from etl.core.values import (
    cell_ref,
    column_letter,
    is_empty,
    parse_count,
    parse_date,
    parse_percent,
)
from etl.reading.safety import (
    Limits,
    check_package,
    refuse_bad_reply,
    run_isolated,
    unsafe_text,
    visible,
)
from etl.reading.workbook import Grid, read_grids_in_process

HEADER_SEARCH_ROWS = 30
MAX_HEADER_ROWS = 3
FIRST_YEAR, LAST_YEAR = 2000, 2100

_YEAR_LABEL = re.compile(r"^(?:năm\s*)?(20\d\d)(?:\s*\(.*\))?$")
_YEAR_ANYWHERE = re.compile(r"\b(20\d\d)\b")
_TITLE = re.compile(r"^(?:biểu|mẫu|bm)\s*(?:số)?\s*:?\s*0?([0-3])\b")
_SHEET = re.compile(r"^(?:biểu|bieu|mẫu|mau|bm|b)\s*(?:số|so)?\s*[-_ ]?0?([0-3])\b")
_COLNUM = re.compile(r"^\(?\s*(\d{1,2}|[a-z])\s*\)?([=+\-*/()\d\s]*)$")
_ROMAN = re.compile(r"^(?=[ivxlc]+\.?$)(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})\.?$")
_LETTER = re.compile(r"^[a-zđ]\.?$")
_DOTTED = re.compile(r"^\d{1,2}[.)]$|^\d{1,2}\.\d{1,2}\.?$")
_UNIT_SPLIT = re.compile(r"\s*(?:;|\n|\r)\s*")
_SIGNATURE_DATE = re.compile(r"^[^\d]*,\s*ngày\s*\S*\s*tháng", re.IGNORECASE)
_LIST_MARK = re.compile(r"^(?:[-+•*]\s*|\d{1,2}[.)]\s+)")
_AUTONOMY_GROUP = re.compile(r"([1-4]|iv|i{1,3})\s*$")


def _keys(column: Column) -> set[str]:
    return {text_key(column.label), *(text_key(a) for a in column.aliases)}


def _choice_map(choices: tuple[str, ...]) -> dict[str, str]:
    return {text_key(c): c for c in choices}


_JOB_CHOICES = _choice_map(JOB_POSITION_CHOICES)
_EVENT_CHOICES = _choice_map(EVENT_TYPE_CHOICES)
_UNIT_KIND = _choice_map(UNIT_KIND_CHOICES)
_SECTORS = _choice_map(SECTOR_CHOICES)
_MEASURES = {
    **_choice_map(MEASURE_CHOICES),
    text_key("Công chức"): MEASURE_CHOICES[0],
    text_key("Biên chế"): MEASURE_CHOICES[0],
    text_key("Số lượng người làm việc"): MEASURE_CHOICES[1],
    text_key("Số lượng người làm việc hưởng lương từ NSNN"): MEASURE_CHOICES[1],
    text_key("Viên chức"): MEASURE_CHOICES[1],
}
_TOTAL_KEYS = tuple(text_key(w) for w in TOTAL_WORDS)
_SIGNATURE_KEYS = tuple(text_key(w) for w in SIGNATURE_WORDS)
_NOTES_KEYS = {text_key(w) for w in ("Ghi chú", "Lưu ý", "Chú thích")}
_SKIP_SHEETS = tuple(text_key(w) for w in ("Hướng dẫn", "Huong dan", "Danh mục", "Ghi chú"))

AGENCY_KINDS = {
    "co_quan_chuyen_mon_tinh": AGENCY_KIND_CHOICES[0],
    "chi_cuc": AGENCY_KIND_CHOICES[1],
    "to_chuc_hanh_chinh_khac": AGENCY_KIND_CHOICES[2],
    "co_quan_chuyen_mon_huyen": AGENCY_KIND_CHOICES[3],
}
DON_VI_SU_NGHIEP = "don_vi_su_nghiep"


def agency_kind_of(text: str) -> str | None:
    """The kind of agency named by a value or a group row, by its words."""
    key = text_key(text)
    if not key:
        return None
    if text_key("chi cục") in key:
        return "chi_cuc"
    if text_key("tổ chức hành chính khác") in key:
        return "to_chuc_hanh_chinh_khac"
    if text_key("cấp huyện") in key or text_key("quận, huyện") in key:
        return "co_quan_chuyen_mon_huyen"
    if text_key("cơ quan chuyên môn") in key or text_key("cấp tỉnh") in key:
        return "co_quan_chuyen_mon_tinh"
    return None


def _infer_agency_kind(name: str, district: str | None) -> str:
    key = name_key(name)
    if key.startswith(name_key("Chi cục")):
        return "chi_cuc"
    if district:
        return "co_quan_chuyen_mon_huyen"
    return "co_quan_chuyen_mon_tinh"


@dataclass
class Header:
    """The lines above the table."""

    reporting_unit: str = ""
    period: str = ""
    as_of: dt.date | None = None

    @property
    def year(self) -> int | None:
        if self.as_of:
            return self.as_of.year
        m = _YEAR_ANYWHERE.search(self.period)
        return int(m.group(1)) if m else None


@dataclass
class Cell:
    value: Any
    ref: str


@dataclass
class UnitRow:
    """A Biểu 01/02 data row: one unit, its attributes and its figures per year."""

    row: int
    name: Cell
    code: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Cell] = field(default_factory=dict)  # field -> value
    yearly: dict[tuple[str, int], Cell] = field(default_factory=dict)  # (field, year) -> value


@dataclass
class EventRow:
    row: int
    date: dt.date
    event_type: str
    before: list[Cell]
    after: list[Cell]
    doc_ref: str = ""
    unit_kind: str | None = None
    sector: str | None = None
    internal: dict[str, int] = field(default_factory=dict)
    note: str = ""
    ref: str = ""


@dataclass
class TargetRow:
    row: int
    scope: Cell
    measure: str
    base_year: int
    pct: float | None
    count: int | None
    path: dict[int, int] = field(default_factory=dict)
    doc_ref: str = ""


@dataclass
class SheetResult:
    sheet: str
    form: str
    header: Header
    units: list[UnitRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)


# ---------------------------------------------------------------- header block and form


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _unsafe_cell(grid: Grid, r: int, c: int | None, log: ProblemLog | None, label: str) -> bool:
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


def read_header_lines(grid: Grid, log: ProblemLog | None = None) -> Header:
    """`Đơn vị báo cáo`, `Kỳ báo cáo`, `Số liệu tính đến ngày` anywhere in the first rows
    (with `log`, a stored line holding unsafe text is refused)."""
    header = Header()
    wanted = {key: text_key(label) for key, label in HEADER_LINES.items()}
    for r in range(min(grid.n_rows, HEADER_SEARCH_ROWS)):
        row = grid.cells[r]
        for c, value in enumerate(row):
            text = _text(value)
            if not text:
                continue
            head, _, rest = text.partition(":")
            key = text_key(head)
            rest = rest.strip(" …._")
            for name, label_key in wanted.items():
                if key != label_key:
                    continue
                source = c
                if not rest:
                    source = next((i for i in range(c + 1, len(row)) if not is_empty(row[i])), c)
                    rest_value = row[source] if source != c else None
                else:
                    rest_value = rest
                if name != "as_of" and _unsafe_cell(grid, r, source, log, head.strip()):
                    continue
                if name == "unit":
                    header.reporting_unit = clean_text(rest_value or "")
                elif name == "period":
                    header.period = clean_text(rest_value or "")
                else:
                    header.as_of, _ = parse_date(rest_value)
    return header


def detect_form(grid: Grid) -> str | None:
    """The form code from a title cell, else the sheet name, else None (try the headers)."""
    for r in range(min(grid.n_rows, HEADER_SEARCH_ROWS)):
        for value in grid.cells[r]:
            text = _text(value)
            if text and (m := _TITLE.match(text.casefold())):
                return f"0{m.group(1)}"
    if m := _SHEET.match(clean_text(grid.name).casefold()):
        return f"0{m.group(1)}"
    return None


# ---------------------------------------------------------------- header columns


@dataclass
class ColumnMap:
    """Which sheet column holds which field (and year)."""

    header_rows: list[int]
    data_start: int
    by_col: dict[int, tuple[str, int | None]]
    unknown: list[tuple[int, str]]

    def col_of(self, field_name: str) -> int | None:
        return next((c for c, (f, y) in self.by_col.items() if f == field_name and y is None), None)

    def years_of(self, field_name: str) -> dict[int, int]:
        return {y: c for c, (f, y) in self.by_col.items() if f == field_name and y is not None}


def _merged_value_grid(grid: Grid, rows: list[int]) -> dict[tuple[int, int], Any]:
    """Cell values of `rows` with every merged range's value spread over its area."""
    filled: dict[tuple[int, int], Any] = {}
    for r in rows:
        for c, v in enumerate(grid.cells[r] if r < grid.n_rows else []):
            if not is_empty(v):
                filled[(r, c)] = v
    for r0, c0, r1, c1 in grid.merged:
        value = grid.value(r0, c0)
        if is_empty(value):
            continue
        for r in rows:
            if r0 <= r <= r1:
                for c in range(c0, c1 + 1):
                    filled[(r, c)] = value
    return filled


@functools.cache
def _label_index(form_code: str) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Header keys of a form → field, and (year prefix key, field) pairs; computed once."""
    form = FORMS[form_code]
    exact: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    for column in form.columns:
        for key in _keys(column):
            exact.setdefault(key, column.field)
        prefixes += [(text_key(p), column.field) for p in column.year_prefixes]
    return exact, tuple(sorted(prefixes, key=lambda p: -len(p[0])))


def _match_label(form: Form, key: str) -> tuple[str, int | None] | None:
    """A single header text → (field, year) or (field, None)."""
    exact, prefixes = _label_index(form.code)
    if key in exact:
        return exact[key], None
    for prefix, field_name in prefixes:
        if key.startswith(prefix):
            m = _YEAR_LABEL.match(key[len(prefix) :].strip())
            if m:
                return field_name, int(m.group(1))
    return None


def _match_path(form: Form, path: list[str]) -> tuple[str, int | None] | None:
    """Labels stacked over one column (top to bottom) → (field, year)."""
    year = None
    for key in reversed(path):
        if m := _YEAR_LABEL.match(key):
            year = int(m.group(1))
            break
    for key in reversed(path):
        hit = _match_label(form, key)
        if hit is None:
            continue
        field_name, hit_year = hit
        column = form.column(field_name)
        if hit_year is not None:
            return hit
        if column.per_year and year is not None:
            return field_name, year
        if not column.per_year:
            return field_name, None
        return field_name, None
    return None


def _row_label_keys(grid: Grid, r: int) -> list[str]:
    return [text_key(v) for v in (grid.cells[r] if r < grid.n_rows else []) if _text(v)]


def _score_row(form: Form, grid: Grid, r: int) -> tuple[int, bool]:
    """How many cells of row r are labels of `form`, and whether the required name is there."""
    score = 0
    required_hits = set()
    for key in _row_label_keys(grid, r):
        hit = _match_label(form, key)
        if hit:
            score += 1
            if _column(form, hit[0]).required:
                required_hits.add(hit[0])
    first_required = next(c.field for c in form.columns if c.required)
    return score, first_required in required_hits


def _is_colnum_row(grid: Grid, r: int) -> bool:
    """`(1) (2) (3)…` or `1 2 3…` under the header: every cell a column number, increasing."""
    values = [v for v in (grid.cells[r] if r < grid.n_rows else []) if not is_empty(v)]
    if len(values) < 2:
        return False
    numbers = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 100:
            numbers.append(float(v))
        elif isinstance(v, str) and (m := _COLNUM.match(clean_text(v).casefold())):
            if m.group(1).isdigit():
                numbers.append(float(m.group(1)))
        else:
            return False
    return all(a < b for a, b in itertools.pairwise(numbers))


def find_columns(form: Form, grid: Grid) -> ColumnMap | None:
    """Locate the header block of `form` in the first rows and map its columns."""
    best: tuple[int, int] | None = None
    for r in range(min(grid.n_rows, HEADER_SEARCH_ROWS)):
        score, has_required = _score_row(form, grid, r)
        if has_required and score >= 2 and (best is None or score > best[1]):
            best = (r, score)
    if best is None:
        return None
    top = best[0]
    name_field = next(c.field for c in form.columns if c.required and not c.per_year)
    name_col = None
    for c, v in enumerate(grid.cells[top]):
        hit = _match_label(form, text_key(v)) if _text(v) else None
        if hit and hit[0] == name_field:
            name_col = c
            break
    rows = [top]
    for r in range(top + 1, min(top + MAX_HEADER_ROWS, grid.n_rows)):
        if _is_colnum_row(grid, r):
            break
        covered = _merged_value_grid(grid, [r])
        name_here = grid.value(r, name_col) if name_col is not None else None
        merged_name = any(
            r0 < r <= r1 and c0 <= (name_col or 0) <= c1 for r0, c0, r1, c1 in grid.merged
        )
        keys = _row_label_keys(grid, r)
        label_like = any(_YEAR_LABEL.match(k) or _match_label(form, k) for k in keys)
        numbers = [
            v
            for v in grid.cells[r]
            if isinstance(v, (int, float))
            and not isinstance(v, bool)
            and not (FIRST_YEAR <= v <= LAST_YEAR)
        ]
        if numbers or (not is_empty(name_here) and not merged_name):
            break
        if label_like or (covered and merged_name):
            rows.append(r)
        else:
            break
    data_start = rows[-1] + 1
    if data_start < grid.n_rows and _is_colnum_row(grid, data_start):
        data_start += 1
    filled = _merged_value_grid(grid, rows)
    by_col: dict[int, tuple[str, int | None]] = {}
    unknown: list[tuple[int, str]] = []
    n_cols = max([grid.n_cols] + [c1 + 1 for _, _, _, c1 in grid.merged])
    for c in range(n_cols):
        path: list[str] = []
        for r in rows:
            v = filled.get((r, c))
            if v is None:
                continue
            key = text_key(str(int(v)) if isinstance(v, float) and v.is_integer() else v)
            if key and (not path or path[-1] != key):
                path.append(key)
        if not path:
            continue
        hit = _match_path(form, path)
        if hit is None:
            unknown.append(
                (
                    c,
                    " / ".join(
                        clean_text(filled.get((r, c)))
                        for r in rows
                        if filled.get((r, c)) is not None
                    ),
                )
            )
        else:
            by_col[c] = hit
    return ColumnMap(rows, data_start, by_col, unknown)


# ---------------------------------------------------------------- rows


@functools.lru_cache(maxsize=4096)
def _is_total(text: str) -> bool:
    key = text_key(text)
    return any(key == t or key.startswith(t + " ") or key.startswith(t + ":") for t in _TOTAL_KEYS)


def _is_grand_total(text: str) -> bool:
    key = text_key(text)
    return key.startswith(text_key("Tổng"))


def _is_signature(grid: Grid, r: int) -> bool:
    """The notes or signature block starts here: judged by the row's first non-empty cell,
    so a note column that mentions a date never ends the table."""
    first = next((v for v in grid.cells[r] if not is_empty(v)), None)
    text = _text(first)
    if not text:
        return False
    key = text_key(text)
    if any(key.startswith(s) for s in _SIGNATURE_KEYS):
        return True
    head, colon, rest = text.partition(":")
    if colon and text_key(head) in _NOTES_KEYS and rest.strip():
        return True
    return bool(_SIGNATURE_DATE.search(text))


@functools.lru_cache(maxsize=4096)
def _group_level(stt: str) -> int | None:
    key = text_key(stt)
    if not key:
        return 3
    if _LETTER.match(key) and key not in ("i", "v", "x"):
        return 0
    if _ROMAN.match(key):
        return 1
    if _DOTTED.match(key):
        return 2
    return None


@dataclass
class _Group:
    level: int
    row: int
    label: str
    stt: str
    attrs: dict[str, Any]
    members: list[int] = field(default_factory=list)
    has_figures: bool = False


def _group_attrs(form_code: str, label: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if looks_like_district(label):
        attrs["district"] = district_label(label)
        return attrs
    kind = agency_kind_of(label) if form_code == "01" else None
    if kind:
        attrs["agency_kind"] = kind
        return attrs
    key = text_key(label)
    for skey, sector in _SECTORS.items():
        if (
            key == skey
            or key.endswith(" " + skey)
            or key.startswith(text_key("lĩnh vực") + " " + skey)
        ):
            attrs["sector"] = sector
            return attrs
    if form_code == "02":
        attrs["parent"] = strip_footnotes(clean_text(label))
    return attrs


def _count_cols(form: Form, cmap: ColumnMap) -> list[int]:
    return sorted(c for c, (f, _) in cmap.by_col.items() if form.column(f).kind == "count")


def _has_figures(grid: Grid, r: int, cols: list[int]) -> bool:
    return any(not is_empty(grid.value(r, c)) for c in cols)


def read_sheet(grid: Grid, form_code: str, log: ProblemLog) -> SheetResult | None:
    """One sheet as `form_code`; problems go to `log`; None when its header is not found."""
    form = FORMS[form_code]
    sheet = grid.name
    if reason := unsafe_text(sheet):
        log.error(
            "unsafe-text",
            f"Tên trang «{visible(sheet)}» chứa {reason[0]}; hãy đặt lại tên trang bằng văn bản "
            "thuần.",
            f"Sheet name «{visible(sheet)}» contains {reason[1]}; rename the sheet in plain text.",
            sheet=visible(sheet),
            value=visible(sheet),
        )
        return None
    cmap = find_columns(form, grid)
    if cmap is None:
        required = ", ".join(f"«{c.label}»" for c in form.columns if c.required)
        log.error(
            "header-not-found",
            f"Không tìm thấy dòng tiêu đề của Biểu {form_code} trong {HEADER_SEARCH_ROWS} dòng "
            f"đầu (cần các cột {required}).",
            f"The header row of form {form_code} was not found in the first "
            f"{HEADER_SEARCH_ROWS} rows (required columns: {required}).",
            sheet=sheet,
        )
        return None
    header_ref = f"{cell_ref(cmap.header_rows[0], 0)}"
    for c, label in cmap.unknown:
        log.warning(
            "unknown-column",
            f"Cột «{label}» không thuộc Biểu {form_code}, bỏ qua.",
            f"Column «{label}» is not part of form {form_code}; ignored.",
            sheet=sheet,
            cell=cell_ref(cmap.header_rows[-1], c),
            value=label,
        )
    seen: dict[tuple[str, int | None], int] = {}
    for c, key in sorted(cmap.by_col.items()):
        if key in seen:
            label = form.column(key[0]).label + (f" năm {key[1]}" if key[1] else "")
            log.error(
                "duplicate-column",
                f"Cột «{label}» xuất hiện hai lần ({column_ref(cmap, seen[key])} và "
                f"{column_ref(cmap, c)}).",
                f"Column «{label}» appears twice ({column_ref(cmap, seen[key])} and "
                f"{column_ref(cmap, c)}).",
                sheet=sheet,
                cell=column_ref(cmap, c),
            )
        seen[key] = c
    ok = True
    for column in form.columns:
        if not column.required:
            continue
        if column.per_year:
            years = cmap.years_of(column.field)
            later = [y for y in years if y > 2021]
            if 2021 not in years or not later:
                what_vi = "năm 2021" if 2021 not in years else "ít nhất một năm sau 2021"
                what_en = "year 2021" if 2021 not in years else "at least one year after 2021"
                log.error(
                    "missing-year",
                    f"Cột «{column.label}» thiếu {what_vi}.",
                    f"Column «{column.label}» lacks {what_en}.",
                    sheet=sheet,
                    cell=header_ref,
                )
                ok = False
        elif cmap.col_of(column.field) is None:
            log.error(
                "missing-column",
                f"Thiếu cột bắt buộc «{column.label}».",
                f"Required column «{column.label}» is missing.",
                sheet=sheet,
                cell=header_ref,
            )
            ok = False
    if not ok:
        return None
    result = SheetResult(sheet=sheet, form=form_code, header=read_header_lines(grid, log))
    if form_code in ("01", "02"):
        _read_unit_rows(form, grid, cmap, log, result)
    elif form_code == "03":
        _read_event_rows(form, grid, cmap, log, result)
    else:
        _read_target_rows(form, grid, cmap, log, result)
    return result


def column_ref(cmap: ColumnMap, c: int) -> str:
    return cell_ref(cmap.header_rows[-1], c)


def _row_range(grid: Grid, cmap: ColumnMap):
    for r in range(cmap.data_start, grid.n_rows):
        if _is_signature(grid, r):
            return
        yield r


def _count(
    grid: Grid, r: int, c: int, log: ProblemLog, label: str, *, subtotal: bool = False
) -> Cell | None:
    """Parse a count cell; log problems; None when empty or bad."""
    ref = f"{_letters(c)}{r + 1}"
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


_EXACT_INT = 2**53  # below it, int(float(n)) == n, as parse_count computes


def _parse_count(raw: Any) -> tuple[int | None, str | None]:
    """`parse_count`, with the common cells (empty, a whole number) answered at once."""
    if raw is None:
        return None, None
    kind = type(raw)
    if kind is int and 0 <= raw < _EXACT_INT:
        return raw, None
    if kind is float and raw >= 0.0 and raw.is_integer():
        return int(raw), None
    return parse_count(raw)


@functools.lru_cache(maxsize=1024)
def _letters(col: int) -> str:
    """`column_letter`, remembered (a sheet has few columns; every cell asks)."""
    return column_letter(col)


def _label(form: Form, key: tuple[str, int | None]) -> str:
    """A count cell's column label (`… năm 2023`), made once per form and key: it is asked
    for every count cell read, and forms are few and constant."""
    entry = _LABELS.get((id(form), key))
    if entry is None or entry[0] is not form:  # the form is held, so its id is not reused
        label = _column(form, key[0]).label
        entry = _LABELS[(id(form), key)] = (form, f"{label} năm {key[1]}" if key[1] else label)
    return entry[1]


def _column(form: Form, field_name: str) -> Column:
    """`form.column(field_name)` (a linear search), remembered per form and field."""
    entry = _COLUMNS.get((id(form), field_name))
    if entry is None or entry[0] is not form:
        entry = _COLUMNS[(id(form), field_name)] = (form, form.column(field_name))
    return entry[1]


_LABELS: dict[tuple[int, tuple[str, int | None]], tuple[Form, str]] = {}
_COLUMNS: dict[tuple[int, str], tuple[Form, Column]] = {}


def _enum(
    grid: Grid,
    r: int,
    c: int,
    log: ProblemLog,
    label: str,
    choices: dict[str, str],
) -> str | None:
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


def _read_unit_rows(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, result: SheetResult
) -> None:
    name_col = cmap.col_of("name")
    stt_col = cmap.col_of("stt")
    count_cols = _count_cols(form, cmap)
    groups: list[_Group] = []
    closed: list[_Group] = []
    subtotals: list[tuple[int, str, list[int]]] = []  # (row, kind, member rows)
    data_rows: list[int] = []
    since_subtotal: list[int] = []
    seen_names: dict[tuple[str, str, str], str] = {}
    plan = _unit_row_plan(form, cmap)
    other_cols = [
        c
        for c, (f, _y) in cmap.by_col.items()
        if f not in ("stt", "name", "note") and _column(form, f).kind != "count"
    ]
    counted: dict[int, dict[int, int | None]] = {}  # data row → count column → value
    name_label = _column(form, "name").label
    for r in _row_range(grid, cmap):
        row = grid.cells[r]
        if all(is_empty(v) for v in row):
            continue
        name = _text(grid.value(r, name_col))
        if name and _unsafe_cell(grid, r, name_col, log, name_label):
            continue
        raw_stt = grid.value(r, stt_col) if stt_col is not None else None
        stt = "" if isinstance(raw_stt, (int, float)) else clean_text(raw_stt)
        figures = _has_figures(grid, r, count_cols)
        if _is_total(name) or (not name and _is_total(stt)) or _is_total(stt):
            label = name if _is_total(name) else stt
            if _is_grand_total(label):
                subtotals.append((r, "total", []))
            else:
                target = _subtotal_target(label, groups, closed)
                members = list(target.members) if target else list(since_subtotal)
                subtotals.append((r, "subtotal", members))
            since_subtotal = []
            continue
        level = None if isinstance(raw_stt, (int, float)) else _group_level(stt)
        other_data = any(not is_empty(grid.value(r, c)) for c in other_cols)
        if name and level is not None and not other_data and (not figures or level < 3):
            if not figures or stt:
                while groups and groups[-1].level >= level:
                    closed.append(groups.pop())
                groups.append(_Group(level, r, name, text_key(stt), _group_attrs(form.code, name)))
                groups[-1].has_figures = figures
                continue
        if not name:
            if figures:
                log.error(
                    "missing-name",
                    f"Dòng {r + 1} có số liệu nhưng không có tên đơn vị.",
                    f"Row {r + 1} has figures but no unit name.",
                    sheet=grid.name,
                    cell=cell_ref(r, name_col),
                )
            continue
        unit = _parse_unit_row(form, grid, plan, log, r, name_col, groups, counted)
        key = (name_key(unit.name.value), name_key(unit.attrs.get("district") or ""), "")
        if key in seen_names:
            log.error(
                "duplicate-row",
                f"Đơn vị «{unit.name.value}» được kê hai lần ({seen_names[key]} và "
                f"{unit.name.ref}).",
                f"Unit «{unit.name.value}» is listed twice ({seen_names[key]} and "
                f"{unit.name.ref}).",
                sheet=grid.name,
                cell=unit.name.ref,
                value=unit.name.value,
            )
        seen_names[key] = unit.name.ref
        result.units.append(unit)
        data_rows.append(r)
        since_subtotal.append(r)
        for g in groups:
            g.members.append(r)
    closed.extend(groups)
    for g in closed:
        if g.has_figures:
            subtotals.append((g.row, "group", g.members))
    for r, kind, members in subtotals:
        covered = data_rows if kind == "total" else members
        _check_subtotal(form, grid, cmap, log, r, covered, count_cols, counted)


def _subtotal_target(label: str, groups: list[_Group], closed: list[_Group]) -> _Group | None:
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
        label = _label(form, cmap.by_col[c])
        stated = _count(grid, r, c, log, label, subtotal=True)
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
            log.error(
                "subtotal-mismatch",
                f"Ô {stated.ref} ({label}) ghi {stated.value} nhưng tổng các dòng {span} là "
                f"{total}.",
                f"Cell {stated.ref} ({label}) says {stated.value} but rows {span} add up to "
                f"{total}.",
                sheet=grid.name,
                cell=stated.ref,
                value=stated.value,
            )


def _unit_row_plan(form: Form, cmap: ColumnMap) -> list[tuple[int, str, int | None, Column, str]]:
    """The columns a unit row is read from, in the column map's order, each with what every
    row needs of it: (column, field, year, the form's column, its label in messages)."""
    plan = []
    for c, key in cmap.by_col.items():
        field_name, year = key
        if field_name in ("stt", "name"):
            continue
        column = _column(form, field_name)
        label = _label(form, key) if column.kind == "count" else column.label
        plan.append((c, field_name, year, column, label))
    return plan


def _parse_unit_row(
    form: Form,
    grid: Grid,
    plan: list[tuple[int, str, int | None, Column, str]],
    log: ProblemLog,
    r: int,
    name_col: int,
    groups: list[_Group],
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
            # the common cells (empty, a whole number) at once; anything else as `_count` says
            kind = type(raw)
            if raw is None and not (formulas and (r, c) in formulas):
                values[c] = None
                continue
            if kind is int and 0 <= raw < _EXACT_INT:
                cell = Cell(raw, _letters(c) + row_number)
            elif kind is float and raw >= 0.0 and raw.is_integer():
                cell = Cell(int(raw), _letters(c) + row_number)
            else:
                cell = _count(grid, r, c, log, label)
            values[c] = None if cell is None else cell.value
            if cell is None:
                continue
            if year is None:
                unit.counts[field_name] = cell
            else:
                unit.yearly[(field_name, year)] = cell
        elif is_empty(raw) or _unsafe_cell(grid, r, c, log, column.label):
            continue
        elif field_name == "code":
            unit.code = clean_text(raw if not isinstance(raw, float) else int(raw))
        elif field_name == "job_position":
            status = _enum(grid, r, c, log, column.label, _JOB_CHOICES)
            if status:
                unit.attrs["job_position"] = Cell(status, cell_ref(r, c))
        elif field_name == "agency_kind":
            kind = agency_kind_of(clean_text(raw))
            if kind is None:
                _enum(grid, r, c, log, column.label, _choice_map(AGENCY_KIND_CHOICES))
            else:
                unit.attrs["agency_kind"] = kind
        elif field_name == "autonomy":
            group = _autonomy(raw)
            if group is None:
                _enum(grid, r, c, log, column.label, _choice_map(AUTONOMY_CHOICES))
            else:
                unit.attrs["autonomy"] = group
        elif field_name == "sector":
            unit.attrs["sector"] = _SECTORS.get(text_key(raw), clean_text(raw))
        elif field_name == "district":
            unit.attrs["district"] = district_label(raw)
        elif field_name == "parent":
            unit.attrs["parent"] = strip_footnotes(clean_text(raw))
        elif field_name == "note":
            unit.attrs["note"] = clean_text(raw)
    for key in ("district", "sector", "parent", "agency_kind"):
        if key not in unit.attrs and key in context:
            unit.attrs[key] = context[key]
    if "district" not in unit.attrs and looks_like_district(unit.attrs.get("parent", "")):
        unit.attrs["district"] = district_label(unit.attrs["parent"])
    if form.code == "01" and "agency_kind" not in unit.attrs:
        unit.attrs["agency_kind"] = _infer_agency_kind(unit.name.value, unit.attrs.get("district"))
    if form.code == "02":
        unit.attrs["agency_kind"] = DON_VI_SU_NGHIEP
    return unit


def split_units(raw: Any) -> list[str]:
    """Unit names in one cell: separated by `;` or line breaks, list marks removed."""
    if is_empty(raw):
        return []
    text = str(raw)
    parts = [_LIST_MARK.sub("", clean_text(p)) for p in _UNIT_SPLIT.split(text)]
    return [strip_footnotes(p) for p in parts if p]


def _read_event_rows(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, result: SheetResult
) -> None:
    cols = {f: c for c, (f, y) in cmap.by_col.items() if y is None}
    for r in _row_range(grid, cmap):
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
                _unsafe_cell(grid, r, cols[f], log, form.column(f).label)
        date, code = parse_date(raw_date)
        ref = cell_ref(r, cols["date"])
        if code or date is None:
            log.error(
                "bad-date" if code else "missing-date",
                f"Ô {ref} (Ngày hiệu lực): «{clean_text(raw_date)}» không phải ngày hợp lệ "
                "(dd/mm/yyyy).",
                f"Cell {ref} (effective date): «{clean_text(raw_date)}» is not a valid date "
                "(dd/mm/yyyy).",
                sheet=grid.name,
                cell=ref,
                value=raw_date,
            )
        event_type = _enum(grid, r, cols["event_type"], log, "Hình thức", _EVENT_CHOICES)
        if event_type is None and is_empty(raw_type):
            tref = cell_ref(r, cols["event_type"])
            log.error(
                "missing-event-type",
                f"Ô {tref}: thiếu hình thức sắp xếp.",
                f"Cell {tref}: the kind of reorganisation is missing.",
                sheet=grid.name,
                cell=tref,
            )
        before = [Cell(n, cell_ref(r, cols["before"])) for n in split_units(before_raw)]
        after = [Cell(n, cell_ref(r, cols["after"])) for n in split_units(after_raw)]
        internal: dict[str, int] = {}
        for f in ("internal_phong", "internal_khoa", "internal_chi_nhanh", "internal_khac"):
            if f in cols:
                cell = _count(grid, r, cols[f], log, form.column(f).label)
                if cell is not None:
                    internal[f.removeprefix("internal_")] = cell.value
        unit_kind = (
            _enum(grid, r, cols["unit_kind"], log, "Loại đơn vị", _UNIT_KIND)
            if "unit_kind" in cols
            else None
        )
        sector = None
        if "sector" in cols and not is_empty(grid.value(r, cols["sector"])):
            raw_sector = grid.value(r, cols["sector"])
            sector = _SECTORS.get(text_key(raw_sector), clean_text(raw_sector))
        if event_type and not _event_units_ok(event_type, before, after):
            uref = cell_ref(r, cols.get("before", cols["event_type"]))
            need = _EVENT_NEEDS[event_type]
            log.error(
                "event-missing-units",
                f"Dòng {r + 1} ({event_type}): {need[0]}.",
                f"Row {r + 1} ({event_type}): {need[1]}.",
                sheet=grid.name,
                cell=uref,
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
            )
        )


_EVENT_NEEDS = {
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


def _read_target_rows(
    form: Form, grid: Grid, cmap: ColumnMap, log: ProblemLog, result: SheetResult
) -> None:
    cols = {f: c for c, (f, y) in cmap.by_col.items() if y is None}
    path_cols = cmap.years_of("path")
    for r in _row_range(grid, cmap):
        if all(is_empty(v) for v in grid.cells[r]):
            continue
        raw_scope = grid.value(r, cols["scope"])
        if is_empty(raw_scope):
            continue
        errors_before = len(log.items)
        for f in ("scope", "doc_ref"):
            if f in cols:
                _unsafe_cell(grid, r, cols[f], log, form.column(f).label)
        measure = _enum(grid, r, cols["measure"], log, "Chỉ tiêu", _MEASURES)
        if measure is None and is_empty(grid.value(r, cols["measure"])):
            ref = cell_ref(r, cols["measure"])
            log.error(
                "missing-measure",
                f"Ô {ref}: thiếu chỉ tiêu (Biên chế công chức hoặc Người làm việc).",
                f"Cell {ref}: the measure is missing.",
                sheet=grid.name,
                cell=ref,
            )
        base_year = 2021
        if "base_year" in cols:
            cell = _count(grid, r, cols["base_year"], log, "Năm gốc")
            base_year = cell.value if cell else 2021
        pct = None
        if "pct" in cols:
            ref = cell_ref(r, cols["pct"])
            pct, code = parse_percent(grid.value(r, cols["pct"]))
            if code or (pct is not None and not 0 <= pct <= 100):
                log.error(
                    "bad-percent",
                    f"Ô {ref}: «{clean_text(grid.value(r, cols['pct']))}» không phải tỷ lệ hợp "
                    "lệ (ví dụ 5% hoặc 0,05).",
                    f"Cell {ref}: «{clean_text(grid.value(r, cols['pct']))}» is not a valid "
                    "percentage (e.g. 5% or 0.05).",
                    sheet=grid.name,
                    cell=ref,
                    value=grid.value(r, cols["pct"]),
                )
                pct = None
        count_cell = (
            _count(grid, r, cols["count"], log, "Số lượng giảm") if "count" in cols else None
        )
        if pct is None and count_cell is None and len(log.items) == errors_before:
            ref = cell_ref(r, cols.get("pct", cols["scope"]))
            log.error(
                "target-missing-value",
                f"Dòng {r + 1}: cần ghi tỷ lệ giảm (%) hoặc số lượng giảm.",
                f"Row {r + 1}: a reduction percentage or count is required.",
                sheet=grid.name,
                cell=ref,
            )
        path = {}
        for year, c in path_cols.items():
            cell = _count(grid, r, c, log, f"Lộ trình năm {year}")
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
    return text_key(text) in {text_key(s) for s in CITY_SCOPES}


def is_skippable_sheet(name: str) -> bool:
    key = text_key(name)
    return any(key.startswith(s) for s in _SKIP_SHEETS)


def read_workbook_sheets(grids: list[Grid], log: ProblemLog) -> list[SheetResult]:
    """Every sheet that holds a form; sheets without one are skipped with a note."""
    results: list[SheetResult] = []
    for grid in grids:
        if grid.n_rows == 0 or all(is_empty(v) for row in grid.cells for v in row):
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
            log.warning(
                "sheet-skipped",
                f"Trang «{grid.name}» không chứa biểu mẫu nào, bỏ qua.",
                f"Sheet «{grid.name}» holds no form; skipped.",
                sheet=grid.name,
            )
            continue
        sheet_result = read_sheet(grid, code, log)
        if sheet_result is not None:
            results.append(sheet_result)
    return results


def read_forms_in_process(
    content: bytes, kind: str, log: ProblemLog, limits: Limits
) -> list[SheetResult] | None:
    """The grids (`etl.reading.workbook.read_grids_in_process`) read as forms, in the same process:
    what the reading child runs for `read_forms`. None when the grids were refused."""
    data = read_grids_in_process(content, kind, log, limits)
    if data is None or log.has_errors:
        return None
    grids = [Grid(name, cells, merged, set(formulas)) for name, cells, merged, formulas in data]
    del data
    return read_workbook_sheets(grids, log)


def read_forms(
    content: bytes, file_name: str, log: ProblemLog, limits: Limits | None = None
) -> list[SheetResult] | None:
    """Every form of an uploaded workbook, as `read_workbook_sheets(read_grids(...))` gives
    them, with the same problems, but read entirely in the limited child process (the
    package checks first, in this process), so only the compact results come back. None
    (with an error logged) when the file is refused or cannot be read; the results are
    checked for shape and types before they are used."""
    limits = Limits.from_env() if limits is None else limits
    kind = check_package(content, file_name, log, limits)
    if kind is None:
        return None
    sheets = run_isolated(content, kind, log, limits, read="forms")
    if sheets is None or log.has_errors:
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
    return _is_cell(value, int) and value.value >= 0


def _optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or (isinstance(value, kind) and not isinstance(value, bool))


def _well_formed(sheets: Any) -> bool:
    """True when what the child sent is made only of what the reader makes: each field of
    the expected type, counts whole and non-negative, choices among the forms' choices. The
    parent never trusts the child's bytes more than it trusted a grid."""
    if not isinstance(sheets, list):
        return False
    unit_attrs = {"agency_kind", "autonomy", "sector", "district", "parent", "note"}
    for s in sheets:
        if type(s) is not SheetResult or s.form not in FORMS or not isinstance(s.sheet, str):
            return False
        h = s.header
        if type(h) is not Header or not _optional(h.as_of, dt.date):
            return False
        if not (isinstance(h.reporting_unit, str) and isinstance(h.period, str)):
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
            if type(e.date) is not dt.date or e.event_type not in _EVENT_NEEDS:
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
            if type(e.internal) is not dict:
                return False
            for k, v in e.internal.items():
                if k not in ("phong", "khoa", "chi_nhanh", "khac") or type(v) is not int or v < 0:
                    return False
        for t in s.targets:
            if type(t) is not TargetRow or type(t.row) is not int or not _is_cell(t.scope):
                return False
            if t.measure not in MEASURE_CHOICES or type(t.base_year) is not int:
                return False
            if not (_optional(t.pct, (int, float)) and _optional(t.count, int)):
                return False
            if type(t.path) is not dict or not isinstance(t.doc_ref, str):
                return False
            for k, v in t.path.items():
                if type(k) is not int or type(v) is not int:
                    return False
    return True
