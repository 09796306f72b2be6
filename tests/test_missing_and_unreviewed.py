"""Nothing invented before the data, and nothing unreviewed passed as official.

* A cut-off before a measure's figures exist (01/01/2019, before the 2021 baseline), or a
  scope where no unit reported, gives that measure no figure: `null` and a reason
  (`no_data`) in the JSON, «Chưa có số liệu» on the page and in every export, never
  «Đã giảm 1.860», «100%» or «2.000%» of the plan.
* Every export of a view with `include_unreviewed=1` says «Bao gồm số liệu chưa duyệt» where
  a printed copy shows it (PDF and Word: the title and every page's header; Excel: a title
  line and the print header of every sheet; a chart: on the picture); the approved view's
  exports never do.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from etl.core.vocabulary import Measure, UnitKind
from etl.measures import metrics
from etl.measures.dataset import UNREVIEWED_STAMP
from etl.measures.scoping import Filter
from tests.test_app import as_admin, text_of
from tests.test_exports import pdf_text

BEFORE = "?as_of=2019-01-01"
EMPTY = "?as_of=2024-06-30&district=Huyện Cờ Đỏ&sector=Y tế&kind=don_vi_su_nghiep"
UNREVIEWED = "?as_of=2024-06-30&include_unreviewed=1"
INVENTED = ("2.000%", "100%", "1.860", "20.734")  # what a pre-baseline view used to show


def docx_texts(content: bytes) -> tuple[str, str]:
    """(the body's text, the page header's text) of a Word file."""
    import docx

    doc = docx.Document(io.BytesIO(content))
    body = "\n".join(p.text for p in doc.paragraphs)
    header = "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    return body, header


def sheet_texts(content: bytes) -> dict[str, tuple[str, str]]:
    """Each sheet's (cell texts, print header) of a workbook."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    out = {}
    for ws in wb.worksheets:
        cells = " | ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
        header = ws.oddHeader.center.text if ws.oddHeader and ws.oddHeader.center else ""
        out[ws.title] = (cells, header or "")
    return out


# ---------------------------------------------------------------- the measures


def test_a_cut_off_before_the_baseline_has_no_figure(sample_app):
    ds = sample_app.server.extensions["tgbc_cache"].get(sample_app.server.extensions["tgbc_engine"])
    summary = metrics.summary(ds, dt.date(2019, 1, 1))
    for measure in Measure:
        figures = summary[measure]
        assert figures["no_data"] == "before-baseline"
        for key in ("baseline", "current", "reduced", "reduced_pct", "target", "pct_of_target"):
            assert figures[key] is None, key
    codes = [w["code"] for w in summary["warnings"]]
    assert codes.count("no-data-before-baseline") == 2
    assert all("chưa có số liệu" in w["message_vi"] for w in summary["warnings"])
    # the figures of a cut-off with data are unchanged, and say they have data
    june = metrics.summary(ds, dt.date(2024, 6, 30))
    assert june[Measure.CONG_CHUC]["no_data"] is None
    assert june[Measure.CONG_CHUC]["reduced"] == 19


def test_a_scope_without_units_has_no_figure(sample_app):
    ds = sample_app.server.extensions["tgbc_cache"].get(sample_app.server.extensions["tgbc_engine"])
    flt = Filter(district="Huyện Cờ Đỏ", sector="Y tế", kind=UnitKind.DON_VI_SU_NGHIEP)
    figures = metrics.summary(ds, dt.date(2024, 6, 30), flt)[Measure.NGUOI_LAM_VIEC]
    assert figures["no_data"] == "no-figures"
    assert figures["reduced"] is None and figures["reduced_pct"] is None


def test_the_api_answers_null_with_a_reason(client):
    got = client.get("/api/v1/summary" + BEFORE)
    assert got.status_code == 200
    body = got.get_json()
    for measure in Measure:
        assert body[measure]["no_data"] == "before-baseline"
        assert body[measure]["reduced"] is None and body[measure]["pct_of_target"] is None
    assert client.get("/api/v1/summary?as_of=2014-12-31").status_code == 400


# ---------------------------------------------------------------- the pages


def test_the_overview_says_there_is_no_figure_yet(sample_app):
    from pages.overview import render_overview

    with as_admin(sample_app):
        blocks = render_overview(BEFORE)
    cards = next(b for b in blocks if getattr(b, "className", None) == "cards")
    text = text_of(cards)
    assert text.count("Chưa có số liệu") >= 2
    assert "ngày chốt trước năm gốc 2021" in text
    for invented in INVENTED:
        assert invented not in text, invented


@pytest.mark.parametrize(
    ("search", "said"),
    [
        (BEFORE, "Chưa có số liệu (ngày chốt trước năm gốc 2021)"),
        (EMPTY, "Không có đơn vị sự nghiệp công lập nào thuộc phạm vi"),
    ],
)
def test_the_units_page_explains_an_empty_view(sample_app, search, said):
    from pages.units import render_units

    with as_admin(sample_app):
        text = text_of(render_units(search, Measure.NGUOI_LAM_VIEC, "district"))
    assert said in text and "units-empty" in text
    assert "units-grid" not in text


# ---------------------------------------------------------------- the exports


def test_the_report_says_there_is_no_figure_yet(client, no_browser):
    pdf = pdf_text(client.get("/export/report.pdf" + BEFORE).data)
    body, _ = docx_texts(client.get("/export/report.docx" + BEFORE).data)
    for text in (pdf, body):
        assert "chưa có số liệu (ngày chốt trước năm gốc 2021)" in text
        for invented in INVENTED:
            assert invented not in text, invented


def test_the_workbooks_say_there_is_no_figure_yet(client):
    data = sheet_texts(client.get("/export/data.xlsx" + BEFORE).data)
    cells, _ = data["Tổng hợp"]
    assert "Chưa có số liệu (ngày chốt trước năm gốc 2021)" in cells
    assert "before-baseline" not in cells
    consolidated = sheet_texts(client.get("/export/tonghop.xlsx" + BEFORE).data)
    for cells, _ in consolidated.values():
        assert "Chưa có số liệu (ngày chốt trước năm gốc 2021)." in cells
    empty = sheet_texts(client.get("/export/tonghop.xlsx" + EMPTY.replace(" ", "+")).data)
    assert "chưa đơn vị nào trong phạm vi này có số liệu" in empty["Biểu 02"][0]


def test_exports_of_unreviewed_figures_are_stamped(client, no_browser):
    stamp, upper = UNREVIEWED_STAMP, UNREVIEWED_STAMP.upper()
    # PDF: the title, and the header of every page
    got = client.get("/export/report.pdf" + UNREVIEWED)
    pdf = pdf_text(got.data)
    pages = pdf.count("\f") or 1
    assert stamp in pdf and pdf.count(upper) >= pages
    # Word: the title and the page header
    body, header = docx_texts(client.get("/export/report.docx" + UNREVIEWED).data)
    assert stamp in body and upper in header
    # Excel: a title line and the print header of every sheet
    for route in ("/export/tonghop.xlsx", "/export/data.xlsx"):
        for name, (cells, header) in sheet_texts(client.get(route + UNREVIEWED).data).items():
            assert upper in header, (route, name)
            if route.endswith("tonghop.xlsx") or name == "Tổng hợp":
                assert stamp.upper() in cells.upper(), (route, name)


def test_approved_exports_are_not_stamped(client, no_browser):
    assert UNREVIEWED_STAMP not in pdf_text(client.get("/export/report.pdf?as_of=2024-06-30").data)
    body, header = docx_texts(client.get("/export/report.docx?as_of=2024-06-30").data)
    assert UNREVIEWED_STAMP.upper() not in (body + header).upper()
    for route in ("/export/tonghop.xlsx", "/export/data.xlsx"):
        for cells, header in sheet_texts(client.get(route + "?as_of=2024-06-30").data).values():
            assert UNREVIEWED_STAMP.upper() not in (cells + header).upper()


def test_charts_of_unreviewed_figures_carry_the_stamp(sample_app):
    from reporting.charts import CHARTS, ChartContext, build_chart
    from web import context

    with as_admin(sample_app):
        for search, stamped in ((UNREVIEWED, True), ("?as_of=2024-06-30", False)):
            summary, view = context.view_summary(search)
            ctx = ChartContext(context.dataset(search), summary, view)
            for chart_id in CHARTS:
                notes = [a.text for a in build_chart(chart_id, ctx).layout.annotations]
                assert any(UNREVIEWED_STAMP in (t or "") for t in notes) is stamped, chart_id


def test_a_chart_without_a_point_says_why(sample_app):
    from reporting.charts import ChartContext, build_chart
    from web import context

    with as_admin(sample_app):
        summary, view = context.view_summary(BEFORE)
        ctx = ChartContext(context.dataset(BEFORE), summary, view)
        notes = [a.text for a in build_chart("lo-trinh-cong-chuc", ctx).layout.annotations]
    assert "Chưa có số liệu (ngày chốt trước năm gốc 2021)" in notes
