"""Nộp báo cáo: drop workbooks, see each one checked cell by cell, confirm to store."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import context, ids
from components.upload_view import make_results, make_templates_links
from etl import service
from etl.annotate import annotate
from etl.formatting import fmt_number
from etl.load import IngestResult
from etl.normalize import clean_text

dash.register_page(__name__, path="/nop-bao-cao", name="Nộp báo cáo", title="Nộp báo cáo")


def layout(**_query: str) -> html.Div:
    acc = context.account()
    if acc is None or not acc.may("upload"):
        return html.Div(
            context.forbidden("Tài khoản này chỉ được xem; việc nộp báo cáo do đơn vị thực hiện.")
        )
    limit_mb = context.settings().max_upload_bytes / 1e6
    return html.Div(
        [
            html.H2("Nộp báo cáo"),
            make_templates_links(),
            html.Div(
                dcc.Upload(
                    id=ids.UP_UPLOAD,
                    children=html.Div(
                        [
                            html.Strong("Kéo thả tệp Excel vào đây hoặc bấm để chọn"),
                            html.Div(
                                f"Nhận .xlsx, .xlsm, .xls, .ods; mỗi tệp tối đa "
                                f"{fmt_number(limit_mb, 0)} MB; có thể chọn nhiều tệp.",
                                className="small",
                            ),
                        ]
                    ),
                    multiple=True,
                    max_size=context.settings().max_upload_bytes,
                    accept=".xlsx,.xlsm,.xls,.ods",
                    className="dropzone",
                    className_reject="dropzone dropzone-reject",
                ),
                **{"data-max-bytes": str(context.settings().max_upload_bytes)},
            ),
            html.Div(id="upload-size-message", className="size-message", role="alert"),
            dcc.Store(id=ids.UP_STAGED),
            dcc.Download(id=ids.UP_DOWNLOAD),
            dcc.Loading(
                html.Div(id=ids.UP_RESULTS),
                type="default",
                overlay_style={"visibility": "visible", "opacity": 0.5},
                custom_spinner=html.Div("Đang đọc và kiểm tra tệp…", className="spinner-text"),
            ),
            dcc.Loading(html.Div(id=ids.UP_CONFIRMED), type="dot"),
        ]
    )


def _staging_dir() -> Path:
    path = context.settings().data_dir / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _as_item(result: IngestResult, sha256: str) -> dict[str, Any]:
    return {
        "file_name": result.file_name,
        "sha256": sha256,
        "status": result.status,
        "problems": [p.as_dict() for p in result.problems],
        "preview": result.preview,
    }


def check_upload(contents: list[str], names: list[str]) -> list[dict[str, Any]]:
    """Decode, keep (content-addressed, in staging) and check each file without storing it."""
    items = []
    settings = context.settings()
    for content, name in zip(contents, names, strict=True):
        try:
            blob = base64.b64decode(content.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            blob = b""
        sha256 = hashlib.sha256(blob).hexdigest()
        (_staging_dir() / sha256).write_bytes(blob)
        result = service.ingest_as(
            context.engine(), blob, clean_text(name), context.account(), settings, dry_run=True
        )
        items.append(_as_item(result, sha256))
    return items


@callback(
    Output(ids.UP_RESULTS, "children"),
    Output(ids.UP_STAGED, "data"),
    Output(ids.UP_CONFIRMED, "children", allow_duplicate=True),
    Input(ids.UP_UPLOAD, "contents"),
    State(ids.UP_UPLOAD, "filename"),
    prevent_initial_call=True,
)
def on_upload(contents: list[str] | None, names: list[str] | None) -> tuple[Any, Any, Any]:
    if not contents:
        return no_update, no_update, no_update
    items = check_upload(contents, names or [])
    return make_results(items), items, None


@callback(
    Output(ids.UP_CONFIRMED, "children"),
    Output(ids.UP_RESULTS, "children", allow_duplicate=True),
    Input(ids.UP_CONFIRM, "n_clicks"),
    State(ids.UP_STAGED, "data"),
    prevent_initial_call=True,
)
def on_confirm(n_clicks: int | None, items: list[dict[str, Any]] | None) -> tuple[Any, Any]:
    if not n_clicks or not items:
        return no_update, no_update
    settings = context.settings()
    stored = []
    for item in items:
        if item["status"] != "checked":
            continue
        blob = (_staging_dir() / item["sha256"]).read_bytes()
        result = service.ingest_as(
            context.engine(), blob, item["file_name"], context.account(), settings
        )
        stored.append(_as_item(result, item["sha256"]))
    saved = sum(1 for s in stored if s["status"] in ("accepted", "duplicate"))
    message = html.Div(
        [
            html.Strong(f"Đã lưu {fmt_number(saved)} tệp. "),
            "Số liệu trên các trang đã được cập nhật. ",
            dcc.Link("Xem tổng quan", href="/"),
        ],
        className="notice ok",
        **{"data-testid": "upload-saved"},
    )
    return message, make_results(stored)


@callback(
    Output(ids.UP_DOWNLOAD, "data"),
    Input({"role": "annotate", "index": ALL}, "n_clicks"),
    State(ids.UP_STAGED, "data"),
    prevent_initial_call=True,
)
def on_annotate(clicks: list[int | None], items: list[dict[str, Any]] | None) -> Any:
    if not items or not any(clicks):
        return no_update
    item = items[ctx.triggered_id["index"]]
    from etl.problems import Problem

    blob = (_staging_dir() / item["sha256"]).read_bytes()
    marked = annotate(blob, [Problem(**p) for p in item["problems"]], item["file_name"])
    if marked is None:
        return no_update
    stem = Path(item["file_name"]).stem or "bao_cao"
    suffix = ".xlsm" if item["file_name"].lower().endswith(".xlsm") else ".xlsx"
    return dcc.send_bytes(marked, f"{stem}_danh_dau_loi{suffix}")
