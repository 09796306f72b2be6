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
