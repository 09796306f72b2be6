"""The callbacks of «Tài khoản» on /quan-tri (pages/admin.py lays the page out): the accounts
table, the edit form filled from the chosen account, and every action on an account.

Each action goes through etl.storage.accounts (the change and its audit entry in one
transaction) with the signed-in admin as the actor. An admin never locks themselves out: their
own account cannot be locked or given another role here."""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, callback, ctx, no_update

from components import ids
from components.accounts_view import (
    AccountFacts,
    account_options,
    make_account_outcome,
    make_account_table,
    make_picked,
    unit_options,
)
from etl.core.vocabulary import ROLE_LABELS, Role
from etl.storage import accounts
from web import context, policy

policy.protect_outputs(
    policy.ADMIN,
    ids.AC_LIST,
    ids.AC_PICK,
    ids.AC_UNITS,
    ids.AC_NEW_UNITS,
    ids.AC_PICKED,
    ids.AC_ROLE,
    ids.AC_EMAIL,
    ids.AC_DISABLE,
    ids.AC_ENABLE,
    ids.AC_OUTCOME,
    ids.AC_DONE,
    ids.AC_NEW_PASSWORD,
    ids.AC_PASSWORD,
    ids.AC_TOKEN_LABEL,
)
REFUSED = policy.PAGE_REFUSED[policy.ADMIN]
# the buttons of the section, by the action each asks for
BUTTONS = {
    ids.AC_ADD: "add",
    ids.AC_SAVE_ROLE: "role",
    ids.AC_SAVE_EMAIL: "email",
    ids.AC_DISABLE: "disable",
    ids.AC_ENABLE: "enable",
    ids.AC_SET_PASSWORD: "password",
    ids.AC_TOKEN: "token",
}
# the form's fields the buttons read, in the order of the callback's states after the buttons
FIELDS = (
    "new_username",
    "new_full_name",
    "new_role",
    "new_units",
    "new_email",
    "new_password",
    "pick",
    "role",
    "units",
    "email",
    "password",
    "token_label",
    "done",
)


@callback(
    Output(ids.AC_LIST, "children"),
    Output(ids.AC_PICK, "options"),
    Output(ids.AC_UNITS, "options"),
    Output(ids.AC_NEW_UNITS, "options"),
    Input(ids.ADMIN_URL, "pathname"),
    Input(ids.AC_DONE, "data"),
)
def render_accounts(_path: str | None, _done: Any) -> tuple[Any, Any, Any, Any]:
    """Every account with its role, units, e-mail, state, last login and API tokens."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return context.forbidden(REFUSED), [], [], []
    engine = context.engine()
    rows = accounts.list_accounts(engine)
    held = {u for a in rows for u in a.unit_ids}
    facts = AccountFacts(
        unit_names=accounts.unit_names(engine, held),
        tokens=accounts.active_token_counts(engine),
        me=acc.username,
    )
    units = unit_options(accounts.unit_choices(engine))
    return make_account_table(rows, facts), account_options(rows), units, units


@callback(
    Output(ids.AC_PICK, "value"),
    Input({"type": ids.AC_EDIT, "user": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def pick_from_table(_clicks: list[int | None]) -> Any:
    """«Sửa» in an account's row chooses it in the form."""
    trigger = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value") or not isinstance(trigger, dict):
        return no_update  # a button just drawn, not clicked
    username = trigger.get("user")
    return username if isinstance(username, str) else no_update


@callback(
    Output(ids.AC_PICKED, "children"),
    Output(ids.AC_ROLE, "value"),
    Output(ids.AC_UNITS, "value"),
    Output(ids.AC_EMAIL, "value"),
    Output(ids.AC_DISABLE, "disabled"),
    Output(ids.AC_ENABLE, "disabled"),
    Input(ids.AC_PICK, "value"),
    Input(ids.AC_DONE, "data"),
)
def fill_form(username: Any, _done: Any) -> tuple[Any, ...]:
    """The chosen account's role, units and e-mail in the form; «Khóa» for an active account
    other than one's own, «Mở khóa» for a locked one."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return REFUSED, None, [], "", True, True
    chosen = (
        accounts.get_account(context.engine(), username=username)
        if isinstance(username, str) and username
        else None
    )
    if chosen is None:
        return make_picked(None, acc.username), None, [], "", True, True
    return (
        make_picked(chosen, acc.username),
        chosen.role,
        sorted(chosen.unit_ids),
        chosen.email or "",
        not chosen.active or chosen.username == acc.username,
        chosen.active,
    )


def _unit_ids(values: Any) -> list[int]:
    """Unit ids chosen in a form (sent back by the browser): every one a known unit."""
    if values is None:
        return []
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise accounts.AccountError("Đơn vị đã chọn không hợp lệ / invalid units")
    known = {c.id for c in accounts.unit_choices(context.engine())}
    if unknown := [v for v in values if v not in known]:
        raise accounts.AccountError(
            f"Không có đơn vị số {', '.join(map(str, unknown))} / unknown units"
        )
    return sorted(set(values))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def account_action(action: str, fields: dict[str, Any]) -> tuple[str, bool, str | None]:
    """Do `action` (a value of BUTTONS) as the signed-in admin with the form's `fields`:
    (the message shown, whether it was done, a new API token to show once)."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return "Chỉ quản trị viên được sửa tài khoản.", False, None
    engine, me = context.engine(), acc.username
    try:
        if action == "add":
            role = fields.get("new_role")
            if not isinstance(role, str) or not role:
                return "Cần chọn vai trò cho tài khoản mới.", False, None
            password = fields.get("new_password")
            made = accounts.create_account(
                engine,
                _text(fields.get("new_username")),
                password if isinstance(password, str) else "",
                role,
                unit_ids=_unit_ids(fields.get("new_units")),
                full_name=_text(fields.get("new_full_name")) or None,
                actor=me,
                email=_text(fields.get("new_email")) or None,
            )
            return (
                f"Đã thêm tài khoản «{made.username}» ({ROLE_LABELS.get(made.role, made.role)}).",
                True,
                None,
            )
        username = fields.get("pick")
        if not isinstance(username, str) or not username:
            return "Cần chọn tài khoản cần sửa.", False, None
        own = username == me
        if action == "role":
            role = fields.get("role")
            if not isinstance(role, str) or not role:
                return "Cần chọn vai trò.", False, None
            if own and role != Role.ADMIN:
                return "Không tự bỏ quyền quản trị của chính mình được.", False, None
            done = accounts.set_role(engine, username, role, _unit_ids(fields.get("units")), me)
            return (
                f"«{done.username}»: {ROLE_LABELS.get(done.role, done.role)}, "
                f"{len(done.unit_ids)} đơn vị được nộp.",
                True,
                None,
            )
        if action == "email":
            done = accounts.set_email(engine, username, _text(fields.get("email")) or None, me)
            return (
                f"«{done.username}»: "
                + (f"e-mail {done.email}." if done.email else "đã xóa địa chỉ e-mail."),
                True,
                None,
            )
        if action == "disable":
            if own:
                return "Không tự khóa tài khoản của chính mình được.", False, None
            accounts.set_active(engine, username, False, me)
            return (
                f"Đã khóa «{username}»: không đăng nhập được, mọi mã API của tài khoản "
                "thôi hiệu lực.",
                True,
                None,
            )
        if action == "enable":
            accounts.set_active(engine, username, True, me)
            return f"Đã mở khóa «{username}».", True, None
        if action == "password":
            password = fields.get("password")
            accounts.set_password(
                engine, username, password if isinstance(password, str) else "", me
            )
            return (
                f"Đã đặt mật khẩu mới cho «{username}». Hãy báo mật khẩu cho người dùng "
                "qua kênh riêng.",
                True,
                None,
            )
        if action == "token":
            label = _text(fields.get("token_label"))
            if not label:
                return "Cần nhãn cho mã API (mã dùng để làm gì).", False, None
            target = accounts.get_account(engine, username=username)
            if target is not None and not target.active:
                return f"Tài khoản «{username}» đang bị khóa: mở khóa trước.", False, None
            token = accounts.create_token(engine, username, label, me)
            return f"Đã tạo mã API «{label}» cho «{username}»:", True, token
    except accounts.AccountError as err:
        return context.vietnamese(err), False, None
    return "Không rõ việc cần làm.", False, None


@callback(
    Output(ids.AC_OUTCOME, "children"),
    Output(ids.AC_DONE, "data"),
    Output(ids.AC_NEW_PASSWORD, "value"),
    Output(ids.AC_PASSWORD, "value"),
    Output(ids.AC_TOKEN_LABEL, "value"),
    *(Input(button, "n_clicks") for button in BUTTONS),
    State(ids.AC_NEW_USERNAME, "value"),
    State(ids.AC_NEW_FULL_NAME, "value"),
    State(ids.AC_NEW_ROLE, "value"),
    State(ids.AC_NEW_UNITS, "value"),
    State(ids.AC_NEW_EMAIL, "value"),
    State(ids.AC_NEW_PASSWORD, "value"),
    State(ids.AC_PICK, "value"),
    State(ids.AC_ROLE, "value"),
    State(ids.AC_UNITS, "value"),
    State(ids.AC_EMAIL, "value"),
    State(ids.AC_PASSWORD, "value"),
    State(ids.AC_TOKEN_LABEL, "value"),
    State(ids.AC_DONE, "data"),
    prevent_initial_call=True,
)
def on_account_action(*args: Any) -> tuple[Any, ...]:
    """A button of the section: the outcome (a new token shown once); when done, the table,
    the form and the audit log refresh. The password fields are emptied either way."""
    fields = dict(zip(FIELDS, args[len(BUTTONS) :], strict=True))
    trigger = ctx.triggered_id
    clicked = ctx.triggered and ctx.triggered[0].get("value")
    if not clicked or not isinstance(trigger, str) or trigger not in BUTTONS:
        return no_update, no_update, no_update, no_update, no_update
    message, ok, token = account_action(BUTTONS[trigger], fields)
    done = fields["done"] if isinstance(fields["done"], int) else 0
    return (
        make_account_outcome(message, ok, token),
        done + 1 if ok else no_update,
        "",
        "",
        "" if ok and token else no_update,
    )
