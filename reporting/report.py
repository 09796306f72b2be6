"""Gather a report for one view (figures, narrative, rendered charts) and build its files."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from etl.core.clock import vn_now
from etl.measures import analysis
from etl.measures.dataset import unreviewed_stamp
from etl.measures.narrative import build_narrative, period_of
from etl.writers.xlsx_export import write_consolidated, write_data
from reporting.charts import CHARTS, REPORT_CHARTS, ChartContext, render_chart
from reporting.period_end import (
    PeriodProgramme,
    at_period_end,
    gather_period_end,
    is_period_end,
    period_end_context,
    subject_of,
)
from reporting.render import ChartRenderer, ExportUnavailable
from reporting.report_data import ChartImage, Letterhead, ReportData

REPORT_SUBJECT = "Kết quả tinh giản biên chế"  # then the programme: «giai đoạn 2022 - 2026»


def gather_report(
    ctx: ChartContext,
    renderer: ChartRenderer | None,
    *,
    generated_at: dt.datetime | None = None,
    letterhead: Letterhead | None = None,
    programme: PeriodProgramme | None = None,
    former_provinces: list[tuple[str, dict[str, Any]]] | None = None,
) -> ReportData:
    """Everything a report shows; without a browser the charts are left out with a notice.
    `generated_at`: default now, Vietnam time (the date line's date); `letterhead`: default
    from the REPORT_* settings of the environment. When the cut-off falls in the programme's
    end year or after it (`programme`, default `period_end_context`), the report is the
    period's summing-up (docs/report.md); `former_provinces`: its rows by former province
    (label, figures by measure), default the summary's `predecessors`; fewer than two rows
    leave that section out. After the end year, the summing-up counts the figures at 31/12 of
    the end year."""
    programme = programme or period_end_context(ctx.ds, ctx.view.as_of, ctx.summary)
    ending = is_period_end(ctx.view.as_of, programme)
    if ending:
        ctx = at_period_end(ctx, programme)
    ds, as_of = ctx.ds, ctx.view.as_of
    subject = f"{REPORT_SUBJECT} {period_of(ctx.summary)}"
    stated = ctx.summary.get("programme") or {}
    if stated.get("basis"):
        subject += f" (căn cứ {stated['basis']})"
    narrative = build_narrative(
        ctx.summary,
        agency_counts=analysis.agency_counts(ds, ctx.view),
        established_by_sector=analysis.established_by_sector(ds, as_of),
    )
    charts: list[ChartImage] = []
    notice = None
    if renderer is None:
        notice = "Báo cáo không kèm biểu đồ."
    else:
        try:
            for chart_id in REPORT_CHARTS:
                spec = CHARTS[chart_id]
                png = render_chart(chart_id, ctx, renderer, "png")
                charts.append(ChartImage(chart_id, spec.title, png, spec.width_px, spec.height_px))
        except ExportUnavailable as exc:
            charts, notice = [], f"Báo cáo chưa kèm biểu đồ. {exc}"
    title, period_end = f"BÁO CÁO {subject.upper()}", None
    if ending:
        subject = subject_of(programme)
        title = f"BÁO CÁO {subject.upper()}"
        if former_provinces is None:
            former_provinces = predecessor_rows(ctx.summary)
        period_end = gather_period_end(
            ds, ctx.view, ctx.summary, programme, narrative, former_provinces
        )
    return ReportData(
        title=title,
        subject=subject,
        letterhead=letterhead or Letterhead.from_settings(),
        scope=ctx.summary["scope"],
        as_of=as_of,
        generated_at=generated_at or vn_now(),
        summary=ctx.summary,
        narrative=narrative,
        charts=charts,
        notice=notice,
        stamp=unreviewed_stamp(ds.figures),
        period_end=period_end,
    )


def predecessor_rows(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The summary's `predecessors` (one per former province of the scope) as rows of the
    summing-up: `Tỉnh Hậu Giang (cũ)` and its figures by measure."""
    return [(f"{p['province']} (cũ)", p) for p in summary.get("predecessors") or []]


def build_document(data: ReportData, fmt: str) -> bytes:
    """The gathered report laid out as PDF (`fmt="pdf"`) or Word (`"docx"`)."""
    if fmt == "pdf":
        from reporting.report_pdf import build_report_pdf

        return build_report_pdf(data)
    from reporting.report_docx import build_report_docx

    return build_report_docx(data)


def report_pdf(ctx: ChartContext, renderer: ChartRenderer | None) -> bytes:
    return build_document(gather_report(ctx, renderer), "pdf")


def report_docx(ctx: ChartContext, renderer: ChartRenderer | None) -> bytes:
    return build_document(gather_report(ctx, renderer), "docx")


def consolidated_xlsx(ctx: ChartContext) -> bytes:
    buffer = io.BytesIO()
    write_consolidated(ctx.ds, ctx.view, buffer)
    return buffer.getvalue()


def data_xlsx(ctx: ChartContext) -> bytes:
    buffer = io.BytesIO()
    write_data(ctx.ds, ctx.view, ctx.summary, buffer)
    return buffer.getvalue()
