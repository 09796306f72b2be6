"""The report as a Word document (python-docx), laid out as an administrative report (Nghị định
30/2020/NĐ-CP, Phụ lục I), like the PDF: the letterhead (governing and issuing body, Số:
…/BC-SNV; Quốc hiệu and Tiêu ngữ; place and date) in a borderless table, «BÁO CÁO» and its
subject, the body, then Nơi nhận and the signature block in another.

A4, Times New Roman 14 pt (13 pt in tables), justified paragraphs with a 1 cm first-line indent;
the narrative's footnotes become real Word footnotes (a footnotes part added by hand: python-docx
has no footnote API), so they follow the text when pasted into the Department's own report.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from lxml import etree

from etl.measures.narrative import Narrative
from etl.measures.narrative import Paragraph as NarrativeParagraph
from reporting.report_data import ROMAN, ChartImage, PeriodEnd, ReportData, ReportTable
from reporting.report_pdf import (
    DOC_TYPE,
    MOTTO,
    NATION,
    RECIPIENTS_HEADING,
    UNIT_NOTE,
    cutoff_line,
    data_notes,
    date_line,
    headline_table,
    nfc,
    number_line,
    recipient_lines,
    scope_line,
)

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
NOTE_PT = 11
INDENT = Cm(1)
SPACE_AFTER = Pt(6)
NO_SPACE = Pt(0)
LEFT = WD_ALIGN_PARAGRAPH.LEFT
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 20}  # Nghị định 30/2020/NĐ-CP
TEXT_WIDTH = Mm(210 - MARGINS_MM["left"] - MARGINS_MM["right"])
HEADER_WIDTHS = (Cm(6.6), Cm(9.4))  # "UBND THÀNH PHỐ CẦN THƠ" and the Quốc hiệu on one line
SIGNATURE_WIDTHS = (Cm(8.0), Cm(8.0))
SIGNATURE_SPACE = Pt(80)  # left blank for the signature (and the seal), then the name
# the last column wide enough for "20,43%" on one line
HEADLINE_WIDTHS = (Cm(3.7), Cm(1.9), Cm(1.9), Cm(2.3), Cm(1.8), Cm(2.0), Cm(2.4))
MAX_PICTURE_HEIGHT = Mm(200)
KEEP_TABLE_ROWS = 16  # a period-end table up to this many rows is kept on one page


# ---------------------------------------------------------------- runs and paragraphs


def _set_fonts(r_pr: BaseOxmlElement) -> None:
    """Times New Roman for every script slot, theme fonts removed (they would win)."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), FONT)
        fonts.attrib.pop(qn(f"w:{attr}Theme"), None)


def _run(
    par: DocxParagraph,
    text: str = "",
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    superscript: bool = False,
) -> Run:
    """A run with explicit font, size and emphasis (explicit so it survives a paste)."""
    run = par.add_run(nfc(text))
    run.font.name = FONT
    _set_fonts(run._r.get_or_add_rPr())
    run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None
    if superscript:
        run.font.superscript = True
    return run


def _format(
    par: DocxParagraph,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = True,
    after: Pt | None = SPACE_AFTER,
    keep_with_next: bool = False,
) -> DocxParagraph:
    fmt = par.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = INDENT if indent else Cm(0)
    fmt.space_before = Pt(0)
    fmt.space_after = after
    fmt.line_spacing = 1.0
    if keep_with_next:
        fmt.keep_with_next = True
    return par


def _line(
    doc: DocxDocument | _Cell,
    text: str,
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    after: Pt | None = NO_SPACE,
) -> DocxParagraph:
    """A one-piece paragraph without indent (header block, title, captions)."""
    par = _format(doc.add_paragraph(), align=align, indent=False, after=after)
    _run(par, text, size=size, bold=bold, italic=italic)
    return par


def _heading(doc: DocxDocument, text: str) -> None:
    par = _format(doc.add_paragraph(), keep_with_next=True)
    _run(par, text, bold=True)


# ---------------------------------------------------------------- document setup


def _setup(doc: DocxDocument) -> None:
    """A4 portrait, official margins, Times New Roman everywhere by default."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr())
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None:
        _set_fonts(defaults)


def _utc(when: dt.datetime) -> dt.datetime:
    """Naive UTC, as python-docx writes it with a `Z` (a naive input is local time)."""
    return when.astimezone(dt.UTC).replace(tzinfo=None)


def _set_properties(doc: DocxDocument, report: ReportData) -> None:
    props = doc.core_properties
    props.title = nfc(report.title)
    props.subject = nfc(f"{report.scope} - {cutoff_line(report.as_of)}")
    props.author = props.last_modified_by = nfc(report.letterhead.issuer)
    when = _utc(report.generated_at)
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    props.language = "vi-VN"
    props.keywords = "tinh giản biên chế"
    props.comments = ""


# ---------------------------------------------------------------- blocks


def _no_borders(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(OxmlElement(f"w:{side}", {qn("w:val"): "nil"}))
    successors = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")
    table._tbl.tblPr.insert_element_before(borders, *successors)


def _short_rule(cell: _Cell, width: Cm) -> None:
    """A centred rule `width` long under the cell's last line (a bordered empty paragraph)."""
    side = max((cell.width - width) // 2, 0)
    par = _format(cell.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=Pt(0))
    par.paragraph_format.left_indent = par.paragraph_format.right_indent = side
    _run(par, "", size=3)
    _rule_under(par)


def _rule_under(par: DocxParagraph) -> None:
    """A thin solid rule along the bottom of the (empty, 4 pt high) paragraph, between its
    indents: a small gap under the line above it, as a hand-drawn rule has."""
    par.paragraph_format.line_spacing = Pt(4)  # exactly
    border = OxmlElement("w:pBdr")
    border.append(
        OxmlElement("w:bottom", {qn("w:val"): "single", qn("w:sz"): "6", qn("w:space"): "1"})
    )
    p_pr = par._p.get_or_add_pPr()
    p_pr.insert_element_before(border, *_PPR_AFTER_BORDER)


_PPR_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _borderless(doc: DocxDocument, rows: int, widths: tuple[Cm, Cm]) -> Any:
    """A table of two borderless columns of `widths`, its cells emptied of their paragraph."""
    table = doc.add_table(rows=rows, cols=2)
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return table


def _header_block(doc: DocxDocument, report: ReportData) -> None:
    """Left: the governing body (upright caps), the issuing body (bold caps) with a short
    rule, `Số: …/BC-SNV`; right: Quốc hiệu and Tiêu ngữ (bold) with a rule, the place and
    date line (italic), level with the number. No borders."""
    head = report.letterhead
    table = _borderless(doc, 2, HEADER_WIDTHS)
    (left, right), (number, place) = (r.cells for r in table.rows)
    _line(left, head.authority.upper(), size=12)
    _line(left, head.issuer.upper(), size=12, bold=True)
    _short_rule(left, Cm(2.2))
    _line(right, NATION, size=12, bold=True)
    _line(right, MOTTO, size=13, bold=True)
    _short_rule(right, Cm(6.0))
    for cell, text, italic in (
        (number, number_line(head.issuer_code), False),
        (place, date_line(head.place, report.generated_at.date()), True),
    ):
        _line(cell, text, size=13, italic=italic).paragraph_format.space_before = Pt(4)


def _title_block(doc: DocxDocument, report: ReportData) -> None:
    """«BÁO CÁO» and the subject (bold, centred), a short rule, the scope and the cut-off."""
    _line(doc, "", after=Pt(6))
    if report.subject:
        _line(doc, DOC_TYPE, bold=True)
        _line(doc, report.subject, bold=True)
    else:
        _line(doc, report.title, bold=True)
    rule = _format(doc.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=Pt(6))
    rule.paragraph_format.left_indent = rule.paragraph_format.right_indent = Cm(6.5)
    _run(rule, "", size=3)
    _rule_under(rule)
    _line(doc, scope_line(report.scope))
    if report.stamp:
        _line(doc, cutoff_line(report.as_of), italic=True)
        _stamped(_line(doc, report.stamp, bold=True, after=Pt(12)))
    else:
        _line(doc, cutoff_line(report.as_of), italic=True, after=Pt(12))


def _stamp_pages(doc: DocxDocument, stamp: str | None) -> None:
    """The stamp of unreviewed figures in the page header: on every printed page."""
    if not stamp:
        return
    header = doc.sections[0].header
    par = _format(header.paragraphs[0], align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _stamped(_run(par, stamp.upper(), size=10, bold=True))


def _stamped(item: DocxParagraph | Run) -> None:
    """Red text: the stamp's runs (a paragraph's, or one run)."""
    for run in item.runs if isinstance(item, DocxParagraph) else [item]:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _signature_block(doc: DocxDocument, report: ReportData) -> None:
    """Left Nơi nhận (heading 12 pt bold italic, the list 11 pt), right the signer's
    authority and title (bold caps) over a blank for the signature and the name."""
    head = report.letterhead
    _line(doc, "", after=Pt(0))
    table = _borderless(doc, 1, SIGNATURE_WIDTHS)
    left, right = table.rows[0].cells
    recipients = recipient_lines(head.recipients)
    if recipients:
        _line(left, RECIPIENTS_HEADING, size=12, bold=True, italic=True, align=LEFT)
        for text in recipients:
            _line(left, text, size=11, align=LEFT)
    else:
        _line(left, "", size=11)
    signer = [t.upper() for t in (head.signer_authority, head.signer_title) if t.strip()]
    for text in signer or [""]:
        _line(right, text, size=BODY_PT, bold=True)
    _line(right, "", after=SIGNATURE_SPACE)  # the signature, then the name, left blank
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _cell_text(cell: _Cell, text: str, *, bold: bool, align: WD_ALIGN_PARAGRAPH) -> None:
    par = _format(cell.paragraphs[0], align=align, indent=False, after=Pt(0))
    _run(par, text, size=TABLE_PT, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _headline_block(doc: DocxDocument, summary: dict[str, Any]) -> None:
    """The bordered headline table, bold heading row, then the data warnings."""
    headings, rows = headline_table(summary)
    _line(doc, UNIT_NOTE, size=TABLE_PT, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    table = doc.add_table(rows=1 + len(rows), cols=len(headings))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, HEADLINE_WIDTHS, strict=True):
        column.width = width
    for r, values in enumerate([headings, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = HEADLINE_WIDTHS[c]
            align = WD_ALIGN_PARAGRAPH.LEFT if c == 0 and r else WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, value, bold=r == 0, align=align)
    table.rows[0].repeat_table_header = True
    notes = data_notes(summary)
    text = "Ghi chú: " + " ".join(notes) if notes else ""
    par = _format(doc.add_paragraph(), indent=False, after=Pt(12))
    par.paragraph_format.space_before = Pt(4)
    _run(par, text, size=NOTE_PT + 1, italic=True)


def _narrative_block(doc: DocxDocument, narrative: Narrative) -> None:
    """Headings bold, paragraphs justified, footnote references as real Word footnotes."""
    for paragraph in narrative.paragraphs:
        _narrative_paragraph(doc, paragraph)
    if narrative.footnotes:
        _add_footnotes_part(doc, narrative.footnotes)


def _narrative_paragraph(doc: DocxDocument, paragraph: NarrativeParagraph) -> None:
    if paragraph.heading:
        _heading(doc, paragraph.text())
        return
    par = _format(doc.add_paragraph())
    for part in paragraph.parts:
        if isinstance(part, int):
            _footnote_reference(par, part)
        else:
            _run(par, part)


def _table_block(doc: DocxDocument, table: ReportTable) -> None:
    """A period-end table: the caption (bold, centred, kept with the table), the unit, the
    bordered table (bold heading row repeated on a new page), the notes in italics."""
    caption = _line(doc, table.caption, size=13, bold=True, after=Pt(2))
    caption.paragraph_format.keep_with_next = True
    unit = _line(doc, UNIT_NOTE, size=TABLE_PT, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    unit.paragraph_format.keep_with_next = True
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.headings))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = [Mm(w) for w in table.widths_mm]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    # row by row (`Table.cell` lists every cell of the table at each call: minutes for the
    # ~700 rows of a national table); the table has no merged cell
    for r, (row, values) in enumerate(zip(grid.rows, [table.headings, *table.rows], strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[c]
            align = WD_ALIGN_PARAGRAPH.LEFT if c == 0 and r else WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, value, bold=r == 0, align=align)
    grid.rows[0].repeat_table_header = True
    for row in grid.rows:  # a row is never split; a short table is kept on one page
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if len(grid.rows) <= KEEP_TABLE_ROWS and row is not grid.rows[-1]:
            for cell in row.cells:
                for par in cell.paragraphs:
                    par.paragraph_format.keep_with_next = True
    text = "Ghi chú: " + " ".join(table.notes) if table.notes else ""
    par = _format(doc.add_paragraph(), indent=False, after=Pt(10))
    par.paragraph_format.space_before = Pt(4)
    _run(par, text, size=NOTE_PT + 1, italic=True)


def _period_end_body(doc: DocxDocument, body: PeriodEnd) -> int:
    """The summing-up: the opening, each numbered section's paragraphs and tables, the
    footnotes as real Word footnotes; returns how many sections there were."""
    for paragraph in body.opening:
        _narrative_paragraph(doc, paragraph)
    for section in body.sections:
        _heading(doc, section.heading)
        for block in section.blocks:
            if isinstance(block, ReportTable):
                _table_block(doc, block)
            else:
                _narrative_paragraph(doc, block)
    if body.footnotes:
        _add_footnotes_part(doc, body.footnotes)
    return len(body.sections)


def _chart(doc: DocxDocument, number: int, chart: ChartImage) -> None:
    """Caption above (kept with the picture), picture at the text width."""
    caption = _line(doc, f"Biểu đồ {number}. {chart.title}", size=13, bold=True, after=Pt(4))
    caption.paragraph_format.keep_with_next = True
    width = TEXT_WIDTH
    height = width * chart.height_px // max(chart.width_px, 1)
    if height > MAX_PICTURE_HEIGHT:
        width = width * MAX_PICTURE_HEIGHT // height
    par = _format(doc.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    par.paragraph_format.space_after = Pt(12)
    _run(par).add_picture(io.BytesIO(chart.png), width=width)


def _charts_block(doc: DocxDocument, report: ReportData, heading: str) -> None:
    if not report.charts and not report.notice:
        return
    _heading(doc, heading)
    if report.notice:
        par = _format(doc.add_paragraph())
        _run(par, report.notice, italic=True)
    for number, chart in enumerate(report.charts, 1):
        _chart(doc, number, chart)


# ---------------------------------------------------------------- footnotes


_SETTINGS_AFTER_FOOTNOTE_PR = (
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotAutoCompressPictures",
    "w:shapeDefaults",
    "w:decimalSymbol",
    "w:listSeparator",
)


def _footnote_reference(par: DocxParagraph, number: int) -> None:
    run = _run(par, superscript=True)
    run._r.append(OxmlElement("w:footnoteReference", {qn("w:id"): str(number)}))


def _footnote(number: int, text: str) -> BaseOxmlElement:
    """`<w:footnote>`: its mark (`w:footnoteRef`), then the text, 11 pt."""
    note = OxmlElement("w:footnote", {qn("w:id"): str(number)})
    par = DocxParagraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    note.append(par._p)
    _format(par, indent=True, after=Pt(0))
    _run(par, size=NOTE_PT, superscript=True)._r.append(OxmlElement("w:footnoteRef"))
    _run(par, " " + text, size=NOTE_PT)
    return note


def _separator(note_id: int, kind: str) -> BaseOxmlElement:
    note = OxmlElement("w:footnote", {qn("w:type"): kind, qn("w:id"): str(note_id)})
    par = DocxParagraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    note.append(par._p)
    _format(par, indent=False, after=Pt(0))
    par.add_run()._r.append(OxmlElement(f"w:{kind}"))
    return note


def _add_footnotes_part(doc: DocxDocument, notes: list[str]) -> None:
    """`word/footnotes.xml` with the separators and the notes, related from the document."""
    root = OxmlElement("w:footnotes")
    root.append(_separator(-1, "separator"))
    root.append(_separator(0, "continuationSeparator"))
    for number, text in enumerate(notes, 1):
        root.append(_footnote(number, text))
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, blob, doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    props = OxmlElement("w:footnotePr")
    for note_id in ("-1", "0"):
        props.append(OxmlElement("w:footnote", {qn("w:id"): note_id}))
    doc.settings.element.insert_element_before(props, *_SETTINGS_AFTER_FOOTNOTE_PR)


# ---------------------------------------------------------------- output


def _stable_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same package with every member dated `when`: same input, same bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def build_report_docx(report: ReportData) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    _setup(doc)
    _set_properties(doc, report)
    _stamp_pages(doc, report.stamp)
    _header_block(doc, report)
    _title_block(doc, report)
    if report.period_end is not None:
        sections = _period_end_body(doc, report.period_end)
        _charts_block(doc, report, f"{ROMAN[sections]}. BIỂU ĐỒ")
    else:
        _heading(doc, "I. SỐ LIỆU TỔNG HỢP")
        _headline_block(doc, report.summary)
        _heading(doc, f"II. {report.narrative.title}")
        _narrative_block(doc, report.narrative)
        _charts_block(doc, report, "III. BIỂU ĐỒ")
    _signature_block(doc, report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _stable_zip(buffer.getvalue(), report.generated_at)
