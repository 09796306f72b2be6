"""Quản trị: accounts and the audit log (admins only). Accounts are managed with
`python -m etl user …`; this page shows who may do what and everything that was done."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, callback, dcc, html

from components import ids
from components.grids import column, make_grid
from etl.core.vocabulary import ROLE_LABELS
from etl.storage import accounts
from web import context, policy

dash.register_page(
    __name__, path="/quan-tri", name="Quản trị", title="Quản trị", order=6, access=policy.ADMIN
)
policy.protect_outputs(policy.ADMIN, ids.ADMIN_CONTENT)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [dcc.Location(id=ids.ADMIN_URL), dcc.Loading(html.Div(id=ids.ADMIN_CONTENT), type="dot")]
    )


@callback(Output(ids.ADMIN_CONTENT, "children"), Input(ids.ADMIN_URL, "pathname"))
def render_admin(_path: str | None) -> list[Any]:
    if not policy.may(policy.ADMIN):
        return context.forbidden("Trang này dành cho quản trị viên.")
    engine = context.engine()
    names = context.dataset().units["name"]
    users = pd.DataFrame(
        [
            {
                "username": a.username,
                "role": ROLE_LABELS[a.role],
                "active": "đang dùng" if a.active else "đã khóa",
                "units": "; ".join(str(names.get(u, u)) for u in sorted(a.unit_ids)),
            }
            for a in accounts.list_accounts(engine)
        ]
    )
    log = pd.DataFrame(accounts.read_audit(engine))
    if len(log):
        log["at"] = pd.to_datetime(log["at"]).dt.strftime("%d/%m/%Y %H:%M:%S")
        log["detail"] = log["detail"].map(lambda d: ", ".join(f"{k}: {v}" for k, v in d.items()))
    return [
        html.H2("Tài khoản"),
        html.P(
            "Thêm, khóa, đổi vai trò bằng: python -m etl user add|list|disable|role|token",
            className="small",
        ),
        make_grid(
            "admin-users",
            users,
            [
                column("username", "Tên đăng nhập"),
                column("role", "Vai trò"),
                column("active", "Trạng thái"),
                column("units", "Đơn vị được nộp", minWidth=300),
            ],
            height_px=260,
        ),
        html.H2("Nhật ký"),
        make_grid(
            "admin-audit",
            log,
            [
                column("at", "Thời điểm"),
                column("actor", "Người thực hiện"),
                column("action", "Việc"),
                column("target", "Đối tượng", minWidth=240),
                column("detail", "Chi tiết", minWidth=300),
            ],
            height_px=480,
            csv_name="nhat_ky.csv",
        ),
    ]
