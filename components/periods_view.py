"""Kỳ báo cáo on the administration page: the periods with their state and how many returns
wait, are approved or were returned, a close/reopen button each, and the form adding one."""

from __future__ import annotations

from dash import dcc, html

from components import ids
from components.widgets import date_picker
from etl.core.formatting import fmt_date
from etl.core.vocabulary import PERIOD_STATE_LABELS, PeriodState, ReviewStatus
from etl.storage.periods import Period

CLOSE = "close"
REOPEN = "open"


def toggle_id(period_id: int, action: str) -> dict[str, str | int]:
    """The id of a period's «Đóng kỳ» (`close`) or «Mở lại» (`open`) button."""
    return {"type": ids.PD_TOGGLE, "period": period_id, "do": action}


def _date_picker(component_id: str, placeholder: str) -> dcc.DatePickerSingle:
    return date_picker(
        id=component_id,
        display_format="DD/MM/YYYY",
        placeholder=placeholder,
        first_day_of_week=1,
        clearable=True,
    )


def make_periods_section() -> html.Div:
    """The section's static part: the list's place, the outcome and the form adding a period."""
    field = "filter"
    return html.Div(
        [
            html.H2("Kỳ báo cáo"),
            html.P(
                "Báo cáo thuộc kỳ có ngày chốt số liệu trùng với «Số liệu tính đến ngày»; "
                "kỳ đã đóng không nhận báo cáo mới.",
                className="small",
            ),
            dcc.Store(id=ids.PD_DONE, data=0),
            html.Div(id=ids.PD_LIST),
            html.Div(id=ids.PD_OUTCOME),
            html.H3("Thêm kỳ báo cáo"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Ngày chốt số liệu", htmlFor=ids.PD_AS_OF),
                            _date_picker(ids.PD_AS_OF, "dd/mm/yyyy"),
                        ],
                        className=field,
                    ),
                    html.Div(
                        [
                            html.Label("Hạn nộp", htmlFor=ids.PD_DEADLINE),
                            _date_picker(ids.PD_DEADLINE, "dd/mm/yyyy"),
                        ],
                        className=field,
                    ),
                    html.Div(
                        [
                            html.Label("Tên kỳ", htmlFor=ids.PD_NAME),
                            dcc.Input(
                                id=ids.PD_NAME,
                                type="text",
                                maxLength=160,
                                placeholder="Ví dụ: 6 tháng đầu năm 2024",
                                debounce=False,
                            ),
                        ],
                        className=field,
                        style={"flex": "2 1 260px"},  # the box fills it, the button stays clear
                    ),
                    html.Button("Thêm kỳ", id=ids.PD_ADD, className="button primary"),
                ],
                className="filters",
            ),
        ],
        className="panel",
        style={"marginBottom": "16px"},
    )


def make_period_list(rows: list[Period], counts: dict[int, dict[str, int]]) -> html.Div:
    """The periods by cut-off date, each with its state, review counts and one button."""
    if not rows:
        return html.Div(html.P("Chưa có kỳ báo cáo nào.", className="small"))
    head = html.Tr(
        [
            html.Th("Tên kỳ"),
            html.Th("Ngày chốt số liệu"),
            html.Th("Hạn nộp"),
            html.Th("Trạng thái"),
            html.Th("Chờ duyệt", className="num"),
            html.Th("Đã duyệt", className="num"),
            html.Th("Trả lại", className="num"),
            html.Th(""),
        ]
    )
    body = []
    for p in rows:
        n = counts.get(p.id, {})
        is_open = p.state == PeriodState.MO
        button = html.Button(
            "Đóng kỳ" if is_open else "Mở lại",
            id=toggle_id(p.id, CLOSE if is_open else REOPEN),
            className="button",
            style={"margin": 0},
            title=("Đóng kỳ: không nhận báo cáo mới" if is_open else "Mở lại kỳ này"),
        )
        body.append(
            html.Tr(
                [
                    html.Td(p.name),
                    html.Td(fmt_date(p.as_of)),
                    html.Td(fmt_date(p.deadline)),
                    html.Td(PERIOD_STATE_LABELS.get(p.state, p.state)),
                    *(
                        html.Td(str(n.get(st.value, 0)), className="num")
                        for st in (
                            ReviewStatus.CHO_DUYET,
                            ReviewStatus.DA_DUYET,
                            ReviewStatus.TRA_LAI,
                        )
                    ),
                    html.Td(button),
                ],
                **{"data-testid": f"period-{p.id}"},
            )
        )
    return html.Div(html.Table([html.Thead(head), html.Tbody(body)], className="table"))


def make_period_outcome(text: str, ok: bool) -> html.Div:
    """What became of adding, closing or reopening a period (or why it was refused)."""
    return html.Div(
        text,
        className="notice ok" if ok else "notice",
        role="status" if ok else "alert",
        **{"data-testid": "period-outcome"},
    )
