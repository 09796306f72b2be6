"""Plotly figure factories. Every figure writes numbers the Vietnamese way (`separators`) and
names a font with Vietnamese coverage, so PNG/PDF exports keep their diacritics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from etl.core.formatting import PLOTLY_SEPARATORS
from etl.core.vocabulary import (
    MEASURE_LABELS,
    NOT_BROKEN_DOWN_LABEL,
    DepartureBasis,
    FactStatus,
)
from etl.measures.analysis import Path
from etl.measures.metrics import NOT_BROKEN_DOWN

FONT_FAMILY = "Noto Sans, DejaVu Sans, Arial, sans-serif"
COLORS = {
    "actual": "#1f4e79",
    "plan": "#a5121b",
    "projection": "#e08a00",
    "pending": "#f2b134",
    "done": "#1f4e79",
    "cong_chuc": "#1f4e79",
    "vien_chuc": "#5aa0d8",
    "norm": "#a5121b",
    "muted": "#8a96a8",
}
EVENT_COLORS = {
    "Sáp nhập": "#1f4e79",
    "Hợp nhất": "#5aa0d8",
    "Giải thể": "#a5121b",
    "Chia tách": "#e08a00",
    "Đổi tên": "#8a96a8",
    "Thành lập mới": "#2e8b57",
    "Kiện toàn bên trong": "#7d5ba6",
    "Tạm dừng": "#c9c9c9",
}


def style(fig: go.Figure, title: str, *, height: int = 360) -> go.Figure:
    """The house layout: Vietnamese separators, font, title, legend under the plot."""
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        separators=PLOTLY_SEPARATORS,
        font={"family": FONT_FAMILY, "size": 12, "color": "#1d2733"},
        height=height,
        margin={"l": 56, "r": 16, "t": 48, "b": 48},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    fig.update_xaxes(showline=True, linecolor="#c9d1db", gridcolor="#eef0f3")
    fig.update_yaxes(showline=True, linecolor="#c9d1db", gridcolor="#eef0f3", tickformat=",d")
    return fig


def make_path_figure(path: Path, measure: str) -> go.Figure:
    """Quota year by year against the straight path to the 2026 target, with the projection."""
    fig = go.Figure()
    fig.add_scatter(
        x=path.years,
        y=path.actual,
        name="Số được giao",
        mode="lines+markers+text",
        text=[f"{v:,.0f}".replace(",", ".") for v in path.actual],
        textposition="top center",
        line={"color": COLORS["actual"], "width": 3},
        marker={"size": 8},
        hovertemplate="Năm %{x}: %{y:,d}<extra></extra>",
    )
    if path.planned:
        years = sorted(path.planned)
        fig.add_scatter(
            x=years,
            y=[path.planned[y] for y in years],
            name=f"Lộ trình đến chỉ tiêu {path.target_year}",
            mode="lines+markers",
            line={"color": COLORS["plan"], "dash": "dash"},
            hovertemplate="Năm %{x}: %{y:,.1f}<extra>lộ trình</extra>",
        )
    if path.projected_2026 is not None and path.years and path.target_year:
        last = path.years[-1]
        fig.add_scatter(
            x=[last, path.target_year],
            y=[path.actual[-1], path.projected_2026],
            name="Dự báo theo tốc độ hiện nay",
            mode="lines+markers",
            line={"color": COLORS["projection"], "dash": "dot"},
            hovertemplate="Năm %{x}: %{y:,.0f}<extra>dự báo</extra>",
        )
    values = [*path.actual, *path.planned.values()]
    if path.projected_2026 is not None:
        values.append(path.projected_2026)
    if values:
        low, high = min(values), max(values)
        pad = max((high - low) * 0.25, high * 0.01, 1)
        fig.update_yaxes(range=[max(0, low - pad), high + pad])
    last_year = max([*path.years, *path.planned, path.target_year or 0])
    first_year = min([*path.years, *path.planned], default=last_year)
    fig.update_xaxes(dtick=1, range=[first_year - 0.6, last_year + 0.6])
    return style(fig, f"{MEASURE_LABELS[measure]} qua các năm")


_KINDS = (("cong_chuc", "Công chức"), ("vien_chuc", "Viên chức"))
# shades of each kind's colour for its parts by legal basis, and grey for the part not broken down
_BASIS_SHADES = {
    "cong_chuc": {DepartureBasis.ND29_154: "#1f4e79", DepartureBasis.ND178_67: "#4f7fab"},
    "vien_chuc": {DepartureBasis.ND29_154: "#2f7fc1", DepartureBasis.ND178_67: "#8cc0ea"},
}
_NOT_BROKEN_DOWN_SHADES = {"cong_chuc": COLORS["muted"], "vien_chuc": "#c3cad4"}


def any_basis_given(by_basis: dict[str, dict[str, dict[str, int | None]]] | None) -> bool:
    """Whether some year of some kind is broken down by legal basis."""
    return any(
        entry.get(basis) is not None
        for years in (by_basis or {}).values()
        for entry in years.values()
        for basis in DepartureBasis
    )


def make_streamlined_figure(
    streamlined: dict[str, dict[str, int]],
    by_basis: dict[str, dict[str, dict[str, int | None]]] | None = None,
) -> go.Figure:
    """Individuals approved under the policy, by year and kind; when some figure is broken
    down by legal basis, each kind's bar is stacked by basis, with the part not broken down
    in grey (a basis nobody gave is left out of the bar, not drawn as 0)."""
    if any_basis_given(by_basis):
        return _streamlined_by_basis_figure(by_basis or {})
    fig = go.Figure()
    for key, label in (("cong_chuc", "Công chức"), ("vien_chuc", "Viên chức")):
        years = sorted(streamlined.get(key, {}))
        fig.add_bar(
            x=years,
            y=[streamlined[key][y] for y in years],
            name=label,
            marker_color=COLORS[key],
            text=[streamlined[key][y] for y in years],
            textposition="outside",
            hovertemplate=f"{label} năm %{{x}}: %{{y:,d}}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    return style(fig, "Tinh giản biên chế theo chính sách", height=320)


def _streamlined_by_basis_figure(
    by_basis: dict[str, dict[str, dict[str, int | None]]],
) -> go.Figure:
    fig = go.Figure()
    years = sorted({y for kind, _ in _KINDS for y in by_basis.get(kind, {})})
    for kind, noun in _KINDS:
        rows = by_basis.get(kind, {})
        base = [0] * len(years)
        parts: list[tuple[str, str, str]] = [
            (b.value, b.label, _BASIS_SHADES[kind][b]) for b in DepartureBasis
        ]
        parts.append((NOT_BROKEN_DOWN, NOT_BROKEN_DOWN_LABEL, _NOT_BROKEN_DOWN_SHADES[kind]))
        for key, label, color in parts:
            values = [rows.get(y, {}).get(key) for y in years]
            if all(v is None or v == 0 for v in values) and key == NOT_BROKEN_DOWN:
                continue
            if all(v is None for v in values):
                continue
            shown = [v or 0 for v in values]
            fig.add_bar(
                x=years,
                y=shown,
                base=list(base),
                offsetgroup=kind,
                name=f"{noun}: {label}",
                marker_color=color,
                text=[v if v else "" for v in values],
                textposition="inside",
                textangle=0,
                hovertemplate=f"{noun} năm %{{x}}, {label}: %{{y:,d}}<extra></extra>",
            )
            base = [b + v for b, v in zip(base, shown, strict=True)]
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    fig.update_layout(legend={"font": {"size": 11}})
    return style(fig, "Tinh giản biên chế theo chính sách", height=380)


def make_spread_figure(
    values: Sequence[float], median: float | None, measure: str, baseline_year: int | None = None
) -> go.Figure:
    """Per-unit reduction rates in bins of one percentage point: a spike at one value means
    equal cuts ('cào bằng'). Counted here, so the page carries one bar per bin rather than the
    rate of every unit (45 000 of them at national scale)."""
    rates = np.asarray(values, dtype=float)
    rates = rates[np.isfinite(rates)]
    bins, counts = np.unique(np.floor(rates), return_counts=True)
    fig = go.Figure()
    fig.add_bar(
        x=bins + 0.5,
        y=counts,
        width=1,
        customdata=np.column_stack([bins, bins + 1]) if len(bins) else None,
        marker_color=COLORS["actual"],
        marker_line_width=0,
        name="Số đơn vị",
        hovertemplate="Giảm từ %{customdata[0]}% đến dưới %{customdata[1]}%: "
        "%{y:,d} đơn vị<extra></extra>",
    )
    fig.update_layout(bargap=0)
    if median is not None:
        fig.add_vline(
            x=median,
            line={"color": COLORS["plan"], "dash": "dash"},
            annotation_text="trung vị",
            annotation_position="top right",
        )
    since = f"năm {baseline_year}" if baseline_year else "năm gốc"
    fig.update_xaxes(title=f"Tỷ lệ giảm so với {since} (%)", ticksuffix="%")
    fig.update_yaxes(title="Số đơn vị")
    return style(fig, f"Mức giảm của từng đơn vị — {MEASURE_LABELS[measure].lower()}")


def make_shortage_figure(by_sector: pd.DataFrame) -> go.Figure:
    """Approved staff against the sector norm: where quotas fall below the norm."""
    fig = go.Figure()
    if not by_sector.empty:
        fig.add_bar(
            y=by_sector["sector"],
            x=by_sector["current"],
            orientation="h",
            name="Số được giao",
            marker_color=COLORS["actual"],
            hovertemplate="%{y}: %{x:,d}<extra>được giao</extra>",
        )
        fig.add_bar(
            y=by_sector["sector"],
            x=by_sector["norm"],
            orientation="h",
            name="Theo định mức",
            marker_color=COLORS["norm"],
            hovertemplate="%{y}: %{x:,d}<extra>định mức</extra>",
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickformat=",d")
    fig.update_yaxes(tickformat=None, autorange="reversed")
    return style(fig, "Số người làm việc được giao so với định mức, theo lĩnh vực")


def make_reorg_figure(timeline: pd.DataFrame) -> go.Figure:
    """Reorganisation events per year, stacked by type."""
    fig = go.Figure()
    if not timeline.empty:
        by_type = timeline.groupby(["year", "event_type"], as_index=False)["events"].sum()
        for event_type, rows in by_type.groupby("event_type"):
            fig.add_bar(
                x=rows["year"],
                y=rows["events"],
                name=event_type,
                marker_color=EVENT_COLORS.get(event_type, COLORS["muted"]),
                hovertemplate=f"{event_type} năm %{{x}}: %{{y}}<extra></extra>",
            )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1)
    return style(fig, "Sắp xếp, kiện toàn tổ chức theo năm")


def make_unit_history_figure(
    history: pd.DataFrame, name: str, with_predecessors: dict[int, float] | None = None
) -> go.Figure:
    """A unit's assigned quota per year (current values only); `with_predecessors`: the same
    with its predecessors' figures in the years they existed (`metrics.quota_by_year` of the
    unit), drawn as a line when the unit has predecessors, so that the years before a merger
    read like the card's baseline, which counts them."""
    fig = go.Figure()
    current = history[(history["status"] == FactStatus.ASSIGNED) & history["current"]]
    if not current.empty:
        fig.add_bar(
            x=current["year"],
            y=current["value"],
            marker_color=COLORS["actual"],
            name="Số được giao của riêng đơn vị" if with_predecessors else "Số được giao",
            hovertemplate="Năm %{x}: %{y:,d}<extra></extra>",
        )
    if with_predecessors:
        years = sorted(with_predecessors)
        fig.add_scatter(
            x=years,
            y=[with_predecessors[y] for y in years],
            mode="lines+markers",
            line={"color": COLORS["plan"]},
            name="Gồm cả đơn vị tiền thân",
            hovertemplate="Năm %{x}: %{y:,.0f}<extra></extra>",
        )
    fig.update_xaxes(dtick=1)
    return style(fig, f"{name}: số được giao qua các năm", height=300)


def empty_figure(message: str) -> dict[str, Any]:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, "").to_dict()
