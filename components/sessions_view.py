"""Phiên đăng nhập on the administration page: an account's open sign-in sessions (since when,
last used, from which address and browser) and «Kết thúc mọi phiên», which ends them all
(pages/admin_sessions.py holds the callbacks; docs/security.md, "Sessions")."""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html

from components import ids
from etl.core.formatting import fmt_moment
from etl.storage.accounts import SignInSession


def make_sessions_section() -> html.Div:
    """The section's static part: the account chosen, its sessions' place, the button."""
    return html.Div(
        [
            html.H2("Phiên đăng nhập"),
            html.P(
                "Phiên kết thúc khi người dùng đăng xuất, khi đổi mật khẩu, đổi vai trò, khóa "
                "tài khoản, hoặc khi quản trị viên bấm «Kết thúc mọi phiên»; phiên không dùng "
                "quá 8 giờ cũng hết hạn.",
                className="small",
            ),
            dcc.Store(id=ids.SS_DONE, data=0),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Tài khoản", htmlFor=ids.SS_ACCOUNT),
                            dcc.Dropdown(
                                id=ids.SS_ACCOUNT,
                                options=[],
                                placeholder="Chọn tài khoản",
                                clearable=False,
                                style={"width": "320px"},
                            ),
                        ],
                        className="filter",
                    ),
                    html.Button(
                        "Kết thúc mọi phiên",
                        id=ids.SS_END,
                        className="button",
                        title="Đăng xuất tài khoản này ở mọi nơi đang đăng nhập",
                    ),
                ],
                className="filters",
            ),
            html.Div(id=ids.SS_OUTCOME),
            html.Div(id=ids.SS_LIST),
        ],
        className="panel",
        style={"marginBottom": "16px"},
    )


def make_session_list(username: str | None, sessions: Sequence[SignInSession]) -> html.Div:
    """The open sessions of `username`, the most recently used first."""
    if not username:
        return html.Div(html.P("Chọn tài khoản để xem các phiên đang mở.", className="small"))
    if not sessions:
        return html.Div(
            html.P(f"Không có phiên nào đang mở của «{username}».", className="small"),
            **{"data-testid": "sessions-none"},
        )
    head = html.Tr(
        [
            html.Th("Đăng nhập lúc"),
            html.Th("Dùng lần cuối"),
            html.Th("Địa chỉ"),
            html.Th("Trình duyệt"),
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(fmt_moment(s.created_at)),
                html.Td(fmt_moment(s.last_seen_at)),
                html.Td(s.remote_addr or "không rõ"),
                html.Td(s.user_agent or "không rõ", className="small"),
            ]
        )
        for s in sessions
    ]
    return html.Div(
        [
            html.P(f"{len(sessions)} phiên đang mở của «{username}».", className="small"),
            html.Table([html.Thead(head), html.Tbody(body)], className="table"),
        ],
        **{"data-testid": "sessions-list"},
    )


def make_sessions_outcome(text: str, ok: bool) -> html.Div:
    """What became of «Kết thúc mọi phiên» (or why it was refused)."""
    return html.Div(
        text,
        className="notice ok" if ok else "notice",
        role="status" if ok else "alert",
        **{"data-testid": "sessions-outcome"},
    )
