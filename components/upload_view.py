"""The upload page's pieces: per-file result, problems table, preview, template links, and the
account's submitted returns with the Department's review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from dash import dcc, html

from components import ids
from components.grids import column, make_grid
from components.mappings_view import make_mapping_panels
from etl.core.formatting import fmt_moment, fmt_number
from etl.core.forms import FORMS
from etl.core.problem_codes import problem_name
from etl.core.vocabulary import IngestStatus, ReviewStatus
from etl.reading.package import safe_to_reopen
from etl.storage.reviews import SubmissionRow

# the background check (pages/upload.py): the staged files, and web.background's
# progress block for the prefix "upload"
UP_QUEUE = "upload-queue"
UP_PROGRESS_PREFIX = "upload"

STATUS_TEXT = {
    IngestStatus.CHECKED: ("Hợp lệ — sẵn sàng lưu", "ok"),
    IngestStatus.ACCEPTED: ("Đã lưu", "ok"),
    IngestStatus.DUPLICATE: ("Tệp này đã được nộp trước đây — không thay đổi gì", "info"),
    IngestStatus.REFUSED: ("Bị từ chối — chưa lưu gì", "bad"),
}


def make_templates_links() -> html.Div:
    return html.Div(
        [
            html.Span("Tải biểu mẫu trống: "),
            *[
                html.A(
                    f"Biểu {code}",
                    href=f"/templates/{code}.xlsx",
                    className="template-link",
                    title=form.title.capitalize(),
                )
                for code, form in sorted(FORMS.items())
            ],
        ],
        className="templates",
    )


def make_file_result(item: dict[str, Any], index: int) -> html.Div:
    """One uploaded file: status, problems (sheet, cell, value, message), preview."""
    label, tone = STATUS_TEXT[item["status"]]
    problems = item["problems"]
    errors = [p for p in problems if p["severity"] == "error"]
    warnings = [p for p in problems if p["severity"] != "error"]
    children: list[Any] = [
        html.Div(
            [
                html.Strong(item["file_name"]),
                html.Span(label, className=f"badge badge-{tone}", **{"data-testid": "file-status"}),
            ],
            className="file-head",
        )
    ]
    # a file that cannot be opened again (not a spreadsheet, damaged, hostile) has no cells to
    # mark: no button that would do nothing
    markable = safe_to_reopen(p.get("code", "") for p in problems)
    if errors:
        children.append(
            html.P(
                f"{fmt_number(len(errors))} lỗi cần sửa"
                + (f", {fmt_number(len(warnings))} lưu ý" if warnings else "")
                + (
                    ". Sửa các ô dưới đây rồi nộp lại; có thể tải tệp đã được đánh dấu lỗi."
                    if markable
                    else ". Sửa tệp theo hướng dẫn dưới đây rồi nộp lại."
                ),
                className="small",
            )
        )
        if markable:
            children.append(
                html.Button(
                    "Tải tệp đã đánh dấu lỗi",
                    id={"role": "annotate", "index": index},
                    className="button",
                )
            )
    stored_done = item["status"] in (IngestStatus.ACCEPTED, IngestStatus.DUPLICATE)
    children += make_mapping_panels(item, index, stored_done)
    if problems:
        rows = [
            {
                "severity": "Lỗi" if p["severity"] == "error" else "Lưu ý",
                "sheet": p["sheet"],
                "cell": p["cell"],
                "value": p["value"],
                "message": p["message_vi"],
                "code": problem_name(p["code"]),
            }
            for p in errors + warnings
        ]
        import pandas as pd

        children.append(
            make_grid(
                {"role": "problems", "index": index},
                pd.DataFrame(rows),
                [
                    column("severity", "Mức", maxWidth=90),
                    column("sheet", "Trang", maxWidth=130),
                    column("cell", "Ô", maxWidth=80),
                    column("value", "Giá trị", maxWidth=160),
                    column("message", "Nội dung", minWidth=420, wrapText=True, autoHeight=True),
                    column("code", "Loại", maxWidth=200, wrapText=True, autoHeight=True),
                ],
                height_px=min(420, 90 + 42 * len(rows)),
                csv_name="loi.csv",
            )
        )
    preview = item.get("preview") or []
    if preview and not errors:
        import pandas as pd

        children.append(html.H4(f"Sẽ lưu {fmt_number(len(preview))} dòng (xem trước)"))
        frame = pd.DataFrame(preview)
        frame["new_unit"] = frame["new_unit"].map({True: "mới", False: ""})
        children.append(
            make_grid(
                {"role": "preview", "index": index},
                frame,
                [
                    column("sheet", "Trang", maxWidth=130),
                    column("cell", "Ô", maxWidth=80),
                    column("unit", "Đơn vị / sự kiện", minWidth=300),
                    column("new_unit", "Đơn vị mới", maxWidth=110),
                    column("figures", "Số được giao theo năm", minWidth=240),
                ],
                height_px=min(360, 90 + 42 * len(preview)),
                csv_name="xem_truoc.csv",
            )
        )
    return html.Div(children, className=f"panel file-result file-{tone}")


def make_results(items: list[dict[str, Any]]) -> list[Any]:
    if not items:
        return []
    ready = sum(1 for i in items if i["status"] == IngestStatus.CHECKED)
    out: list[Any] = [make_file_result(item, n) for n, item in enumerate(items)]
    if ready:
        out.insert(
            0,
            html.Div(
                [
                    html.Span(f"{fmt_number(ready)} tệp hợp lệ. "),
                    html.Button(
                        "Lưu các tệp hợp lệ", id=ids.UP_CONFIRM, className="button primary"
                    ),
                ],
                className="confirm-bar",
            ),
        )
    return out


def make_submitted(rows: Sequence[SubmissionRow]) -> html.Div:
    """«Báo cáo đã nộp»: the returns an account submitted (or that report for its units),
    newest first, with the review status and the reviewer's comment, so a clerk sees a
    returned file and why, and can submit a corrected one."""
    children: list[Any] = [html.H3("Báo cáo đã nộp")]
    if not rows:
        children.append(html.P("Chưa có báo cáo nào được nộp.", className="small"))
        return html.Div(children, className="panel", **{"data-testid": "submitted"})
    returned = sum(1 for r in rows if r.status == ReviewStatus.TRA_LAI)
    waiting = sum(1 for r in rows if r.status == ReviewStatus.CHO_DUYET)
    parts = []
    if waiting:
        parts.append(f"{fmt_number(waiting)} báo cáo đang chờ Sở Nội vụ duyệt.")
    if returned:
        parts.append(
            f"{fmt_number(returned)} báo cáo bị trả lại: xem nhận xét, sửa tệp rồi nộp lại."
        )
    if parts:
        tone = "notice" if returned else "small"
        children.append(html.P(" ".join(parts), className=tone))
    frame = pd.DataFrame(
        [
            {
                "file_name": r.file_name,
                "uploaded_at": fmt_moment(r.uploaded_at),
                "period": r.period or "",
                "reporting_unit": r.reporting_unit or "",
                "status": _status_label(r.status),
                "comment": r.comment or "",
            }
            for r in rows
        ]
    )
    children.append(
        make_grid(
            "upload-submitted-grid",
            frame,
            [
                column("file_name", "Tệp", minWidth=220),
                column("uploaded_at", "Thời gian nộp", maxWidth=170),
                column("period", "Kỳ báo cáo", maxWidth=220),
                column("reporting_unit", "Đơn vị báo cáo", minWidth=200),
                column("status", "Trạng thái", maxWidth=130),
                column(
                    "comment",
                    "Nhận xét của Sở Nội vụ",
                    minWidth=300,
                    wrapText=True,
                    autoHeight=True,
                ),
            ],
            height_px=min(420, 90 + 42 * len(rows)),
            csv_name="bao_cao_da_nop.csv",
        )
    )
    return html.Div(children, className="panel", **{"data-testid": "submitted"})


def _status_label(status: str | None) -> str:
    return ReviewStatus(status).label if status in set(ReviewStatus) else ""


__all__ = ["dcc", "make_results", "make_submitted", "make_templates_links"]
