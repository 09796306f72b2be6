"""Where things are on a form's sheet: the lines above the table, which form it is, the header
block and which column holds which field (and year), where the table ends, and the group and
total rows that structure it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from etl.core.forms import FORMS, HEADER_LINES, SIGNATURE_WORDS, TOTAL_WORDS, Column, Form
from etl.core.normalize import (
    clean_text,
    district_label,
    looks_like_district,
    name_key,
    strip_footnotes,
    text_key,
)
from etl.core.problems import ProblemLog, short_value
from etl.core.provinces import group_province
from etl.core.values import cell_ref, is_empty, parse_date
from etl.reading.cells import SECTORS, agency_kind_of, cell_text, form_column, unsafe_cell
from etl.reading.records import Header
from etl.reading.sheets import Grid

HEADER_SEARCH_ROWS = 30
MAX_HEADER_ROWS = 3
FIRST_YEAR, LAST_YEAR = 2000, 2100

_YEAR_LABEL = re.compile(r"^(?:năm\s*)?(20\d\d)(?:\s*\(.*\))?$")
_TITLE = re.compile(r"^(?:biểu|mẫu|bm)\s*(?:số)?\s*:?\s*0?([0-3])\b")
_SHEET = re.compile(r"^(?:biểu|bieu|mẫu|mau|bm|b)\s*(?:số|so)?\s*[-_ ]?0?([0-3])\b")
_COLNUM = re.compile(r"^\(?\s*(\d{1,2}|[a-z])\s*\)?([=+\-*/()\d\s]*)$")
_ROMAN = re.compile(r"^(?=[ivxlc]+\.?$)(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})\.?$")
_LETTER = re.compile(r"^[a-zđ]\.?$")
_SIGNATURE_DATE = re.compile(r"^[^\d]*,\s*ngày\s*\S*\s*tháng", re.IGNORECASE)
# a decree named in a header key: `29/2023` (with or without `NĐ`, `Nghị định`, `/NĐ-CP`), or
# `NĐ 29`, `Nghị định số 29` without its year
_DECREE_WITH_YEAR = re.compile(r"(?<![\d/])(\d{1,3})\s*/\s*(20\d\d)(?!\d)")
_DECREE_NO_YEAR = re.compile(
    rf"(?:\b{text_key('Nghị định')}|\bnđ|\bnd)\s*(?:{text_key('số')}\s*)?(\d{{1,3}})(?![\d/])"
)
_TAIL_YEAR = re.compile(r"(?:^|\s)năm\s*(20\d\d)$")


def _keys(column: Column) -> set[str]:
    return {text_key(column.label), *(text_key(a) for a in column.aliases)}


_TOTAL_KEYS = tuple(text_key(w) for w in TOTAL_WORDS)
_SIGNATURE_KEYS = tuple(text_key(w) for w in SIGNATURE_WORDS)
_NOTES_KEYS = {text_key(w) for w in ("Ghi chú", "Lưu ý", "Chú thích")}
_SKIP_SHEETS = tuple(text_key(w) for w in ("Hướng dẫn", "Huong dan", "Danh mục", "Ghi chú"))


# ---------------------------------------------------------------- header block and form


def read_header_lines(grid: Grid, log: ProblemLog | None = None) -> Header:
    """`Đơn vị báo cáo`, `Kỳ báo cáo`, `Số liệu tính đến ngày` anywhere in the first rows
    (with `log`, a stored line holding unsafe text is refused)."""
    header = Header()
    wanted = {key: text_key(label) for key, label in HEADER_LINES.items()}
    for r in range(min(grid.n_rows, HEADER_SEARCH_ROWS)):
        row = grid.cells[r]
        for c, value in enumerate(row):
            text = cell_text(value)
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
                if name != "as_of" and unsafe_cell(grid, r, source, log, head.strip()):
                    continue
                if name == "unit":
                    header.reporting_unit = clean_text(rest_value or "")
                    header.reporting_unit_cell = cell_ref(r, source)
                elif name == "period":
                    header.period = clean_text(rest_value or "")
                else:
                    header.as_of, error = parse_date(rest_value)
                    header.as_of_cell = cell_ref(r, source)
                    header.as_of_text = short_value(rest_value) if error else ""
    return header


def detect_form(grid: Grid) -> str | None:
    """The form code from a title cell, else the sheet name, else None (try the headers)."""
    for r in range(min(grid.n_rows, HEADER_SEARCH_ROWS)):
        for value in grid.cells[r]:
            text = cell_text(value)
            if text and (m := _TITLE.match(text.casefold())):
                return f"0{m.group(1)}"
    if m := _SHEET.match(clean_text(grid.name).casefold()):
        return f"0{m.group(1)}"
    return None


def is_skippable_sheet(name: str) -> bool:
    """A sheet of instructions, lists or notes, never read as a form."""
    key = text_key(name)
    return any(key.startswith(s) for s in _SKIP_SHEETS)


# ---------------------------------------------------------------- header columns


@dataclass
class ColumnMap:
    """Which sheet column holds which field (and year)."""

    header_rows: list[int]
    data_start: int
    by_col: dict[int, tuple[str, int | None]]
    unknown: list[tuple[int, str]]
    skipped: set[int] = field(default_factory=set)  # columns a mapping says not to read

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


@functools.cache
def _decree_index(form_code: str) -> tuple[tuple[str, str, str], ...]:
    """(decree number, decree year, field) of every decree a column of the form names."""
    return tuple(
        (*decree.split("/"), column.field)
        for column in FORMS[form_code].columns
        for decree in column.decrees
    )


def decree_field(form: Form, key: str) -> tuple[str, int | None] | None:
    """The column a header names by its decree (`Theo NĐ 178/2024`, `Nghị định 29`,
    `Tinh giản theo 29/2023/NĐ-CP năm 2024`) → (field, year of a trailing `năm 2024` or None);
    None when it names no decree of the form's columns, or decrees of two columns."""
    index = _decree_index(form.code)
    if not index or not any(map(str.isdigit, key)):  # map: no Python frame per character
        return None
    refs = [(n, y) for n, y in _DECREE_WITH_YEAR.findall(key)]
    refs += [(n, "") for n in _DECREE_NO_YEAR.findall(key)]
    fields = {
        field_name
        for number, year in refs
        for d_number, d_year, field_name in index
        if number.lstrip("0") == d_number and year in ("", d_year)
    }
    if len(fields) != 1:
        return None
    tail = _TAIL_YEAR.search(key)
    return fields.pop(), int(tail.group(1)) if tail else None


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
    return decree_field(form, key)


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
    return [text_key(v) for v in (grid.cells[r] if r < grid.n_rows else []) if cell_text(v)]


def _score_row(form: Form, grid: Grid, r: int) -> tuple[int, bool]:
    """How many cells of row r are labels of `form`, and whether the required name is there."""
    score = 0
    required_hits = set()
    for key in _row_label_keys(grid, r):
        hit = _match_label(form, key)
        if hit:
            score += 1
            if form_column(form, hit[0]).required:
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
    return columns_from(form, grid, best[0])


def columns_from(form: Form, grid: Grid, top: int) -> ColumnMap:
    """The header block of `form` whose first row is `top` (0-based), its columns mapped
    (etl/reading/mapping.py also calls it on a header row it guessed)."""
    name_field = next(c.field for c in form.columns if c.required and not c.per_year)
    name_col = None
    for c, v in enumerate(grid.cells[top]):
        hit = _match_label(form, text_key(v)) if cell_text(v) else None
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
        if hit is None:  # its labels top to bottom, a label merged over rows given once
            labels = [clean_text(filled[(r, c)]) for r in rows if filled.get((r, c)) is not None]
            unknown.append(
                (c, " / ".join(t for i, t in enumerate(labels) if labels[i - 1 : i] != [t]))
            )
        else:
            by_col[c] = hit
    return ColumnMap(rows, data_start, by_col, unknown)


def check_columns(form: Form, cmap: ColumnMap, sheet: str, log: ProblemLog) -> bool:
    """The column map against the form: unknown columns noted, a column given twice, required
    columns missing, and a required per-year column with no year at all (any one year is
    enough: docs/forms.md, tolerance 3); False when a required one is missing."""
    form_code = form.code
    header_ref = f"{cell_ref(cmap.header_rows[0], 0)}"
    for c, label in cmap.unknown:
        log.report(
            "unknown-column",
            sheet=sheet,
            cell=cell_ref(cmap.header_rows[-1], c),
            value=label,
            label=label,
            form=form_code,
        )
    seen: dict[tuple[str, int | None], int] = {}
    for c, key in sorted(cmap.by_col.items()):
        if key in seen:
            label = form.column(key[0]).label + (f" năm {key[1]}" if key[1] else "")
            log.report(
                "duplicate-column",
                sheet=sheet,
                cell=column_ref(cmap, c),
                label=label,
                first=column_ref(cmap, seen[key]),
            )
        seen[key] = c
    ok = True
    for column in form.columns:
        if not column.required:
            continue
        if column.per_year:
            if not cmap.years_of(column.field):
                # any one year will do: the years a programme needs are the measures' concern
                yearless = cmap.col_of(column.field)
                log.report(
                    "missing-year",
                    sheet=sheet,
                    cell=header_ref if yearless is None else column_ref(cmap, yearless),
                    label=column.label,
                )
                ok = False
        elif cmap.col_of(column.field) is None:
            log.report("missing-column", sheet=sheet, cell=header_ref, label=column.label)
            ok = False
    return ok


def column_ref(cmap: ColumnMap, c: int) -> str:
    """The cell naming column `c` in the header's last row."""
    return cell_ref(cmap.header_rows[-1], c)


# ---------------------------------------------------------------- rows


def table_rows(grid: Grid, cmap: ColumnMap) -> Iterator[int]:
    """The rows of the table under the header, up to the notes or the signature block."""
    for r in range(cmap.data_start, grid.n_rows):
        if _is_signature(grid, r):
            return
        yield r


@functools.lru_cache(maxsize=4096)
def is_total(text: str) -> bool:
    """A total or subtotal row's label (`Cộng`, `Tổng cộng`, `Cộng I`…)."""
    key = text_key(text)
    return any(key == t or key.startswith(t + " ") or key.startswith(t + ":") for t in _TOTAL_KEYS)


def is_grand_total(text: str) -> bool:
    """The grand total (`Tổng…`), which covers every data row."""
    key = text_key(text)
    return key.startswith(text_key("Tổng"))


def _is_signature(grid: Grid, r: int) -> bool:
    """The notes or signature block starts here: judged by the row's first non-empty cell,
    so a note column that mentions a date never ends the table."""
    first = next((v for v in grid.cells[r] if not is_empty(v)), None)
    text = cell_text(first)
    if not text:
        return False
    key = text_key(text)
    if any(key.startswith(s) for s in _SIGNATURE_KEYS):
        return True
    head, colon, rest = text.partition(":")
    if colon and text_key(head) in _NOTES_KEYS and rest.strip():
        return True
    return bool(_SIGNATURE_DATE.search(text))


# How deep a numbering style usually sits in a Vietnamese table: `A` encloses `I`, which
# encloses `1.`, then `1`, `1.1`, `a`/`a)`, bullets (`-`, `+`, `*`) and unnumbered rows.
_DEPTHS = {
    "letter": 0,
    "roman": 1,
    "number.": 2,
    "number": 3,
    "number.number": 4,
    "small-letter": 5,
    "bullet": 6,
    "other": 6,
    "none": 7,
}
_MARKERS = frozenset({"letter", "roman", "number.", "number.number"})
_PLAIN_NUMBER = re.compile(r"^\d{1,4}$")
_NUMBER_DOT = re.compile(r"^(\d{1,3})[.)]$")
_NUMBER_NUMBER = re.compile(r"^\d{1,3}\.\d{1,3}\.?$")
_SMALL_LETTER = re.compile(r"^[a-zđ]\)$")
_BULLETS = frozenset("-–—+*•·")


@dataclass(frozen=True)
class Numbering:
    """What an STT cell says of its row's place in the table: its `style` (`letter` for `A`,
    `roman`, `number.` for `1.` or `1)`, `number`, `number.number` for `1.1`, `small-letter` for
    `a`, `a.` or `a)`, `bullet` for `-`, `+`, `*`, `none`, `other`), how deep that style usually
    sits (`depth`, 0 outermost) and, for `1` and `1.`, the number."""

    style: str
    number: int | None = None

    @property
    def depth(self) -> int:
        return _DEPTHS[self.style]

    @property
    def is_marker(self) -> bool:
        """A group marker of the forms' own layout (`A`, `I`, `1.`, `1.1`): such a row may
        carry figures, checked against the rows under it."""
        return self.style in _MARKERS

    def encloses(self, other: Numbering) -> bool:
        """True when a row numbered `other` may sit under a numbered row numbered like this
        one: a deeper style, or a plain number that starts again (`2 | UBND quận …` then
        `1 | Phòng …`). Unnumbered rows are judged by their neighbours (`unit_rows._under`)."""
        if other.depth > self.depth:
            return True
        return (
            other.style == "number"
            and self.style in ("number", "number.")
            and self.number is not None
            and other.number is not None
            and other.number <= self.number
        )


_SUB_NUMBER = Numbering("number.number")


def numbering(raw: Any) -> Numbering:
    """The numbering style of an STT cell (a number, text, or empty)."""
    if is_empty(raw):
        return Numbering("none")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # `1.1` typed into a cell Excel treats as a number is the number 1.1
        return Numbering("number", int(raw)) if float(raw).is_integer() else _SUB_NUMBER
    return _numbering_text(clean_text(raw))


@functools.lru_cache(maxsize=4096)
def _numbering_text(text: str) -> Numbering:
    if not text:
        return Numbering("none")
    if text in _BULLETS or (len(text) <= 3 and set(text) <= _BULLETS):
        return Numbering("bullet")
    key = text.casefold()
    if _PLAIN_NUMBER.match(key):
        return Numbering("number", int(key))
    if m := _NUMBER_DOT.match(key):
        return Numbering("number.", int(m.group(1)))
    if _NUMBER_NUMBER.match(key):
        return Numbering("number.number")
    if _SMALL_LETTER.match(key):
        return Numbering("small-letter")
    if _LETTER.match(key) and key not in ("i", "v", "x"):
        return Numbering("letter" if text[0].isupper() else "small-letter")
    if _ROMAN.match(key):
        return Numbering("roman")
    return Numbering("other")


@dataclass
class Group:
    """A group row and the data rows under it (checked when the group row has figures)."""

    numbering: Numbering
    row: int
    label: str
    stt: str
    attrs: dict[str, Any]
    members: list[int] = field(default_factory=list)
    has_figures: bool = False


# Words that open a sector group (`Lĩnh vực Giáo dục`, `Khối trường học`, `Ngành Y tế`) and the
# first words of the rest that name a sector.
_SECTOR_GROUP_WORDS = tuple(
    text_key(w) + " " for w in ("Lĩnh vực", "Khối", "Ngành", "Sự nghiệp", "Các đơn vị sự nghiệp")
)
_SECTOR_WORDS = tuple(
    (text_key(word), sector)
    for sector, words in (
        ("Giáo dục và Đào tạo", ("Giáo dục", "Đào tạo", "Trường học", "Trường", "Mầm non")),
        ("Y tế", ("Y tế", "Bệnh viện")),
        ("Văn hóa - Thể thao - Du lịch", ("Văn hóa", "Thể thao", "Du lịch")),
        ("Lao động - Xã hội", ("Lao động", "Xã hội")),
        ("Nông nghiệp", ("Nông nghiệp",)),
        ("Khoa học và Công nghệ", ("Khoa học",)),
        ("Thông tin và Truyền thông", ("Thông tin", "Truyền thông")),
        ("Khác", ("Khác",)),
    )
    for word in words
)
_CITY_COUNCIL = re.compile(rf"^{text_key('ủy ban nhân dân')} {text_key('thành phố')} \S")


def is_city_council(label: str) -> bool:
    """`UBND TP. Vị Thanh`, `Ủy ban nhân dân thành phố Ngã Bảy`: a city of district rank, or
    the province's own city, which only the rows under it tell apart."""
    return bool(_CITY_COUNCIL.match(name_key(label)))


def _sector_group(key: str) -> str | None:
    """The sector a sector group's label names (`Lĩnh vực Giáo dục`, `Khối trường học`)."""
    for prefix in _SECTOR_GROUP_WORDS:
        if key.startswith(prefix):
            rest = key[len(prefix) :].strip()
            for word, sector in _SECTOR_WORDS:
                if rest == word or rest.startswith(word + " "):
                    return sector
    return None


def group_attrs(form_code: str, label: str) -> dict[str, Any]:
    """What a group row says of the rows under it: their district, agency kind, sector or
    parent unit."""
    attrs: dict[str, Any] = {}
    if province := group_province(label):
        return {"province": province}
    if looks_like_district(label) or is_city_council(label):
        attrs["district"] = district_label(label)
        return attrs
    kind = agency_kind_of(label) if form_code == "01" else None
    if kind:
        attrs["agency_kind"] = kind
        return attrs
    key = text_key(label)
    if sector := _sector_group(key):
        attrs["sector"] = sector
        return attrs
    for skey, sector in SECTORS.items():
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


_CHI_CUC_KEY = text_key("Chi cục")
_PARENT_KEYS = tuple(name_key(w) + " " for w in ("Sở", "Ủy ban nhân dân"))
_CHI_CUC_GROUP = tuple(text_key(w) for w in ("Chi cục thuộc", "Chi cục trực thuộc"))


@functools.lru_cache(maxsize=4096)
def names_a_group(form_code: str, label: str) -> bool:
    """True when a label names a district, a kind of agency or a sector rather than one unit
    (`UBND quận Ninh Kiều`, `Thị xã Long Mỹ`, `Cơ quan chuyên môn thuộc UBND thành phố`,
    `Lĩnh vực Giáo dục`, `Y tế`): a row with it and no figures is a group row whatever its
    number. `Chi cục Thú y` is a unit; `Chi cục` or `Các chi cục thuộc Sở` a group. On Biểu 02,
    which lists public-service units, a `Sở …` or `UBND …` row names their parent."""
    if looks_like_district(label) or is_city_council(label) or group_province(label):
        return True
    if form_code == "02" and name_key(label).startswith(_PARENT_KEYS):
        return True
    key = text_key(label)
    if form_code == "01" and agency_kind_of(label):
        one_chi_cuc = key.startswith(_CHI_CUC_KEY + " ") and not key.startswith(_CHI_CUC_GROUP)
        return not one_chi_cuc
    return key in SECTORS or _sector_group(key) is not None
