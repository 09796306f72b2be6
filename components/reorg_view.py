"""The reorganisation page: events over time, totals, and the lineage of a chosen unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from dash import html

from components.grids import column, make_grid
from components.overview import chart_block, export_search, make_reorg_panel
from etl.core.formatting import fmt_date, fmt_number
from etl.measures import analysis
from etl.measures.cache import memoised, remembered
from etl.measures.dataset import Dataset
from etl.measures.query import ResolvedView
from etl.measures.scoping import CITY_LABEL, Filter
from reporting.charts import ChartContext, build_chart

WHOLE = CITY_LABEL[:1].lower() + CITY_LABEL[1:]  # «toàn thành phố», within a sentence


def _unit_labels(ds: Dataset) -> tuple[dict[int, Any], dict[int, Any], frozenset[str]]:
    """The units' names and districts by id, and the names more than one unit bears: kept
    with the dataset (they depend on its units alone)."""

    def build() -> tuple[dict[int, Any], dict[int, Any], frozenset[str]]:
        names = ds.units["name"]
        counts = names.value_counts()
        return (
            names.to_dict(),
            ds.units["district"].to_dict(),
            frozenset(counts.index[counts > 1]),
        )

    return memoised(ds, ("reorg_unit_labels",), build)


def _units_text(
    names: dict[int, Any], districts_of: dict[int, Any], shared: frozenset[str], ids: list[int]
) -> str:
    """The names of an event's units; led by their district when they share one and a name
    among them is also another unit's (a district's `Phòng Nội vụ`, the same in every
    district): `Huyện Mỹ Tú: Phòng Nội vụ tỉnh Sóc Trăng (cũ); …` (`shared`: the names more
    than one unit bears)."""
    text = "; ".join(names[u] for u in ids)
    districts = {districts_of.get(u) for u in ids}
    if len(districts) != 1:
        return text
    district = districts.pop()
    if not isinstance(district, str) or not district:
        return text
    if any(names[u] in shared for u in ids):
        return f"{district}: {text}"
    return text


def events_frame(ds: Dataset, as_of: dt.date) -> pd.DataFrame:
    """One row per event with its units, newest first: built once per dataset (so per data
    version) and cut-off date, and shared by every call, so callers must not modify it."""
    return remembered(ds, "reorg_events", as_of, lambda: _build_events_frame(ds, as_of))


def _build_events_frame(ds: Dataset, as_of: dt.date) -> pd.DataFrame:
    if ds.events.empty:
        return pd.DataFrame(columns=["date", "event_type", "before", "after", "doc_ref", "source"])
    events = ds.events[ds.events["effective_date"] <= as_of]
    names, districts, shared = _unit_labels(ds)
    rows = []
    for ev in events.itertuples():
        before, after = ds.event_sets.get(ev.id, (frozenset(), frozenset()))
        provinces = getattr(ev, "provinces", None)
        if isinstance(provinces, dict):  # a merger of provinces: their names, no unit
            before_text = "; ".join(n for n, _k in provinces.get("before", []))
            after_text = (provinces.get("after") or [""])[0]
        else:
            before_text = _units_text(names, districts, shared, sorted(before - after))
            after_text = _units_text(names, districts, shared, sorted(after))
        rows.append(
            {
                "date": ev.effective_date.isoformat(),
                "date_vi": fmt_date(ev.effective_date),
                "event_type": ev.event_type,
                "before": before_text,
                "after": after_text,
                "internal": int(
                    ev.internal_phong + ev.internal_khoa + ev.internal_chi_nhanh + ev.internal_khac
                ),
                "doc_ref": ev.doc_ref,
                "source": f"{ev.sheet}!{ev.cell}",
            }
        )
    return pd.DataFrame(rows).sort_values("date", ascending=False)


def make_reorg(
    ds: Dataset,
    summary: dict[str, Any],
    view: ResolvedView,
    search: str = "",
    export_problem: str | None = None,
) -> list[Any]:
    """The reorganisation page of a view: its events chart and list are the whole city's."""
    as_of = view.as_of
    # its one chart ("sap-xep") is the whole city's: drawn and kept once for every scope
    ctx = ChartContext(ds, summary, ResolvedView(as_of))
    frame = events_frame(ds, as_of)
    return [
        html.P(
            [
                html.Strong(summary["scope"]),
                f" — đến ngày {fmt_date(as_of)}; {fmt_number(len(frame))} sự kiện"
                + (
                    ""
                    if view.filter == Filter(label=view.filter.label)
                    else f" của {WHOLE} (biểu đồ và danh sách dưới đây là của {WHOLE}; các "
                    "số ở «Sắp xếp tổ chức bộ máy» là của phạm vi đang xem)"
                ),
            ],
            className="as-of",
        ),
        html.Div(
            [
                html.Div(
                    chart_block(
                        build_chart("sap-xep", ctx),
                        "sap-xep",
                        export_search(search, view),
                        export_problem,
                    ),
                    className="panel",
                ),
                make_reorg_panel(summary["reorganization"]),
            ],
            className="grid-2",
        ),
        html.Div(
            [
                html.H3("Các sự kiện sắp xếp, kiện toàn"),
                make_grid(
                    "reorg-events",
                    frame,
                    [
                        column("date", "Ngày hiệu lực", "date"),
                        column("event_type", "Hình thức"),
                        column("before", "Đơn vị không còn", minWidth=220),
                        column("after", "Đơn vị sau sắp xếp", minWidth=220),
                        column("internal", "Tổ chức bên trong giảm", "number"),
                        column("doc_ref", "Văn bản"),
                        column("source", "Ô nguồn"),
                    ],
                    height_px=420,
                    csv_name="sap_xep_to_chuc.csv",
                ),
            ],
            className="panel",
        ),
    ]


def make_lineage(ds: Dataset, unit_id: int | None) -> Any:
    if unit_id is None:
        return html.P("Chọn một đơn vị để xem quá trình sắp xếp.", className="small")
    if isinstance(unit_id, bool) or not isinstance(unit_id, int) or unit_id not in ds.units.index:
        return html.P("Không tìm thấy đơn vị này.", className="small")
    events = analysis.lineage(ds, unit_id)
    if not events:
        return html.P("Đơn vị này chưa có sự kiện sắp xếp nào.", className="small")
    return html.Ol(
        [
            html.Li(
                [
                    html.Strong(f"{fmt_date(e['date'])} — {e['event_type']}"),
                    f": {'; '.join(e['before']) or '—'} → {'; '.join(e['after']) or '—'}",
                    html.Span(f" ({e['doc_ref'] or 'không ghi văn bản'})", className="small"),
                ]
            )
            for e in events
        ]
    )


def lineage_options(ds: Dataset) -> list[dict[str, Any]]:
    """Units that took part in an event, for the lineage picker."""
    ids_ = sorted(set(ds.event_units["unit_id"])) if len(ds.event_units) else []
    units = ds.units.loc[[i for i in ids_ if i in ds.units.index]].sort_values("name")
    return [{"label": n, "value": int(i)} for i, n in zip(units["id"], units["name"], strict=True)]
