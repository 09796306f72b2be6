"""Today's date where the Department works: Vietnam time (UTC+7, no daylight saving).

The one place that asks the clock for a date; tests replace `vn_today` (monkeypatch) or pass
the date where a function takes it.
"""

from __future__ import annotations

import datetime as dt

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")


def vn_today() -> dt.date:
    """Today's date in Vietnam."""
    return dt.datetime.now(VIETNAM).date()


def vn_now() -> dt.datetime:
    """Now in Vietnam, to the second (timezone-aware)."""
    return dt.datetime.now(VIETNAM).replace(microsecond=0)


def in_vietnam(moment: dt.datetime) -> dt.datetime:
    """A stored moment (UTC, or naive UTC as SQLite gives it back) in Vietnam time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM)
