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
UNIT_ATTRS = {"district": _u.district, "parent": _u.parent, "sector": _u.sector}
ATTR_LABELS = {"district": "Quận, huyện", "parent": "Cơ quan chủ quản", "sector": "Lĩnh vực"}
ATTR_WIDTHS = {attr: _width(column) for attr, column in UNIT_ATTRS.items()}


def _longest(text: str, *, unit_name: bool = False, district: bool = False) -> int:
    """The length the database must hold for `text`: a name is stored with its keys too,
    which spell abbreviations out (`UBND` → `ủy ban nhân dân`), so they may be longer."""
    lengths = [len(text)]
    if unit_name:
        key = name_key(text)
        lengths += [len(key), len(loose_key(key))]  # a name key is its own name key
    if district:
        lengths.append(len(district_key(text)))
    return max(lengths)


What = Callable[[], tuple[str, str]]  # what is too long, in Vietnamese and English


class _Checker:
    def __init__(self, log: ProblemLog) -> None:
        self.log = log

    def check(
        self,
        text: str | None,
        limit: int,
        *,
        sheet: str,
        cell: str,
        what: What,
        unit_name: bool = False,
        district: bool = False,
    ) -> None:
        """`text-too-long` when `text` (or its keys) is longer than `limit`; `what` is
        asked only then."""
        if not text:
            return
        length = _longest(text, unit_name=unit_name, district=district)
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
            sheet=sheet,
            cell=cell.ref,
            what=lambda: (f"Ô {cell.ref} ({label})", f"Cell {cell.ref} ({label})"),
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
            sheet=sheet,
            cell="",
            what=lambda sheet=sheet: (
                f"Tên trang «{sheet[:40]}…»",
                f"The sheet name «{sheet[:40]}…»",
            ),
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
                sheet=sheet,
                cell=cell,
                what=lambda line=line, sheet=sheet: (
                    f"Dòng «{line}» ở đầu trang {sheet}",
                    f"The line «{line}» at the top of sheet {sheet}",
                ),
            )
        name_label = FORMS[result.form].column("name").label if result.units else ""
        for row in result.units:
            c.name(sheet, row.name, name_label)
            n = row.row + 1
            c.check(
                row.code,
                CODE_CHARS,
                sheet=sheet,
                cell=row.name.ref,
                what=lambda n=n: (f"Dòng {n}: Mã đơn vị", f"Row {n}: the unit code"),
            )
            for attr, width in ATTR_WIDTHS.items():
                value = row.attrs.get(attr)
                if not isinstance(value, str) or not value:
                    continue
                c.check(
                    value,
                    width,
                    sheet=sheet,
                    cell=row.name.ref,
                    what=lambda n=n, attr=attr: (
                        f"Dòng {n}: {ATTR_LABELS[attr]}",
                        f"Row {n}: {ATTR_LABELS[attr]}",
                    ),
                    district=attr == "district",
                )
        for ev in result.events:
            for unit in (*ev.before, *ev.after):
                c.name(sheet, unit, "Đơn vị")
            for text, column, label in (
                (ev.doc_ref, _e.doc_ref, "Văn bản"),
                (ev.sector, _e.sector, "Lĩnh vực"),
            ):
                c.check(
                    text,
                    _width(column),
                    sheet=sheet,
                    cell=ev.ref,
                    what=lambda ev=ev, label=label: (
                        f"Dòng {ev.row + 1}: {label}",
                        f"Row {ev.row + 1}: {label}",
                    ),
                )
        for target in result.targets:
            c.check(
                target.doc_ref,
                _width(_t.doc_ref),
                sheet=sheet,
                cell=target.scope.ref,
                what=lambda target=target: (
                    f"Dòng {target.row + 1}: Văn bản",
                    f"Row {target.row + 1}: the document",
                ),
            )
