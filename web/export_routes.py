"""Download routes: charts as PNG/PDF, the report as PDF/Word, the consolidated return and the
data as Excel. Each takes the dashboard's query parameters (as_of, scope, district, …); the
files, their names and their audit entries come from reporting/exports.py."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from etl.measures.query import BadParameter, parse_view
from reporting import exports
from reporting.render import ChartRenderer, ExportUnavailable
from web import context

RENDERER_KEY = "tgbc_renderer"


def renderer() -> ChartRenderer:
    return current_app.extensions[RENDERER_KEY]


def _message(text: str, status: int) -> Response:
    page = (
        "<!doctype html><meta charset='utf-8'><title>Không xuất được</title>"
        f"<p style='font-family:sans-serif;max-width:40em'>{_escape(text)}</p>"
        "<p><a href='javascript:history.back()'>Quay lại</a></p>"
    )
    return Response(page, status=status, mimetype="text/html")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _download(kind: str, fmt: str, chart_id: str | None = None) -> Response:
    """The export of the request's view as a download (audited by the service), or a page
    saying why not: 404 no such chart, 400 a bad parameter, 503 no browser for charts."""
    try:
        exports.check(kind, fmt, chart_id)
        view = parse_view(request.args.to_dict(flat=False))
        acc = context.account()
        made = exports.export(
            kind,
            fmt,
            view,
            actor=acc.username if acc else "?",
            engine=context.engine(),
            dataset=context.dataset(view),
            renderer=renderer(),
            chart_id=chart_id,
            detail=dict(request.args),
            settings=context.settings(),
        )
    except exports.UnknownExport as exc:
        return _message(str(exc), 404)
    except BadParameter as exc:
        return _message(str(exc), 400)
    except ExportUnavailable as exc:
        return _message(str(exc), 503)
    response = Response(made.content, mimetype=made.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def export_chart(chart_id: str, fmt: str) -> Response:
    return _download("chart", fmt, chart_id)


def register(server: Flask) -> None:
    """Add the export routes; the chart renderer is made here, once per process."""
    server.extensions[RENDERER_KEY] = ChartRenderer()
    server.add_url_rule("/export/chart/<chart_id>.<fmt>", "export_chart", export_chart)
    server.add_url_rule(
        "/export/report.pdf", "export_report_pdf", lambda: _download("report", "pdf")
    )
    server.add_url_rule(
        "/export/report.docx", "export_report_docx", lambda: _download("report", "docx")
    )
    server.add_url_rule(
        "/export/tonghop.xlsx", "export_tonghop", lambda: _download("tonghop", "xlsx")
    )
    server.add_url_rule("/export/data.xlsx", "export_data", lambda: _download("data", "xlsx"))
