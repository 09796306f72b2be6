"""What a report export needs, gathered once: figures, narrative and rendered charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from etl.measures.narrative import Narrative


@dataclass
class ChartImage:
    chart_id: str
    title: str
    png: bytes  # rendered at scale 2
    width_px: int
    height_px: int


@dataclass
class ReportData:
    """Everything the PDF and Word reports show for one view."""

    title: str  # e.g. "BÁO CÁO KẾT QUẢ TINH GIẢN BIÊN CHẾ GIAI ĐOẠN 2022 - 2026"
    scope: str  # "Toàn thành phố", a district, a unit…
    as_of: dt.date
    generated_at: dt.datetime
    summary: dict[str, Any]  # the JSON of `python -m etl summary --json`
    narrative: Narrative
    charts: list[ChartImage] = field(default_factory=list)
    notice: str | None = None  # e.g. why charts are missing (no browser on the server)
    # the figures include returns not yet approved: printed on every page (unreviewed_stamp)
    stamp: str | None = None
    department: str = "SỞ NỘI VỤ"
    authority: str = "ỦY BAN NHÂN DÂN THÀNH PHỐ"
