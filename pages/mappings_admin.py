"""Cách ghép cột đã lưu, on the administration page (pages/admin.py lays the section out with
components/mappings_view.py and imports this module for its callbacks): the header mappings
kept per reporting unit, and «Xóa» for one. Admins only: the outputs are protected, and each
action checks the signed-in account again."""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, callback, ctx, no_update

from components import ids
from components.mappings_view import (
    MP_DELETE,
    MP_DONE,
    MP_LIST,
    MP_OUTCOME,
    make_mappings_list,
    make_mappings_outcome,
)
from etl.storage import db, mappings
from web import context, policy

policy.protect_outputs(policy.ADMIN, MP_LIST, MP_OUTCOME, MP_DONE)


@callback(Output(MP_LIST, "children"), Input(ids.ADMIN_URL, "pathname"), Input(MP_DONE, "data"))
def render_mappings(_path: str | None, _done: Any) -> Any:
    """Every kept mapping, by reporting unit, form and header text."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(policy.PAGE_REFUSED[policy.ADMIN])
    with db.reading(context.engine()) as conn:
        rows = mappings.list_all(conn)
    return make_mappings_list(rows)


@callback(
    Output(MP_OUTCOME, "children"),
    Output(MP_DONE, "data"),
    Input({"type": MP_DELETE, "mapping": ALL}, "n_clicks"),
    State(MP_DONE, "data"),
    prevent_initial_call=True,
)
def on_delete(_clicks: list[int | None], done: Any) -> tuple[Any, Any]:
    """«Xóa»: forget one kept mapping (audited); the list refreshes."""
    trigger = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value") or not isinstance(trigger, dict):
        return no_update, no_update  # a button just drawn, not clicked
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return make_mappings_outcome("Chỉ quản trị viên được xóa cách ghép cột.", False), no_update
    mapping_id = db.stored_key(trigger.get("mapping"))
    if mapping_id is None:
        return make_mappings_outcome("Không rõ cách ghép cột cần xóa.", False), no_update
    with context.engine().begin() as conn:
        gone = mappings.delete_one(conn, mapping_id, acc.username)
    if gone is None:
        return make_mappings_outcome("Cách ghép cột này không còn (đã bị xóa).", False), no_update
    text = f"Đã xóa cách ghép cột «{gone.header_text}» của {gone.owner} (Biểu {gone.form})."
    return make_mappings_outcome(text, True), (done if isinstance(done, int) else 0) + 1
