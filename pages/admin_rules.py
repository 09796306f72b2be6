"""The callbacks of «Quy tắc sáp nhập» on the administration page: the merged-province baseline
rule in force and an administrator's choice of another (etl.storage.rules: a row of its own
and its audit entry, in one transaction). docs/domain.md, "Provinces and mergers"."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, callback, ctx, no_update

from components import ids
from components.rules_view import make_rule_outcome, make_rule_state
from etl.core.rules import MERGER_RULE, value_in_force
from etl.measures.provinces import MERGER_RULE_LABELS
from etl.storage import rules as stored
from web import context, policy

policy.protect_outputs(policy.ADMIN, ids.RU_CONTENT, ids.RU_CHOICE, ids.RU_OUTCOME, ids.RU_DONE)
ONLY_ADMINS = "Chỉ quản trị viên được đổi quy tắc sáp nhập."
REFUSED = policy.PAGE_REFUSED[policy.ADMIN]


@callback(
    Output(ids.RU_CONTENT, "children"),
    Output(ids.RU_CHOICE, "value"),
    Input(ids.ADMIN_URL, "pathname"),
    Input(ids.RU_DONE, "data"),
)
def render_rule(_path: str | None, _done: Any = None) -> tuple[Any, Any]:
    """The rule in force (who chose it and when, or the setting's default), the earlier
    choices, and the form's choice set to the rule in force."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED), no_update
    with context.engine().connect() as conn:
        choices = stored.history(conn, MERGER_RULE)
    current = choices[0] if choices else None
    value = value_in_force({MERGER_RULE: current} if current else {}, MERGER_RULE)
    return make_rule_state(value, current, choices[1:]), value


def rule_action(value: Any) -> tuple[Any, bool]:
    """Put the rule `value` in force as the signed-in admin: (the message shown, whether it
    was done)."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return make_rule_outcome(ONLY_ADMINS, False), False
    try:
        with context.engine().begin() as conn:
            stored.set_rule(conn, MERGER_RULE, value, actor=acc.username)
    except stored.RuleError as err:
        return make_rule_outcome(str(err), False), False
    label = MERGER_RULE_LABELS[value]
    return make_rule_outcome(f"Đã áp dụng quy tắc «{label}»; số liệu được tính lại.", True), True


@callback(
    Output(ids.RU_OUTCOME, "children"),
    Output(ids.RU_DONE, "data"),
    Input(ids.RU_SAVE, "n_clicks"),
    State(ids.RU_CHOICE, "value"),
    State(ids.RU_DONE, "data"),
    prevent_initial_call=True,
)
def on_rule_save(_save: Any, value: Any, done: Any) -> tuple[Any, Any]:
    """«Lưu quy tắc»: the outcome, and (when done) the section and the audit log refresh."""
    done = done if isinstance(done, int) and not isinstance(done, bool) else 0
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update
    message, ok = rule_action(value)
    return message, (done + 1 if ok else no_update)
