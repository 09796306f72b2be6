"""Headline cards for the two measures, figures written the Vietnamese way."""

from __future__ import annotations

from typing import Any

from dash import html

from etl.core.formatting import fmt_number, fmt_pct
from etl.core.vocabulary import Measure
from etl.measures.metrics import NO_DATA_LABEL, no_data_text


def _line(label: str, value: str, test_id: str | None = None) -> html.Div:
    attrs = {"data-testid": test_id} if test_id else {}
    return html.Div(
        [html.Span(label, className="label"), html.Strong(value, **attrs)], className="line"
    )


def make_measure_card(
    title: str, figures: dict[str, Any], key: str, sentence: str | None = None
) -> html.Div:
    """A card: baseline 2021, current, reduced (done/pending), % of baseline, % of target;
    a measure without figures at the cut-off (`no_data`) says so, and why, instead."""
    if figures.get("no_data"):
        return make_no_data_card(title, figures, key)
    lines = [
        _line(f"Năm {figures['baseline_year']}", fmt_number(figures["baseline"])),
        _line(f"Năm {figures['latest_year'] or '—'}", fmt_number(figures["current"])),
        _line("Đã giảm", fmt_number(figures["reduced"]), f"{key}-reduced"),
    ]
    if "pending" in figures:
        lines.append(
            _line(
                "trong đó đã thực hiện / chờ phê duyệt",
                f"{fmt_number(figures['done'])} / {fmt_number(figures['pending'])}",
            )
        )
    lines += [
        _line("Tỷ lệ giảm so với năm 2021", fmt_pct(figures["reduced_pct"]), f"{key}-pct"),
        _line(
            "Đạt kế hoạch giai đoạn 2022 - 2026",
            fmt_pct(figures["pct_of_target"]),
            f"{key}-pct-of-target",
        ),
    ]
    verdict = html.P(sentence, className="verdict", **{"data-testid": f"{key}-verdict"})
    return html.Div([html.H2(title), *lines, verdict if sentence else None], className="card")


def make_no_data_card(title: str, figures: dict[str, Any], key: str) -> html.Div:
    """«Chưa có số liệu» with the reason: nothing reduced, no percentage, no plan share."""
    lines = []
    if figures.get("baseline") is not None:
        lines.append(_line(f"Năm {figures['baseline_year']}", fmt_number(figures["baseline"])))
    lines.append(_line("Đã giảm", NO_DATA_LABEL, f"{key}-reduced"))
    note = html.P(
        f"{no_data_text(figures['no_data'])}.",
        className="verdict",
        **{"data-testid": f"{key}-no-data"},
    )
    return html.Div([html.H2(title), *lines, note], className="card")


def make_summary_cards(summary: dict[str, Any]) -> html.Div:
    return html.Div(
        [
            make_measure_card("Biên chế công chức", summary[Measure.CONG_CHUC], "cong-chuc"),
            make_measure_card(
                "Số lượng người làm việc hưởng lương từ NSNN",
                summary[Measure.NGUOI_LAM_VIEC],
                "nguoi-lam-viec",
            ),
        ],
        className="cards",
    )
