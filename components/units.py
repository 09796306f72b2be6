"""The by-unit page and the unit page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from dash import dcc, html

from etl import analysis, metrics
from etl.formatting import fmt_date, fmt_number

from .figures import make_unit_history_figure
from .grids import column, make_grid
from .overview import graph

STATUS_LABELS = {
    "assigned": "Được giao",
    "pending": "Đề nghị giảm (chờ phê duyệt)",
    "norm": "Định mức",
    "present": "Có mặt",
    "streamlined": "Tinh giản theo chính sách",
}
GROUP_LABELS = {"district": "Quận, huyện", "sector": "Lĩnh vực", "kind_label": "Loại đơn vị"}


def unit_columns(latest_year: int | None) -> list[dict[str, Any]]:
    return [
        column("name", "Đơn vị", cellRenderer="markdown", minWidth=260, pinned="left"),
        column("kind_label", "Loại"),
        column("district", "Quận, huyện"),
        column("sector", "Lĩnh vực"),
        column("baseline", "Năm 2021", "number"),
        column("current", f"Năm {latest_year or ''}", "number"),
        column("reduced", "Đã giảm", "number"),
        column("reduced_pct", "Tỷ lệ giảm", "percent"),
        column("pending", "Chờ phê duyệt", "number"),
        column("target", "Chỉ tiêu", "decimal"),
        column("gap", "Còn thiếu", "decimal", sort="desc"),
        column("pct_of_target", "Đạt", "percent"),
        column("missing_years", "Thiếu số liệu năm"),
        column("job_position", "Vị trí việc làm"),
    ]


def make_subtotals(table: pd.DataFrame, group_by: str) -> html.Table:
    sub = analysis.subtotals(table, group_by).sort_values("baseline", ascending=False)
    head = [GROUP_LABELS[group_by], "Số đơn vị", "Năm 2021", "Hiện nay", "Đã giảm", "Tỷ lệ", "Đạt"]
    from etl.formatting import fmt_pct

    rows = [
        html.Tr(
            [
                html.Td(r[group_by]),
                html.Td(fmt_number(r["units"]), className="num"),
                html.Td(fmt_number(r["baseline"]), className="num"),
                html.Td(fmt_number(r["current"]), className="num"),
                html.Td(fmt_number(r["reduced"]), className="num"),
                html.Td(fmt_pct(r["reduced_pct"]), className="num"),
                html.Td(fmt_pct(r["pct_of_target"]), className="num"),
            ]
        )
        for _, r in sub.iterrows()
    ]
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="table subtotals",
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~-])")


def markdown_text(text: str) -> str:
    """A unit name as literal markdown text: no link, emphasis or HTML can come from data."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def make_units_view(
    ds: metrics.Dataset,
    summary: dict[str, Any],
    flt: metrics.Filter,
    as_of: dt.date,
    measure: str,
    group_by: str,
    include_pending: bool,
) -> list[Any]:
    table = analysis.unit_table(ds, as_of, flt, include_pending=include_pending)
    table = table[table["measure"] == measure].copy()
    table["name"] = [
        f"[{markdown_text(n)}](/don-vi/{u})"
        for n, u in zip(table["name"], table["unit_id"], strict=True)
    ]
    latest = summary[measure]["latest_year"]
    return [
        html.P(
            [
                html.Strong(summary["scope"]),
                f" — số liệu tính đến ngày {fmt_date(as_of)}; "
                f"{fmt_number(len(table))} đơn vị. Bảng xếp theo số còn thiếu so với chỉ tiêu.",
            ],
            className="as-of",
        ),
        html.Details(
            [
                html.Summary(f"Cộng theo {GROUP_LABELS[group_by].lower()}"),
                make_subtotals(table, group_by),
            ],
            open=True,
            className="panel",
        ),
        html.Div(
            make_grid("units-grid", table, unit_columns(latest), csv_name="theo_don_vi.csv"),
            className="panel",
        ),
    ]


def make_unit_page(ds: metrics.Dataset, unit_id: int, as_of: dt.date) -> list[Any]:
    """A unit: who it is, its figures year by year with their source cells, its lineage."""
    if unit_id not in ds.units.index:
        return [html.H2("Không tìm thấy đơn vị"), dcc.Link("Về danh sách đơn vị", href="/don-vi")]
    unit = ds.units.loc[unit_id]
    history = analysis.unit_history(ds, unit_id)
    events = analysis.lineage(ds, unit_id)
    preds = metrics.predecessors_of(ds, unit_id, as_of)
    facts = [
        ("Mã đơn vị", unit["code"]),
        ("Loại", metrics.KIND_LABELS.get(unit["kind"], unit["kind"])),
        ("Quận, huyện", unit["district"]),
        ("Cơ quan chủ quản", unit["parent"]),
        ("Lĩnh vực", unit["sector"]),
        ("Mức tự chủ", unit["autonomy"]),
        ("Thành lập", fmt_date(unit["valid_from"]) if _present(unit["valid_from"]) else None),
        ("Kết thúc hoạt động", fmt_date(unit["valid_to"]) if _present(unit["valid_to"]) else None),
    ]
    info = html.Dl(
        [x for k, v in facts if _present(v) for x in (html.Dt(k), html.Dd(str(v)))],
        className="facts",
    )
    hist = history.copy()
    hist["status"] = hist["status"].map(STATUS_LABELS)
    hist["source"] = hist["sheet"] + "!" + hist["cell"]
    hist["current"] = hist["current"].map({True: "hiện hành", False: "đã thay thế"})
    hist["uploaded_at"] = hist["uploaded_at"].map(lambda d: fmt_date(d) if _present(d) else "")
    grid = make_grid(
        "unit-history",
        hist,
        [
            column("year", "Năm"),
            column("status", "Chỉ tiêu"),
            column("value", "Số lượng", "number"),
            column("current", "Trạng thái"),
            column("file_name", "Tệp"),
            column("uploaded_at", "Ngày nộp"),
            column("source", "Ô nguồn"),
        ],
        height_px=360,
        csv_name="lich_su_so_lieu.csv",
    )
    lineage_items = [
        html.Li(
            f"{fmt_date(e['date'])} — {e['event_type']}: {'; '.join(e['before']) or '—'} → "
            f"{'; '.join(e['after']) or '—'} ({e['doc_ref'] or 'không ghi văn bản'}; "
            f"{e['sheet']}!{e['cell']})"
        )
        for e in events
    ]
    pred_names = [ds.units.loc[p, "name"] for p in preds]
    return [
        html.H2(unit["name"]),
        html.Div(
            [
                html.Div([info], className="panel"),
                html.Div(
                    graph(make_unit_history_figure(history, unit["name"]), "unit-chart", "don_vi"),
                    className="panel",
                ),
            ],
            className="grid-2",
        ),
        html.Div(
            [
                html.H3("Tiền thân (số năm 2021 được tính vào đơn vị này)"),
                html.Ul([html.Li(n) for n in pred_names]) if pred_names else html.P("Không có."),
                html.H3("Sắp xếp tổ chức liên quan"),
                html.Ul(lineage_items) if lineage_items else html.P("Không có."),
            ],
            className="panel",
        ),
        html.Div([html.H3("Số liệu đã nộp, kể cả số đã được thay thế"), grid], className="panel"),
    ]


def _present(value: Any) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and pd.isna(value))
        and value is not pd.NaT
        and str(value) not in ("", "NaT", "nan")
    )
