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
from reporting.report_data import ChartImage, ReportData
from reporting.report_docx import build_report_docx
from reporting.report_pdf import FontsMissing, build_report_pdf, find_fonts

AS_OF = dt.date(2024, 6, 30)
GENERATED_AT = dt.datetime(2024, 7, 1, 8, 15)
PROSE = ["20,43%", "81,7%", "1.694", "1.320", "374", "09 công chức", "95 viên chức"]
WORDS = ["Biên chế công chức", "Người làm việc", "Số liệu tính đến ngày 30/06/2024"]
HEADLINE = ["1.860", "1.841", "19", "1,02%", "20,43%", "20.734", "19.414", "1.694", "8,17%"]


def _tiny_png(width: int = 60, height: int = 28) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 119, 180)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    """The sample city at 30/06/2024, with one tiny chart."""
    data_dir = tmp_path_factory.mktemp("reportdata")
    service.migrate(f"sqlite:///{data_dir / 'sample.sqlite3'}")
    engine = service.open_engine(f"sqlite:///{data_dir / 'sample.sqlite3'}")
    service.load_sample(engine, load_settings({"DATA_DIR": str(data_dir)}))
    ds = load_dataset(engine)
    engine.dispose()
    summary = metrics.summary(ds, AS_OF)
    narrative = build_narrative(
        summary,
        agency_counts=analysis.agency_counts(ds, ResolvedView(AS_OF)),
        established_by_sector=analysis.established_by_sector(ds, AS_OF),
    )
    chart = ChartImage("streamlined", "Tinh giản theo chính sách", _tiny_png(), 60, 28)
    return ReportData(
        title="BÁO CÁO KẾT QUẢ TINH GIẢN BIÊN CHẾ GIAI ĐOẠN 2022 - 2026",
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
    """LibreOffice Writer reads the Word file and lays it out: the figures, the diacritics and
    the footnotes come out of its own PDF, each headline percentage on one line."""
    (tmp_path / "report.docx").write_bytes(docx_bytes)
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    laid_out = tmp_path / "report.pdf"
    assert laid_out.read_bytes().startswith(b"%PDF")
    text = _pdf_text(laid_out.read_bytes(), tmp_path)
    for expected in PROSE + WORDS + HEADLINE:
        assert expected in text, expected
    assert "năm 2022 là 03 công chức" in text  # a footnote, laid out
    rows = subprocess.run(
        ["pdftotext", "-layout", str(laid_out), "-"], capture_output=True, text=True, check=True
    ).stdout
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
    assert props.author == "Sở Nội vụ"
    assert props.title.startswith("BÁO CÁO")
    assert props.created == GENERATED_AT.astimezone(dt.UTC)


def test_find_fonts_prefers_noto_then_dejavu() -> None:
    fonts = find_fonts()
    assert {"serif", "serif_B", "serif_I", "sans", "sans_B"} <= fonts.keys()
    assert all(path.suffix == ".ttf" for path in fonts.values())


def test_fonts_missing_is_explained_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, report: ReportData, tmp_path: Path
) -> None:
    monkeypatch.setattr(report_pdf, "FONT_DIRS", (tmp_path,))
    with pytest.raises(FontsMissing, match="Không tìm thấy phông chữ") as caught:
        build_report_pdf(report)
    assert "sudo apt-get install fonts-noto-core fonts-dejavu-core" in str(caught.value)
    with pytest.raises(FontsMissing):
        find_fonts(())
