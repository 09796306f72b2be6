"""The app shell: title, navigation, the filter bar every page honours, the page container.

The navigation is drawn from `dash.page_registry`: every page with an `order`, in that order,
labelled with its `name`, shown to the accounts its `access` allows (web/policy.py)."""

from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.widgets import date_picker, dropdown
from etl.measures.dataset import Dataset
from etl.measures.programmes import programmes
from etl.measures.provinces import province_choices
from etl.measures.query import EARLIEST_AS_OF, KIND_CHOICES, ResolvedView
from etl.measures.scoping import (
    commune_choices,
    district_choices,
    district_level_end,
    sector_choices,
)
from web import context, policy

# the filter bar's toggle of returns not yet approved by the Department (`include_unreviewed=1`);
# not the HĐND's pending reductions ("Tính cả số chờ phê duyệt", `pending=0`)
UNREVIEWED_LABEL = " Gồm báo cáo chưa được Sở Nội vụ duyệt"
UNREVIEWED_NOTE = "Số liệu gồm cả báo cáo chưa duyệt"
UNREVIEWED_HELP = "các báo cáo đơn vị đã nộp nhưng Sở Nội vụ chưa duyệt cũng được tính"


def nav_pages() -> list[tuple[str, str]]:
    """(path, label) of the pages in the navigation that the signed-in account may open."""
    pages = [p for p in dash.page_registry.values() if p.get("order") is not None]
    return [
        (page["path"], page["name"])
        for page in sorted(pages, key=lambda p: p["order"])
        if policy.may(policy.page_access(page))
    ]


def make_user_bar() -> html.Div:
    """Who is signed in, and a sign-out button (a POST with the CSRF token)."""
    from flask_wtf.csrf import generate_csrf

    from etl.core.vocabulary import ROLE_LABELS

    acc = context.account()
    if acc is None:
        return html.Div()
    return html.Form(
        [
            html.Span(f"{acc.username} · {ROLE_LABELS[acc.role]}", className="small"),
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button("Đăng xuất", type="submit", className="link-button"),
        ],
        method="POST",
        action="/logout",
        className="user-bar",
    )


def filter_options(
    ds: Dataset | None = None, view: ResolvedView | None = None
) -> dict[str, list[dict[str, str]]]:
    """The filter bar's choices: each district once under its one label and each sector as
    most units write it (from `ds`, default: the approved figures), the kinds of unit from
    the domain. A value of `view` that names nothing is offered too, marked so, so that the
    dropdown shows it (and keeps it in the URL) rather than dropping it."""
    ds = ds if ds is not None else context.dataset()
    options = {
        "district": [{"label": d, "value": d} for d in district_choices(ds).values()],
        "sector": [{"label": s, "value": s} for s in sector_choices(ds).values()],
        "kind": [{"label": label, "value": str(kind)} for kind, label in KIND_CHOICES.items()],
        "commune": [{"label": c, "value": c} for c in commune_choices(ds).values()],
        "province": [{"label": p, "value": p} for p in province_choices(ds).values()],
    }
    for missing in view.unmatched if view is not None else ():
        if missing.field in options:
            label = f"«{missing.text}» (không có trong số liệu)"
            options[missing.field].append({"label": label, "value": missing.text})
    return options


DISTRICT_LABEL = "Quận, huyện"
FORMER_DISTRICT_LABEL = "Quận, huyện (cũ)"
COMMUNE_LABEL = "Xã, phường"
HIDDEN = {"display": "none"}


def district_level_controls(ds: Dataset, view: ResolvedView) -> tuple[str, dict[str, str]]:
    """The district filter's label and the commune filter's style for a view: from the end of
    the district level (its date from the stored district-end rows, docs/domain.md,
    "Communes") «Quận, huyện (cũ)» and the «Xã, phường» filter shown; before it, or with no
    such row, «Quận, huyện» and no commune filter (unless the view asks for a commune)."""
    end = district_level_end(ds)
    if end is not None and view.as_of >= end:
        return FORMER_DISTRICT_LABEL, {}
    return DISTRICT_LABEL, ({} if view.asked.commune else HIDDEN)


def programme_options(
    ds: Dataset | None = None, view: ResolvedView | None = None
) -> list[dict[str, str]]:
    """The «Giai đoạn» choices: every programme shown, by start year (`2022 - 2026`); an asked
    one that names nothing is offered too, marked so (as the other filters do)."""
    ds = ds if ds is not None else context.dataset()
    options = [{"label": p.name, "value": p.name} for p in programmes(ds)]
    for missing in view.unmatched if view is not None else ():
        if missing.field == "programme":
            label = f"«{missing.text}» (không có trong số liệu)"
            options.append({"label": label, "value": missing.text})
    return options


def make_filter_notices(view: ResolvedView | None) -> list:
    """A notice per filter value of the view that names nothing, saying what is shown
    instead (empty otherwise)."""
    if view is None or not view.notices:
        return []
    return [
        html.Div(
            [html.P(text) for text in view.notices],
            className="notice filter-notice",
            role="alert",
            **{"data-testid": "filter-notice"},
        )
    ]


def make_filter_bar() -> html.Div:
    options = filter_options()
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Số liệu tính đến ngày", htmlFor=ids.F_AS_OF),
                    date_picker(
                        id=ids.F_AS_OF,
                        display_format="DD/MM/YYYY",
                        placeholder="mới nhất",
                        clearable=True,
                        min_date_allowed=EARLIEST_AS_OF,  # an earlier one is refused
                        first_day_of_week=1,
                    ),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Giai đoạn", htmlFor=ids.F_PROGRAMME),
                    dropdown(
                        id=ids.F_PROGRAMME,
                        options=programme_options(),
                        placeholder="Đang thực hiện",
                    ),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label(DISTRICT_LABEL, htmlFor=ids.F_DISTRICT, id=ids.F_DISTRICT_LABEL),
                    dropdown(id=ids.F_DISTRICT, options=options["district"], placeholder="Tất cả"),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label(COMMUNE_LABEL, htmlFor=ids.F_COMMUNE),
                    dropdown(id=ids.F_COMMUNE, options=options["commune"], placeholder="Tất cả"),
                ],
                id=ids.F_COMMUNE_BOX,
                className="filter",
                style=HIDDEN,
            ),
            html.Div(
                [
                    html.Label("Lĩnh vực", htmlFor=ids.F_SECTOR),
                    dropdown(id=ids.F_SECTOR, options=options["sector"], placeholder="Tất cả"),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Loại đơn vị", htmlFor=ids.F_KIND),
                    dropdown(id=ids.F_KIND, options=options["kind"], placeholder="Tất cả"),
                ],
                className="filter",
            ),
            html.Div(  # only when the data holds more than one (former) province
                [
                    html.Label("Tỉnh (cũ)", htmlFor=ids.F_PROVINCE),
                    dropdown(id=ids.F_PROVINCE, options=options["province"], placeholder="Tất cả"),
                ],
                id=ids.F_PROVINCE_BOX,
                className="filter",
                style=None if options["province"] else {"display": "none"},
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Checklist(
                                id=ids.F_PENDING,
                                options=[
                                    {"label": " Tính cả số chờ phê duyệt", "value": "pending"}
                                ],
                                value=["pending"],
                            ),
                            dcc.Checklist(
                                id=ids.F_UNREVIEWED,
                                options=[{"label": UNREVIEWED_LABEL, "value": "unreviewed"}],
                                value=[],
                                className="unreviewed-toggle",
                            ),
                        ],
                        className="filter-toggles",
                    ),
                    html.Button("Đặt lại", id=ids.F_RESET, className="link-button"),
                ],
                className="filter filter-check",
            ),
        ],
        className="filters",
    )


def make_unreviewed_note(include_unreviewed: bool, view_problem: str | None = None) -> list:
    """The banners every page shows: why the URL's view could not be shown as asked
    (`view_problem`, web.context.view_problem), and that returns not yet approved count."""
    notes = []
    if view_problem:
        notes.append(
            html.Div(
                [html.Strong("Không hiển thị được bộ lọc đã chọn: "), view_problem],
                className="notice",
                role="alert",
                **{"data-testid": "view-problem"},
            )
        )
    if include_unreviewed:
        notes.append(
            html.Div(
                [html.Strong(UNREVIEWED_NOTE), f" — {UNREVIEWED_HELP}"],
                className="notice unreviewed-note",
                role="status",
                **{"data-testid": "unreviewed-note"},
            )
        )
    return notes


def make_hidden_filters() -> list:
    """The filter components exist for every role (callbacks expect them), hidden here."""
    return [
        html.Div(
            [
                date_picker(id=ids.F_AS_OF),
                dropdown(id=ids.F_DISTRICT),
                dropdown(id=ids.F_SECTOR),
                dropdown(id=ids.F_KIND),
                dropdown(id=ids.F_COMMUNE),
                html.Label(id=ids.F_DISTRICT_LABEL),
                html.Div(id=ids.F_COMMUNE_BOX),
                dropdown(id=ids.F_PROVINCE),
                dropdown(id=ids.F_PROGRAMME),
                dcc.Checklist(id=ids.F_PENDING, options=["pending"], value=["pending"]),
                dcc.Checklist(id=ids.F_UNREVIEWED, options=["unreviewed"], value=[]),
                html.Button(id=ids.F_RESET),
            ],
            style={"display": "none"},
        )
    ]


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
                            html.H1("Theo dõi tinh giản biên chế"),
                        ]
                    ),
                    html.Nav(
                        [
                            dcc.Link(label, href=path, id={"role": "nav", "path": path})
                            for path, label in nav_pages()
                        ]
                    ),
                    make_user_bar(),
                ],
                className="topbar",
            ),
            make_filter_bar() if policy.may(policy.READ_ALL) else html.Div(make_hidden_filters()),
            html.Nav(id=ids.BREADCRUMBS, className="breadcrumbs", **{"aria-label": "Đang xem"}),
            html.Div(id=ids.F_UNREVIEWED_NOTE),
            html.Div(id=ids.F_FILTER_NOTE),
            html.Main(dash.page_container),
        ],
        className="shell",
    )


__all__ = [
    "filter_options",
    "make_filter_notices",
    "make_shell",
    "make_unreviewed_note",
    "nav_pages",
]
