"""The by-unit page and the unit page."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
from dash import dcc, html

from components import ids
from components.cards import make_measure_card
from components.grids import (
    PAGE_SIZE,
    column,
    folded_ranks,
    folded_text,
    make_grid,
    make_server_grid,
    serve_rows,
)
from components.overview import graph, make_merger_note, unit_link
from etl.core.formatting import fmt_date, fmt_number
from etl.core.vocabulary import KIND_LABELS, MEASURE_LABELS, STATUS_LABELS, Measure
from etl.measures import analysis
from etl.measures.cache import remembered
from etl.measures.dataset import Dataset
from etl.measures.metrics import no_data_text, quota_by_year
from etl.measures.programmes import baseline_year, programme_for
from etl.measures.provinces import (
    merger_rule,
    own_province,
    province_choices,
    province_mergers,
    unit_provinces,
)
from etl.measures.query import ResolvedView
from etl.measures.scoping import Filter, home_units, predecessors_of
from reporting.figures import make_unit_history_figure

GROUP_LABELS = {"district": "Quận, huyện", "sector": "Lĩnh vực", "kind_label": "Loại đơn vị"}


def unit_columns(latest_year: int | None, baseline_year: int | None = None) -> list[dict[str, Any]]:
    """The units grid's columns (`baseline_year`: the programme's, else «Năm gốc»); when the
    latest year is the baseline year (2026–2031 in 2026) the two columns say which is which."""
    base = f"Năm {baseline_year}" if baseline_year else "Năm gốc"
    current = f"Năm {latest_year or ''}"
    if latest_year is not None and latest_year == baseline_year:
        base, current = f"{base} (năm gốc)", f"{current} (hiện nay)"
    return [
        column("name", "Đơn vị", cellRenderer="UnitLink", minWidth=260, pinned="left"),
        column("kind_label", "Loại"),
        column("district", "Quận, huyện"),
        column("sector", "Lĩnh vực"),
        column("baseline", base, "number"),
        column("current", current, "number"),
        column("reduced", "Đã giảm", "number"),
        column("reduced_pct", "Tỷ lệ giảm", "percent"),
        column("pending", "Chờ phê duyệt", "number"),
        column("target", "Chỉ tiêu", "decimal"),
        column("gap", "Còn thiếu", "decimal", sort="desc"),
        column("pct_of_target", "Đạt", "percent"),
        column("missing_years", "Thiếu số liệu năm"),
        column("job_position", "Vị trí việc làm"),
    ]


# what the browser needs of a unit row: the columns above and the id for the link
GRID_FIELDS = ["unit_id"] + [c["field"] for c in unit_columns(None)]


def units_grid_id(measure: str, search: str | None) -> dict[str, str]:
    """The grid's id carries its view, so a new view mounts a new grid (and the rows it asks
    for are those of that view)."""
    return {"type": ids.UNITS_GRID, "measure": measure, "search": search or ""}


def make_subtotals(
    table: pd.DataFrame,
    group_by: str,
    title: str = "Cộng theo nhóm",
    baseline_year: int | None = None,
) -> Any:
    sub = analysis.subtotals(table, group_by).sort_values("baseline", ascending=False)
    columns = [
        column(group_by, GROUP_LABELS[group_by], minWidth=200, pinned="left"),
        column("units", "Số đơn vị", "number"),
        column("baseline", f"Năm {baseline_year}" if baseline_year else "Năm gốc", "number"),
        column("current", "Hiện nay", "number"),
        column("reduced", "Đã giảm", "number"),
        column("reduced_pct", "Tỷ lệ", "percent"),
        column("pct_of_target", "Đạt", "percent"),
    ]
    height = min(360, 100 + 42 * len(sub))
    return make_grid(
        ids.UNITS_SUBTOTALS,
        sub[[c["field"] for c in columns]],
        columns,
        height_px=height,
        csv_name="cong_theo_nhom.csv",
        title=title,
    )


def make_units_view(
    ds: Dataset,
    summary: dict[str, Any],
    view: ResolvedView,
    measure: str,
    group_by: str,
    search: str | None = None,
) -> list[Any]:
    """The heading, the subtotals and the units grid; the grid's rows are served a page at a
    time by `units_grid_page` (a national table is too large to send whole)."""
    table = analysis.unit_rows(ds, view, measure)
    latest = summary[measure]["latest_year"]
    reason = summary[measure].get("no_data")
    if table.empty or reason == "before-baseline":
        return [empty_view_notice(summary, view, measure, None if table.empty else reason)]
    return [
        html.P(
            [
                html.Strong(summary["scope"]),
                f" — số liệu tính đến ngày {fmt_date(view.as_of)}; "
                f"{fmt_number(len(table))} đơn vị. Bảng xếp theo số còn thiếu so với chỉ tiêu; "
                "bấm tên cột để xếp lại, gõ vào ô dưới tên cột để lọc (không cần gõ dấu).",
            ],
            className="as-of",
        ),
        html.Details(
            [
                html.Summary(f"Cộng theo {GROUP_LABELS[group_by].lower()}"),
                make_subtotals(
                    table,
                    group_by,
                    f"{MEASURE_LABELS[measure]}: cộng theo {GROUP_LABELS[group_by].lower()} — "
                    f"{summary['scope']} — số liệu tính đến ngày {fmt_date(view.as_of)}",
                    summary[measure].get("baseline_year"),
                ),
            ],
            open=True,
            className="panel",
        ),
        html.Div(
            make_server_grid(
                units_grid_id(measure, search),
                unit_columns(latest, summary[measure].get("baseline_year")),
                title=f"{MEASURE_LABELS[measure]} theo đơn vị — {summary['scope']} — "
                f"số liệu tính đến ngày {fmt_date(view.as_of)}",
                stem="don_vi",
            ),
            className="panel",
            **{"data-testid": "units-grid"},
        ),
    ]


def empty_view_notice(
    summary: dict[str, Any], view: ResolvedView, measure: str, reason: str | None
) -> html.Div:
    """What the units page shows when its view has no unit to list (`reason` None: no unit
    of the measure's kind in the scope at the cut-off) or no figure yet (a reason of
    `etl.measures.metrics.NO_DATA`): said, with what to change, instead of an empty table."""
    if reason is None:
        said = (
            f"Không có {MEASURE_UNITS[measure]} nào thuộc phạm vi «{summary['scope']}» "
            f"tại ngày {fmt_date(view.as_of)}."
        )
    else:
        year0 = (summary.get(measure) or {}).get("baseline_year")
        said = f"{no_data_text(reason, year0)} tại ngày {fmt_date(view.as_of)}."
    return html.Div(
        [html.Strong(said), " Hãy đổi ngày chốt số liệu hoặc bỏ bớt bộ lọc."],
        className="notice",
        **{"data-testid": "units-empty"},
    )


# what the units of each measure are called in the notice of an empty view
MEASURE_UNITS = {
    Measure.CONG_CHUC: "cơ quan hành chính",
    Measure.NGUOI_LAM_VIEC: "đơn vị sự nghiệp công lập",
}


def units_grid_page(
    ds: Dataset,
    view: ResolvedView,
    measure: str,
    request: dict[str, Any] | None,
    *,
    limit: int | None = PAGE_SIZE * 10,
) -> dict[str, Any]:
    """One page of the units grid for its `getRowsRequest`. The grid's columns and their
    folded texts are kept with the dataset per view, so paging, sorting and typing in a
    filter do not redo them."""
    key = (*view.key, measure)
    frame = remembered(
        ds, "unit_grid", key, lambda: analysis.unit_rows(ds, view, measure)[GRID_FIELDS]
    )

    def folded(column: str) -> pd.Series:
        return remembered(
            ds, "unit_grid_folded", (*key, column), lambda: folded_text(frame[column])
        )

    def ranked(column: str) -> pd.Series:
        return remembered(
            ds, "unit_grid_folded", (*key, column, "rank"), lambda: folded_ranks(folded(column))
        )

    return serve_rows(frame, request, folded, limit=limit, ranked=ranked)


def _predecessor_item(ds: Dataset, unit_id: int, view: ResolvedView) -> html.Li:
    """A predecessor, linked to its page, with its former province and its baseline figures
    (followed across a merger of provinces: docs/domain.md, "Provinces and mergers")."""
    year = baseline_year(ds, programme_for(ds, view.as_of, view.programme))
    facts = ds.facts
    own = facts[
        (facts["unit_id"] == unit_id) & (facts["status"] == "assigned") & (facts["year"] == year)
    ]
    figures = [
        f"{MEASURE_LABELS[m].lower()} năm {year}: {fmt_number(v)}"
        for m, v in zip(own["measure"], own["value"], strict=True)
    ]
    text = f" — {'; '.join(figures)}" if figures else ""
    return html.Li([unit_link(unit_id, ds.units.loc[unit_id, "name"], view.to_query()), text])


def _province_fact(ds: Dataset, unit_id: int) -> tuple[str, str | None]:
    """The unit's province line: its former province (`Tỉnh Hậu Giang (cũ)`), or, for a unit
    of the deployment's own province still existing when the provinces merged (the new Sở Y
    tế, the communes' UBND), the merged province itself (`Thành phố Cần Thơ`): it is the new
    province's, not the former one's, though its figures split by former province count in
    the former province of the same name (docs/domain.md, "Provinces and mergers")."""
    key = unit_provinces(ds)[ds.units.index.get_loc(unit_id)]
    label = province_choices(ds).get(key)
    own, own_name = own_province(ds)
    mergers = province_mergers(ds)
    if label is None or not mergers or key != own or not own_name:
        return "Tỉnh, thành phố (cũ)", label
    ended = ds.units.loc[unit_id, "valid_to"]
    if _present(ended) and ended <= mergers[0].date:
        return "Tỉnh, thành phố (cũ)", label
    return "Tỉnh, thành phố", own_name


def make_unit_page(ds: Dataset, unit_id: int, view: ResolvedView) -> list[Any]:
    """A unit: who it is, its figures year by year with their source cells, its lineage (its
    predecessors at the view's cut-off)."""
    if unit_id not in ds.units.index:
        return [html.H2("Không tìm thấy đơn vị"), dcc.Link("Về danh sách đơn vị", href="/don-vi")]
    unit = ds.units.loc[unit_id]
    history = analysis.unit_history(ds, unit_id)
    events = analysis.lineage(ds, unit_id)
    preds = predecessors_of(ds, unit_id, view.as_of)
    facts = [
        ("Mã đơn vị", unit["code"]),
        ("Loại", KIND_LABELS.get(unit["kind"], unit["kind"])),
        ("Quận, huyện", unit["district"]),
        _province_fact(ds, unit_id),
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
            column("status", "Loại số liệu"),
            column("value", "Số lượng", "number"),
            column("current", "Trạng thái"),
            column("file_name", "Tệp", minWidth=260, tooltipField="file_name"),
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
    pred_items = [_predecessor_item(ds, p, view) for p in preds]
    spans = {unit_provinces(ds)[ds.units.index.get_loc(u)] for u in [unit_id, *preds]}
    rule = merger_rule(ds) if len(spans) > 1 else None
    return [
        html.H2(unit["name"]),
        html.Div(
            [
                make_unit_card(ds, unit_id, view, bool(pred_names)),
                html.Div(
                    graph(
                        make_unit_history_figure(
                            history, unit["name"], _with_predecessors(ds, unit_id, view, preds)
                        ),
                        "unit-chart",
                        "don_vi",
                    ),
                    className="panel",
                ),
            ],
            className="grid-2",
        ),
        html.Div(
            [
                html.Div([info], className="panel"),
                html.Div(
                    [
                        html.H3("Tiền thân (số năm gốc được tính vào đơn vị này)"),
                        html.Ul(pred_items) if pred_items else html.P("Không có."),
                        *make_merger_note(rule),
                        html.H3("Sắp xếp tổ chức liên quan"),
                        html.Ul(lineage_items) if lineage_items else html.P("Không có."),
                    ],
                    className="panel",
                ),
            ],
            className="grid-2",
        ),
        html.Div([html.H3("Số liệu đã nộp, kể cả số đã được thay thế"), grid], className="panel"),
    ]


def _with_predecessors(
    ds: Dataset, unit_id: int, view: ResolvedView, preds: list[int]
) -> dict[int, float] | None:
    """The unit's quota per year with its predecessors' (`metrics.quota_by_year` of its
    scope: the figures whose home it is, lineage-weighted), or None without predecessors."""
    if not preds:
        return None
    measure = analysis.measure_of_kind(ds.units.loc[unit_id, "kind"])
    year0 = baseline_year(ds, programme_for(ds, view.as_of, view.programme))
    homes = home_units(ds, view.as_of)
    by_year = quota_by_year(ds, homes, Filter(unit_id=unit_id), measure, view.as_of, year0)
    return {int(y): float(v) for y, v in by_year.items()}


def unit_figures(ds: Dataset, unit_id: int, view: ResolvedView) -> dict[str, Any] | None:
    """A unit's own figures at the view's cut-off, as the units grid has them
    (`analysis.unit_rows`: its 2021 figure with its predecessors', the latest, what was
    reduced, its share of the target, what is left and % of it), None where missing; None
    when the unit does not exist at the cut-off. A unit's figures do not depend on the
    view's scope, so they are taken from the whole city's rows (which the overview shares)."""
    if unit_id not in ds.units.index:
        return None
    measure = analysis.measure_of_kind(ds.units.loc[unit_id, "kind"])
    city = dataclasses.replace(view, filter=Filter())
    rows = analysis.unit_rows(ds, city, measure)
    found = rows[rows["unit_id"] == unit_id]
    if found.empty:
        return None
    row = found.iloc[0]

    def value(name: str) -> Any:
        v = row[name]
        return None if not _present(v) else (v.item() if hasattr(v, "item") else v)

    year0 = baseline_year(ds, programme_for(ds, view.as_of, view.programme))
    out: dict[str, Any] = {"measure": measure, "baseline_year": year0}
    names = ["latest_year", "baseline", "current", "reduced", "reduced_pct", "target", "gap"]
    names += ["pct_of_target", "missing_years"]
    if measure == Measure.NGUOI_LAM_VIEC:
        names += ["done", "pending"]
    out.update({n: value(n) for n in names})
    return out


UNIT_CARD_TITLES = {
    Measure.CONG_CHUC: "Biên chế công chức của đơn vị",
    Measure.NGUOI_LAM_VIEC: "Số lượng người làm việc hưởng lương từ NSNN của đơn vị",
}


def make_unit_card(
    ds: Dataset, unit_id: int, view: ResolvedView, has_predecessors: bool = False
) -> html.Div:
    """The unit's card: its figures as the overview's cards show the city's, or why there
    are none at the view's cut-off."""
    figures = unit_figures(ds, unit_id, view)
    as_of = fmt_date(view.as_of)
    programme = programme_for(ds, view.as_of, view.programme)
    BASELINE_YEAR = baseline_year(ds, programme)
    if figures is not None and BASELINE_YEAR is not None and view.as_of.year < BASELINE_YEAR:
        # nothing to compare before the baseline: no figure of 2021 yet, none reduced
        return html.Div(
            [
                html.H2(UNIT_CARD_TITLES[figures["measure"]]),
                html.P(
                    f"Chưa có số liệu: ngày chốt {as_of} trước năm gốc {BASELINE_YEAR}. "
                    "Số liệu các năm đã nộp ở bảng dưới.",
                    **{"data-testid": "unit-before-baseline"},
                ),
            ],
            className="card",
            **{"data-testid": "unit-card"},
        )
    if figures is None:
        unit = ds.units.loc[unit_id]
        if _present(unit["valid_from"]) and unit["valid_from"] > view.as_of:
            why = f"Đơn vị thành lập ngày {fmt_date(unit['valid_from'])}, sau ngày chốt {as_of}"
        elif _present(unit["valid_to"]):
            ended = fmt_date(unit["valid_to"])
            why = f"Đơn vị kết thúc hoạt động ngày {ended}, trước ngày chốt {as_of}"
        else:
            why = f"Đơn vị không hoạt động tại ngày chốt {as_of}"
        homes = home_units(ds, view.as_of)
        successors = [
            int(h)
            for h in homes.loc[homes["unit_id"] == unit_id, "home_id"]
            if h != unit_id and h in ds.units.index
        ]
        followed: list[Any] = []
        if successors:
            followed = [f"Số năm {BASELINE_YEAR} của đơn vị được tính vào: "]
            for n, home in enumerate(successors):
                followed += [", "] if n else []
                followed.append(unit_link(home, ds.units.loc[home, "name"], view.to_query()))
            followed.append(".")
        return html.Div(
            [
                html.H2("Số liệu của đơn vị"),
                html.P(
                    f"{why}: không có số liệu của riêng đơn vị ở ngày này. Số liệu các năm "
                    "đã nộp ở bảng dưới.",
                    **{"data-testid": "unit-not-existing"},
                ),
                html.P(followed, **{"data-testid": "unit-successors"}) if followed else None,
            ],
            className="card",
            **{"data-testid": "unit-card"},
        )
    measure = figures["measure"]
    notes = [f"Số liệu tính đến ngày {as_of}."]
    if has_predecessors:
        notes.append(f"Số năm {BASELINE_YEAR} gồm cả số của các đơn vị tiền thân.")
    began = ds.units.loc[unit_id, "valid_from"]
    if (
        figures["baseline"] is None
        and _present(began)
        and BASELINE_YEAR is not None
        and began.year > BASELINE_YEAR
    ):
        notes.append(
            f"Đơn vị thành lập ngày {fmt_date(began)}, sau năm gốc {BASELINE_YEAR}: không có "
            f"số năm {BASELINE_YEAR} để tính mức giảm."
        )
    if figures["missing_years"]:
        notes.append(f"Đơn vị chưa báo cáo số liệu năm {figures['missing_years']}.")
    card = make_measure_card(
        UNIT_CARD_TITLES[measure],
        figures,
        "unit",
        " ".join(notes),
        include_pending=view.include_pending,
        target_label="Phần chỉ tiêu của đơn vị"
        + (f" (giai đoạn {programme.name})" if programme is not None else ""),
    )
    return card


def _present(value: Any) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and pd.isna(value))
        and value is not pd.NaT
        and str(value) not in ("", "NaT", "nan")
    )
