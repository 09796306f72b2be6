"""The overview page's content, from a summary and the dataset: cards, paths, the rest."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from components import drill
from components.basis import make_basis_table
from components.cards import make_measure_card, programme_line
from components.tracker_view import missing_href, tracker_href
from etl.core.formatting import fmt_count_prose, fmt_date, fmt_number, fmt_pct
from etl.core.vocabulary import MEASURE_LABELS, Measure, UnitGroup
from etl.measures import analysis
from etl.measures.dataset import Dataset
from etl.measures.query import ResolvedView
from etl.storage.periods import Period
from reporting.charts import ChartContext, build_chart
from web.background import make_progress

# the report built in the background (pages/overview.py), with web.background's
# progress block for the prefix "report"
REPORT_PDF = "report-build-pdf"
REPORT_XLSX = "report-build-xlsx"
REPORT_STATUS = "report-status"
REPORT_DOWNLOAD = "report-download"
REPORT_PROGRESS_PREFIX = "report"

# plotly.js's toolbar strings in Vietnamese: its own "vi" locale carries date formats and an
# empty dictionary, so the words are given here, with the number and date formats of docs/domain.md.
PLOTLY_LOCALE_VI = {
    "dictionary": {
        "Download plot as a PNG": "Tải biểu đồ (PNG)",
        "Download plot": "Tải biểu đồ",
        "Preparing image - this may take a few seconds": "Đang chuẩn bị ảnh, xin chờ vài giây",
        "Image download succeeded": "Đã tải ảnh",
        "Sorry, there was a problem downloading your image!": "Không tải được ảnh biểu đồ.",
        "Zoom in": "Phóng to",
        "Zoom out": "Thu nhỏ",
        "Autoscale": "Vừa khung",
        "Reset axes": "Về mặc định",
        "Reset": "Về mặc định",
        "Reset view": "Về mặc định",
        "Reset views": "Về mặc định",
        "Zoom": "Phóng to vùng chọn",
        "Pan": "Kéo",
        "Double-click to zoom back out": "Bấm đúp để trở lại",
        "Click to enter Plot title": "Bấm để nhập tiêu đề",
        "Click to enter X axis title": "Bấm để nhập tên trục hoành",
        "Click to enter Y axis title": "Bấm để nhập tên trục tung",
    },
    "format": {
        "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
        "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
        "months": [f"Tháng {m}" for m in range(1, 13)],
        "shortMonths": [f"Th{m}" for m in range(1, 13)],
        "date": "%d/%m/%Y",
        "decimal": ",",
        "thousands": ".",
    },
}

# The toolbar keeps what a leader uses (save as PNG, zoom, reset). Everything that would send a
# chart to an outside service (plotly.js's "Share chart" to Plotly Cloud, Chart Studio links) is
# off, and no server address is given for it.
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "plotlyServerURL": "",
    "locale": "vi",
    "locales": {"vi": PLOTLY_LOCALE_VI},
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "bieu_do"},
    "modeBarButtonsToRemove": [
        "sendChartToCloud",
        "sendDataToCloud",
        "editInChartStudio",
        "downloadJson",
        "select2d",
        "lasso2d",
        "zoom2d",
        "pan2d",
        "toggleSpikelines",
        "hoverClosestCartesian",
        "hoverCompareCartesian",
        "hoverClosestPie",
        "toggleHover",
    ],
}


def graph(figure: Any, graph_id: str | dict, filename: str) -> dcc.Graph:
    """A chart whose camera button saves a PNG under a meaningful name."""
    config = {**GRAPH_CONFIG, "toImageButtonOptions": {
        **GRAPH_CONFIG["toImageButtonOptions"], "filename": filename}}  # fmt: skip
    return dcc.Graph(id=graph_id, figure=figure, config=config, className="graph")


def chart_block(
    figure: Any, chart_id: str, search: str = "", export_problem: str | None = None
) -> html.Div:
    """A chart with its PNG/PDF download links (or why they are unavailable)."""
    if export_problem:
        links: Any = html.Span(export_problem, className="small export-off")
    else:
        links = html.Span(
            [
                "Tải biểu đồ: ",
                html.A("PNG", href=f"/export/chart/{chart_id}.png{search}"),
                " · ",
                html.A("PDF", href=f"/export/chart/{chart_id}.pdf{search}"),
            ],
            className="small export-links",
        )
    chart = graph(figure, drill.chart_id(chart_id), chart_id.replace("-", "_"))
    return html.Div([chart, links])


def export_search(search: str, view: ResolvedView) -> str:
    """The query of a page's download links: the URL's, or, when a filter value of it names
    nothing, that of the view the page shows (as its notice says): the export routes refuse
    a value that names nothing, and a file must be of what the page shows."""
    return view.shown.to_query() if view.unmatched else search


def make_report_links(search: str, export_problem: str | None = None) -> html.Div:
    """Downloads of the report and the data for the current view."""
    items = [
        ("Báo cáo PDF", f"/export/report.pdf{search}"),
        ("Báo cáo Word", f"/export/report.docx{search}"),
        ("Biểu tổng hợp (Excel)", f"/export/tonghop.xlsx{search}"),
        ("Dữ liệu (Excel)", f"/export/data.xlsx{search}"),
    ]
    children: list[Any] = [html.Strong("Tải về: ")]
    for n, (label, href) in enumerate(items):
        if n:
            children.append(" · ")
        children.append(html.A(label, href=href, **{"data-testid": f"download-{n}"}))
    if export_problem:
        children.append(
            html.Span(f" (báo cáo sẽ không kèm biểu đồ: {export_problem})", className="small")
        )
    return html.Div(children, className="report-links")


def make_report_builder() -> html.Div:
    """Build the report PDF or the consolidated workbook of the current view in the
    background, with a progress bar and "Hủy"; the file then downloads by itself."""
    return html.Div(
        [
            html.Div(
                [
                    html.Strong("Tạo tệp: "),
                    html.Button("Tạo báo cáo PDF", id=REPORT_PDF, className="button primary"),
                    html.Button("Tạo biểu tổng hợp (Excel)", id=REPORT_XLSX, className="button"),
                    html.Span(id=REPORT_STATUS, className="small", role="status"),
                ],
                className="toolbar",
                style={"alignItems": "center"},
            ),
            make_progress(REPORT_PROGRESS_PREFIX),
            dcc.Download(id=REPORT_DOWNLOAD),
        ],
        className="report-builder",
    )


def unit_link(unit_id: int, name: str, search: str = "") -> dcc.Link:
    return dcc.Link(name, href=f"/don-vi/{unit_id}{search}")


def _scope_line(summary: dict[str, Any], include_unreviewed: bool = False) -> html.P:
    """The scope and cut-off; marked when returns not approved yet count too."""
    children: list[Any] = [
        html.Strong(summary["scope"]),
        f" — số liệu tính đến ngày {fmt_date(summary['as_of'])}",
    ]
    said = programme_line(summary)
    if said:
        children += [" · ", html.Span(said, **{"data-testid": "programme-line"})]
    if include_unreviewed:
        children += [
            " · ",
            html.Span(
                "Số liệu gồm cả báo cáo chưa duyệt",
                className="badge badge-bad",
                **{"data-testid": "unreviewed-badge"},
            ),
        ]
    return html.P(children, className="as-of")


def _stat(label: str, value: str, test_id: str | None = None) -> html.Div:
    attrs = {"data-testid": test_id} if test_id else {}
    return html.Div(
        [html.Div(value, className="stat-value", **attrs), html.Div(label)], className="stat"
    )


INTERNAL_LABELS = {"phong": "phòng", "khoa": "khoa", "chi_nhanh": "chi nhánh", "khac": "khác"}


def internal_sentence(internal: dict[str, int]) -> str:
    """`Giảm 21 tổ chức bên trong: 14 phòng, 02 khoa, 05 chi nhánh.`"""
    total = sum(internal.values())
    if not total:
        return "Chưa giảm tổ chức bên trong."
    parts = [f"{fmt_count_prose(v)} {INTERNAL_LABELS[k]}" for k, v in internal.items() if v]
    return f"Giảm {fmt_number(total)} tổ chức bên trong: {', '.join(parts)}."


def make_merger_note(rule: str | None) -> list[Any]:
    """The sentence saying how merged provinces' figures are counted (the rule in force:
    docs/domain.md, "Provinces and mergers"), on every page that uses it; none without a
    merger of provinces."""
    if not rule:
        return []
    return [html.P(rule, className="notice merger-rule", **{"data-testid": "merger-rule"})]


def make_predecessors_panel(predecessors: list[dict[str, Any]]) -> list[Any]:
    """Each former province's share of the scope's figures (the summary's `predecessors`):
    baseline, current, reduced and its share of the baseline, per measure; a measure without
    figures in a former province (no unit of it holds any: `no_data`) reads «—» throughout,
    its baseline too, never 0."""
    if not predecessors:
        return []
    head = ["Tỉnh, thành phố"]
    for measure in Measure:
        label = MEASURE_LABELS[measure]
        head += [f"{label}: số gốc", "hiện nay", "đã giảm", "tỷ lệ giảm"]
    rows = []
    for part in predecessors:
        cells = [f"{part['province']} (cũ)"]
        for measure in Measure:
            figures = part[measure.value]
            baseline = None if figures.get("no_data") else figures["baseline"]
            cells += [
                fmt_number(baseline, 1),
                fmt_number(figures["current"], 1),
                fmt_number(figures["reduced"], 1),
                fmt_pct(figures["reduced_pct"]),
            ]
        rows.append(html.Tr([html.Td(c) for c in cells]))
    return [
        html.Div(
            [
                html.H3("Theo tỉnh, thành phố trước hợp nhất"),
                html.Table(
                    [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                    className="table",
                ),
            ],
            className="panel",
            **{"data-testid": "predecessors"},
        )
    ]


def make_reorg_panel(reorg: dict[str, Any]) -> html.Div:
    sn = reorg[UnitGroup.SERVICE]
    hc = reorg[UnitGroup.ADMINISTRATIVE]
    ir = sn["internal_reduced"]
    return html.Div(
        [
            html.H3("Sắp xếp tổ chức bộ máy"),
            html.Div(
                [
                    _stat("ĐVSNCL giảm", fmt_number(sn["reduced"])),
                    _stat("ĐVSNCL thành lập mới", fmt_number(sn["established"])),
                    _stat("Đơn vị kiện toàn bên trong", fmt_number(sn["restructured"])),
                    _stat("Cơ quan hành chính giảm", fmt_number(hc["reduced"])),
                ],
                className="stats",
            ),
            html.P(internal_sentence(ir)),
        ],
        className="panel",
    )


def make_job_panel(jp: dict[str, Any], ineligible: list[dict[str, Any]]) -> html.Div:
    hc, sn = jp[UnitGroup.ADMINISTRATIVE], jp[UnitGroup.SERVICE]
    sn_pct = sn["approved"] / sn["eligible"] * 100 if sn["eligible"] else None
    hc_pct = hc["approved"] / hc["eligible"] * 100 if hc["eligible"] else None
    return html.Div(
        [
            html.H3("Phê duyệt vị trí việc làm"),
            html.Div(
                [
                    _stat(
                        f"cơ quan hành chính ({fmt_pct(hc_pct)})",
                        f"{fmt_number(hc['approved'])}/{fmt_number(hc['eligible'])}",
                    ),
                    _stat(
                        f"ĐVSNCL đủ điều kiện ({fmt_pct(sn_pct)})",
                        f"{fmt_number(sn['approved'])}/{fmt_number(sn['eligible'])}",
                    ),
                    _stat("ĐVSNCL chưa đủ điều kiện", fmt_number(sn["ineligible"])),
                ],
                className="stats",
            ),
            html.Ul(
                [html.Li(f"{u['name']}: {u['reason'] or 'không ghi lý do'}") for u in ineligible],
                className="small",
            )
            if ineligible
            else None,
        ],
        className="panel",
    )


def make_behind_table(
    table: pd.DataFrame, search: str, baseline_year: int | None = None
) -> html.Table | html.P:
    """The units furthest from their share of the target; the baseline column headed with
    the programme's baseline year (`Năm 2026` for 2026–2031), and a sentence, not an empty
    table, when no unit of the scope has a target share to fall short of."""
    if table.empty:
        return html.P(
            "Không có đơn vị nào trong phạm vi này có phần chỉ tiêu để so sánh.",
            className="small",
        )
    base = f"Năm {baseline_year}" if baseline_year else "Năm gốc"
    head = html.Tr(
        [html.Th(h) for h in ("Đơn vị", base, "Đã giảm", "Chỉ tiêu", "Còn thiếu", "Đạt")]
    )
    rows = [
        html.Tr(
            [
                html.Td(unit_link(int(r.unit_id), r.name, search)),
                html.Td(fmt_number(r.baseline), className="num"),
                html.Td(fmt_number(r.reduced), className="num"),
                html.Td(fmt_number(r.target, 1), className="num"),
                html.Td(fmt_number(r.gap, 1), className="num"),
                html.Td(fmt_pct(r.pct_of_target), className="num"),
            ]
        )
        for r in table.itertuples()
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table")


def make_overview(
    ds: Dataset,
    summary: dict[str, Any],
    view: ResolvedView,
    search: str = "",
    export_problem: str | None = None,
    owing: tuple[Period, int] | None = None,
) -> list[Any]:
    """Everything on the overview page for one view (`search`: the URL's query string, which
    the page's links keep); `owing`: the period of the view's cut-off and how many units
    still owe it their return (`etl.measures.tracking.owing_for_cut_off`), the notice then
    linking to exactly that list."""
    ctx = ChartContext(ds, summary, view)
    downloads = export_search(search, view)
    blocks: list[Any] = [
        _scope_line(summary, view.asked.include_unreviewed),
        *make_merger_note(summary.get("merger_rule")),
        make_report_links(export_search(search, view), export_problem),
    ]
    if owing is not None:
        period, n_owing = owing
        if n_owing:
            blocks.append(
                html.Div(
                    [
                        f"{fmt_number(n_owing)} đơn vị chưa nộp hoặc bị trả lại báo cáo kỳ "
                        f"«{period.name}»; ",
                        dcc.Link(
                            "xem danh sách",
                            href=tracker_href(search, period.id, owing_only=True),
                            id="overview-owing-link",
                        ),
                        ".",
                    ],
                    className="notice",
                    **{"data-testid": "owing-notice"},
                )
            )
    if summary["missing"]:
        blocks.append(
            html.Div(
                [
                    f"{fmt_number(len(summary['missing']))} đơn vị chưa báo cáo đủ số liệu "
                    "các năm; ",
                    dcc.Link(
                        "xem danh sách", href=missing_href(search), id="overview-missing-link"
                    ),
                    ".",
                ],
                className="notice",
            )
        )
    cards, charts = [], []
    titles = {
        Measure.CONG_CHUC: "Biên chế công chức",
        Measure.NGUOI_LAM_VIEC: "Số lượng người làm việc hưởng lương từ NSNN",
    }
    for measure, title in titles.items():
        path = analysis.yearly_path(ds, view, measure, summary[measure])
        key = measure.replace("_", "-")
        cards.append(
            make_measure_card(
                title,
                summary[measure],
                key,
                path.sentence_vi,
                include_pending=view.include_pending,
                programme=(summary.get("programme") or {}).get("name"),
            )
        )
        chart_id = f"lo-trinh-{key}"
        charts.append(chart_block(build_chart(chart_id, ctx), chart_id, downloads, export_problem))
    blocks += [
        html.Div(cards, className="cards"),
        *make_predecessors_panel(summary["predecessors"]),
    ]
    blocks.append(html.Div(charts, className="grid-2"))
    blocks.append(
        html.Div(
            [
                html.Div(
                    [
                        chart_block(
                            build_chart("tinh-gian", ctx), "tinh-gian", downloads, export_problem
                        ),
                        make_basis_table(summary.get("streamlined_by_basis")),
                    ],
                    className="panel",
                ),
                make_reorg_panel(summary["reorganization"]),
                make_job_panel(summary["job_positions"], summary["job_positions_ineligible"]),
            ],
            className="grid-3",
        )
    )
    behind = [
        html.Div(
            [
                html.H3(f"5 đơn vị còn xa chỉ tiêu nhất — {MEASURE_LABELS[m].lower()}"),
                make_behind_table(
                    analysis.furthest_behind_in_view(ds, view, m),
                    search,
                    (summary.get("programme") or {}).get("baseline_year"),
                ),
            ],
            className="panel",
        )
        for m in titles
    ]
    blocks.append(html.Div(behind, className="grid-2"))
    return blocks
