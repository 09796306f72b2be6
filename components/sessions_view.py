"""Phiên đăng nhập on the administration page: the open sign-in sessions of every account (since
when, last used, from which address and browser), and for each account «Kết thúc mọi phiên»,
which ends them all (pages/admin_sessions.py holds the callbacks; docs/security.md,
"Sessions")."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from dash import dcc, html

from components import ids
from etl.core.formatting import fmt_moment
from etl.storage.accounts import SignInSession


def end_id(username: str) -> dict[str, str]:
    """The id of an account's «Kết thúc mọi phiên» button."""
    return {"type": ids.SS_END, "account": username}


def make_sessions_section() -> html.Div:
    """The section's static part: the list's place and the outcome of ending sessions."""
    return html.Div(
        [
            html.H2("Phiên đăng nhập"),
            html.P(
                "Các phiên đang mở của từng tài khoản. Phiên kết thúc khi người dùng đăng xuất, "
                "khi đổi mật khẩu, đổi vai trò, khóa tài khoản, khi quản trị viên bấm «Kết thúc "
                "mọi phiên», hoặc khi không dùng quá 8 giờ.",
                className="small",
            ),
            dcc.Store(id=ids.SS_DONE, data=0),
            html.Div(id=ids.SS_OUTCOME),
            html.Div(id=ids.SS_LIST),
        ],
        className="panel",
        style={"marginBottom": "16px"},
    )


def make_session_list(sessions: Sequence[SignInSession]) -> html.Div:
    """The open sessions by account (as `accounts.open_sessions` orders them): a heading row
    per account with its «Kết thúc mọi phiên», then a row per session."""
    if not sessions:
        return html.Div(
            html.P("Không có phiên nào đang mở.", className="small"),
            **{"data-testid": "sessions-none"},
        )
    head = html.Tr(
        [
            html.Th("Tài khoản"),
            html.Th("Đăng nhập lúc"),
            html.Th("Dùng lần cuối"),
            html.Th("Địa chỉ"),
            html.Th("Trình duyệt"),
        ]
    )
    body = []
    for username, group in groupby(sessions, key=lambda s: s.username):
        rows = list(group)
        button = html.Button(
            "Kết thúc mọi phiên",
            id=end_id(username),
            className="button",
            style={"margin": 0},
            title=f"Đăng xuất «{username}» ở mọi nơi đang đăng nhập",
        )
        body.append(
            html.Tr(
                [
                    html.Td(html.Strong(username)),
                    html.Td(f"{len(rows)} phiên đang mở", colSpan=3),
                    html.Td(button),
                ],
                **{"data-testid": f"sessions-of-{username}"},
            )
        )
        body.extend(
            html.Tr(
                [
                    html.Td(""),
                    html.Td(fmt_moment(s.created_at)),
                    html.Td(fmt_moment(s.last_seen_at)),
                    html.Td(s.remote_addr or "không rõ"),
                    html.Td(s.user_agent or "không rõ", className="small"),
                ]
            )
            for s in rows
        )
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(body)], className="table"),
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
