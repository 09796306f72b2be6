"""The callbacks of «Phiên đăng nhập» on the administration page (components/sessions_view.py
draws it; pages/admin.py places it): the open sign-in sessions by account, and each account's
«Kết thúc mọi phiên», which ends them all as the signed-in admin (an audit entry says so). Not
a page of its own: pages/admin.py imports it."""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, callback, ctx, no_update

from components import ids
from components.sessions_view import make_session_list, make_sessions_outcome
from etl.storage import accounts
from web import context, policy

policy.protect_outputs(policy.ADMIN, ids.SS_LIST, ids.SS_OUTCOME, ids.SS_DONE)
REFUSED = policy.PAGE_REFUSED[policy.ADMIN]


@callback(
    Output(ids.SS_LIST, "children"), Input(ids.ADMIN_URL, "pathname"), Input(ids.SS_DONE, "data")
)
def render_sessions(_path: str | None, _done: Any = None) -> Any:
    """The open sessions of every account."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED)
    return make_session_list(accounts.open_sessions(context.engine()))


def end_sessions_of(username: Any) -> tuple[Any, bool]:
    """End every session of `username` as the signed-in admin: (the message shown, whether
    anything was done)."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return make_sessions_outcome("Chỉ quản trị viên được kết thúc phiên.", False), False
    if not isinstance(username, str) or not username:
        return make_sessions_outcome("Không rõ tài khoản cần kết thúc phiên.", False), False
    try:
        ended = accounts.end_sessions(context.engine(), username, actor=acc.username)
    except accounts.AccountError:
        return make_sessions_outcome(f"Không có tài khoản «{username}».", False), False
    if ended == 0:
        return make_sessions_outcome(f"«{username}» không có phiên nào đang mở.", True), True
    text = f"Đã kết thúc {ended} phiên của «{username}»."
    if username == acc.username:
        text += " Phiên này cũng đã kết thúc: hãy đăng nhập lại."
    return make_sessions_outcome(text, True), True


@callback(
    Output(ids.SS_OUTCOME, "children"),
    Output(ids.SS_DONE, "data"),
    Input({"type": ids.SS_END, "account": ALL}, "n_clicks"),
    State(ids.SS_DONE, "data"),
    prevent_initial_call=True,
)
def on_end_sessions(_clicks: list[int | None], done: Any) -> tuple[Any, Any]:
    """An account's «Kết thúc mọi phiên»: the outcome, and (when done) the list refreshes."""
    trigger = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update  # a button just drawn, not clicked
    if not isinstance(trigger, dict) or trigger.get("type") != ids.SS_END:
        return no_update, no_update
    message, ok = end_sessions_of(trigger.get("account"))
    count = done if isinstance(done, int) else 0
    return message, (count + 1 if ok else no_update)
