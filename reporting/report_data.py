"""What a report export needs, gathered once: figures, narrative and rendered charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from etl.core.settings import Settings, load_settings
from etl.measures.narrative import Narrative


@dataclass
class ChartImage:
    chart_id: str
    title: str
    png: bytes  # rendered at scale 2
    width_px: int
    height_px: int


@dataclass(frozen=True)
class Letterhead:
    """Who issues the report and who signs it (Nghị định 30/2020/NĐ-CP, Phụ lục I), from the
    REPORT_* settings: the letterhead's two bodies, the code in `Số: …/BC-SNV`, the place of
    the date line, the recipients (Nơi nhận) and the signer's authority and title."""

    authority: str  # cơ quan chủ quản, e.g. "UBND THÀNH PHỐ CẦN THƠ"
    issuer: str  # cơ quan ban hành, e.g. "SỞ NỘI VỤ"
    issuer_code: str  # e.g. "SNV"
    place: str  # e.g. "Cần Thơ"
    recipients: tuple[str, ...]  # e.g. ("UBND thành phố (để b/c)", "Lưu: VT, TCBC")
    signer_authority: str  # e.g. "KT. GIÁM ĐỐC"; "" when the head signs
    signer_title: str  # e.g. "PHÓ GIÁM ĐỐC"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Letterhead:
        s = settings or load_settings()
        recipients = tuple(r.strip() for r in s.report_recipients.split(";") if r.strip())
        return cls(
            authority=s.report_authority,
            issuer=s.report_issuer,
            issuer_code=s.report_issuer_code,
            place=s.report_place,
            recipients=recipients,
            signer_authority=s.report_signer_authority,
            signer_title=s.report_signer_title,
        )


@dataclass
class ReportData:
    """Everything the PDF and Word reports show for one view."""

    title: str  # e.g. "BÁO CÁO KẾT QUẢ TINH GIẢN BIÊN CHẾ GIAI ĐOẠN 2022 - 2026"
    scope: str  # "Toàn thành phố", a district, a unit…
    as_of: dt.date
    generated_at: dt.datetime  # the date line's date: Vietnam time
    summary: dict[str, Any]  # the JSON of `python -m etl summary --json`
    narrative: Narrative
    charts: list[ChartImage] = field(default_factory=list)
    notice: str | None = None  # e.g. why charts are missing (no browser on the server)
    # the line under «BÁO CÁO» (trích yếu), e.g. "Kết quả tinh giản biên chế giai đoạn 2022 -
    # 2026"; empty: the title as one line
    subject: str = ""
    letterhead: Letterhead = field(default_factory=Letterhead.from_settings)
    # the figures include returns not yet approved: printed on every page (unreviewed_stamp)
    stamp: str | None = None
