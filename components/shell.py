"""The app shell: title, navigation, the filter bar every page honours, the page container."""

from __future__ import annotations

import dash
from dash import dcc, html

from etl.metrics import KIND_LABELS
from etl.query import KIND_CHOICES

from . import context, ids

NAV = (
    ("/", "Tổng quan"),
    ("/don-vi", "Theo đơn vị"),
    ("/phan-tich", "Phân tích"),
    ("/sap-xep", "Sắp xếp tổ chức"),
    ("/nop-bao-cao", "Nộp báo cáo"),
    ("/theo-doi", "Theo dõi nộp báo cáo"),
)


def filter_options() -> dict[str, list[dict[str, str]]]:
    """Districts and sectors as stored; kinds of unit from the domain."""
    units = context.dataset().units
    districts = (
        units.dropna(subset=["district"]).drop_duplicates("district_key").sort_values("district")
    )
    sectors = sorted(units["sector"].dropna().unique())
    return {
        "district": [{"label": d, "value": d} for d in districts["district"]],
        "sector": [{"label": s, "value": s} for s in sectors],
        "kind": [{"label": label, "value": kind} for kind, label in KIND_CHOICES.items()],
    }


def make_filter_bar() -> html.Div:
    options = filter_options()
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Số liệu tính đến ngày", htmlFor=ids.F_AS_OF),
                    dcc.DatePickerSingle(
                        id=ids.F_AS_OF,
                        display_format="DD/MM/YYYY",
                        placeholder="mới nhất",
                        clearable=True,
                        first_day_of_week=1,
                    ),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Quận, huyện", htmlFor=ids.F_DISTRICT),
                    dcc.Dropdown(
                        id=ids.F_DISTRICT, options=options["district"], placeholder="Tất cả"
                    ),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Lĩnh vực", htmlFor=ids.F_SECTOR),
                    dcc.Dropdown(id=ids.F_SECTOR, options=options["sector"], placeholder="Tất cả"),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Loại đơn vị", htmlFor=ids.F_KIND),
                    dcc.Dropdown(id=ids.F_KIND, options=options["kind"], placeholder="Tất cả"),
                ],
                className="filter",
            ),
            html.Div(
                [
                    dcc.Checklist(
                        id=ids.F_PENDING,
                        options=[{"label": " Tính cả số chờ phê duyệt", "value": "pending"}],
                        value=["pending"],
                    ),
                    html.Button("Đặt lại", id=ids.F_RESET, className="link-button"),
                ],
                className="filter filter-check",
            ),
        ],
        className="filters",
    )


def make_shell() -> html.Div:
    """Built per page load, so the filter choices follow the stored data."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            html.Header(
                [
                    html.Div(
                        [
                            html.Div("SỞ NỘI VỤ", className="org"),
                            html.H1("Theo dõi tinh giản biên chế giai đoạn 2022 - 2026"),
                        ]
                    ),
                    html.Nav(
                        [
                            dcc.Link(label, href=path, id={"role": "nav", "path": path})
                            for path, label in NAV
                        ]
                    ),
                ],
                className="topbar",
            ),
            make_filter_bar(),
            html.Main(dash.page_container),
        ],
        className="shell",
    )


__all__ = ["KIND_LABELS", "NAV", "make_shell"]
