"""The cut-off date of a return (`Số liệu tính đến ngày`) and its period: a date that is not
real, before 2015, or too far in the future refuses the file, and so does a date that is no
period's or a closed period's. Every problem names the cell of the date.

A return without a cut-off date (a plan: Biểu 00 alone) is not checked and has no period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection

from etl.core.formatting import fmt_date
from etl.core.problems import ProblemLog
from etl.reading.records import SheetResult
from etl.storage import periods
from etl.storage.periods import EARLIEST_AS_OF, Period


def check_dates(
    sheets: Sequence[SheetResult], log: ProblemLog, *, today: dt.date, grace_days: int
) -> bool:
    """`as-of-invalid`, `as-of-too-early`, `as-of-future` for each sheet's cut-off date;
    True when there was none (then the date's period is worth looking for)."""
    latest = today + dt.timedelta(days=grace_days)
    before = len(log.items)
    for sheet in sheets:
        header = sheet.header
        place = {"sheet": sheet.sheet, "cell": header.as_of_cell}
        if header.as_of_text:
            text = header.as_of_text
            log.report("as-of-invalid", **place, value=text, text=text)
        elif header.as_of is None:
            continue
        elif header.as_of < EARLIEST_AS_OF:
            date = fmt_date(header.as_of)
            log.report(
                "as-of-too-early", **place, value=date, date=date, earliest=fmt_date(EARLIEST_AS_OF)
            )
        elif header.as_of > latest:
            date = fmt_date(header.as_of)
            log.report(
                "as-of-future", **place, value=date, date=date, today=fmt_date(today),
                grace=grace_days,
            )  # fmt: skip
    return len(log.items) == before


def check_period(
    conn: Connection, sheets: Sequence[SheetResult], as_of: dt.date | None, log: ProblemLog
) -> Period | None:
    """The open period of the return's cut-off date `as_of`; `period-not-found` or
    `period-closed` (at the cell of that date) when there is none. None without a date."""
    if as_of is None:
        return None
    sheet = next(s for s in sheets if s.header.as_of == as_of)
    date = fmt_date(as_of)
    place = {"sheet": sheet.sheet, "cell": sheet.header.as_of_cell, "value": date}
    period = periods.find_for_as_of(conn, as_of)
    if period is None:
        open_ones = periods.open_periods(conn)
        named = "; ".join(f"{p.name} ({fmt_date(p.as_of)})" for p in open_ones)
        log.report("period-not-found", **place, date=date, open_periods=named or "—")
        return None
    if not period.is_open:
        log.report("period-closed", **place, date=date, period=period.name)
        return None
    return period
