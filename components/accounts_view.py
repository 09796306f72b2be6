"""Tài khoản on the administration page: the accounts table (one row each, built by
`make_account_row`, so a column is added in one place), the form changing the chosen account
(role and units, e-mail, a new password, an API token, lock and unlock) and the form adding
one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from components import ids
from components.widgets import dropdown
from etl.core.formatting import fmt_moment
from etl.core.vocabulary import ROLE_LABELS, Role
from etl.storage.accounts import MIN_PASSWORD_CHARS, Account, UnitChoice

ROLE_ORDER = (Role.VIEWER, Role.UPLOADER, Role.REVIEWER, Role.ADMIN)
ROLE_OPTIONS = [{"label": ROLE_LABELS[r], "value": r.value} for r in ROLE_ORDER]
PASSWORD_RULE = (
    f"Mật khẩu có ít nhất {MIN_PASSWORD_CHARS} ký tự; người dùng nên đổi sau lần đăng nhập đầu."
)


@dataclass(frozen=True)
class AccountFacts:
    """What the table shows beside an account itself."""

    unit_names: Mapping[int, str]  # unit id → name
    tokens: Mapping[int, int]  # user id → unrevoked API tokens
    me: str  # the signed-in admin's username


def edit_id(username: str) -> dict[str, str]:
    """The id of an account row's «Sửa» button."""
    return {"type": ids.AC_EDIT, "user": username}


def _units_text(account: Account, facts: AccountFacts) -> str:
    if not account.unit_ids:
        return "—"
    return "; ".join(sorted(facts.unit_names.get(u, f"đơn vị #{u}") for u in account.unit_ids))


# (header, class of its cells, the cell of one account): the table's columns in order
Column = tuple[str, str | None, Callable[[Account, AccountFacts], Any]]
ACCOUNT_COLUMNS: list[Column] = [
    (
        "Tên đăng nhập",
        None,
        lambda a, f: [html.Strong(a.username), " (bạn)" if a.username == f.me else ""],
    ),
    ("Họ tên", None, lambda a, _f: a.full_name or "—"),
    ("Vai trò", None, lambda a, _f: ROLE_LABELS.get(a.role, a.role)),
    ("Đơn vị được nộp", None, _units_text),
    ("E-mail", None, lambda a, _f: a.email or "—"),
    (
        "Trạng thái",
        None,
        lambda a, _f: html.Span(
            "Đang dùng" if a.active else "Đã khóa",
            className="badge badge-ok" if a.active else "badge badge-bad",
        ),
    ),
    ("Đăng nhập lần cuối", None, lambda a, _f: fmt_moment(a.last_login_at, "chưa đăng nhập")),
    ("Mã API", "num", lambda a, f: str(f.tokens.get(a.id, 0))),
]


def make_account_row(account: Account, facts: AccountFacts) -> html.Tr:
    """One account: a cell per ACCOUNT_COLUMNS, then its «Sửa» button."""
    cells = [html.Td(cell(account, facts), className=cls) for _, cls, cell in ACCOUNT_COLUMNS]
    button = html.Button(
        "Sửa",
        id=edit_id(account.username),
        className="button",
        style={"margin": 0},
        title=f"Sửa tài khoản «{account.username}»",
    )
    return html.Tr(
        [*cells, html.Td(button)],
        className=None if account.active else "row-muted",
        **{"data-testid": f"account-{account.username}"},
    )


def make_account_table(rows: list[Account], facts: AccountFacts) -> html.Div:
    """Every account, by username."""
    if not rows:
        return html.Div(html.P("Chưa có tài khoản nào.", className="small"))
    head = html.Tr([*(html.Th(h, className=cls) for h, cls, _ in ACCOUNT_COLUMNS), html.Th("")])
    body = [make_account_row(a, facts) for a in rows]
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(body)], className="table"),
        className="table-scroll",
    )


def account_options(rows: list[Account]) -> list[dict[str, str]]:
    """The accounts the edit form may choose."""
    return [
        {
            "label": f"{a.username} — {ROLE_LABELS.get(a.role, a.role)}"
            + ("" if a.active else " (đã khóa)"),
            "value": a.username,
        }
        for a in rows
    ]


def unit_options(choices: list[UnitChoice]) -> list[dict[str, Any]]:
    return [{"label": c.label, "value": c.id} for c in choices]


def _field(label: str, component: Any, component_id: str, **style: Any) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=component_id), component], className="filter", style=style
    )


def _text(component_id: str, placeholder: str = "", kind: str = "text", **extra: Any) -> Any:
    return dcc.Input(
        id=component_id,
        type=kind,
        placeholder=placeholder,
        debounce=False,
        autoComplete="new-password" if kind == "password" else "off",
        **extra,
    )


def _units(component_id: str) -> dcc.Dropdown:
    return dropdown(
        id=component_id,
        options=[],
        multi=True,
        placeholder="Chọn đơn vị (gõ để tìm)…",
        optionHeight=40,
    )


def _role(component_id: str, value: str | None = None) -> dcc.Dropdown:
    return dropdown(
        id=component_id,
        options=ROLE_OPTIONS,
        value=value,
        clearable=False,
        searchable=False,
        placeholder="Chọn vai trò",
    )


def make_accounts_section() -> html.Div:
    """The section's static part: the table's place, the outcome and both forms."""
    button = "button"
    edit = html.Div(
        [
            html.H3("Sửa tài khoản"),
            html.Div(
                [
                    _field(
                        "Tài khoản",
                        dropdown(
                            id=ids.AC_PICK,
                            options=[],
                            placeholder="Chọn tài khoản cần sửa",
                        ),
                        ids.AC_PICK,
                        maxWidth="360px",
                    ),
                    html.Div(id=ids.AC_PICKED, className="picked"),
                ],
                className="filters",
            ),
            html.Div(
                [
                    _field("Vai trò", _role(ids.AC_ROLE), ids.AC_ROLE, maxWidth="260px"),
                    _field("Đơn vị được nộp", _units(ids.AC_UNITS), ids.AC_UNITS, flex="3 1 360px"),
                    html.Button("Lưu vai trò và đơn vị", id=ids.AC_SAVE_ROLE, className=button),
                ],
                className="filters",
            ),
            html.Div(
                [
                    _field(
                        "E-mail (để trống: xóa)",
                        _text(ids.AC_EMAIL, "ten@vidu.gov.vn", "email", maxLength=254),
                        ids.AC_EMAIL,
                    ),
                    html.Button("Lưu e-mail", id=ids.AC_SAVE_EMAIL, className=button),
                    _field(
                        "Mật khẩu mới",
                        _text(ids.AC_PASSWORD, f"ít nhất {MIN_PASSWORD_CHARS} ký tự", "password"),
                        ids.AC_PASSWORD,
                    ),
                    html.Button("Đặt mật khẩu mới", id=ids.AC_SET_PASSWORD, className=button),
                ],
                className="filters",
            ),
            html.Div(
                [
                    _field(
                        "Nhãn mã API",
                        _text(ids.AC_TOKEN_LABEL, "Ví dụ: phần mềm quản lý hồ sơ", maxLength=120),
                        ids.AC_TOKEN_LABEL,
                    ),
                    html.Button("Tạo mã API", id=ids.AC_TOKEN, className=button),
                    html.Button(
                        "Khóa tài khoản",
                        id=ids.AC_DISABLE,
                        className=button,
                        title="Không đăng nhập được nữa; mọi mã API của tài khoản thôi hiệu lực",
                    ),
                    html.Button("Mở khóa", id=ids.AC_ENABLE, className=button),
                ],
                className="filters",
            ),
        ]
    )
    add = html.Div(
        [
            html.H3("Thêm tài khoản"),
            html.Div(
                [
                    _field(
                        "Tên đăng nhập",
                        _text(ids.AC_NEW_USERNAME, "ví dụ: sonoivu.duyet", maxLength=80),
                        ids.AC_NEW_USERNAME,
                    ),
                    _field(
                        "Họ tên",
                        _text(ids.AC_NEW_FULL_NAME, "không bắt buộc", maxLength=160),
                        ids.AC_NEW_FULL_NAME,
                    ),
                    _field("Vai trò", _role(ids.AC_NEW_ROLE), ids.AC_NEW_ROLE, maxWidth="260px"),
                ],
                className="filters",
            ),
            html.Div(
                [
                    _field(
                        "Đơn vị được nộp (tài khoản đơn vị)",
                        _units(ids.AC_NEW_UNITS),
                        ids.AC_NEW_UNITS,
                        flex="3 1 360px",
                    ),
                    _field(
                        "E-mail",
                        _text(ids.AC_NEW_EMAIL, "không bắt buộc", "email", maxLength=254),
                        ids.AC_NEW_EMAIL,
                    ),
                    _field(
                        "Mật khẩu ban đầu",
                        _text(
                            ids.AC_NEW_PASSWORD, f"ít nhất {MIN_PASSWORD_CHARS} ký tự", "password"
                        ),
                        ids.AC_NEW_PASSWORD,
                    ),
                    html.Button("Thêm tài khoản", id=ids.AC_ADD, className="button primary"),
                ],
                className="filters",
            ),
        ]
    )
    return html.Div(
        [
            html.H2("Tài khoản"),
            html.P(
                [
                    "Mỗi thay đổi được ghi vào nhật ký với tên quản trị viên thực hiện. ",
                    PASSWORD_RULE,
                    " Tài khoản đơn vị chỉ nộp được báo cáo của các đơn vị được giao.",
                ],
                className="small",
            ),
            dcc.Store(id=ids.AC_DONE, data=0),
            html.Div(id=ids.AC_LIST),
            html.Div(id=ids.AC_OUTCOME),
            edit,
            add,
        ],
        className="panel",
        style={"marginBottom": "16px"},
    )


def make_picked(account: Account | None, me: str) -> Any:
    """The chosen account's state beside the edit form."""
    if account is None:
        return html.Span("Chưa chọn tài khoản.", className="small")
    state = "đang dùng" if account.active else "đã khóa"
    parts: list[Any] = [
        html.Strong(account.username),
        f": {ROLE_LABELS.get(account.role, account.role)}, {state}.",
    ]
    if account.username == me:
        parts.append(" Đây là tài khoản của bạn: không tự khóa hay tự bỏ quyền quản trị được.")
    return html.Span(parts, className="small")


def make_account_outcome(text: str, ok: bool, token: str | None = None) -> html.Div:
    """What became of an action on an account (or why it was refused); a new API token is
    shown here once, never stored in clear."""
    children: list[Any] = [text]
    if token:
        children += [
            html.Div(html.Code(token, **{"data-testid": "new-token"}), className="token-box"),
            html.Div(
                "Sao chép mã ngay: mã chỉ hiện một lần, hệ thống chỉ lưu dấu băm của nó.",
                className="small",
            ),
        ]
    return html.Div(
        children,
        className="notice ok" if ok else "notice",
        role="status" if ok else "alert",
        **{"data-testid": "account-outcome"},
    )
