"""The streamlined counts by legal basis (docs/domain.md, "Measures", `streamlined_by_basis`):
a small table under the chart «Tinh giản biên chế theo chính sách». A basis no return gave is
written «—» with the words «chưa phân theo căn cứ» beside the part of the count it leaves,
never as 0; with no breakdown anywhere the table is one sentence saying so."""

from __future__ import annotations

from dash import html

from etl.core.formatting import fmt_number
from etl.core.vocabulary import BASIS_LABELS, NOT_BROKEN_DOWN_LABEL, DepartureBasis

KINDS = (("cong_chuc", "Công chức"), ("vien_chuc", "Viên chức"))
NOT_GIVEN = "—"
NONE_GIVEN = (
    "Chưa có báo cáo nào phân số tinh giản theo căn cứ pháp lý (NĐ 29/2023, 154/2025; "
    "NĐ 178/2024, 67/2025): toàn bộ số trên chưa phân theo căn cứ."
)


def _short(label: str) -> str:
    """`Tinh giản theo NĐ 29/2023 (154/2025)` → `NĐ 29/2023 (154/2025)` (the full label is the
    header's tooltip)."""
    return label.split(" theo ", 1)[-1]


def _given(by_basis: dict[str, dict[str, dict[str, int | None]]]) -> bool:
    return any(
        entry.get(b) is not None
        for years in by_basis.values()
        for entry in years.values()
        for b in DepartureBasis
    )


def make_basis_table(
    by_basis: dict[str, dict[str, dict[str, int | None]]] | None,
) -> html.Div:
    """Per kind and year: each basis, and the part not broken down."""
    by_basis = by_basis or {}
    if not _given(by_basis):
        return html.Div(html.P(NONE_GIVEN, className="small"), id="tinh-gian-can-cu")
    head = html.Tr(
        [html.Th(""), html.Th("Năm")]
        + [html.Th(_short(BASIS_LABELS[b]), title=BASIS_LABELS[b]) for b in DepartureBasis]
        + [html.Th("Chưa phân", title=NOT_BROKEN_DOWN_LABEL)]
    )
    rows = []
    for kind, noun in KINDS:
        years = by_basis.get(kind, {})
        for index, (year, entry) in enumerate(years.items()):
            cells = [html.Th(noun, rowSpan=len(years))] if index == 0 else []
            cells.append(html.Td(year))
            for basis in DepartureBasis:
                value = entry.get(basis)
                text = NOT_GIVEN if value is None else fmt_number(value)
                cells.append(html.Td(text, className="num"))
            cells.append(html.Td(fmt_number(entry.get("not_broken_down") or 0), className="num"))
            rows.append(html.Tr(cells))
    return html.Div(
        [
            html.H3("Theo căn cứ pháp lý"),
            html.Table([html.Thead(head), html.Tbody(rows)], className="table small"),
            html.P(
                f"«{NOT_GIVEN}»: không có báo cáo nào ghi số theo căn cứ này; «Chưa phân»: phần "
                "số tinh giản chưa phân theo căn cứ.",
                className="small",
            ),
        ],
        id="tinh-gian-can-cu",
    )
