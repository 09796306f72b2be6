"""Kế hoạch (Biểu 00) on the administration page: how a plan is submitted (the upload page, then
review), each programme (giai đoạn) with its legal basis, baseline and end year and the targets
in force for each scope and measure, the forms with which an administrator changes a programme
or adds a target rule (each change stored as an approved return of its own), and every target
row ever stored with the return that set it and its review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import dcc, html

from components import ids
from components.widgets import dropdown
from etl.core.formatting import fmt_moment, fmt_number, fmt_pct
from etl.core.forms import CITY_SCOPES, FORM_00, SECTOR_CHOICES
from etl.core.vocabulary import MEASURE_LABELS, Measure, ReviewStatus
from etl.storage.plan_reads import TargetRecord

IN_FORCE = "Đang áp dụng"
SUPERSEDED = "Đã được thay"
STATE_TEXT = {
    ReviewStatus.CHO_DUYET: "Chờ duyệt",
    ReviewStatus.TRA_LAI: "Đã trả lại (không dùng)",
}


def make_plans_section() -> html.Div:
    """The section's static part: how to submit a plan, and the place of the targets."""
    return html.Div(
        [
            html.H2(f"Kế hoạch tinh giản biên chế (Biểu {FORM_00.code})"),
            html.P(
                [
                    "Kế hoạch được nộp như mọi báo cáo và chỉ được tính khi đã duyệt: ",
                    html.A(
                        f"tải Biểu {FORM_00.code} trống",
                        href=f"/templates/{FORM_00.code}.xlsx",
                        **{"data-testid": "plan-template"},
                    ),
                    ", điền rồi nộp ở trang ",
                    dcc.Link("Nộp báo cáo", href="/nop-bao-cao", id=ids.PL_UPLOAD_LINK),
                    f" (chỉ quản trị viên nộp được Biểu {FORM_00.code}; tệp được kiểm tra từng ô "
                    "như mọi báo cáo), sau đó duyệt ở trang ",
                    dcc.Link("Duyệt báo cáo", href="/duyet-bao-cao"),
                    ". Kế hoạch nộp sau thay chỉ tiêu cùng phạm vi và chỉ tiêu của kế hoạch trước.",
                ],
                className="small",
            ),
            html.Div(id=ids.PL_CONTENT),
            make_programme_forms(),
        ],
        className="panel",
        style={"marginBottom": "16px"},
    )


def _field(label: str, control: Any) -> html.Div:
    return html.Div([html.Label(label, htmlFor=control.id), control], className="filter")


def make_programme_forms() -> html.Div:
    """An administrator's two forms: a programme's legal basis, baseline year and end year;
    and a target rule of a programme (scope, measure, percentage or count, sectors kept
    stable). Each change is stored as a return of its own, approved at once and audited."""
    return html.Div(
        [
            html.H3("Sửa giai đoạn, thêm chỉ tiêu"),
            html.P(
                "Mỗi thay đổi được lưu như một báo cáo của quản trị viên, duyệt ngay và ghi nhật "
                "ký; chỉ tiêu mới thay chỉ tiêu cũ cùng giai đoạn, phạm vi và chỉ tiêu (lịch sử "
                "vẫn giữ).",
                className="small",
            ),
            html.Div(
                [
                    _field("Giai đoạn", dropdown(id=ids.PL_PROGRAMME, options=[])),
                    _field("Căn cứ", dcc.Input(id=ids.PL_BASIS, type="text", maxLength=255)),
                    _field("Năm gốc", dcc.Input(id=ids.PL_BASELINE, type="number", step=1)),
                    _field("Năm kết thúc", dcc.Input(id=ids.PL_END, type="number", step=1)),
                    html.Button("Lưu giai đoạn", id=ids.PL_SAVE),
                ],
                className="filters",
            ),
            html.Div(
                [
                    _field(
                        "Phạm vi",
                        dcc.Input(id=ids.PL_SCOPE, type="text", value=CITY_SCOPES[0]),
                    ),
                    _field(
                        "Chỉ tiêu",
                        dropdown(
                            id=ids.PL_MEASURE,
                            options=[
                                {"label": MEASURE_LABELS[m], "value": str(m)} for m in Measure
                            ],
                        ),
                    ),
                    _field("Tỷ lệ giảm (%)", dcc.Input(id=ids.PL_PCT, type="number", min=0)),
                    _field("Số lượng giảm", dcc.Input(id=ids.PL_COUNT, type="number", min=0)),
                    _field(
                        "Lĩnh vực giữ ổn định",
                        dropdown(
                            id=ids.PL_EXCLUDE,
                            multi=True,
                            options=[{"label": c, "value": c} for c in SECTOR_CHOICES],
                            placeholder="Không có",
                        ),
                    ),
                    html.Button("Thêm chỉ tiêu", id=ids.PL_ADD_RULE),
                ],
                className="filters",
            ),
            html.Div(id=ids.PL_OUTCOME, role="status"),
            dcc.Store(id=ids.PL_DONE, data=0),
        ],
        **{"data-testid": "programme-forms"},
    )


def programme_heading(p: dict[str, Any]) -> str:
    """`Giai đoạn 2026 - 2031 · căn cứ … · so với số giao năm 2026 · kết thúc năm 2031`."""
    basis = f"căn cứ {p['basis']}" if p.get("basis") else "chưa ghi căn cứ"
    end = f"kết thúc năm {p['end_year']}" if p.get("end_year") else "chưa có năm kết thúc"
    return f"Giai đoạn {p['name']} · {basis} · so với số giao năm {p['baseline_year']} · {end}"


def _excluded(row: TargetRecord) -> str:
    return "; ".join(row.exclude_sectors) or "—"


def _scope(row: TargetRecord) -> str:
    return CITY_SCOPES[0] if row.scope_unit_id is None else (row.scope_name or "—")


def _path(row: TargetRecord) -> str:
    if not row.path:
        return "—"
    return "; ".join(f"{year}: {fmt_number(n)}" for year, n in row.path.items())


def _source(row: TargetRecord) -> Any:
    return [
        row.file_name,
        html.Span(f" (báo cáo số {row.submission_id}, {row.sheet}!{row.cell})", className="small"),
    ]


def _figure(row: TargetRecord) -> str:
    """A target's reduction as the plan states it: a percentage, a count, or both."""
    parts = [fmt_pct(row.pct)] if row.pct is not None else []
    if row.count is not None:
        parts.append(f"{fmt_number(row.count)} người")
    return " và ".join(parts) or "—"


def _change(row: TargetRecord, current: TargetRecord | None) -> str:
    """What approving a waiting row would change: its scope and measure, old → new."""
    what = f"{_scope(row)} · {MEASURE_LABELS.get(row.measure, row.measure)}: "
    source = f"báo cáo số {row.submission_id}"
    source += f", giai đoạn {row.programme}" if row.programme else ""
    if current is None:
        return what + f"chưa có chỉ tiêu → {_figure(row)} ({source})"
    return what + f"{_figure(current)} → {_figure(row)} ({source})"


def state_of(row: TargetRecord, in_force: set[int]) -> str:
    """What a stored target row is now: in force, superseded, waiting or returned."""
    if row.id in in_force:
        return IN_FORCE
    if row.review_status == ReviewStatus.DA_DUYET:
        return SUPERSEDED
    return STATE_TEXT.get(row.review_status, "Chưa có duyệt")  # type: ignore[call-overload]


Cell = Callable[[TargetRecord], Any]
FIGURE_COLUMNS: list[tuple[str, str | None, Cell]] = [
    ("Phạm vi", None, _scope),
    ("Chỉ tiêu", None, lambda r: MEASURE_LABELS.get(r.measure, r.measure)),
    ("Năm gốc", "num", lambda r: str(r.base_year)),
    ("Tỷ lệ giảm", "num", lambda r: fmt_pct(r.pct)),
    ("Số lượng giảm", "num", lambda r: fmt_number(r.count)),
    ("Lộ trình giảm", None, _path),
    ("Lĩnh vực giữ ổn định", None, _excluded),
    ("Văn bản", None, lambda r: r.doc_ref or "—"),
]
PROGRAMME_COLUMN: tuple[str, str | None, Cell] = ("Giai đoạn", None, lambda r: r.programme or "—")
SOURCE_COLUMNS: list[tuple[str, str | None, Cell]] = [
    ("Tệp nộp", None, _source),
    ("Người nộp", None, lambda r: r.uploader),
    ("Thời điểm nộp", None, lambda r: fmt_moment(r.uploaded_at, "—")),
]
REVIEW_COLUMNS: list[tuple[str, str | None, Cell]] = [
    ("Người duyệt", None, lambda r: r.reviewed_by or "—"),
    ("Thời điểm duyệt", None, lambda r: fmt_moment(r.reviewed_at, "—")),
]


def _table(
    rows: list[TargetRecord],
    columns: list[tuple[str, str | None, Cell]],
    testid: str,
    row_class: Callable[[TargetRecord], str | None] = lambda _r: None,
) -> html.Div:
    head = html.Tr([html.Th(h, className=cls) for h, cls, _ in columns])
    body = [
        html.Tr(
            [html.Td(cell(r), className=cls) for _, cls, cell in columns], className=row_class(r)
        )
        for r in rows
    ]
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(body)], className="table"),
        className="table-scroll",
        **{"data-testid": testid},
    )


def make_plans(
    history: list[TargetRecord],
    in_force: list[TargetRecord],
    programmes: list[dict[str, Any]] | None = None,
) -> list[Any]:
    """Each programme with its rules in force, the plans waiting for review, and the history
    of every row (`programmes`: the programmes as the figures read them, `Programme.as_json`
    with their `id`)."""
    force_ids = {r.id for r in in_force}
    waiting = [r for r in history if r.review_status == ReviewStatus.CHO_DUYET]
    children: list[Any] = [html.H3("Chỉ tiêu đang áp dụng")]
    shown: set[int] = set()
    for p in programmes or []:
        rows = [r for r in in_force if r.programme_id == p["id"]]
        shown |= {r.id for r in rows}
        children.append(html.H4(programme_heading(p), **{"data-testid": f"programme-{p['id']}"}))
        if rows:
            columns = FIGURE_COLUMNS + SOURCE_COLUMNS + REVIEW_COLUMNS
            children.append(_table(rows, columns, "targets-in-force"))
        else:
            children.append(html.P("Giai đoạn này chưa có chỉ tiêu đã duyệt.", className="small"))
    rest = [r for r in in_force if r.id not in shown]
    if rest:
        children.append(
            _table(
                rest,
                [PROGRAMME_COLUMN, *FIGURE_COLUMNS, *SOURCE_COLUMNS, *REVIEW_COLUMNS],
                "targets-in-force",
            )
        )
    elif not in_force:
        children.append(
            html.P(
                f"Chưa có chỉ tiêu nào được duyệt: chưa so được số đã giảm với kế hoạch. "
                f"Nộp Biểu {FORM_00.code} rồi duyệt để có chỉ tiêu.",
                className="notice",
                **{"data-testid": "targets-in-force"},
            )
        )
    if waiting:
        files = len({r.submission_id for r in waiting})
        current = {r.key: r for r in in_force}
        children.append(
            html.Div(
                [
                    f"{fmt_number(len(waiting))} chỉ tiêu trong {fmt_number(files)} tệp "
                    f"Biểu {FORM_00.code} đang chờ duyệt; chúng chỉ được dùng sau khi duyệt ở ",
                    dcc.Link("Duyệt báo cáo", href="/duyet-bao-cao"),
                    ". Nếu được duyệt:",
                    html.Ul([html.Li(_change(r, current.get(r.key))) for r in waiting]),
                ],
                className="notice",
                **{"data-testid": "targets-waiting"},
            )
        )
    children.append(html.H3("Lịch sử chỉ tiêu"))
    if not history:
        children.append(html.P("Chưa có kế hoạch nào được nộp.", className="small"))
        return children
    state: Cell = lambda r: state_of(r, force_ids)  # noqa: E731
    children.append(
        _table(
            history,
            [
                PROGRAMME_COLUMN,
                *FIGURE_COLUMNS,
                ("Tình trạng", None, state),
                *SOURCE_COLUMNS,
                *REVIEW_COLUMNS,
            ],
            "targets-history",
            lambda r: None if r.id in force_ids else "row-muted",
        )
    )
    return children
