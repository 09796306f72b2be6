"""Ghép cột (the mapping step): on the upload page, a sheet's header cells with a dropdown each
(a field of the form, or «Bỏ qua») and «Xem trước với cách ghép này»; on the administration
page, the mappings kept per reporting unit, each with «Xóa».

The layouts come back from the browser (the upload page's store), so they are rebuilt with
`layout_from`, which answers None for anything the reader did not make."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from components.widgets import dropdown
from etl.core.formatting import fmt_moment, fmt_number
from etl.core.forms import FORMS
from etl.reading.mapping import (
    SKIP,
    HeaderCell,
    SheetLayout,
    offered_years,
    suggest,
    target_label,
    target_options,
)
from etl.storage.mappings import StoredMapping

MAP_TARGET = "map-target"  # pattern role: {"role": MAP_TARGET, "index": file, "sheet": n, "col": n}
MAP_PREVIEW = "map-preview"  # pattern role: {"role": MAP_PREVIEW, "index": file}
MP_LIST = "mappings-list"  # the administration page's list of kept mappings
MP_DELETE = "mapping-delete"  # pattern type: {"type": MP_DELETE, "mapping": id}
MP_OUTCOME = "mappings-outcome"
MP_DONE = "mappings-done"  # bumped after a deletion: the list refreshes

APPLIED_NOTE = "Áp dụng cách ghép cột đã lưu"
SKIP_LABEL = "Bỏ qua (không đọc cột này)"


def layout_from(data: Any) -> SheetLayout | None:
    """A `SheetLayout` from its dict (as the store keeps it); None when it is not one."""
    try:
        cells = [HeaderCell(**c) for c in data["cells"]]
        layout = SheetLayout(**{**data, "cells": cells})
    except (TypeError, KeyError, ValueError):
        return None
    texts = (layout.sheet, layout.form, layout.reporting_unit)
    if layout.form not in FORMS or not all(isinstance(t, str) for t in texts):
        return None
    for c in cells:
        if not all(isinstance(v, str) for v in (c.key, c.text, c.ref, c.found, c.target)):
            return None
    return layout


def layouts_of(item: dict[str, Any]) -> list[SheetLayout]:
    raw = item.get("layouts")
    found = [layout_from(d) for d in raw] if isinstance(raw, list) else []
    return [lay for lay in found if lay is not None]


def _rows_text(rows: Sequence[int]) -> str:
    if not rows:
        return ""
    if len(rows) == 1:
        return f"dòng {fmt_number(rows[0])}"
    return f"dòng {fmt_number(rows[0])}–{fmt_number(rows[-1])}"


def _choice(
    layout: SheetLayout, cell: HeaderCell, kept: dict[str, str], stored: bool
) -> tuple[str, str]:
    """The dropdown's first value and the hint beside it."""
    form = FORMS[layout.form]
    if layout.mapped and cell.target and cell.target != cell.found:
        return cell.target, "Đã lưu" if stored else "Đã chọn"
    if cell.found:
        return cell.found, "Tự nhận ra"
    if cell.key in kept:
        return kept[cell.key], "Đã chọn lần trước"
    if guess := suggest(form, cell.text):
        return guess, "Gợi ý — hãy kiểm tra"
    return SKIP, "Chưa nhận ra"


def optional_only(layout: SheetLayout) -> bool:
    """The sheet reads as it is, only some columns are not read (`unknown-column`): the step
    is offered, not needed."""
    return (
        layout.header_found
        and not layout.mapped
        and not layout.missing
        and not layout.duplicated
        and bool(layout.unplaced)
    )


def make_mapping_panel(
    layout: SheetLayout,
    file_index: int,
    sheet_index: int,
    *,
    kept: dict[str, str],
    years: list[int],
    stored: bool,
) -> html.Div:
    """One sheet's header cells, each with a dropdown of the form's fields."""
    form = FORMS[layout.form]
    options = [{"label": SKIP_LABEL, "value": SKIP}] + [
        {"label": label, "value": value} for value, label in target_options(form, years)
    ]
    values = {o["value"] for o in options}
    rows = []
    for n, cell in enumerate(layout.cells):
        value, hint = _choice(layout, cell, kept, stored)
        if value not in values:  # a year the dropdown does not offer: add it
            options.append({"label": target_label(form, value), "value": value})
            values.add(value)
        unplaced = hint in ("Chưa nhận ra", "Gợi ý — hãy kiểm tra")
        rows.append(
            html.Tr(
                [
                    html.Td(cell.ref),
                    html.Td(html.Strong(cell.text)),
                    html.Td("; ".join(cell.samples), className="small"),
                    html.Td(
                        dropdown(
                            id={
                                "role": MAP_TARGET,
                                "index": file_index,
                                "sheet": sheet_index,
                                "col": n,
                            },
                            options=options,
                            value=value,
                            clearable=False,
                            className="map-dropdown",
                        )
                    ),
                    html.Td(hint, className="map-hint"),
                ],
                className="map-row-unplaced" if unplaced else None,
            )
        )
    head = html.Tr(
        [
            html.Th("Ô"),
            html.Th("Tiêu đề cột trong tệp"),
            html.Th("Giá trị đầu tiên"),
            html.Th(f"Đọc là cột nào của Biểu {layout.form}"),
            html.Th(""),
        ]
    )
    where = _rows_text(layout.header_rows)
    done = layout.mapped and not layout.needs_mapping
    optional = optional_only(layout)
    if optional:
        names = ", ".join(f"«{c.text}»" for c in layout.cells if not c.target)
        intro = (
            f"Cột {names} không thuộc Biểu {layout.form} nên sẽ không được đọc; tệp vẫn lưu "
            "được. Nếu đó là một cột của biểu được viết khác tên, hãy ghép cột."
        )
    elif done:
        intro = (
            f"Trang được đọc theo cách ghép cột dưới đây (tiêu đề ở {where}). Kết quả ở "
            "bảng xem trước bên dưới; nếu cần, sửa rồi bấm «Xem trước với cách ghép này»."
        )
    elif layout.header_found:
        intro = (
            f"Một số cột ở dòng tiêu đề ({where}) không khớp với Biểu {layout.form}. "
            "Hãy chọn mỗi cột là cột nào của biểu, hoặc «Bỏ qua» nếu không cần đọc cột đó."
        )
    else:
        intro = (
            f"Không tìm thấy dòng tiêu đề của Biểu {layout.form} theo mẫu; {where} có vẻ là "
            "dòng tiêu đề. Hãy cho biết mỗi cột dưới đây là cột nào của biểu."
        )
    children: list[Any] = [html.H4(f"Ghép cột — trang «{layout.sheet}»")]
    if stored:
        children.append(
            html.Div(
                [
                    html.Strong(f"{APPLIED_NOTE}. "),
                    f"Tệp được đọc theo cách ghép cột đã lưu cho «{layout.reporting_unit}». "
                    if layout.reporting_unit
                    else "Tệp được đọc theo cách ghép cột đã lưu. ",
                    "Nếu cần, sửa bên dưới rồi bấm «Xem trước với cách ghép này».",
                ],
                className="notice ok",
                **{"data-testid": "mapping-applied"},
            )
        )
    if not (done and stored):
        children.append(html.P(intro))
    table = html.Table([html.Thead(head), html.Tbody(rows)], className="table map-table")
    if done and stored:  # read by itself with the kept mapping: shown on demand
        table = html.Details([html.Summary("Xem hoặc sửa cách ghép cột"), table])
    elif optional:  # nothing blocks the file: the step is offered, folded
        table = html.Details([html.Summary("Ghép cột"), table])
    children.append(table)
    if layout.missing:
        names = ", ".join(f"«{target_label(form, t)}»" for t in layout.missing)
        children.append(
            html.P(
                [html.Strong("Còn thiếu cột bắt buộc: "), names, "."],
                className="map-missing",
                **{"data-testid": "mapping-missing"},
            )
        )
    if not (done and stored):
        children.append(
            html.P(
                "Bấm «Xem trước» để kiểm tra lại tệp với cách ghép này. Khi bấm «Lưu», cách "
                "ghép được lưu cho đơn vị và tự áp dụng khi đơn vị nộp tệp có cùng tiêu đề.",
                className="small",
            )
        )
    return html.Div(children, className="map-panel", **{"data-testid": "mapping-panel"})


def make_mapping_panels(item: dict[str, Any], index: int, stored_done: bool) -> list[Any]:
    """The mapping step of one checked file: a panel per sheet that needs it or was mapped,
    then the preview button; after the file is stored (`stored_done`), one line saying a
    mapping was kept."""
    layouts = layouts_of(item)
    if not layouts:
        return []
    if stored_done:
        if item.get("mapping_source") == "given":
            text = "Đã lưu cách ghép cột cho đơn vị; lần sau sẽ tự áp dụng."
            return [html.P(text, className="small")]
        return []
    kept_all = item.get("kept") if isinstance(item.get("kept"), dict) else {}
    years = offered_years(layouts)
    stored = item.get("mapping_source") == "stored"
    panels: list[Any] = [
        make_mapping_panel(
            lay,
            index,
            n,
            kept=kept_all.get(lay.sheet) if isinstance(kept_all.get(lay.sheet), dict) else {},
            years=years,
            stored=stored,
        )
        for n, lay in enumerate(layouts)
    ]
    settled = all((lay.mapped and not lay.needs_mapping) or optional_only(lay) for lay in layouts)
    panels.append(
        html.Button(
            "Xem trước với cách ghép này",
            id={"role": MAP_PREVIEW, "index": index},
            className="button" if settled else "button primary",
        )
    )
    return [html.Div(panels, className="map-step")]


def mapping_from(
    layouts: list[SheetLayout], chosen: list[tuple[int, int, Any]]
) -> dict[str, dict[str, str]]:
    """The workbook mapping the dropdowns say ((sheet index, cell index, value) each): every
    cell whose choice differs from what the reader found by itself."""
    mapping: dict[str, dict[str, str]] = {}
    for sheet_n, col_n, value in chosen:
        if not (0 <= sheet_n < len(layouts)) or not isinstance(value, str):
            continue
        layout = layouts[sheet_n]
        if not 0 <= col_n < len(layout.cells):
            continue
        cell = layout.cells[col_n]
        if value != cell.found:
            mapping.setdefault(layout.sheet, {})[cell.key] = value
    return mapping


# ---------------------------------------------------------------- administration


def make_mappings_section() -> html.Div:
    """The administration page's section: the list's place and the outcome of a deletion."""
    return html.Div(
        [
            html.H2("Cách ghép cột đã lưu"),
            html.P(
                "Khi tiêu đề cột trong tệp của một đơn vị không khớp với biểu mẫu, người nộp "
                "chọn mỗi cột là cột nào của biểu; cách ghép được lưu theo đơn vị và tự áp "
                "dụng lần sau. Xóa một dòng để đơn vị phải chọn lại.",
                className="small",
            ),
            dcc.Store(id=MP_DONE, data=0),
            html.Div(id=MP_OUTCOME),
            html.Div(id=MP_LIST),
        ],
        className="panel",
    )


def make_mappings_list(rows: Sequence[StoredMapping]) -> Any:
    if not rows:
        return html.P("Chưa có cách ghép cột nào được lưu.", className="small")
    head = html.Tr(
        [
            html.Th(h)
            for h in (
                "Đơn vị báo cáo",
                "Biểu",
                "Tiêu đề cột trong tệp",
                "Đọc là",
                "Người lưu",
                "Thời điểm",
                "",
            )
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(r.owner),
                html.Td(r.form),
                html.Td(r.header_text),
                html.Td(
                    "Bỏ qua"
                    if r.target == SKIP
                    else target_label(FORMS[r.form], r.target)
                    if r.form in FORMS
                    else r.target
                ),
                html.Td(r.saved_by),
                html.Td(fmt_moment(r.saved_at)),
                html.Td(
                    html.Button(
                        "Xóa",
                        id={"type": MP_DELETE, "mapping": r.id},
                        className="button",
                        title=f"Xóa cách ghép cột «{r.header_text}» của {r.owner}",
                    )
                ),
            ]
        )
        for r in rows
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(body)],
        className="table",
        **{"data-testid": "mappings-list"},
    )


def make_mappings_outcome(text: str, ok: bool) -> html.Div:
    return html.Div(text, className="notice ok" if ok else "notice", role="status")
