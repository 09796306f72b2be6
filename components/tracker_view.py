"""The submission tracker: who sent which forms for a reporting year, and who is missing."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from components.grids import column, make_grid
from etl.core.formatting import fmt_date, fmt_number
from etl.measures import analysis
from etl.measures.dataset import Dataset
from etl.measures.query import ResolvedView


def reporting_years(ds: Dataset) -> list[int]:
    subs = ds.submissions
    if subs.empty:
        return []
    years = pd.to_datetime(subs["as_of"]).dropna().dt.year.unique()
    return sorted((int(y) for y in years), reverse=True)


def make_tracker(
    ds: Dataset,
    year: int | None,
    view: ResolvedView,
    *,
    uploader: str | None = None,
    unit_ids: frozenset[int] | None = None,
) -> list[Any]:
    """Submissions and missing units for a year (units existing at the view's cut-off, of the
    whole city: the view's scope does not apply); an uploader's own only when given."""
    if year is None:
        return [html.P("Chưa có báo cáo nào được nộp.")]
    data = analysis.tracker(ds, year, view.as_of, uploader=uploader, unit_ids=unit_ids)
    subs = data["submissions"].copy()
    missing = data["missing"].copy()
    if len(subs):
        subs["uploaded"] = subs["uploaded_at"].map(
            lambda d: pd.Timestamp(d).strftime("%d/%m/%Y %H:%M") if pd.notna(d) else ""
        )
        subs["as_of_vi"] = subs["as_of"].map(lambda d: fmt_date(d) if pd.notna(d) else "")
        subs["forms"] = (
            subs["forms"]
            .fillna("")
            .map(lambda f: ", ".join(f"Biểu {c}" for c in f.split(",") if c))
        )
        subs["state"] = subs["superseded"].map({True: "đã được thay thế", False: "hiện hành"})
    return [
        html.P(
            f"Kỳ báo cáo năm {year}: {fmt_number(len(subs))} tệp đã nộp; "
            f"{fmt_number(len(missing))} đơn vị chưa có số liệu năm {year}.",
            className="as-of",
            **{"data-testid": "tracker-line"},
        ),
        html.Div(
            [
                html.H3("Các tệp đã nộp"),
                make_grid(
                    "tracker-submissions",
                    subs,
                    [
                        column("file_name", "Tệp", minWidth=240),
                        column("reporting_unit", "Đơn vị báo cáo", minWidth=200),
                        column("forms", "Biểu"),
                        column("as_of_vi", "Số liệu đến ngày"),
                        column("uploaded", "Thời điểm nộp"),
                        column("uploader", "Người nộp"),
                        column("state", "Trạng thái"),
                    ],
                    height_px=380,
                    csv_name="da_nop.csv",
                ),
            ],
            className="panel",
        ),
        html.Div(
            [
                html.H3(f"Đơn vị chưa có số liệu năm {year}"),
                make_grid(
                    "tracker-missing",
                    missing,
                    [
                        column("name", "Đơn vị", minWidth=260),
                        column("kind_label", "Loại"),
                        column("district", "Quận, huyện"),
                        column("parent", "Cơ quan chủ quản"),
                    ],
                    height_px=380,
                    csv_name="chua_nop.csv",
                ),
            ],
            className="panel",
        ),
    ]
