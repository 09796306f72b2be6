"""What the form reader gives back: plain dataclasses, the same in the reading child and in the
web process (they travel back pickled, through the allow-list of etl/reading/reader.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

_YEAR_ANYWHERE = re.compile(r"\b(20\d\d)\b")


@dataclass
class Header:
    """The lines above the table."""

    reporting_unit: str = ""
    period: str = ""
    reporting_unit_cell: str = ""  # where `Đơn vị báo cáo` was given (`A5`)
    as_of: dt.date | None = None
    # where `Số liệu tính đến ngày` was given (`D4`), and its text when it is not a date
    as_of_cell: str = ""
    as_of_text: str = ""

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
    province: str | None = None  # the `Tỉnh, thành phố` of the row's units


@dataclass
class TargetRow:
    row: int
    scope: Cell
    measure: str
    base_year: int | None  # None: the programme's baseline year
    pct: float | None
    count: int | None
    path: dict[int, int] = field(default_factory=dict)
    doc_ref: str = ""
    # the programme (`2022 - 2026`, normalised; "" when the row names none), its legal basis
    # and the sectors kept stable (forms.SECTOR_CHOICES); docs/domain.md, "Programme targets"
    programme: str = ""
    basis: str = ""
    exclude_sectors: list[str] = field(default_factory=list)


@dataclass
class SheetResult:
    sheet: str
    form: str
    header: Header
    units: list[UnitRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
