"""The analysis page: are cuts equal across units ('cào bằng')? where are staff short?"""

from __future__ import annotations

from typing import Any

from dash import html

from components.overview import chart_block, export_search, make_behind_table
from etl.core.formatting import fmt_date, fmt_number, fmt_pct
from etl.measures import analysis
from etl.measures.dataset import Dataset
from etl.measures.query import ResolvedView
from reporting.charts import ChartContext, build_chart


def _baseline_year(summary: dict[str, Any]) -> int | None:
    return (summary.get("programme") or {}).get("baseline_year")


def spread_sentence(stats: dict[str, Any], baseline_year: int | None = None) -> str:
    """A plain reading of the spread of per-unit reduction rates (against `baseline_year`)."""
    if not stats.get("units"):
        year = f" năm {baseline_year}" if baseline_year else " năm gốc"
        return f"Chưa có đơn vị nào có số liệu{year} để so sánh."
    zero = stats["zero_share_pct"]
    near = stats["near_median_share_pct"]
    if zero >= 100:
        reading = "chưa đơn vị nào giảm so với năm gốc"
    elif near >= 60 and stats["median_pct"] > 0:
        reading = "mức giảm khá đồng đều giữa các đơn vị — cần xem có tình trạng cào bằng không"
    elif zero >= 50:
        reading = "phần lớn đơn vị chưa giảm; việc giảm tập trung vào một số đơn vị"
    else:
        reading = "mức giảm khác nhau giữa các đơn vị, không cào bằng"
    return (
        f"{fmt_number(stats['units'])} đơn vị: trung vị giảm {fmt_pct(stats['median_pct'])}, "
        f"độ lệch chuẩn {fmt_number(stats['std_pct'], 2)} điểm %; {fmt_pct(zero, 1)} đơn vị chưa "
        f"giảm, {fmt_pct(near, 1)} đơn vị giảm trong khoảng ±1 điểm % quanh trung vị: {reading}."
    )


def make_analysis(
    ds: Dataset,
    summary: dict[str, Any],
    view: ResolvedView,
    measure: str,
    search: str = "",
    export_problem: str | None = None,
) -> list[Any]:
    """The analysis page of a view for one measure: the spread of cuts and the shortages."""
    ctx = ChartContext(ds, summary, view)
    table = ctx.unit_table
    stats = analysis.spread(table, measure)
    short = analysis.shortages(ds, view)
    spread_id = f"muc-giam-{measure.replace('_', '-')}"
    short_rows = [
        html.Tr(
            [
                html.Td(r.sector),
                html.Td(fmt_number(r.units), className="num"),
                html.Td(fmt_number(r.units_short), className="num"),
                html.Td(fmt_number(r.current), className="num"),
                html.Td(fmt_number(r.norm), className="num"),
                html.Td(fmt_number(r.shortage), className="num"),
            ]
        )
        for r in short.itertuples()
    ]
    head = ["Lĩnh vực", "Số đơn vị", "Đơn vị thiếu", "Được giao", "Định mức", "Thiếu"]
    return [
        html.P(
            [html.Strong(summary["scope"]), f" — số liệu tính đến ngày {fmt_date(view.as_of)}"],
            className="as-of",
        ),
        html.Div(
            [
                html.Div(
                    [
                        chart_block(
                            build_chart(spread_id, ctx),
                            spread_id,
                            export_search(search, view),
                            export_problem,
                        ),
                        html.P(
                            spread_sentence(stats, _baseline_year(summary)),
                            className="verdict",
                            **{"data-testid": "spread-sentence"},
                        ),
                    ],
                    className="panel",
                ),
                html.Div(
                    [
                        html.H3("5 đơn vị còn xa chỉ tiêu nhất"),
                        make_behind_table(
                            analysis.furthest_behind(table, measure),
                            search,
                            _baseline_year(summary),
                        ),
                    ],
                    className="panel",
                ),
            ],
            className="grid-2",
        ),
        html.Div(
            [
                html.Div(
                    chart_block(
                        build_chart("thieu-dinh-muc", ctx),
                        "thieu-dinh-muc",
                        export_search(search, view),
                        export_problem,
                    ),
                    className="panel",
                ),
                html.Div(
                    [
                        html.H3("Thiếu so với định mức (đơn vị sự nghiệp)"),
                        html.Table(
                            [
                                html.Thead(html.Tr([html.Th(h) for h in head])),
                                html.Tbody(short_rows),
                            ],
                            className="table",
                        )
                        if short_rows
                        else html.P("Chưa có số liệu định mức."),
                    ],
                    className="panel",
                ),
            ],
            className="grid-2",
        ),
    ]
