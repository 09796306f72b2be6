"""Trang không tồn tại: what Dash shows for a path no page has (the module's name is Dash's
convention for its 404 page), in Vietnamese and with the way back."""

from __future__ import annotations

import dash
from dash import dcc, html

from web import policy

dash.register_page(__name__, path="/404", title="Không tìm thấy trang", access=policy.READ)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Không tìm thấy trang"),
            html.P(
                "Địa chỉ này không có trong hệ thống: có thể đường liên kết đã cũ hoặc gõ nhầm."
            ),
            html.P(
                [
                    dcc.Link("Về trang Tổng quan", href="/"),
                    " · ",
                    dcc.Link("Nộp báo cáo", href="/nop-bao-cao"),
                ]
            ),
        ],
        className="panel",
        **{"data-testid": "not-found"},
    )
