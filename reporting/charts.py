"""Every chart of the app by id: the same figure on screen, in PNG/PDF exports and in reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from etl.core.vocabulary import Measure
from etl.measures import analysis
from etl.measures.cache import remembered, remembered_for_frame
from etl.measures.dataset import Dataset, unreviewed_stamp
from etl.measures.metrics import NO_DATA_LABEL, no_data_text
from etl.measures.query import ResolvedView
from reporting.figures import (
    make_path_figure,
    make_reorg_figure,
    make_shortage_figure,
    make_spread_figure,
    make_streamlined_figure,
)

if TYPE_CHECKING:
    from reporting.render import ChartRenderer


@dataclass
class ChartContext:
    """The data one view's charts are drawn from: the dataset, the view's summary and the view."""

    ds: Dataset
    summary: dict[str, Any]
    view: ResolvedView
    _table: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def unit_table(self) -> pd.DataFrame:
        if self._table is None:
            # shared: charts and tables only read it
            self._table = analysis.unit_table(self.ds, self.view, copy=False)
        return self._table


@dataclass(frozen=True)
class ChartSpec:
    chart_id: str
    title: str
    build: Callable[[ChartContext], go.Figure]
    width_px: int = 900
    height_px: int = 420


def _path(measure: str) -> Callable[[ChartContext], go.Figure]:
    def build(ctx: ChartContext) -> go.Figure:
        path = analysis.yearly_path(ctx.ds, ctx.view, measure, ctx.summary[measure])
        return make_path_figure(path, measure)

    return build


def _spread(measure: str) -> Callable[[ChartContext], go.Figure]:
    def build(ctx: ChartContext) -> go.Figure:
        stats = analysis.spread(ctx.unit_table, measure)
        return make_spread_figure(
            stats.get("values", []),
            stats.get("median_pct"),
            measure,
            ctx.summary[measure].get("baseline_year"),
        )

    return build


CHARTS: dict[str, ChartSpec] = {
    spec.chart_id: spec
    for spec in (
        ChartSpec("lo-trinh-cong-chuc", "Biên chế công chức qua các năm", _path(Measure.CONG_CHUC)),
        ChartSpec(
            "lo-trinh-nguoi-lam-viec", "Người làm việc qua các năm", _path(Measure.NGUOI_LAM_VIEC)
        ),
        ChartSpec(
            "tinh-gian",
            "Tinh giản biên chế theo chính sách",
            lambda ctx: make_streamlined_figure(
                ctx.summary["streamlined"], ctx.summary.get("streamlined_by_basis")
            ),
        ),
        ChartSpec(
            "sap-xep",
            "Sắp xếp, kiện toàn tổ chức theo năm",
            lambda ctx: make_reorg_figure(analysis.reorg_timeline(ctx.ds, ctx.view.as_of)),
        ),
        ChartSpec(
            "muc-giam-cong-chuc",
            "Mức giảm của từng cơ quan — công chức",
            _spread(Measure.CONG_CHUC),
        ),
        ChartSpec(
            "muc-giam-nguoi-lam-viec",
            "Mức giảm của từng đơn vị — người làm việc",
            _spread(Measure.NGUOI_LAM_VIEC),
        ),
        ChartSpec(
            "thieu-dinh-muc",
            "Số được giao so với định mức, theo lĩnh vực",
            lambda ctx: make_shortage_figure(analysis.shortages(ctx.ds, ctx.view)),
        ),
    )
}
STAMP_COLOR = "#C00000"  # the stamp of unreviewed figures, as in the report and workbooks


def _points(trace: Any) -> int:
    """How many values a trace draws (x, y or a pie's values)."""
    found = [getattr(trace, name, None) for name in ("x", "y", "values")]
    return max((len(v) for v in found if v is not None), default=0)


REPORT_CHARTS = (
    "lo-trinh-cong-chuc",
    "lo-trinh-nguoi-lam-viec",
    "tinh-gian",
    "sap-xep",
    "muc-giam-nguoi-lam-viec",
    "thieu-dinh-muc",
)


def build_chart(chart_id: str, ctx: ChartContext) -> go.Figure:
    """The figure of `chart_id` for a view; KeyError for an unknown id.

    Built once per dataset and view (plotly's figure objects cost 15-40 ms each to build) and
    shared by the page, the exports and the report: callers only read it."""
    spec = CHARTS[chart_id]
    key = (chart_id, *ctx.view.key)
    return remembered(ctx.ds, "chart", key, lambda: _stamped(spec.build(ctx), ctx))


def _stamped(fig: go.Figure, ctx: ChartContext) -> go.Figure:
    """A chart of figures that include unreviewed returns says so on the picture itself, so
    a saved PNG/PDF (the download, the camera button, the report) cannot pass as official;
    a chart without a point says «Chưa có số liệu» (and why) instead of empty axes."""
    if not any(_points(trace) for trace in fig.data):
        reasons = {ctx.summary[m].get("no_data") for m in Measure if m in ctx.summary}
        reasons.discard(None)
        fig.add_annotation(
            text=(
                no_data_text(reasons.pop(), ctx.summary[Measure.CONG_CHUC].get("baseline_year"))
                if len(reasons) == 1
                else NO_DATA_LABEL
            ),
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            font={"size": 16, "color": "#555555"},
        )
        fig.update_xaxes(showticklabels=False)
        fig.update_yaxes(showticklabels=False)
    stamp = unreviewed_stamp(ctx.ds.figures)
    if stamp:
        top = max(int(fig.layout.margin.t or 0), 40) + 24
        fig.update_layout(margin={"t": top})
        fig.add_annotation(
            text=f"<b>{stamp}</b>",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            yshift=top - 40,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"color": STAMP_COLOR, "size": 12},
        )
    return fig


def render_chart(chart_id: str, ctx: ChartContext, renderer: ChartRenderer, fmt: str) -> bytes:
    """The chart `chart_id` of a view as PNG (at scale 2) or PDF, at its registered size:
    one way for the chart downloads and the report's pictures. ExportUnavailable without a
    browser. Kept per dataset, view, format and renderer (the figure is `build_chart`'s, drawn
    at a fixed size; a browser draws it in 0.1-0.4 s): a report or a download asked again draws
    nothing."""
    spec = CHARTS[chart_id]

    def draw() -> bytes:
        return renderer.render(
            build_chart(chart_id, ctx),
            fmt,
            width=spec.width_px,
            height=spec.height_px,
            scale=2 if fmt == "png" else 1,
        )

    if renderer.problem():  # no browser (any more): the renderer says so, as for a new chart
        return draw()
    key = (chart_id, fmt, *ctx.view.key)  # and the renderer: a test's fake draws otherwise
    return remembered_for_frame(ctx.ds, "chart_image", renderer, key, draw)
