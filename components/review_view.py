"""The review page's pieces (pages/review.py): the queue of returns, a return's header and
review history, and what approving it would change, the 2021 baseline marked loudly. Pure
functions: rows in, components out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dash import html

from etl.core.formatting import fmt_date, fmt_moment, fmt_number
from etl.core.vocabulary import FactStatus, Measure, PeriodState, ReviewStatus
from etl.measures.review_diff import UNIT_FIELD_LABELS, DiffRow, ReviewDiff, unit_value_text
from etl.storage.periods import Period
from etl.storage.reviews import SubmissionRow

ALL = "tat_ca"  # the status selector's «Tất cả»
STATUS_OPTIONS = [
    *({"label": s.label, "value": s.value} for s in ReviewStatus),
    {"label": "Tất cả", "value": ALL},
]
MAX_QUEUE_ROWS = 500  # the newest; narrow by period or status for older ones


def status_label(status: str | None) -> str:
    return ReviewStatus(status).label if status in set(ReviewStatus) else "Chưa nộp duyệt"


def period_options(rows: Sequence[Period]) -> list[dict[str, Any]]:
    """The period selector: every period, the latest first, with its state."""
    return [
        {"label": f"{p.name} ({_period_state(p.state)})", "value": p.id}
        for p in sorted(rows, key=lambda p: p.as_of, reverse=True)
    ]


def _period_state(state: str) -> str:
    return PeriodState(state).label.lower() if state in set(PeriodState) else state


def pick_options(rows: Sequence[SubmissionRow]) -> list[dict[str, Any]]:
    """The return chooser: one entry per listed return."""
    return [
        {
            "label": f"Số {r.id} — {r.file_name} — {r.reporting_unit or 'chưa rõ đơn vị'}",
            "value": r.id,
        }
        for r in rows[:MAX_QUEUE_ROWS]
    ]


def _table(
    head: Sequence[str], body: list[Any], numeric: Sequence[int] = (), **attrs: Any
) -> html.Table:
    """A plain table; the headers of the `numeric` columns are right-aligned like their
    numbers."""
    cells = [html.Th(h, className="num" if i in numeric else None) for i, h in enumerate(head)]
    return html.Table(
        [html.Thead(html.Tr(cells)), html.Tbody(body)],
        className="table",
        **attrs,
    )


def make_queue(rows: Sequence[SubmissionRow], status: str | None) -> html.Div:
    """The queue as a table: id, file, reporting unit, period, uploader, time, status."""
    what = "chờ duyệt" if status == ReviewStatus.CHO_DUYET else "trong danh sách"
    if not rows:
        empty = (
            "Không có báo cáo nào chờ duyệt."
            if status == ReviewStatus.CHO_DUYET
            else "Không có báo cáo nào."
        )
        return html.Div(html.P(empty, className="small"), className="panel")
    shown = rows[:MAX_QUEUE_ROWS]
    body = [
        html.Tr(
            [
                html.Td(str(r.id), className="num"),
                html.Td(r.file_name),
                html.Td(r.reporting_unit or ""),
                html.Td(r.period or ""),
                html.Td(r.uploader),
                html.Td(fmt_moment(r.uploaded_at)),
                html.Td(status_label(r.status), className=f"review-status-{r.status}"),
            ],
            **{"data-id": str(r.id)},
        )
        for r in shown
    ]
    note = f"{fmt_number(len(rows))} báo cáo {what}."
    if len(rows) > len(shown):
        note += f" Hiện {fmt_number(len(shown))} báo cáo mới nhất; chọn kỳ để xem các báo cáo khác."
    return html.Div(
        [
            html.P(note, className="small"),
            _table(
                [
                    "Số",
                    "Tệp",
                    "Đơn vị báo cáo",
                    "Kỳ báo cáo",
                    "Người nộp",
                    "Thời gian nộp",
                    "Trạng thái",
                ],
                body,
                numeric=(0,),
                **{"data-testid": "review-queue-table"},
            ),
        ],
        className="panel",
    )


def make_header(row: SubmissionRow) -> html.Div:
    """The chosen return: its file, unit, period, cut-off, uploader, time and status."""
    facts = [
        ("Tệp", row.file_name),
        ("Đơn vị báo cáo", row.reporting_unit or "chưa rõ"),
        ("Kỳ báo cáo", row.period or "không thuộc kỳ nào"),
        ("Số liệu tính đến", fmt_date(row.as_of) if isinstance(row.as_of, dt.date) else ""),
        ("Người nộp", row.uploader),
        ("Thời gian nộp", fmt_moment(row.uploaded_at)),
        ("Trạng thái", status_label(row.status)),
    ]
    items: list[Any] = []
    for label, value in facts:
        items += [html.Dt(label), html.Dd(value)]
    return html.Div(
        [html.H3(f"Báo cáo số {row.id}"), html.Dl(items, className="facts")], className="panel"
    )


def make_history(entries: Sequence[dict[str, Any]]) -> html.Div:
    """The return's review rows, oldest first, with the reviewers' comments."""
    body = [
        html.Tr(
            [
                html.Td(fmt_moment(e["at"])),
                html.Td(status_label(e["status"])),
                html.Td(e["actor"]),
                html.Td(e.get("comment") or ""),
            ]
        )
        for e in entries
    ]
    return html.Div(
        [
            html.H3("Lịch sử duyệt"),
            _table(["Thời điểm", "Trạng thái", "Người thực hiện", "Nhận xét"], body)
            if body
            else html.P("Chưa có.", className="small"),
        ],
        className="panel",
    )


def _label(value: str, labels: type[Measure] | type[FactStatus]) -> str:
    return labels(value).label if value in set(labels) else value


def _mark(row: DiffRow) -> str:
    if row.baseline:
        return f"Năm gốc {row.year}"
    if row.past_year:
        return "Năm trước"
    return ""


def _number(value: int | None) -> str:
    return "—" if value is None else fmt_number(value)


def make_diff(diff: ReviewDiff) -> html.Div:
    """Every figure the return changes (unit, measure, status, year, old → new, sheet!cell),
    a loud banner when 2021 baseline figures change, and how many figures stay the same; then
    every unit attribute it changes (unit, attribute, old → new, sheet!cell)."""
    children: list[Any] = [html.H3("Số liệu thay đổi nếu duyệt")]
    baseline = len(diff.baseline_rows)
    years = ", ".join(str(y) for y in sorted({r.year for r in diff.baseline_rows}))
    if baseline:
        children.append(
            html.Div(
                [
                    html.Strong(f"Sửa số năm gốc {years}: {fmt_number(baseline)} số. "),
                    "Số năm gốc là mốc tính tỷ lệ tinh giản: kiểm tra kỹ trước khi duyệt.",
                ],
                className="review-alarm",
                role="alert",
                **{"data-testid": "review-baseline-alarm"},
            )
        )
    past = sum(1 for r in diff.rows if r.past_year and not r.baseline)
    if past:
        children.append(html.P(f"Sửa số của năm trước: {fmt_number(past)} số.", className="notice"))
    unchanged = f"{fmt_number(diff.unchanged)} số không thay đổi so với số đã duyệt."
    if not diff.rows:
        children.append(
            html.P(
                "Báo cáo này không làm thay đổi số liệu đã duyệt nào. " + unchanged,
                className="small",
            )
        )
    else:
        body = [
            html.Tr(
                [
                    html.Td(r.unit_name),
                    html.Td(_label(r.measure, Measure)),
                    html.Td(_label(r.status, FactStatus)),
                    html.Td(str(r.year), className="num"),
                    html.Td(_number(r.old), className="num"),
                    html.Td("→"),
                    html.Td(fmt_number(r.new), className="num"),
                    html.Td(f"{r.sheet}!{r.cell}"),
                    html.Td(_mark(r)),
                ],
                className="row-baseline" if r.baseline else "row-past" if r.past_year else None,
            )
            for r in diff.rows
        ]
        children += [
            html.P(f"{fmt_number(len(diff.rows))} số thay đổi; {unchanged}", className="small"),
            _table(
                ["Đơn vị", "Chỉ tiêu", "Loại số", "Năm", "Số cũ", "", "Số mới", "Ô", "Ghi chú"],
                body,
                numeric=(3, 4, 6),
                **{"data-testid": "review-diff-table"},
            ),
        ]
    if diff.unit_changes:
        children += [html.H3("Thông tin đơn vị thay đổi nếu duyệt"), _unit_changes(diff)]
    return html.Div(children, className="panel")


def _unit_changes(diff: ReviewDiff) -> html.Table:
    body = [
        html.Tr(
            [
                html.Td(c.unit_name),
                html.Td(UNIT_FIELD_LABELS.get(c.field, c.field)),
                html.Td(unit_value_text(c.field, c.old)),
                html.Td("→"),
                html.Td(unit_value_text(c.field, c.new)),
                html.Td(f"{c.sheet}!{c.cell}"),
                html.Td("Đơn vị mới" if c.new_unit else ""),
            ]
        )
        for c in diff.unit_changes
    ]
    return _table(
        ["Đơn vị", "Thông tin", "Cũ", "", "Mới", "Ô", "Ghi chú"],
        body,
        **{"data-testid": "review-unit-changes"},
    )


def make_outcome(text: str, ok: bool) -> html.Div:
    """What became of an approval or a return (or why it was refused)."""
    return html.Div(
        text,
        className="notice ok" if ok else "notice review-refused",
        role="status" if ok else "alert",
        **{"data-testid": "review-outcome"},
    )
