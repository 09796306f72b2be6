"""Duyệt báo cáo: the Department's reviewers (and admins) see the queue of returns, open one
to see its review history and every figure approving it would change (the 2021 baseline
marked loudly), and approve it or return it to its unit with a comment.

Both actions go through etl.storage.reviews in one transaction (the review row and its audit
entry), with the signed-in account as the actor; the data version changes with them, so every
page's figures refresh.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import ids
from components.review_view import (
    ALL,
    STATUS_OPTIONS,
    make_diff,
    make_header,
    make_history,
    make_outcome,
    make_queue,
    period_options,
    pick_options,
)
from components.widgets import dropdown
from etl.core.vocabulary import ReviewStatus
from etl.measures.review_diff import review_diff
from etl.storage import db, periods, reviews
from web import context, policy

dash.register_page(
    __name__,
    path="/duyet-bao-cao",
    name="Duyệt báo cáo",
    title="Duyệt báo cáo",
    order=6,
    access=policy.REVIEW,
)
policy.protect_outputs(
    policy.REVIEW,
    ids.RV_QUEUE,
    ids.RV_PICK,
    ids.RV_DETAIL,
    ids.RV_ACTIONS,
    ids.RV_OUTCOME,
    ids.RV_DONE,
    ids.RV_COMMENT,
)
REFUSED = policy.PAGE_REFUSED[policy.REVIEW]
HIDDEN = {"display": "none"}


def layout(**_query: str) -> html.Div:
    with context.engine().connect() as conn:
        options = period_options(periods.list_periods(conn))
    return html.Div(
        [
            html.H2("Duyệt báo cáo"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Trạng thái", htmlFor=ids.RV_STATUS),
                            dropdown(
                                id=ids.RV_STATUS,
                                options=STATUS_OPTIONS,
                                value=ReviewStatus.CHO_DUYET.value,
                                clearable=False,
                                searchable=False,
                            ),
                        ],
                        className="filter",
                    ),
                    html.Div(
                        [
                            html.Label("Kỳ báo cáo", htmlFor=ids.RV_PERIOD),
                            dropdown(
                                id=ids.RV_PERIOD,
                                options=options,
                                placeholder="Mọi kỳ báo cáo",
                                searchable=False,
                            ),
                        ],
                        className="filter",
                    ),
                ],
                className="filters",
            ),
            dcc.Store(id=ids.RV_DONE, data=0),
            html.Div(id=ids.RV_QUEUE),
            html.Div(
                [
                    html.Label("Chọn báo cáo để xem", htmlFor=ids.RV_PICK),
                    dropdown(id=ids.RV_PICK, placeholder="Chọn số báo cáo…"),
                ],
                className="filter",
                style={"margin": "12px 0"},
            ),
            dcc.Loading(html.Div(id=ids.RV_DETAIL), type="dot"),
            html.Div(id=ids.RV_OUTCOME),
            html.Div(
                [
                    html.Label("Nhận xét (bắt buộc khi trả lại)", htmlFor=ids.RV_COMMENT),
                    dcc.Textarea(
                        id=ids.RV_COMMENT,
                        placeholder="Lý do trả lại, việc đơn vị cần sửa…",
                        maxLength=2000,
                    ),
                    html.Div(
                        [
                            html.Button("Duyệt", id=ids.RV_APPROVE, className="button"),
                            html.Button("Trả lại", id=ids.RV_RETURN, className="button"),
                        ],
                        className="review-buttons",
                    ),
                ],
                id=ids.RV_ACTIONS,
                className="review-actions panel",
                style=HIDDEN,
            ),
        ]
    )


def _queue(status: str | None, period_id: int | None) -> list[reviews.SubmissionRow]:
    wanted = None if status in (None, ALL) else ReviewStatus(status).value
    with context.engine().connect() as conn:
        return reviews.queue(conn, status=wanted, period_id=period_id)


@callback(
    Output(ids.RV_QUEUE, "children"),
    Output(ids.RV_PICK, "options"),
    Output(ids.RV_PICK, "value"),
    Input(ids.RV_STATUS, "value"),
    Input(ids.RV_PERIOD, "value"),
    Input(ids.RV_DONE, "data"),
    State(ids.RV_PICK, "value"),
)
def render_queue(
    status: str | None, period_id: int | None, _done: Any, current: int | None
) -> tuple[Any, Any, Any]:
    """The queue of the chosen status and period, and the chooser's entries (the chosen
    return stays chosen while it is listed)."""
    if not policy.may(policy.REVIEW):
        return context.forbidden(REFUSED), [], None
    if status not in (*ReviewStatus, ALL):
        status = ReviewStatus.CHO_DUYET.value
    period_id = db.stored_key(period_id)
    rows = _queue(status, period_id)
    options = pick_options(rows)
    chosen = current if any(o["value"] == current for o in options) else None
    return make_queue(rows, status), options, chosen


@callback(
    Output(ids.RV_DETAIL, "children"),
    Output(ids.RV_ACTIONS, "style"),
    Input(ids.RV_PICK, "value"),
    Input(ids.RV_DONE, "data"),
)
def render_detail(submission_id: int | None, _done: Any) -> tuple[Any, Any]:
    """The chosen return: its header, its review history and what approving it would change;
    the actions only while it waits for review."""
    if not policy.may(policy.REVIEW):
        return context.forbidden(REFUSED), HIDDEN
    submission_id = db.stored_key(submission_id)
    if submission_id is None:
        return html.P("Chọn một báo cáo để xem số liệu thay đổi.", className="small"), HIDDEN
    engine = context.engine()
    with engine.connect() as conn:
        row = reviews.get(conn, submission_id)
        history = reviews.history(conn, submission_id) if row else []
    if row is None:
        return html.P(f"Không có báo cáo số {submission_id}.", className="notice"), HIDDEN
    children = [make_header(row), make_history(history), make_diff(review_diff(engine, row.id))]
    return children, (None if row.status == ReviewStatus.CHO_DUYET else HIDDEN)


def act(action: str, submission_id: int | None, comment: str | None) -> tuple[Any, bool]:
    """Approve (`duyet`) or return (`tra_lai`) a return as the signed-in account: (the
    message shown, whether it was done)."""
    acc = context.account()
    if acc is None or not policy.allows(acc, policy.REVIEW):
        return make_outcome("Tài khoản này không có quyền duyệt báo cáo.", False), False
    submission_id = db.stored_key(submission_id)
    if submission_id is None:
        return make_outcome("Chưa chọn báo cáo.", False), False
    try:
        with context.engine().begin() as conn:
            if action == "duyet":
                reviews.approve(conn, submission_id, acc.username)
            else:
                reviews.return_(conn, submission_id, acc.username, comment or "")
    except reviews.ReviewError as err:
        return make_outcome(err.vi, False), False
    if action == "duyet":
        text = f"Đã duyệt báo cáo số {submission_id}: số liệu của báo cáo được tính từ bây giờ."
    else:
        text = f"Đã trả lại báo cáo số {submission_id} cho đơn vị kèm nhận xét."
    return make_outcome(text, True), True


@callback(
    Output(ids.RV_OUTCOME, "children"),
    Output(ids.RV_DONE, "data"),
    Output(ids.RV_COMMENT, "value"),
    Input(ids.RV_APPROVE, "n_clicks"),
    Input(ids.RV_RETURN, "n_clicks"),
    State(ids.RV_PICK, "value"),
    State(ids.RV_COMMENT, "value"),
    State(ids.RV_DONE, "data"),
    prevent_initial_call=True,
)
def on_action(
    _approve: int | None,
    _return: int | None,
    submission_id: int | None,
    comment: str | None,
    done: int | None,
) -> tuple[Any, Any, Any]:
    """«Duyệt» or «Trả lại»: the outcome, and (when done) the queue and detail refresh and the
    comment box empties."""
    action = {ids.RV_APPROVE: "duyet", ids.RV_RETURN: "tra_lai"}.get(str(ctx.triggered_id))
    if action is None:
        return no_update, no_update, no_update
    message, ok = act(action, submission_id, comment)
    if not ok:
        return message, no_update, no_update
    return message, (done or 0) + 1, ""
