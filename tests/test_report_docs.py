"""The PDF and Word reports, built from the sample city through the real ingest path."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from PIL import Image

from etl import service
from etl.core.settings import load_settings
from etl.measures import analysis, metrics
from etl.measures.cache import load_dataset
from etl.measures.narrative import build_narrative
from etl.measures.query import ResolvedView
from reporting import report_pdf
from reporting.report_data import ChartImage, Letterhead, ReportData
from reporting.report_docx import build_report_docx
from reporting.report_pdf import (
    FontsMissing,
    build_report_pdf,
    covers_vietnamese,
    date_line,
    find_fonts,
    recipient_lines,
)

AS_OF = dt.date(2024, 6, 30)
GENERATED_AT = dt.datetime(2024, 7, 1, 8, 15)
PROSE = ["20,43%", "81,7%", "1.694", "1.320", "374", "09 công chức", "95 viên chức"]
WORDS = ["Biên chế công chức", "Người làm việc", "Số liệu tính đến ngày 30/06/2024"]
HEADLINE = ["1.860", "1.841", "19", "1,02%", "20,43%", "20.734", "19.414", "1.694", "8,17%"]
# the official layout with the default REPORT_* settings, made on 01/07/2024
OFFICIAL = [
    "UBND THÀNH PHỐ CẦN THƠ",
    "SỞ NỘI VỤ",
    "Số:",
    "/BC-SNV",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Cần Thơ, ngày 01 tháng 7 năm 2024",
    "BÁO CÁO",
    "Kết quả tinh giản biên chế giai đoạn 2022 - 2026",
    "Nơi nhận:",
    "- UBND thành phố (để b/c);",
    "- Lưu: VT, TCBC.",
    "KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
]
OTHER_CITY = {
    "REPORT_AUTHORITY": "UBND TỈNH HẬU GIANG",
    "REPORT_ISSUER": "Sở Nội vụ tỉnh",
    "REPORT_ISSUER_CODE": "SNV-HG",
    "REPORT_PLACE": "Vị Thanh",
    "REPORT_RECIPIENTS": "Bộ Nội vụ (để b/c); Lưu: VT, CCVC",
    "REPORT_SIGNER_AUTHORITY": "",
    "REPORT_SIGNER_TITLE": "Giám đốc",
}


def _tiny_png(width: int = 60, height: int = 28) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 119, 180)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sample_ds(tmp_path_factory: pytest.TempPathFactory):
    """The sample city's stored returns, read through the real ingest path."""
    data_dir = tmp_path_factory.mktemp("reportdata")
    service.migrate(f"sqlite:///{data_dir / 'sample.sqlite3'}")
    engine = service.open_engine(f"sqlite:///{data_dir / 'sample.sqlite3'}")
    service.load_sample(engine, load_settings({"DATA_DIR": str(data_dir)}))
    ds = load_dataset(engine)
    engine.dispose()
    return ds


@pytest.fixture(scope="module")
def report(sample_ds) -> ReportData:
    """The sample city at 30/06/2024, with one tiny chart."""
    ds = sample_ds
    summary = metrics.summary(ds, AS_OF)
    narrative = build_narrative(
        summary,
        agency_counts=analysis.agency_counts(ds, ResolvedView(AS_OF)),
        established_by_sector=analysis.established_by_sector(ds, AS_OF),
    )
    chart = ChartImage("streamlined", "Tinh giản theo chính sách", _tiny_png(), 60, 28)
    return ReportData(
        title="BÁO CÁO KẾT QUẢ TINH GIẢN BIÊN CHẾ GIAI ĐOẠN 2022 - 2026",
        subject="Kết quả tinh giản biên chế giai đoạn 2022 - 2026",
        letterhead=Letterhead.from_settings(load_settings({})),
        scope="Toàn thành phố",
        as_of=AS_OF,
        generated_at=GENERATED_AT,
        summary=summary,
        narrative=narrative,
        charts=[chart],
    )


@pytest.fixture(scope="module")
def pdf_bytes(report: ReportData) -> bytes:
    return build_report_pdf(report)


@pytest.fixture(scope="module")
def docx_bytes(report: ReportData) -> bytes:
    return build_report_docx(report)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    """Text of the PDF (pypdf if installed, else poppler's pdftotext), whitespace collapsed."""
    try:
        from pypdf import PdfReader
    except ImportError:
        if not shutil.which("pdftotext"):
            pytest.skip("neither pypdf nor pdftotext (poppler-utils) is installed")
        path = tmp_path / "report.pdf"
        path.write_bytes(data)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    else:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def test_pdf_shows_the_seed_figures_in_vietnamese(pdf_bytes: bytes, tmp_path: Path) -> None:
    assert pdf_bytes.startswith(b"%PDF")
    text = _pdf_text(pdf_bytes, tmp_path)
    for expected in PROSE + WORDS + HEADLINE:
        assert expected in text, expected
    assert "năm 2022 là 03 công chức" in text
    assert re.search(r"Trang 1/\d", text)


def test_pdf_embeds_its_fonts_and_metadata(pdf_bytes: bytes, report: ReportData) -> None:
    assert b"/FontFile2" in pdf_bytes
    assert b"/Type /Font" in pdf_bytes and b"/Subtype /Type1" not in pdf_bytes
    assert b"D:20240701081500" in pdf_bytes
    assert build_report_pdf(report) == pdf_bytes  # deterministic for the same input


def test_pdf_with_notice_instead_of_charts(report: ReportData, tmp_path: Path) -> None:
    notice = "Chưa vẽ được biểu đồ: máy chủ chưa cài trình duyệt."
    without = dataclasses.replace(report, charts=[], notice=notice)
    text = _pdf_text(build_report_pdf(without), tmp_path)
    assert "Chưa vẽ được biểu đồ" in text
    assert "Biểu đồ 1." not in text


def test_docx_text_table_and_footnotes(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    paragraphs = [p.text for p in doc.paragraphs]
    assert any("1.694" in p and "81,7%" in p for p in paragraphs)
    assert "Số liệu tính đến ngày 30/06/2024" in paragraphs
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for expected in [*HEADLINE, "Biên chế công chức"]:
        assert any(expected in c for c in cells), expected
    assert any("chờ phê duyệt 374" in c for c in cells)
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as package:
        footnotes = package.read("word/footnotes.xml").decode()
        body = package.read("word/document.xml").decode()
    assert "năm 2022 là 03 công chức" in footnotes
    assert "năm 2022 là 75 viên chức" in footnotes
    assert body.count("<w:footnoteReference") == footnotes.count("<w:footnoteRef/>") == 3


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(not SOFFICE, reason="LibreOffice not installed (.ci/run installs it)")
def test_docx_opens_in_a_word_processor(docx_bytes: bytes, tmp_path: Path) -> None:
    """LibreOffice Writer reads the Word file and lays it out: the figures, the diacritics, the
    letterhead, Nơi nhận, the signer and the footnotes come out of its own PDF, each headline
    percentage on one line."""
    (tmp_path / "report.docx").write_bytes(docx_bytes)
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    laid_out = tmp_path / "report.pdf"
    assert laid_out.read_bytes().startswith(b"%PDF")
    text = _pdf_text(laid_out.read_bytes(), tmp_path)
    for expected in PROSE + WORDS + HEADLINE + OFFICIAL:
        assert expected in text, expected
    assert "năm 2022 là 03 công chức" in text  # a footnote, laid out
    rows = subprocess.run(
        ["pdftotext", "-layout", str(laid_out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^ *Số:\s{4,}/BC-SNV ", rows, re.M), "the number left blank"
    # the công chức row on one line of text, "20,43%" whole at its end
    assert re.search(r"1\.860 +1\.841 +19 +1,02% +93 \(5%\) +20,43%$", rows, re.MULTILINE)


def test_docx_uses_times_new_roman_and_properties(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    cells = [c for t in doc.tables for row in t.rows for c in row.cells]
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [r for c in cells for p in c.paragraphs for r in p.runs]
    assert runs and {r.font.name for r in runs} == {"Times New Roman"}
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert doc.sections[0].page_width.mm == pytest.approx(210, abs=0.5)
    assert len(doc.inline_shapes) == 1
    props = doc.core_properties
    assert props.author == "SỞ NỘI VỤ"  # the issuing body of the letterhead
    assert props.title.startswith("BÁO CÁO")
    assert props.created == GENERATED_AT.astimezone(dt.UTC)


def test_find_fonts_prefers_liberation_then_noto_then_dejavu(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fonts = find_fonts()
    assert {"serif", "serif_B", "serif_I", "sans", "sans_B"} <= fonts.keys()
    assert all(path.suffix == ".ttf" for path in fonts.values())
    assert all(covers_vietnamese(path) for path in fonts.values())
    if (report_pdf.FONT_DIRS[0] / "LiberationSerif-Regular.ttf").is_file():
        assert fonts["serif"].name == "LiberationSerif-Regular.ttf"
        assert fonts["serif_BI"].name == "LiberationSerif-BoldItalic.ttf"
    # a Liberation Serif without the Vietnamese letters (1.x) is passed over
    (tmp_path / "LiberationSerif-Regular.ttf").write_bytes(b"not a font")
    assert not covers_vietnamese(tmp_path / "LiberationSerif-Regular.ttf")
    monkeypatch.setattr(report_pdf, "FONT_DIRS", (tmp_path, *report_pdf.FONT_DIRS[1:]))
    assert find_fonts()["serif"].name in ("NotoSerif-Regular.ttf", "DejaVuSerif.ttf")


def test_fonts_missing_is_explained_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, report: ReportData, tmp_path: Path
) -> None:
    monkeypatch.setattr(report_pdf, "FONT_DIRS", (tmp_path,))
    with pytest.raises(FontsMissing, match="Không tìm thấy phông chữ") as caught:
        build_report_pdf(report)
    assert "sudo apt-get install fonts-liberation2 fonts-noto-core" in str(caught.value)
    with pytest.raises(FontsMissing):
        find_fonts(())


# ---------------------------------------------------------------- the official layout


def _pdftotext(data: bytes, tmp_path: Path, *args: str) -> str:
    """poppler's own reading of the PDF (the diacritics as a reader's viewer extracts them)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _lines(text: str) -> list[str]:
    """Lines of `pdftotext -layout`, their runs of spaces (columns) split apart."""
    parts = (part for line in text.splitlines() for part in re.split(r"\s{2,}", line.strip()))
    return [part for part in parts if part]


def test_date_line_and_recipients_follow_decree_30() -> None:
    assert date_line("Cần Thơ", dt.date(2026, 12, 6)) == "Cần Thơ, ngày 06 tháng 12 năm 2026"
    assert date_line("Cần Thơ", dt.date(2026, 2, 15)) == "Cần Thơ, ngày 15 tháng 02 năm 2026"
    assert date_line("Vị Thanh", dt.date(2026, 3, 1)) == "Vị Thanh, ngày 01 tháng 3 năm 2026"
    assert recipient_lines(("UBND thành phố (để b/c)", "Lưu: VT, TCBC.")) == [
        "- UBND thành phố (để b/c);",
        "- Lưu: VT, TCBC.",
    ]
    assert recipient_lines(()) == []


def test_pdf_is_laid_out_as_an_official_report(pdf_bytes: bytes, tmp_path: Path) -> None:
    """Letterhead, number, Quốc hiệu, date line, title, Nơi nhận and signer, diacritics intact,
    the figures unchanged; the letterhead on page 1, the signature block on the last page."""
    pages = _pdftotext(pdf_bytes, tmp_path, "-layout").split("\f")
    first, last = _lines(pages[0]), _lines(next(p for p in reversed(pages) if p.strip()))
    for expected in [e for e in OFFICIAL[:9] if e != "/BC-SNV"]:
        assert expected in first, (expected, first[:12])
    # the number and the date line under the issuer and the motto, the title under them
    assert first.index("SỞ NỘI VỤ") < first.index("Số:") < first.index("BÁO CÁO")
    assert first.index(OFFICIAL[5]) < first.index(OFFICIAL[6]) < first.index("BÁO CÁO")
    for expected in OFFICIAL[9:]:
        assert expected in last, (expected, last)
    assert first.index("BÁO CÁO") + 1 == first.index(OFFICIAL[8])  # the subject under it
    text = re.sub(r"\s+", " ", "".join(pages))
    assert re.search(r"^ *Số:\s{4,}/BC-SNV ", pages[0], re.M), "the number left blank"
    for expected in PROSE + HEADLINE:
        assert expected in text, expected


def test_docx_is_laid_out_as_an_official_report(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    head, sign = doc.tables[0], doc.tables[-1]
    cell_lines = [[p.text for p in c.paragraphs if p.text] for r in head.rows for c in r.cells]
    assert cell_lines[:2] == [
        ["UBND THÀNH PHỐ CẦN THƠ", "SỞ NỘI VỤ"],
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"],
    ]
    assert re.fullmatch(r"Số:\s+/BC-SNV", cell_lines[2][0])
    assert cell_lines[3] == ["Cần Thơ, ngày 01 tháng 7 năm 2024"]
    date_run = head.rows[1].cells[1].paragraphs[0].runs[0]
    assert date_run.font.italic and not date_run.font.bold
    issuer_run = head.rows[0].cells[0].paragraphs[1].runs[0]
    assert issuer_run.font.bold and not head.rows[0].cells[0].paragraphs[0].runs[0].font.bold
    paragraphs = [p.text for p in doc.paragraphs]
    title = paragraphs.index("BÁO CÁO")
    assert paragraphs[title + 1] == "Kết quả tinh giản biên chế giai đoạn 2022 - 2026"
    left, right = ([p for p in c.paragraphs if p.text] for c in sign.rows[0].cells)
    assert [p.text for p in left] == [
        "Nơi nhận:",
        "- UBND thành phố (để b/c);",
        "- Giám đốc Sở (để b/c);",
        "- Lưu: VT, TCBC.",
    ]
    assert left[0].runs[0].font.bold and left[0].runs[0].font.italic
    assert [p.text for p in right] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert all(p.runs[0].font.bold for p in right)
    # the signature block comes last, after the body
    body = doc.element.body
    assert body.index(sign._tbl) > body.index(doc.paragraphs[title]._p)


def test_settings_change_the_letterhead_and_signer(report: ReportData, tmp_path: Path) -> None:
    other = Letterhead.from_settings(load_settings(OTHER_CITY))
    assert other.recipients == ("Bộ Nội vụ (để b/c)", "Lưu: VT, CCVC")
    assert other.signer_authority == ""
    changed = dataclasses.replace(report, letterhead=other)
    text = _pdftotext(build_report_pdf(changed), tmp_path, "-layout")
    doc = Document(io.BytesIO(build_report_docx(changed)))
    words = text + "\n".join(
        p.text for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs
    )
    for expected in [
        "UBND TỈNH HẬU GIANG",
        "SỞ NỘI VỤ TỈNH",  # in capitals, as the letterhead writes it
        "/BC-SNV-HG",
        "Vị Thanh, ngày 01 tháng 7 năm 2024",
        "- Bộ Nội vụ (để b/c);",
        "- Lưu: VT, CCVC.",
        "GIÁM ĐỐC",
    ]:
        assert text.count(expected) >= 1 and expected in words, expected
    for gone in ("CẦN THƠ", "Cần Thơ,", "KT.", "PHÓ GIÁM ĐỐC", "TCBC"):
        assert gone not in words, gone


def test_the_date_line_is_the_day_in_vietnam(
    report: ReportData, sample_ds, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 20:00 UTC on 31/12/2025 it is already 01/01/2026 in Cần Thơ."""
    from etl.core import clock
    from reporting import report as report_module
    from reporting.charts import ChartContext

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2025, 12, 31, 20, 0, 5, 123, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(clock.dt, "datetime", Frozen)
    ctx = ChartContext(sample_ds, report.summary, ResolvedView(AS_OF))
    made = report_module.gather_report(ctx, None)
    assert made.generated_at.isoformat() == "2026-01-01T03:00:05+07:00"
    assert made.letterhead == Letterhead.from_settings()
    assert "ngày 01 tháng 01 năm 2026" in date_line("Cần Thơ", made.generated_at.date())
