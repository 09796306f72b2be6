"""The submission tracker by reporting period: which units owe a return, where each stands
(Chưa nộp / Chờ duyệt / Trả lại / Đã duyệt, late, overdue), and the files sent."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pandas as pd
from dash import dcc, html

from components import ids
from components.grids import (
    column,
    folded_ranks,
    folded_text,
    make_grid,
    make_server_grid,
    serve_rows,
)
from etl.core.formatting import fmt_date, fmt_moment, fmt_number
from etl.core.vocabulary import Measure
from etl.measures import analysis, tracking
from etl.measures.cache import remembered_for_frame
from etl.measures.dataset import Dataset
from etl.storage.periods import Period

OWING_PARAM = ("trang_thai", "owing")
MISSING_PARAM = ("trang_thai", "thieu_so_lieu")

# wide enough for «06/12/2026 15:28» whole (it read «06/12/20…» in a 1.400-pixel window)
MOMENT_WIDTH = 150


def tracker_href(search: str | None, period_id: int, owing_only: bool) -> str:
    """`/theo-doi` with the URL's filters kept, `ky=period_id`, and `trang_thai=owing` when
    only the owing units are asked for."""
    params = [
        (k, v)
        for k, v in urllib.parse.parse_qsl((search or "").lstrip("?"))
        if k not in ("ky", OWING_PARAM[0])
    ]
    params.append(("ky", str(period_id)))
    if owing_only:
        params.append(OWING_PARAM)
    return "/theo-doi?" + urllib.parse.urlencode(params)


def missing_href(search: str | None) -> str:
    """`/theo-doi` with the URL's view kept and `trang_thai=thieu_so_lieu`: the units of the
    view that have not reported every year's quota (the overview's missing-data notice)."""
    params = [
        (k, v)
        for k, v in urllib.parse.parse_qsl((search or "").lstrip("?"))
        if k not in ("ky", MISSING_PARAM[0])
    ]
    params.append(MISSING_PARAM)
    return "/theo-doi?" + urllib.parse.urlencode(params)


def make_missing_list(missing: list[dict[str, Any]], label: str, as_of: Any) -> list[Any]:
    """The units of a view that existed at a year's end from 2021 to the cut-off and have no
    quota for it (`metrics.missing_data`, what the overview's notice counts), with the years."""
    rows = pd.DataFrame(
        [
            {
                "name": m["name"],
                "district": m["district"] or "",
                "form": "Biểu 02" if m["measure"] == Measure.NGUOI_LAM_VIEC else "Biểu 01",
                "years": ", ".join(str(y) for y in m["years"]),
            }
            for m in missing
        ],
        columns=["name", "district", "form", "years"],
    )
    return [
        html.P(
            f"{label}, số liệu đến {fmt_date(as_of)}: {fmt_number(len(rows))} đơn vị chưa báo "
            "cáo đủ số liệu biên chế được giao các năm (đơn vị còn tồn tại cuối năm nhưng "
            "không có số của năm đó).",
            className="as-of",
            **{"data-testid": "tracker-line"},
        ),
        html.Div(
            [
                html.H3(f"Đơn vị chưa báo cáo đủ số liệu các năm ({fmt_number(len(rows))})"),
                make_grid(
                    "tracker-missing",
                    rows,
                    [
                        column("name", "Đơn vị", minWidth=260),
                        column("district", "Quận, huyện"),
                        column("form", "Biểu"),
                        column("years", "Năm chưa có số liệu"),
                    ],
                    height_px=420,
                    csv_name="chua_du_so_lieu.csv",
                ),
            ],
            className="panel",
            **{"data-testid": "tracker-missing"},
        ),
    ]


TRACKER_TABLE = "tracker"  # the `table` of the units grid's export ids (grids.export_ids)
TRACKER_COLUMNS = [
    column("name", "Đơn vị", minWidth=260),
    column("district", "Quận, huyện", minWidth=150),
    column("form", "Biểu"),
    column("state_label", "Trạng thái"),
    column("submitted", "Thời điểm nộp", minWidth=MOMENT_WIDTH),
    column("submitted_by", "Người nộp (tài khoản)"),
    column("late_vi", "Trễ hạn"),
    column("overdue_vi", "Quá hạn"),
    column("comment", "Ý kiến khi trả lại", minWidth=200),
    column("accounts", "Tài khoản", minWidth=160),
]
TRACKER_FIELDS = [c["field"] for c in TRACKER_COLUMNS]


def tracker_grid_id(search: str | None, period_id: int) -> dict[str, Any]:
    """The units grid's id carries its view (the URL's filters, `trang_thai` among them, and
    the period), so a new view mounts a new grid and the rows it asks for are that view's."""
    return {"type": ids.TR_GRID, "search": search or "", "period": period_id}


def tracker_rows(ds: Dataset, table: pd.DataFrame, owing_only: bool) -> pd.DataFrame:
    """The rows of the units grid (`TRACKER_FIELDS`): the units of `table` (only those still
    owing with `owing_only`), moments and flags written out. Kept with `table` (itself kept
    per data version and view), so paging, sorting and filtering do not redo them."""

    def build() -> pd.DataFrame:
        shown = tracking.owing(table) if owing_only else table
        rows = shown[["name", "district", "form", "state_label", "submitted_by", "comment"]]
        rows = rows.assign(
            submitted=shown["submitted_at"].map(fmt_moment),
            late_vi=shown["late"].map({True: "Trễ hạn", False: ""}),
            overdue_vi=shown["overdue"].map({True: "Quá hạn", False: ""}),
            accounts=shown["accounts"],
        )
        return rows[TRACKER_FIELDS].reset_index(drop=True)

    return remembered_for_frame(ds, "tracker_rows", table, (owing_only,), build)


def tracker_page(
    ds: Dataset,
    table: pd.DataFrame,
    owing_only: bool,
    request: dict[str, Any] | None,
    *,
    limit: int | None = 1000,
) -> dict[str, Any]:
    """One page of the units grid for its `getRowsRequest` (`grids.serve_rows`: sorted and
    filtered over every unit of the view); `limit=None`: every row, for «Tải Excel». An
    unknown column or filter raises ValueError."""
    frame = tracker_rows(ds, table, owing_only)

    def folded(name: str) -> pd.Series:
        return remembered_for_frame(
            ds, "tracker_folded", table, (owing_only, name), lambda: folded_text(frame[name])
        )

    def ranked(name: str) -> pd.Series:
        return remembered_for_frame(
            ds, "tracker_folded", table, (owing_only, name, "rank"),
            lambda: folded_ranks(folded(name)),
        )  # fmt: skip

    return serve_rows(frame, request, folded, limit=limit, ranked=ranked)


def period_options(periods: list[Period]) -> list[dict[str, Any]]:
    return [{"label": f"{p.name} (hạn nộp {fmt_date(p.deadline)})", "value": p.id} for p in periods]


def _files_panel(ds: Dataset, period: Period, uploader: str | None, unit_ids: Any) -> html.Div:
    data = analysis.tracker(
        ds, period.as_of.year, period.as_of, uploader=uploader, unit_ids=unit_ids
    )
    subs = data["submissions"].copy()
    if len(subs):
        subs = subs[subs["as_of"] == period.as_of].copy()
    if len(subs):
        subs["uploaded"] = subs["uploaded_at"].map(fmt_moment)
        subs["forms"] = (
            subs["forms"]
            .fillna("")
            .map(lambda f: ", ".join(f"Biểu {c}" for c in f.split(",") if c))
        )
        subs["state"] = subs["superseded"].map({True: "đã được thay thế", False: "hiện hành"})
    return html.Div(
        [
            html.H3("Các tệp đã duyệt của kỳ"),
            make_grid(
                "tracker-submissions",
                subs,
                [
                    column("file_name", "Tệp", minWidth=240),
                    column("reporting_unit", "Đơn vị báo cáo", minWidth=200),
                    column("forms", "Biểu"),
                    column("uploaded", "Thời điểm nộp", minWidth=MOMENT_WIDTH),
                    column("uploader", "Người nộp (tài khoản)"),
                    column("state", "Trạng thái"),
                ],
                height_px=300,
                csv_name="da_nop.csv",
            ),
        ],
        className="panel",
    )


def make_period_tracker(
    ds: Dataset,
    period: Period | None,
    table: pd.DataFrame,
    *,
    search: str | None = "",
    owing_only: bool = False,
    may_remind: bool = False,
    may_mail: bool = False,
    uploader: str | None = None,
    unit_ids: frozenset[int] | None = None,
    label: str | None = None,
) -> list[Any]:
    """The tracker of one period: state counts, the units (only those still owing with
    `owing_only`), the reminder list button (`may_remind`), the e-mail button (`may_mail`:
    SMTP_URL set) and the period's approved files; `label` names the filter bar's view the
    units are of (`Huyện Cờ Đỏ · Y tế`)."""
    if period is None:
        return [html.P("Chưa có kỳ báo cáo nào.")]
    counts = tracking.state_counts(table)
    n_owing = counts[tracking.NOT_SENT] + counts["tra_lai"]
    n_shown = len(tracking.owing(table)) if owing_only else len(table)
    line = (
        (f"{label} — " if label else "")
        + f"Kỳ «{period.name}» (số liệu đến {fmt_date(period.as_of)}, hạn nộp "
        f"{fmt_date(period.deadline)}): {fmt_number(len(table))} đơn vị phải báo cáo — "
        + "; ".join(f"{tracking.STATE_LABELS[s]}: {fmt_number(counts[s])}" for s in tracking.STATES)
        + f"; trễ hạn: {fmt_number(counts['late'])}; quá hạn: {fmt_number(counts['overdue'])}."
    )
    if owing_only:
        switch: Any = dcc.Link("Xem tất cả đơn vị", href=tracker_href(search, period.id, False))
    elif n_owing:
        switch = dcc.Link(
            f"Chỉ xem {fmt_number(n_owing)} đơn vị còn nợ báo cáo",
            href=tracker_href(search, period.id, True),
        )
    else:  # not a link to an empty list
        switch = html.Span("Không còn đơn vị nào nợ báo cáo.", **{"data-testid": "none-owing"})
    actions: list[Any] = [switch]
    if may_remind:
        actions += [
            " · ",
            html.Button(
                "Tải danh sách đơn vị còn nợ (Excel)", id=ids.TR_REMIND, className="button"
            ),
            dcc.Download(id=ids.TR_DOWNLOAD),
        ]
        if may_mail:
            actions += [
                " · ",
                html.Button("Gửi nhắc nhở qua e-mail", id=ids.TR_MAIL, className="button"),
                html.Span(id=ids.TR_MAIL_RESULT, role="status"),
            ]
    title = "Đơn vị còn nợ báo cáo" if owing_only else "Đơn vị phải báo cáo"
    return [
        html.P(line, className="as-of", **{"data-testid": "tracker-line"}),
        html.Div(actions, className="toolbar"),
        html.Div(
            [
                html.H3(f"{title} ({fmt_number(n_shown)})"),
                # served a page at a time (pages/tracker.py): a national period has 50.000
                # units, tens of MB sent whole
                make_server_grid(
                    tracker_grid_id(search, period.id),
                    TRACKER_COLUMNS,
                    height_px=420,
                    title=f"{title} — {label + ' — ' if label else ''}Kỳ «{period.name}»",
                    stem="theo_doi_ky",
                    table=TRACKER_TABLE,
                ),
            ],
            className="panel",
            **{"data-testid": "tracker-units"},
        ),
        _files_panel(ds, period, uploader, unit_ids),
    ]
