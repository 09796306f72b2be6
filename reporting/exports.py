"""Every export of a view, whoever asks for it: a chart as PNG/PDF, the report as PDF/Word, the
consolidated return (Biểu tổng hợp) and the data as Excel.

The download routes (web/export_routes.py), the overview page's background job
(pages/overview.py) and the command line (`python -m etl export`) all call `export`, which
makes the file, names it (`filename`) and writes one entry to the audit log
(`export.chart`, `export.report.pdf`, `export.report.docx`, `export.tonghop`, `export.data`;
target: the file name; detail: the view's query parameters) with the actor who asked: the
signed-in user, or "cli".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import Engine

from etl import service
from etl.core.clock import vn_today
from etl.measures.dataset import Dataset
from etl.measures.query import View
from etl.storage import accounts
from etl.writers.table_xlsx import TableColumn, write_table
from reporting import report
from reporting.charts import CHARTS, ChartContext, render_chart
from reporting.render import INSTALL_HINT_VI, ChartRenderer, ExportUnavailable

FORMATS: dict[str, tuple[str, ...]] = {
    "chart": ("png", "pdf"),
    "report": ("pdf", "docx"),
    "tonghop": ("xlsx",),
    "data": ("xlsx",),
}
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
REPORT_STEM = "bao_cao_tinh_gian"


class UnknownExport(LookupError):
    """No such export (an unknown chart, kind or format); the message is Vietnamese first."""


@dataclass(frozen=True)
class Export:
    """A made file: its download name, its MIME type and its bytes."""

    filename: str
    mimetype: str
    content: bytes


def check(kind: str, fmt: str, chart_id: str | None = None) -> None:
    """UnknownExport unless `kind` can be exported as `fmt` (and `chart_id` is a chart)."""
    if kind == "chart":
        if chart_id not in CHARTS or fmt not in FORMATS["chart"]:
            raise UnknownExport(f"Không có biểu đồ «{chart_id}.{fmt}» / unknown chart")
    elif fmt not in FORMATS.get(kind, ()):
        raise UnknownExport(f"Không xuất được «{kind}.{fmt}» / unknown export")


def filename(stem: str, ctx: ChartContext, ext: str) -> str:
    """The name of an export, e.g. `tonghop_toan_thanh_pho_20240630.xlsx`."""
    scope = re.sub(r"[^a-z0-9]+", "_", _ascii(ctx.summary["scope"]).lower()).strip("_")
    return f"{stem}_{scope}_{ctx.view.as_of:%Y%m%d}.{ext}"


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def view_detail(view: View) -> dict[str, str]:
    """A view as the query parameters a URL would carry (the audit detail of the CLI)."""
    return dict(parse_qsl(view.to_query().lstrip("?")))


def export(
    kind: str,
    fmt: str,
    view: View,
    *,
    actor: str,
    engine: Engine,
    dataset: Dataset | None = None,
    renderer: ChartRenderer | None = None,
    chart_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    building: Callable[[], None] | None = None,
) -> Export:
    """The file of `kind` (`FORMATS`) as `fmt` for `view`, audited once as made by `actor`.

    `dataset`: the stored data if the caller holds it (else read from `engine`); `renderer`:
    draws the charts (a report without one, or without a browser, says so instead; a chart
    raises ExportUnavailable); `detail`: what the audit entry records of the request (default:
    the view's query parameters); `building`: called once the figures (and the report's
    charts) are ready, before the file is laid out. Raises UnknownExport, BadParameter (a
    scope that names nothing), ExportUnavailable; nothing is audited then."""
    check(kind, fmt, chart_id)
    ds = service.dataset_for(engine, dataset, view)
    summary, resolved = service.view_summary(engine, ds, view)
    ctx = ChartContext(ds, summary, resolved)
    if kind == "chart":
        if renderer is None:
            raise ExportUnavailable(INSTALL_HINT_VI)
        if building:
            building()
        content = render_chart(str(chart_id), ctx, renderer, fmt)
        name, action = filename(str(chart_id), ctx, fmt), "chart"
    elif kind == "report":
        data = report.gather_report(ctx, renderer)
        if building:
            building()
        content = report.build_document(data, fmt)
        name, action = filename(REPORT_STEM, ctx, fmt), f"report.{fmt}"
    else:
        if building:
            building()
        content = report.consolidated_xlsx(ctx) if kind == "tonghop" else report.data_xlsx(ctx)
        name, action = filename(kind, ctx, fmt), kind
    shown = dict(detail) if detail is not None else view_detail(view)
    accounts.audit_now(engine, actor, f"export.{action}", name, shown)
    return Export(name, MIME[fmt], content)


def export_table(
    title: str,
    columns: Sequence[TableColumn],
    rows: Sequence[Mapping[str, Any]],
    stem: str,
    *,
    actor: str,
    engine: Engine,
) -> Export:
    """A table as shown on screen (a grid's columns, its filtered and sorted rows) as xlsx,
    audited once as `export.table`; `stem` names the file (`stem_YYYYMMDD.xlsx`, today's date
    in Vietnam)."""
    content = write_table(title, columns, rows)
    name = f"{stem}_{vn_today():%Y%m%d}.xlsx"
    accounts.audit_now(engine, actor, "export.table", name, {"title": title, "rows": len(rows)})
    return Export(name, MIME["xlsx"], content)
