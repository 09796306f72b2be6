"""The report as a PDF (fpdf2), laid out as an administrative report (Nghị định 30/2020/NĐ-CP,
Phụ lục I): the letterhead (governing and issuing body, Số: …/BC-SNV; Quốc hiệu and Tiêu ngữ;
place and date), «BÁO CÁO» and its subject, the body (headline table, narrative with
footnotes, charts), then Nơi nhận and the signature block.

A4, margins 20/20/30/20 mm (top, bottom, left, right), body 13 pt. Fonts are embedded from TTF
files with Vietnamese coverage: Liberation Serif 2 (fonts-liberation2, the metrics of Times New
Roman), else Noto Serif, else DejaVu Serif; a file without the Vietnamese letters (Liberation
1.x) is passed over. The output is deterministic for the same `ReportData`: metadata and the
file id come from `generated_at`. Layout-free helpers (`headline_table`, `cutoff_line`,
`date_line`…) are shared with the Word export.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import FontFace

from etl.core.formatting import fmt_date, fmt_number, fmt_pct
from etl.core.vocabulary import Measure
from etl.measures.metrics import NO_DATA_LABEL
from etl.measures.narrative import Narrative, Paragraph
from reporting.report_data import ROMAN, ChartImage, PeriodEnd, ReportData, ReportTable

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/dejavu"),
)
FONT_PACKAGES = "fonts-liberation2 fonts-noto-core fonts-dejavu-core"
VIETNAMESE = "ẮẰẲẴẶắằẳẵặẤẦẨẪẬấầẩẫậĐđỀỂỄỆềểễệỐỒỔỖỘốồổỗộỚỜỞỠỢớờởỡợỨỪỬỮỰứừửữựỲỴỶỸỳỵỷỹ"

# family → (regular, bold, italic, bold italic) file names, in order of preference
SERIF_FILES = (
    tuple(f"LiberationSerif-{s}.ttf" for s in ("Regular", "Bold", "Italic", "BoldItalic")),
    tuple(f"NotoSerif-{s}.ttf" for s in ("Regular", "Bold", "Italic", "BoldItalic")),
    tuple(f"DejaVuSerif{s}.ttf" for s in ("", "-Bold", "-Italic", "-BoldItalic")),
)
SANS_FILES = (
    tuple(f"NotoSans-{s}.ttf" for s in ("Regular", "Bold", "Italic", "BoldItalic")),
    tuple(f"DejaVuSans{s}.ttf" for s in ("", "-Bold", "-Oblique", "-BoldOblique")),
)
STYLES = ("", "B", "I", "BI")

MARGIN_MM = 20.0  # top, bottom and right (Nghị định 30: 20-25, 20-25, 15-20 mm)
LEFT_MARGIN_MM = 30.0  # Nghị định 30: 30-35 mm
BODY_PT = 13.0
TABLE_PT = 11.0
NOTE_PT = 10.5
LINE_HEIGHT = 1.35
INDENT_MM = 10.0
TEXT_COLOR = (0, 0, 0)
STAMP_COLOR = (192, 0, 0)  # the stamp of unreviewed figures
RULE_MM = 40.0
HEADER_PT = 13.0  # the letterhead's lines, shrunk to fit their column down to HEADER_MIN_PT
HEADER_MIN_PT = 11.0  # below this the header wraps instead of shrinking
LEFT_COLUMN = 0.39  # the letterhead's left column (governing and issuing body), of the text width
KEEP_WITH_NEXT_MM = 30.0  # a heading needs room for itself and a few lines after it
SIGNATURE_SPACE_MM = 30.0  # left blank for the signature (and the seal) above the name
NAME_SPACE_MM = 8.0  # the line of the signer's name, left blank to fill
RECIPIENTS_PT = 11.0  # Nơi nhận: the heading 12 pt bold italic, the list 11 pt

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
UNIT_NOTE = "Đơn vị tính: người"
DOC_TYPE = "BÁO CÁO"
DOC_TYPE_CODE = "BC"
RECIPIENTS_HEADING = "Nơi nhận:"
NUMBER_BLANK = "\u00a0" * 10  # the document number, left blank to fill in by hand


class FontsMissing(RuntimeError):
    """No TTF font with Vietnamese coverage was found."""


# ---------------------------------------------------------------- shared content helpers


def cutoff_line(as_of: dt.date) -> str:
    """`Số liệu tính đến ngày 30/06/2024`."""
    return f"Số liệu tính đến ngày {fmt_date(as_of)}"


def scope_line(scope: str) -> str:
    return f"Phạm vi: {scope}"


def generated_line(generated_at: dt.datetime) -> str:
    """`Lập lúc 08:15 ngày 01/07/2024`."""
    return f"Lập lúc {generated_at:%H:%M} ngày {fmt_date(generated_at.date())}"


def number_line(issuer_code: str) -> str:
    """`Số:          /BC-SNV`: the number is given when the report is registered (văn thư)."""
    return f"Số:{NUMBER_BLANK}/{DOC_TYPE_CODE}-{issuer_code}"


def date_line(place: str, day: dt.date) -> str:
    """`Cần Thơ, ngày 06 tháng 12 năm 2026`: a day below 10 and the months 1 and 2 with a
    leading zero (Nghị định 30/2020/NĐ-CP, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def recipient_lines(recipients: tuple[str, ...]) -> list[str]:
    """`- UBND thành phố (để b/c);` … `- Lưu: VT, TCBC.`: a dash before each, a semicolon
    after each but the last, which ends with a full stop."""
    lines = []
    for number, recipient in enumerate(recipients, 1):
        text = recipient.rstrip(" ;.")
        lines.append(f"- {text}{'.' if number == len(recipients) else ';'}")
    return lines


def data_notes(summary: dict[str, Any]) -> list[str]:
    """The summary's warnings, in Vietnamese, to print under the headline table."""
    return [w["message_vi"] for w in summary.get("warnings", []) if w.get("message_vi")]


def _target_text(measure: dict[str, Any]) -> str:
    target, baseline = measure.get("target"), measure.get("baseline")
    if target is None:
        return "—"
    text = fmt_number(target, 1)
    if baseline:
        text += f" ({fmt_pct(target / baseline * 100)})"
    return text


def _headline_row(label: str, measure: dict[str, Any], latest: int | None) -> list[str]:
    if measure.get("no_data"):  # no figure at the cut-off: said, not shown as a zero
        missing = NO_DATA_LABEL.lower()
        return [label, fmt_number(measure.get("baseline")), missing, missing, "—", "—", "—"]
    current = fmt_number(measure.get("current"))
    if measure.get("latest_year") not in (None, latest):
        current += f" (năm {measure['latest_year']})"
    reduced = fmt_number(measure.get("reduced"))
    if measure.get("pending"):
        reduced += f"\n(trong đó chờ phê duyệt {fmt_number(measure['pending'])})"
    return [
        label,
        fmt_number(measure.get("baseline")),
        current,
        reduced,
        fmt_pct(measure.get("reduced_pct")),
        _target_text(measure),
        fmt_pct(measure.get("pct_of_target")),
    ]


def headline_table(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Column headings and the two rows (công chức, người làm việc) of the headline table."""
    cc, nlv = summary[Measure.CONG_CHUC], summary[Measure.NGUOI_LAM_VIEC]
    as_of_year = dt.date.fromisoformat(summary["as_of"]).year
    latest = cc.get("latest_year") or nlv.get("latest_year") or as_of_year
    base_year = cc.get("baseline_year")
    end_year = (summary.get("programme") or {}).get("end_year")
    headings = [
        "Nội dung",
        f"Năm {base_year}",
        f"Năm {latest}",
        "Đã giảm",
        "Tỷ lệ giảm",
        f"Chỉ tiêu {end_year}" if end_year else "Chỉ tiêu",
        "Đạt % kế hoạch",
    ]
    rows = [
        _headline_row("Biên chế công chức", cc, latest),
        _headline_row("Người làm việc hưởng lương từ NSNN", nlv, latest),
    ]
    return headings, rows


def nfc(text: str) -> str:
    """Precomposed Vietnamese letters: fonts render them without shaping."""
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------- fonts


def _find_file(name: str, dirs: tuple[Path, ...]) -> Path | None:
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    return None


def covers_vietnamese(path: Path) -> bool:
    """Whether the font file has a glyph for every Vietnamese letter (precomposed)."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path), lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except Exception:
        return False
    return all(ord(ch) in cmap for ch in VIETNAMESE)


def find_fonts(dirs: tuple[Path, ...] | None = None) -> dict[str, Path]:
    """Font files by role: `serif`, `serif_B`, `serif_I`, `serif_BI`, `sans`, `sans_B`…

    A missing style falls back to the family's regular, a missing sans to the serif (and back).
    """
    dirs = FONT_DIRS if dirs is None else dirs
    found: dict[str, Path] = {}
    for role, candidates in (("serif", SERIF_FILES), ("sans", SANS_FILES)):
        for names in candidates:
            regular = _find_file(names[0], dirs)
            if not regular or not covers_vietnamese(regular):
                continue
            for style, name in zip(STYLES, names, strict=True):
                found[role + (f"_{style}" if style else "")] = _find_file(name, dirs) or regular
            break
    if not found:
        raise FontsMissing(
            "Không tìm thấy phông chữ hỗ trợ tiếng Việt (Liberation Serif, Noto Serif hoặc "
            "DejaVu Serif) trong "
            f"{', '.join(map(str, dirs)) or '(không có thư mục)'}. "
            f"Cài đặt bằng lệnh: sudo apt-get install {FONT_PACKAGES}. "
            "(No font with Vietnamese coverage found.)"
        )
    for role, other in (("serif", "sans"), ("sans", "serif")):
        for style in STYLES:
            suffix = f"_{style}" if style else ""
            if role + suffix not in found:
                found[role + suffix] = found[other + suffix]
    return found


# ---------------------------------------------------------------- the document


class ReportPDF(FPDF):
    """A4 portrait with a `Trang x/y` footer and the generation time."""

    def __init__(self, footer_left: str, stamp: str | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_left = footer_left
        self.stamp = stamp
        self.set_margins(LEFT_MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM)
        self.c_margin = 0.5
        for role, path in find_fonts().items():
            family, _, style = role.partition("_")
            self.add_font(family.capitalize(), style, str(path))

    def header(self) -> None:
        """The stamp of unreviewed figures, in red at the top of every page (if any)."""
        if not self.stamp:
            return
        y = self.get_y()
        self.set_y(6)
        self.set_font("Sans", "B", 9)
        self.set_text_color(*STAMP_COLOR)
        self.cell(0, 5, nfc(self.stamp.upper()), align=Align.C)
        self.set_text_color(*TEXT_COLOR)
        self.set_y(max(y, self.t_margin))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Sans", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.footer_left, align=Align.L)
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align=Align.R)
        self.set_text_color(*TEXT_COLOR)

    @property
    def text_width(self) -> float:
        return self.w - self.l_margin - self.r_margin


def _fit_size(pdf: FPDF, text: str, width: float, style: str, start: float) -> float:
    """The largest size ≤ `start` (≥ HEADER_MIN_PT) at which `text` fits `width` on one line."""
    size = start
    while size > HEADER_MIN_PT:
        pdf.set_font("Serif", style, size)
        if pdf.get_string_width(text) <= width - 4:  # keep a gap between the columns
            break
        size -= 0.5
    return size


def _rule(pdf: FPDF, x: float, width: float, length: float, y: float) -> None:
    """A thin solid rule `length` long, centred in the column at `x` of `width`."""
    pdf.set_line_width(0.3)
    pdf.line(x + (width - length) / 2, y, x + (width + length) / 2, y)


def _header_column(
    pdf: ReportPDF, x: float, width: float, lines: list[tuple[str, str, float]], rule: float
) -> float:
    """Centred lines (text, style, size) in a column from the top margin, then a rule under
    the last one, `rule` × its length (Nghị định 30: 1/3 to 1/2 under the issuing body, the
    whole motto under Tiêu ngữ), all lines shrunk alike when one is too wide; returns the y
    under the rule."""
    y = pdf.t_margin
    shrink = max(start - _fit_size(pdf, text, width, style, start) for text, style, start in lines)
    for text, style, start in lines:
        size = start - shrink  # the column's lines shrink together
        pdf.set_font("Serif", style, size)
        pdf.set_xy(x, y)
        pdf.multi_cell(width, size * 0.45, text, align=Align.C)
        y = pdf.get_y()
    text, style, _ = lines[-1]
    _rule(pdf, x, width, rule * min(pdf.get_string_width(text), width), y + 1.2)
    return y + 1.2


def _centred(pdf: ReportPDF, x: float, width: float, y: float, text: str, style: str) -> float:
    pdf.set_font("Serif", style, _fit_size(pdf, text, width, style, BODY_PT))
    pdf.set_xy(x, y)
    pdf.multi_cell(width, 6.2, text, align=Align.C)
    return pdf.get_y()


def _header_block(pdf: ReportPDF, report: ReportData) -> None:
    """Left: the governing body (upright caps), the issuing body (bold caps) with a short rule,
    `Số: …/BC-SNV`; right: Quốc hiệu and Tiêu ngữ (bold) with a rule, the place and date line
    (italic), level with the number."""
    head = report.letterhead
    left_w = pdf.text_width * LEFT_COLUMN
    right_w = pdf.text_width - left_w
    left_x, right_x = pdf.l_margin, pdf.l_margin + left_w
    left = [
        (nfc(head.authority.upper()), "", HEADER_PT),
        (nfc(head.issuer.upper()), "B", HEADER_PT),
    ]
    right = [(NATION, "B", HEADER_PT), (MOTTO, "B", HEADER_PT + 1)]
    bottom_l = _header_column(pdf, left_x, left_w, left, 0.4)
    bottom_r = _header_column(pdf, right_x, right_w, right, 1.0)
    y = max(bottom_l, bottom_r) + 2.5
    end_l = _centred(pdf, left_x, left_w, y, nfc(number_line(head.issuer_code)), "")
    place_date = nfc(date_line(head.place, report.generated_at.date()))
    end_r = _centred(pdf, right_x, right_w, y, place_date, "I")
    pdf.set_xy(pdf.l_margin, max(end_l, end_r) + 8)


def _line_count(pdf: FPDF, text: str, width: float) -> int:
    return len(pdf.multi_cell(width, 5, text, dry_run=True, output="LINES"))


def _balanced_width(pdf: FPDF, text: str, width: float) -> float:
    """The narrowest width giving as few lines as `width` does: no lone last word."""
    lines = _line_count(pdf, text, width)
    low, high = width / 2, width
    if lines == 1:
        return width
    for _ in range(12):
        middle = (low + high) / 2
        low, high = (low, middle) if _line_count(pdf, text, middle) == lines else (middle, high)
    return high


def _title_block(pdf: ReportPDF, report: ReportData) -> None:
    """«BÁO CÁO», the subject under it (both bold, centred) and a short rule; then the scope
    and the cut-off of the figures."""
    pdf.set_font("Serif", "B", BODY_PT + 1)
    lines = [DOC_TYPE, report.subject] if report.subject else [report.title]
    for text in lines:
        text = nfc(text)
        width = _balanced_width(pdf, text, pdf.text_width * 0.9)
        pdf.set_x(pdf.l_margin + (pdf.text_width - width) / 2)
        pdf.multi_cell(width, 6.8, text, align=Align.C, new_x="LMARGIN", new_y="NEXT")
    longest = max(pdf.get_string_width(nfc(t)) for t in lines)
    _rule(pdf, pdf.l_margin, pdf.text_width, min(longest, pdf.text_width) / 3, pdf.get_y() + 1.5)
    pdf.ln(5)
    pdf.set_font("Serif", "", BODY_PT)
    pdf.multi_cell(0, 6, nfc(scope_line(report.scope)), align=Align.C, new_x="LMARGIN")
    pdf.set_font("Serif", "I", BODY_PT)
    pdf.cell(0, 6, cutoff_line(report.as_of), align=Align.C, new_x="LMARGIN", new_y="NEXT")
    if report.stamp:
        pdf.set_font("Serif", "B", BODY_PT)
        pdf.set_text_color(*STAMP_COLOR)
        pdf.multi_cell(0, 6, nfc(report.stamp), align=Align.C, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*TEXT_COLOR)
    pdf.ln(6)


def _section_heading(pdf: ReportPDF, text: str) -> None:
    if pdf.will_page_break(KEEP_WITH_NEXT_MM):
        pdf.add_page()
    pdf.set_font("Serif", "B", BODY_PT)
    pdf.multi_cell(0, 6.5, nfc(text), align=Align.L, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _headline_block(pdf: ReportPDF, summary: dict[str, Any]) -> None:
    headings, rows = headline_table(summary)
    pdf.set_font("Serif", "I", TABLE_PT)
    pdf.cell(0, 5, UNIT_NOTE, align=Align.R, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "", TABLE_PT)
    widths = (37, 19, 19, 23, 18, 20, 24)  # mm, as the Word table
    aligns = ("LEFT",) + ("CENTER",) * 6
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=TABLE_PT * 0.48,
        padding=(1.6, 1.2),
        headings_style=FontFace(emphasis="BOLD"),
        v_align="MIDDLE",
    ) as table:
        for values in [headings, *rows]:
            row = table.row()
            for value in values:
                row.cell(nfc(value))
    pdf.ln(2)
    notes = data_notes(summary)
    if notes:
        pdf.set_font("Serif", "I", NOTE_PT)
        text = "Ghi chú: " + " ".join(nfc(n) for n in notes)
        pdf.multi_cell(0, 4.8, text, align=Align.J, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _write_parts(pdf: ReportPDF, par: Any, parts: list[str | int]) -> None:
    """Text pieces into a text-region paragraph, ints as superscript footnote numbers."""
    for part in parts:
        if isinstance(part, int):
            pdf.char_vpos = "SUP"
            par.write(str(part))
            pdf.char_vpos = "LINE"
        else:
            par.write(nfc(part))


def _narrative_block(pdf: ReportPDF, narrative: Narrative) -> None:
    for paragraph in narrative.paragraphs:
        _narrative_paragraph(pdf, paragraph)
    if narrative.footnotes:
        _footnotes(pdf, narrative.footnotes)


def _narrative_paragraph(pdf: ReportPDF, paragraph: Paragraph) -> None:
    """One paragraph in its own text region; a heading moves on if it would end a page."""
    if paragraph.heading and pdf.will_page_break(KEEP_WITH_NEXT_MM):
        pdf.add_page()
    with pdf.text_columns(text_align=Align.J, line_height=LINE_HEIGHT) as cols:
        if paragraph.heading:
            pdf.set_font("Serif", "B", BODY_PT)
            with cols.paragraph(text_align=Align.L, top_margin=2, bottom_margin=1.5) as par:
                _write_parts(pdf, par, paragraph.parts)
            return
        pdf.set_font("Serif", "", BODY_PT)
        with cols.paragraph(first_line_indent=INDENT_MM, bottom_margin=2.5) as par:
            _write_parts(pdf, par, paragraph.parts)


def _footnotes(pdf: ReportPDF, notes: list[str]) -> None:
    """A short rule, then each footnote in a smaller size behind its superscript number."""
    if pdf.will_page_break(15):
        pdf.add_page()
    pdf.ln(2)
    y = pdf.get_y()
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y, pdf.l_margin + RULE_MM, y)
    pdf.ln(1.5)
    pdf.set_font("Serif", "", NOTE_PT)
    with pdf.text_columns(text_align=Align.J, line_height=1.25) as cols:
        for number, note in enumerate(notes, 1):
            with cols.paragraph(first_line_indent=INDENT_MM, bottom_margin=0.8) as par:
                _write_parts(pdf, par, [number, " " + note])
    pdf.ln(6)


def _chart_size(pdf: ReportPDF, chart: ChartImage) -> tuple[float, float]:
    """Text width and the aspect ratio's height, shrunk if taller than a page."""
    width = pdf.text_width
    height = width * chart.height_px / max(chart.width_px, 1)
    usable = pdf.h - pdf.t_margin - pdf.b_margin - 14
    if height > usable:
        width, height = width * usable / height, usable
    return width, height


def _chart(pdf: ReportPDF, number: int, chart: ChartImage) -> None:
    """Caption and picture kept together on one page."""
    width, height = _chart_size(pdf, chart)
    caption = nfc(f"Biểu đồ {number}. {chart.title}")
    pdf.set_font("Serif", "B", BODY_PT - 1)
    caption_h = 6 * len(pdf.multi_cell(0, 6, caption, dry_run=True, output="LINES"))
    if pdf.will_page_break(caption_h + height + 2):
        pdf.add_page()
    pdf.multi_cell(0, 6, caption, align=Align.C, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    x = pdf.l_margin + (pdf.text_width - width) / 2
    pdf.image(io.BytesIO(chart.png), x=x, w=width, h=height)
    pdf.ln(6)


def _charts_block(pdf: ReportPDF, report: ReportData, heading: str) -> None:
    """The charts (or the notice saying why there are none) under their own heading."""
    if not report.charts and not report.notice:
        return
    if report.charts and not report.notice:
        first_height = _chart_size(pdf, report.charts[0])[1]
        if pdf.will_page_break(first_height + 22):  # heading and caption with the chart
            pdf.add_page()
    _section_heading(pdf, heading)
    if report.notice:
        pdf.set_font("Serif", "I", BODY_PT)
        pdf.multi_cell(0, 6, nfc(report.notice), align=Align.J, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    for number, chart in enumerate(report.charts, 1):
        _chart(pdf, number, chart)


def _table_block(pdf: ReportPDF, table: ReportTable) -> None:
    """A period-end table: its caption (bold, centred) kept with the first rows, the unit,
    the bordered table (bold heading row, repeated on a new page), the notes in italics."""
    caption = nfc(table.caption)
    pdf.set_font("Serif", "B", BODY_PT - 1)
    if pdf.will_page_break(6 * _line_count(pdf, caption, pdf.text_width) + 30):
        pdf.add_page()
    pdf.multi_cell(0, 6, caption, align=Align.C, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "I", TABLE_PT)
    pdf.cell(0, 5, UNIT_NOTE, align=Align.R, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "", TABLE_PT)
    with pdf.table(
        col_widths=table.widths_mm,
        width=sum(table.widths_mm),
        align=Align.L,  # from the left margin (a centred table centres on the page)
        text_align=("LEFT",) + ("CENTER",) * (len(table.headings) - 1),
        line_height=TABLE_PT * 0.48,
        padding=(1.2, 1.0),
        headings_style=FontFace(emphasis="BOLD"),
        v_align="MIDDLE",
    ) as grid:
        for values in [table.headings, *table.rows]:
            row = grid.row()
            for value in values:
                row.cell(nfc(value))
    pdf.ln(1.5)
    if table.notes:
        pdf.set_font("Serif", "I", NOTE_PT)
        text = "Ghi chú: " + " ".join(nfc(n) for n in table.notes)
        pdf.multi_cell(0, 4.8, text, align=Align.J, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _keep_with_table(pdf: ReportPDF, table: ReportTable, above_mm: float) -> None:
    """A new page when a heading `above_mm` high and the start of `table` (its caption and
    up to eight rows) would not fit on this one: no heading left alone at a page's foot."""
    start = 20 + 8 * min(len(table.rows) + 1, 8)
    if pdf.will_page_break(above_mm + start):
        pdf.add_page()


def _period_end_body(pdf: ReportPDF, body: PeriodEnd) -> int:
    """The summing-up: the opening, each numbered section's paragraphs and tables, then the
    footnotes; returns how many sections there were."""
    for paragraph in body.opening:
        _narrative_paragraph(pdf, paragraph)
    for section in body.sections:
        blocks = section.blocks
        if blocks and isinstance(blocks[0], ReportTable):
            _keep_with_table(pdf, blocks[0], 10)
        elif len(blocks) > 1 and blocks[0].heading and isinstance(blocks[1], ReportTable):
            _keep_with_table(pdf, blocks[1], 20)  # the heading, a sub-heading, the table
        _section_heading(pdf, section.heading)
        for block, after in zip(section.blocks, [*section.blocks[1:], None], strict=True):
            if isinstance(block, ReportTable):
                _table_block(pdf, block)
                continue
            if block.heading and isinstance(after, ReportTable):
                _keep_with_table(pdf, after, 10)
            _narrative_paragraph(pdf, block)
    if body.footnotes:
        _footnotes(pdf, body.footnotes)
    return len(body.sections)


def _signature_block(pdf: ReportPDF, report: ReportData) -> None:
    """Bottom left Nơi nhận (heading 12 pt bold italic, the list 11 pt); bottom right the
    signer's authority and title (bold caps), a blank for the signature, a blank line for the
    name. Kept together on one page."""
    head = report.letterhead
    recipients = [nfc(r) for r in recipient_lines(head.recipients)]
    signer = [nfc(t.upper()) for t in (head.signer_authority, head.signer_title) if t.strip()]
    left_w = pdf.text_width * 0.5
    right_w = pdf.text_width - left_w
    pdf.set_font("Serif", "", RECIPIENTS_PT)
    list_h = sum(5 * _line_count(pdf, r, left_w) for r in recipients) + 6
    sign_h = 6.5 * len(signer) + SIGNATURE_SPACE_MM + NAME_SPACE_MM
    if pdf.will_page_break(max(list_h, sign_h) + 6):
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    y = top
    for text in signer:
        y = _centred(pdf, pdf.l_margin + left_w, right_w, y, text, "B")
    if recipients:
        pdf.set_xy(pdf.l_margin, top + 0.6)
        pdf.set_font("Serif", "BI", RECIPIENTS_PT + 1)
        pdf.cell(left_w, 6, RECIPIENTS_HEADING, align=Align.L, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Serif", "", RECIPIENTS_PT)
        for text in recipients:
            pdf.multi_cell(left_w, 5, text, align=Align.L, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), y + SIGNATURE_SPACE_MM + NAME_SPACE_MM))


def _set_metadata(pdf: ReportPDF, report: ReportData) -> None:
    pdf.set_title(nfc(report.title))
    pdf.set_author(nfc(report.letterhead.issuer))
    pdf.set_subject(nfc(f"{report.scope} - {cutoff_line(report.as_of)}"))
    pdf.set_creator("Tinh giản biên chế 2022-2026")
    pdf.set_lang("vi")
    pdf.set_creation_date(report.generated_at)


def build_report_pdf(report: ReportData) -> bytes:
    """The report as PDF bytes (A4, embedded fonts)."""
    pdf = ReportPDF(footer_left=generated_line(report.generated_at), stamp=report.stamp)
    _set_metadata(pdf, report)
    pdf.add_page()
    _header_block(pdf, report)
    _title_block(pdf, report)
    if report.period_end is not None:
        sections = _period_end_body(pdf, report.period_end)
        _charts_block(pdf, report, f"{ROMAN[sections]}. BIỂU ĐỒ")
    else:
        _section_heading(pdf, "I. SỐ LIỆU TỔNG HỢP")
        _headline_block(pdf, report.summary)
        _section_heading(pdf, f"II. {report.narrative.title}")
        _narrative_block(pdf, report.narrative)
        _charts_block(pdf, report, "III. BIỂU ĐỒ")
    _signature_block(pdf, report)
    return bytes(pdf.output())
