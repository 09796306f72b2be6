"""The callbacks of «Phiên đăng nhập» on the administration page (components/sessions_view.py
draws it; pages/admin.py places it): an account's open sign-in sessions, and «Kết thúc mọi
phiên», which ends them all as the signed-in admin (an audit entry says so). Not a page of its
own: pages/admin.py imports it."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, callback, no_update

from components import ids
from components.sessions_view import make_session_list, make_sessions_outcome
from etl.storage import accounts
from web import context, policy

policy.protect_outputs(policy.ADMIN, ids.SS_ACCOUNT, ids.SS_LIST, ids.SS_OUTCOME, ids.SS_DONE)
REFUSED = policy.PAGE_REFUSED[policy.ADMIN]


@callback(
    Output(ids.SS_ACCOUNT, "options"), Input(ids.ADMIN_URL, "pathname"), Input(ids.SS_DONE, "data")
)
def account_options(_path: str | None, _done: Any = None) -> list[dict[str, str]]:
    """Every account, to choose whose sessions to list."""
    if not policy.may(policy.ADMIN):
        return []
    return [
        {"label": a.username + ("" if a.active else " (đã khóa)"), "value": a.username}
        for a in accounts.list_accounts(context.engine())
    ]


@callback(
    Output(ids.SS_LIST, "children"), Input(ids.SS_ACCOUNT, "value"), Input(ids.SS_DONE, "data")
)
def render_sessions(username: Any, _done: Any = None) -> Any:
    """The open sessions of the chosen account."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED)
    if not isinstance(username, str) or not username:
        return make_session_list(None, [])
    try:
        sessions = accounts.open_sessions(context.engine(), username)
    except accounts.AccountError:
        return make_sessions_outcome(f"Không có tài khoản «{username}».", False)
    return make_session_list(username, sessions)


@callback(
    Output(ids.SS_OUTCOME, "children"),
    Output(ids.SS_DONE, "data"),
    Input(ids.SS_END, "n_clicks"),
    State(ids.SS_ACCOUNT, "value"),
    State(ids.SS_DONE, "data"),
    prevent_initial_call=True,
)
def on_end_sessions(clicks: Any, username: Any, done: Any) -> tuple[Any, Any]:
    """«Kết thúc mọi phiên»: every session of the chosen account ends, as the signed-in admin."""
    if not clicks:
        return no_update, no_update
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return make_sessions_outcome("Chỉ quản trị viên được kết thúc phiên.", False), no_update
    if not isinstance(username, str) or not username:
        return make_sessions_outcome("Chọn tài khoản cần kết thúc phiên.", False), no_update
    try:
        ended = accounts.end_sessions(context.engine(), username, actor=acc.username)
    except accounts.AccountError:
        return make_sessions_outcome(f"Không có tài khoản «{username}».", False), no_update
    if ended == 0:
        text = f"«{username}» không có phiên nào đang mở."
    else:
        text = f"Đã kết thúc {ended} phiên của «{username}»."
        if username == acc.username:
            text += " Phiên này cũng đã kết thúc: hãy đăng nhập lại."
    count = done if isinstance(done, int) else 0
    return make_sessions_outcome(text, True), count + 1
