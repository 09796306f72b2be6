"""Texts longer than the database keeps: a cell may hold thousands of characters, a column of
the schema only so many (a unit's name 255, a district or sheet name 120). Each text a return
would store is measured against its column's width (read from etl/storage/schema.py, never
copied) before anything is written, and a longer one is the cell error `text-too-long`, so that
no database refuses a value at the end of an upload (PostgreSQL does; SQLite would keep it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Column

from etl.core.formatting import fmt_number
from etl.core.forms import FORMS
from etl.core.normalize import district_key, loose_key, name_key
from etl.core.problems import ProblemLog
from etl.core.provinces import letterhead_province, province_key, split_province_suffix
from etl.reading.records import Cell, SheetResult
from etl.storage import schema


def _width(column: Column) -> int:
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), column
    return length


_u, _s, _e, _t = schema.unit.c, schema.submission.c, schema.event.c, schema.target.c
SHEET_CHARS = min(_width(c) for c in (schema.fact.c.sheet, _e.sheet, _t.sheet))
NAME_CHARS = min(_width(c) for c in (_u.name, _u.name_key, _u.loose_key))
CODE_CHARS = _width(_u.code)
# a unit's attributes as a return writes them (etl/ingest/writer.py): (attribute, its column)
UNIT_ATTRS = {
    "district": _u.district,
    "parent": _u.parent,
    "sector": _u.sector,
    "province": _u.province,
}
ATTR_LABELS = {
    "district": "Quận, huyện",
    "parent": "Cơ quan chủ quản",
    "sector": "Lĩnh vực",
    "province": "Tỉnh, thành phố",
}
PROVINCE_CHARS = min(_width(c) for c in (_u.province, _u.province_key))
ATTR_CHARS = {attr: _width(column) for attr, column in UNIT_ATTRS.items()}


def _longest(
    text: str, *, unit_name: bool = False, district: bool = False, province: bool = False
) -> int:
    """The length the database must hold for `text`: a name is stored with its keys too,
    which spell abbreviations out (`UBND` → `ủy ban nhân dân`), so they may be longer; a
    province with its key."""
    lengths = [len(text)]
    if province:
        lengths.append(len(province_key(text)))
    if unit_name:
        lengths += [len(name_key(text)), len(loose_key(text))]
    if district:
        lengths.append(len(district_key(text)))
    return max(lengths)


Label = Callable[[], tuple[str, str]]  # what the text is, in Vietnamese and English


class _Checker:
    """Reports `text-too-long`; a check's label is made only for a text that is too long
    (most are not: a return's hundreds of texts cost a length each, not two messages)."""

    def __init__(self, log: ProblemLog) -> None:
        self.log = log

    def check(
        self,
        text: str | None,
        limit: int,
        what: Label,
        *,
        sheet: str,
        cell: str,
        unit_name: bool = False,
        district: bool = False,
        province: bool = False,
    ) -> None:
        if not text:
            return
        length = _longest(text, unit_name=unit_name, district=district, province=province)
        if length <= limit:
            return
        what_vi, what_en = what()
        self.log.report(
            "text-too-long",
            sheet=sheet,
            cell=cell,
            value=text,
            what_vi=what_vi,
            what_en=what_en,
            length_vi=fmt_number(length),
            length_en=f"{length:,}",
            limit=limit,
        )

    def name(self, sheet: str, cell: Cell, label: str) -> None:
        self.check(
            cell.value,
            NAME_CHARS,
            lambda: (f"Ô {cell.ref} ({label})", f"Cell {cell.ref} ({label})"),
            sheet=sheet,
            cell=cell.ref,
            unit_name=True,
        )


def check_lengths(sheets: Sequence[SheetResult], log: ProblemLog) -> None:
    """`text-too-long` for every text of `sheets` longer than the column it would be stored
    in: sheet names, the reporting unit and period lines, units' names, codes and attributes,
    the units, document and sector of reorganisations, and the documents of targets."""
    c = _Checker(log)
    for result in sheets:
        sheet = result.sheet
        c.check(
            sheet,
            SHEET_CHARS,
            lambda sheet=sheet: (f"Tên trang «{sheet[:40]}…»", f"The sheet name «{sheet[:40]}…»"),
            sheet=sheet,
            cell="",
        )
        for text, column, line, cell in (
            (
                result.header.reporting_unit,
                _s.reporting_unit,
                "Đơn vị báo cáo",
                result.header.reporting_unit_cell,
            ),
            (result.header.period, _s.period, "Kỳ báo cáo", ""),
        ):
            c.check(
                text,
                _width(column),
                lambda line=line, sheet=sheet: (
                    f"Dòng «{line}» ở đầu trang {sheet}",
                    f"The line «{line}» at the top of sheet {sheet}",
                ),
                sheet=sheet,
                cell=cell,
            )
        c.check(  # the province a letterhead names is stored on the units it creates
            letterhead_province(result.header.reporting_unit),
            PROVINCE_CHARS,
            lambda sheet=sheet: (
                f"Tỉnh, thành phố ở dòng «Đơn vị báo cáo» trang {sheet}",
                f"The province of the line «Đơn vị báo cáo» of sheet {sheet}",
            ),
            sheet=sheet,
            cell=result.header.reporting_unit_cell,
            province=True,
        )
        # (only a form of unit rows has a `name` column: Biểu 03 has none)
        name_label = FORMS[result.form].column("name").label if result.units else ""
        for row in result.units:
            c.name(sheet, row.name, name_label)
            n = row.row + 1
            c.check(
                row.code,
                CODE_CHARS,
                lambda n=n: (f"Dòng {n}: Mã đơn vị", f"Row {n}: the unit code"),
                sheet=sheet,
                cell=row.name.ref,
            )
            for attr, width in ATTR_CHARS.items():
                value = row.attrs.get(attr)
                c.check(
                    value if isinstance(value, str) else None,
                    width,
                    lambda n=n, attr=attr: (
                        f"Dòng {n}: {ATTR_LABELS[attr]}",
                        f"Row {n}: {ATTR_LABELS[attr]}",
                    ),
                    sheet=sheet,
                    cell=row.name.ref,
                    district=attr == "district",
                    province=attr == "province",
                )
        for ev in result.events:
            n = ev.row + 1
            for unit in (*ev.before, *ev.after):
                c.name(sheet, unit, "Đơn vị")
                c.check(  # `Sở Y tế tỉnh X (cũ)`: the province X is stored on its own
                    split_province_suffix(unit.value)[1],
                    PROVINCE_CHARS,
                    lambda n=n, unit=unit: (
                        f"Dòng {n}: Tỉnh, thành phố của «{unit.value[:40]}…»",
                        f"Row {n}: the province of «{unit.value[:40]}…»",
                    ),
                    sheet=sheet,
                    cell=unit.ref,
                    province=True,
                )
            c.check(
                ev.province,
                PROVINCE_CHARS,
                lambda n=n: (f"Dòng {n}: Tỉnh, thành phố", f"Row {n}: the province"),
                sheet=sheet,
                cell=ev.ref,
                province=True,
            )
            for text, column, label in (
                (ev.doc_ref, _e.doc_ref, "Văn bản"),
                (ev.sector, _e.sector, "Lĩnh vực"),
            ):
                c.check(
                    text,
                    _width(column),
                    lambda n=n, label=label: (f"Dòng {n}: {label}", f"Row {n}: {label}"),
                    sheet=sheet,
                    cell=ev.ref,
                )
        for target in result.targets:
            n = target.row + 1
            c.check(
                target.doc_ref,
                _width(_t.doc_ref),
                lambda n=n: (f"Dòng {n}: Văn bản", f"Row {n}: the document"),
                sheet=sheet,
                cell=target.scope.ref,
            )
