"""Quản trị (admins only): the review queue's summary, accounts, reporting periods, plans
(Biểu 00), the merged-province baseline rule (pages/admin_rules.py) and the audit log. The
same can be done with `python -m etl user|period …`.

Periods are added, closed and reopened here: each action goes through etl.storage.periods in
one transaction (the change and its audit entry), with the signed-in admin as the actor.
Accounts are the same through etl.storage.accounts; their callbacks are in
pages/admin_accounts.py, the sections' layouts in components/ (accounts_view, periods_view,
plans_view, admin_view)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import ids
from components.accounts_view import make_accounts_section
from components.admin_view import audit_action_label, audit_detail_text, make_queue_summary
from components.grids import column, make_grid
from components.mappings_view import make_mappings_section
from components.periods_view import (
    CLOSE,
    REOPEN,
    make_period_list,
    make_period_outcome,
    make_periods_section,
)
from components.plans_view import make_plans, make_plans_section
from components.rules_view import make_rules_section
from components.sessions_view import make_sessions_section
from etl.core.clock import in_vietnam
from etl.core.formatting import fmt_date
from etl.storage import accounts, periods, plan_reads, review_reads
from pages import (
    admin_accounts,  # noqa: F401  (the callbacks of «Tài khoản»)
    admin_programmes,  # the callbacks of «Kế hoạch» that change programmes
    admin_rules,  # noqa: F401  (the callbacks of «Quy tắc sáp nhập»)
    admin_sessions,  # noqa: F401  (the callbacks of «Phiên đăng nhập»)
    mappings_admin,  # noqa: F401  (the callbacks of «Cách ghép cột đã lưu»)
)
from web import context, policy

dash.register_page(
    __name__, path="/quan-tri", name="Quản trị", title="Quản trị", order=6, access=policy.ADMIN
)
policy.protect_outputs(
    policy.ADMIN,
    ids.ADMIN_CONTENT,
    ids.ADMIN_QUEUE,
    ids.PL_CONTENT,
    ids.PD_LIST,
    ids.PD_OUTCOME,
    ids.PD_DONE,
    ids.PD_NAME,
)
REFUSED = policy.PAGE_REFUSED[policy.ADMIN]
# a name `periods.default_name` gives: replaced when another cut-off date is chosen
_DEFAULT_NAME = re.compile(r"^(Năm \d{4}|6 tháng đầu năm \d{4}|Kỳ tính đến \d\d/\d\d/\d{4})$")


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            dcc.Location(id=ids.ADMIN_URL),
            html.Div(
                [html.H2("Duyệt báo cáo"), html.Div(id=ids.ADMIN_QUEUE)],
                className="panel",
                style={"marginBottom": "16px"},
            ),
            make_accounts_section(),
            make_periods_section(),
            make_sessions_section(),
            make_plans_section(),
            make_rules_section(),
            make_mappings_section(),
            dcc.Loading(html.Div(id=ids.ADMIN_CONTENT), type="dot"),
        ]
    )


@callback(
    Output(ids.PD_LIST, "children"), Input(ids.ADMIN_URL, "pathname"), Input(ids.PD_DONE, "data")
)
def render_periods(_path: str | None, _done: Any) -> Any:
    """The periods, their state and how many returns wait, are approved or were returned."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED)
    with context.engine().connect() as conn:
        rows = periods.list_periods(conn)
        counts = review_reads.period_review_counts(conn)
    return make_period_list(rows, counts)


def _day(value: Any) -> dt.date | None:
    """A date picker's value (`YYYY-MM-DD`, maybe with a time) as a date, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


@callback(
    Output(ids.PD_NAME, "value"),
    Input(ids.PD_AS_OF, "date"),
    State(ids.PD_NAME, "value"),
    prevent_initial_call=True,
)
def prefill_name(as_of: Any, name: str | None) -> Any:
    """The usual name of the chosen cut-off date, unless a name of one's own was typed."""
    day = _day(as_of)
    name = name if isinstance(name, str) else None  # a text box sends text (or nothing)
    if day is None or (name and not _DEFAULT_NAME.match(name.strip())):
        return no_update
    return periods.default_name(day)


def period_action(
    action: str,
    *,
    period_id: int | None = None,
    name: str | None = None,
    as_of: Any = None,
    deadline: Any = None,
) -> tuple[Any, bool]:
    """Add (`add`), close (`close`) or reopen (`open`) a period as the signed-in admin: (the
    message shown, whether it was done)."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.ADMIN):
        return make_period_outcome("Chỉ quản trị viên được sửa kỳ báo cáo.", False), False
    try:
        with context.engine().begin() as conn:
            if action == "add":
                day, due = _day(as_of), _day(deadline)
                if day is None or due is None:
                    raise periods.PeriodError(
                        "Cần chọn ngày chốt số liệu và hạn nộp / "
                        "the cut-off date and the deadline are needed"
                    )
                done = periods.add(
                    conn, name=name or "", as_of=day, deadline=due, actor=acc.username
                )
                text = (
                    f"Đã thêm kỳ «{done.name}» tính đến ngày {fmt_date(done.as_of)}, "
                    f"hạn nộp {fmt_date(done.deadline)}."
                )
            elif action in (CLOSE, REOPEN) and isinstance(period_id, int):
                if action == CLOSE:
                    done = periods.close(conn, period_id, acc.username)
                    text = f"Đã đóng kỳ «{done.name}»: kỳ này không nhận báo cáo mới."
                else:
                    done = periods.reopen(conn, period_id, acc.username)
                    text = f"Đã mở lại kỳ «{done.name}»."
            else:
                return make_period_outcome("Không rõ việc cần làm.", False), False
    except periods.PeriodError as err:
        return make_period_outcome(str(err), False), False
    return make_period_outcome(text, True), True


@callback(
    Output(ids.PD_OUTCOME, "children"),
    Output(ids.PD_DONE, "data"),
    Input(ids.PD_ADD, "n_clicks"),
    Input({"type": ids.PD_TOGGLE, "period": ALL, "do": ALL}, "n_clicks"),
    State(ids.PD_NAME, "value"),
    State(ids.PD_AS_OF, "date"),
    State(ids.PD_DEADLINE, "date"),
    State(ids.PD_DONE, "data"),
    prevent_initial_call=True,
)
def on_period_action(
    _add: int | None,
    _toggles: list[int | None],
    name: str | None,
    as_of: Any,
    deadline: Any,
    done: int | None,
) -> tuple[Any, Any]:
    """«Thêm kỳ», «Đóng kỳ» or «Mở lại»: the outcome, and (when done) the list refreshes."""
    trigger = ctx.triggered_id
    name = name if isinstance(name, str) else None  # values the page's controls cannot send
    done = done if isinstance(done, int) and not isinstance(done, bool) else 0
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update  # a button just drawn, not clicked
    if trigger == ids.PD_ADD:
        message, ok = period_action("add", name=name, as_of=as_of, deadline=deadline)
    elif isinstance(trigger, dict) and trigger.get("type") == ids.PD_TOGGLE:
        period_id = trigger.get("period")
        message, ok = period_action(
            str(trigger.get("do")), period_id=period_id if isinstance(period_id, int) else None
        )
    else:
        return no_update, no_update
    return message, (done + 1 if ok else no_update)


@callback(
    Output(ids.ADMIN_QUEUE, "children"),
    Input(ids.ADMIN_URL, "pathname"),
    Input(ids.PD_DONE, "data"),
)
def render_queue_summary(_path: str | None, _done: Any = None) -> Any:
    """How many returns wait for review, and the way to the review page."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED)
    with context.engine().connect() as conn:
        return make_queue_summary(review_reads.review_status_counts(conn))


@callback(
    Output(ids.PL_CONTENT, "children"),
    Input(ids.ADMIN_URL, "pathname"),
    Input(ids.PL_DONE, "data"),
)
def render_plans(_path: str | None, _done: Any = None) -> Any:
    """Each programme with its targets in force, and the history of every target."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED)
    with context.engine().connect() as conn:
        history = plan_reads.target_history(conn)
    shown = admin_programmes.shown_programmes()
    return make_plans(history, plan_reads.in_force(history), shown)


def _moments(values: pd.Series) -> list[dt.datetime]:
    """Stored moments (datetimes, or ISO text from SQLite) as datetimes."""
    return [dt.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]


@callback(
    Output(ids.ADMIN_CONTENT, "children"),
    Input(ids.ADMIN_URL, "pathname"),
    Input(ids.PD_DONE, "data"),
    Input(ids.AC_DONE, "data"),
    Input(ids.PL_DONE, "data"),
    Input(ids.RU_DONE, "data"),
)
def render_admin(
    _path: str | None,
    _done: Any = None,
    _accounts_done: Any = None,
    _plans_done: Any = None,
    _rules_done: Any = None,
) -> list[Any]:
    """The audit log, newest first (refreshed after a change to a period or an account)."""
    if not policy.may(policy.ADMIN):
        return context.forbidden(REFUSED)
    log = pd.DataFrame(accounts.read_audit(context.engine()))
    if len(log):
        log["at"] = [in_vietnam(m).strftime("%d/%m/%Y %H:%M:%S") for m in _moments(log["at"])]
        log["action"] = log["action"].map(audit_action_label)
        log["detail"] = log["detail"].map(audit_detail_text)
    return [
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
