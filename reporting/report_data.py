"""What a report export needs, gathered once: figures, narrative and rendered charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from etl.core.settings import Settings, load_settings
from etl.measures.narrative import Narrative, Paragraph


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


# the numbers of a report's sections (Nghị định 30/2020/NĐ-CP: parts numbered I, II, III…)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass
class ReportTable:
    """A bordered table of the period-end report: a caption above it, a bold heading row,
    text cells (figures already written the Vietnamese way), notes in italics under it."""

    caption: str  # e.g. "Bảng 1. Biên chế công chức qua các năm"
    headings: list[str]
    rows: list[list[str]]
    widths_mm: tuple[float, ...]  # one per column, summing to the text width (160 mm)
    notes: list[str] = field(default_factory=list)


@dataclass
class ReportSection:
    """A numbered part of the period-end report (`II. KẾT QUẢ THỰC HIỆN TỪNG NĂM`): its
    paragraphs (the narrative's, with footnote references) and tables, in order."""

    heading: str
    blocks: list[Paragraph | ReportTable]


@dataclass
class PeriodEnd:
    """The body of the period's summing-up (báo cáo tổng kết giai đoạn, docs/report.md):
    the opening (legal basis), then the sections; footnotes numbered across the whole."""

    programme: str  # e.g. "2022 - 2026"
    opening: list[Paragraph]
    sections: list[ReportSection]
    footnotes: list[str]


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
    # set when the cut-off falls in the programme's end year or after it: the body is the
    # period's summing-up instead of the ordinary headline table and narrative
    period_end: PeriodEnd | None = None
