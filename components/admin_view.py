"""The administration page's summary of the review queue: how many returns wait, with the way
to the review page."""

from __future__ import annotations

from dash import dcc, html

from etl.core.formatting import fmt_number
from etl.core.vocabulary import ReviewStatus


def make_queue_summary(counts: dict[str, int]) -> html.Div:
    """Returns waiting, approved and returned (by their latest review), and the link."""
    waiting = counts.get(ReviewStatus.CHO_DUYET, 0)
    text = (
        f"{fmt_number(waiting)} báo cáo đang chờ duyệt"
        if waiting
        else "Không có báo cáo nào đang chờ duyệt"
    )
    return html.Div(
        [
            html.Strong(text, **{"data-testid": "admin-waiting"}),
            html.Span(
                f"đã duyệt {fmt_number(counts.get(ReviewStatus.DA_DUYET, 0))}, "
                f"đã trả lại {fmt_number(counts.get(ReviewStatus.TRA_LAI, 0))}",
                className="small",
            ),
            dcc.Link("Mở trang Duyệt báo cáo →", href="/duyet-bao-cao", className="link-button"),
        ],
        className="admin-queue",
    )
