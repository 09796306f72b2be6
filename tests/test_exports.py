"""Export routes and the CLI export: charts as PNG/PDF, the report as PDF/Word, Excel files;
and what happens on a server without Chromium."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest
from PIL import Image

from reporting import render

AS_OF = "?as_of=2024-06-30"
HAS_BROWSER = render.find_browser() is not None
needs_browser = pytest.mark.skipif(
    not HAS_BROWSER,
    reason="không có Chromium / no Chromium: sudo apt-get install chromium (CI installs it)",
)


def pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) không có / not installed")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.mark.slow  # Chromium renders the charts
@needs_browser
def test_chart_png_decodes_at_the_requested_size(client):
    got = client.get("/export/chart/lo-trinh-cong-chuc.png" + AS_OF)
    assert got.status_code == 200 and got.mimetype == "image/png"
    image = Image.open(io.BytesIO(got.data))
    assert image.size == (1800, 840)  # 900 × 420 at scale 2
    assert "lo-trinh-cong-chuc_toan_thanh_pho_20240630.png" in got.headers["Content-Disposition"]


@pytest.mark.slow  # Chromium renders the charts
@needs_browser
def test_chart_pdf(client):
    got = client.get("/export/chart/muc-giam-nguoi-lam-viec.pdf" + AS_OF)
    assert got.status_code == 200 and got.data.startswith(b"%PDF")


@pytest.mark.slow  # Chromium renders the charts
@needs_browser
def test_report_pdf_has_the_figures_and_vietnamese_text(client):
    got = client.get("/export/report.pdf" + AS_OF)
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    text = pdf_text(got.data)
    for expected in ("20,43%", "81,7%", "1.694", "Biên chế công chức", "tinh giản"):
        assert expected in text


def test_report_docx_has_the_narrative(client, no_browser):
    import docx

    got = client.get("/export/report.docx" + AS_OF)
    assert got.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.data)).paragraphs)
    assert "giảm 1.694 người làm việc" in text and "81,7%" in text
    assert "09 công chức" in text and "95 viên chức" in text


def test_consolidated_and_data_workbooks(client):
    got = client.get("/export/tonghop.xlsx" + AS_OF)
    assert got.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(got.data))
    assert {"Biểu 01", "Biểu 02"} <= set(wb.sheetnames)
    data = client.get("/export/data.xlsx" + AS_OF)
    assert data.status_code == 200
    assert "Đơn vị" in openpyxl.load_workbook(io.BytesIO(data.data)).sheetnames


def test_without_a_browser_chart_exports_say_what_to_install(client, no_browser):
    got = client.get("/export/chart/tinh-gian.png" + AS_OF)
    assert got.status_code == 503
    assert "chromium" in got.get_data(as_text=True) and "Cài" in got.get_data(as_text=True)


def test_without_a_browser_the_report_is_still_made(client, no_browser):
    got = client.get("/export/report.pdf" + AS_OF)
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert "chưa kèm biểu đồ" in pdf_text(got.data)


def test_unknown_chart_and_bad_parameters(client):
    assert client.get("/export/chart/khong-co.png").status_code == 404
    assert client.get("/export/tonghop.xlsx?as_of=hom-qua").status_code == 400


def test_cli_export(tmp_path, sample_app, no_browser):
    from etl.cli import main

    out = tmp_path / "bc.docx"
    assert (
        main(["export", "report", "--format", "docx", "--out", str(out), "--as-of", "2024-06-30"])
        == 0
    )
    assert out.stat().st_size > 5000
    assert main(["export", "tonghop", "--format", "pdf", "--out", str(tmp_path / "x.pdf")]) == 2


# --- one audit entry per export, whoever asks (reporting/exports.py) ----------------------------


def last_audit_id(engine) -> int:
    from etl.storage import accounts

    entries = accounts.read_audit(engine, limit=1)
    return entries[0]["id"] if entries else 0


def audited_since(engine, last_id: int) -> list[tuple]:
    """(actor, action, target, detail) of the audit entries after `last_id`, oldest first."""
    from etl.storage import accounts

    entries = [e for e in accounts.read_audit(engine) if e["id"] > last_id]
    return [(e["actor"], e["action"], e["target"], e["detail"]) for e in reversed(entries)]


@pytest.mark.parametrize(
    ("path", "action", "name"),
    [
        (
            "/export/report.docx",
            "export.report.docx",
            "bao_cao_tinh_gian_toan_thanh_pho_20240630.docx",
        ),
        ("/export/tonghop.xlsx", "export.tonghop", "tonghop_toan_thanh_pho_20240630.xlsx"),
        ("/export/data.xlsx", "export.data", "data_toan_thanh_pho_20240630.xlsx"),
    ],
)
def test_a_download_is_audited_once_with_its_user(
    client, sample_app, no_browser, path, action, name
):
    engine = sample_app.server.extensions["tgbc_engine"]
    before = last_audit_id(engine)
    got = client.get(path + AS_OF + "&scope=")
    assert got.status_code == 200
    assert f'filename="{name}"' in got.headers["Content-Disposition"]
    assert audited_since(engine, before) == [
        ("admin", action, name, {"as_of": "2024-06-30", "scope": ""})
    ]


def test_a_refused_download_is_not_audited(client, sample_app, no_browser):
    engine = sample_app.server.extensions["tgbc_engine"]
    before = last_audit_id(engine)
    assert client.get("/export/chart/tinh-gian.png" + AS_OF).status_code == 503
    assert client.get("/export/chart/khong-co.png?as_of=hom-qua").status_code == 404
    assert client.get("/export/data.xlsx?scope=Kh%C3%B4ng+c%C3%B3").status_code == 400
    assert audited_since(engine, before) == []


def test_cli_export_is_audited_once_as_the_cli(tmp_path, sample_app, no_browser):
    from etl.cli import main

    engine = sample_app.server.extensions["tgbc_engine"]
    before = last_audit_id(engine)
    out = str(tmp_path / "t.xlsx")
    assert main(["export", "tonghop", "--out", out, "--as-of", "2024-06-30"]) == 0
    assert main(["export", "data", "--out", out, "--scope", "Không có"]) == 2
    assert audited_since(engine, before) == [
        ("cli", "export.tonghop", "tonghop_toan_thanh_pho_20240630.xlsx", {"as_of": "2024-06-30"})
    ]


def test_file_names_are_ascii_scope_and_cut_off():
    import datetime as dt
    from types import SimpleNamespace

    from etl.measures.query import ResolvedView
    from reporting.exports import filename

    ctx = SimpleNamespace(
        summary={"scope": "Huyện Cờ Đỏ — Y tế"}, view=ResolvedView(dt.date(2024, 6, 30))
    )
    assert filename("tonghop", ctx, "xlsx") == "tonghop_huyen_co_do_y_te_20240630.xlsx"
