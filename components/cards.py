"""Headline cards for the two measures, figures written the Vietnamese way.

A card's lines add up as a reader checks them: the year-2021 figure less the latest one is
what was reduced (done); what waits for the HĐND's approval (pending) is added to it when
the view counts it, and the card says so when it does not. A figure that is not there is
said to be missing («chưa có số liệu…»), never shown as 0 or as a percentage."""

from __future__ import annotations

import math
from typing import Any

from dash import html

from etl.core.formatting import fmt_number, fmt_pct
from etl.core.vocabulary import Measure
from etl.measures.metrics import no_data_text

# what a missing figure reads as on a card
NO_FIGURE = "chưa có số liệu"
NO_TARGET = "chưa có chỉ tiêu"
PENDING_TOGGLE = "Tính cả số chờ phê duyệt"  # the filter bar's checkbox (components/shell.py)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _fig(value: Any) -> str:
    """A count as the card shows it: `20.734`; a share of a unit's target keeps up to two
    decimals (`2.073,4`, `0,35`)."""
    return fmt_number(value, 2)


def _line(
    label: str, value: str | None, test_id: str | None = None, missing: str = NO_FIGURE
) -> html.Div:
    """A label and its figure (`value` None: the figure is missing, and `missing` says so)."""
    attrs = {"data-testid": test_id} if test_id else {}
    shown = (
        html.Strong(value, **attrs)
        if value is not None
        else html.Span(missing, className="missing", **attrs)
    )
    return html.Div([html.Span(label, className="label"), shown], className="line")


def _note(children: list[Any], test_id: str) -> html.Div:
    """The arithmetic under a line: `= 1.320 đã thực hiện + 374 chờ phê duyệt`."""
    return html.Div(children, className="line-note", **{"data-testid": test_id})


def _part(value: Any, test_id: str) -> html.Span:
    return html.Span(_fig(value), **{"data-testid": test_id})


def _reduced_note(figures: dict[str, Any], key: str, include_pending: bool) -> html.Div | None:
    """How «Đã giảm» is made: the year-2021 figure less the latest, plus (when counted) the
    reductions waiting for approval."""
    baseline, current = figures.get("baseline"), figures.get("current")
    if not (_present(baseline) and _present(current)):
        return None
    year = figures.get("latest_year")
    difference = [
        _part(baseline, f"{key}-note-baseline"),
        " − ",
        _part(current, f"{key}-note-current"),
    ]
    if "pending" not in figures:  # công chức: nothing waits for approval
        years = f" (năm {figures['baseline_year']} − năm {year})"
        return _note(["= ", *difference, years], f"{key}-reduced-note")
    pending = figures.get("pending")
    done = figures.get("done")
    if not (_present(done) and _present(pending)):
        return None
    if include_pending:
        return _note(
            [
                "= ",
                _part(done, f"{key}-done"),
                " đã thực hiện (",
                *difference,
                ") + ",
                _part(pending, f"{key}-pending"),
                " chờ phê duyệt",
            ],
            f"{key}-reduced-note",
        )
    return _note(
        [
            html.Div(["= ", _part(done, f"{key}-done"), " đã thực hiện (", *difference, ")"]),
            html.Div(
                [
                    "chưa tính ",
                    _part(pending, f"{key}-pending"),
                    f" chờ phê duyệt: ô «{PENDING_TOGGLE}» đang bỏ chọn",
                ],
                **{"data-testid": f"{key}-pending-off"},
            ),
        ],
        f"{key}-reduced-note",
    )


def measure_card_lines(
    figures: dict[str, Any],
    key: str,
    *,
    include_pending: bool = True,
    target_label: str | None = None,
    programme: str | None = None,
) -> list[Any]:
    """The lines of a measure card (`figures`: a measure of `etl.measures.metrics.summary`,
    or a unit's row of `etl.measures.analysis.unit_rows`; None or NaN where missing), for
    the programme named `programme` (the summary's `programme.name`)."""
    period = f" giai đoạn {programme}" if programme else ""
    target_label = target_label or f"Chỉ tiêu giảm{period}"
    rule = figures.get("target_rule") or {}
    base_year = figures["baseline_year"]
    latest_year = figures.get("latest_year")
    baseline, current = figures.get("baseline"), figures.get("current")
    reduced, target = figures.get("reduced"), figures.get("target")
    no_base = f"{NO_FIGURE} năm {base_year}"
    if not _present(baseline):
        missing = no_base  # everything reduced is counted from the year-2021 figure
    elif not _present(current):
        missing = f"{NO_FIGURE} năm {latest_year}" if latest_year else NO_FIGURE
    else:
        missing = NO_FIGURE

    def shown(value: Any, fmt: Any = _fig) -> str | None:
        return fmt(value) if _present(value) else None

    base_label, current_label = f"Năm {base_year}", f"Năm {latest_year}"
    if latest_year == base_year:  # 2026–2031 in 2026: the baseline and the current figure
        base_label, current_label = f"Năm {base_year} (năm gốc)", f"Năm {latest_year} (hiện nay)"
    lines: list[Any] = [
        _line(base_label, shown(baseline), f"{key}-baseline", no_base),
        _line(current_label if latest_year else "Hiện nay", shown(current), f"{key}-current"),
        _line("Đã giảm", shown(reduced), f"{key}-reduced", missing),
    ]
    note = _reduced_note(figures, key, include_pending) if _present(reduced) else None
    if note is not None:
        lines.append(note)
    lines.append(
        _line(
            f"Tỷ lệ giảm so với năm {base_year}",
            shown(figures.get("reduced_pct"), fmt_pct),
            f"{key}-pct",
            missing,
        )
    )
    # the target and how far from it: a target needs the year-2021 figure (a share of it)
    target_missing = no_base if not _present(baseline) else NO_TARGET
    if rule.get("stable"):  # only sectors the plan keeps stable: nothing to cut, not 0%
        target_missing = f"Giữ ổn định ({'; '.join(rule.get('exclude_sectors') or [])})"
    lines.append(_line(target_label, shown(target), f"{key}-target", target_missing))
    if _present(target) and _present(reduced):
        gap = figures.get("gap")
        gap = target - reduced if not _present(gap) else gap
        if gap >= 0:
            lines.append(_line("Còn phải giảm", _fig(gap), f"{key}-gap"))
        else:
            lines.append(_line("Đã giảm vượt chỉ tiêu", _fig(-gap), f"{key}-exceeded"))
    pct_missing = missing if _present(target) else target_missing
    lines.append(
        _line(
            f"Đạt kế hoạch{period}",
            shown(figures.get("pct_of_target"), fmt_pct),
            f"{key}-pct-of-target",
            pct_missing,
        )
    )
    return lines


def make_measure_card(
    title: str,
    figures: dict[str, Any],
    key: str,
    sentence: str | None = None,
    *,
    include_pending: bool = True,
    target_label: str | None = None,
    programme: str | None = None,
) -> html.Div:
    """A card: baseline 2021, current, reduced (= done + pending, each shown), % of baseline,
    the target, what is left of it and % of target; a measure without figures at the cut-off
    (`no_data`) says why instead of a forecast."""
    lines = measure_card_lines(
        figures,
        key,
        include_pending=include_pending,
        target_label=target_label,
        programme=programme,
    )
    if figures.get("no_data"):
        return html.Div(
            [
                html.H2(title),
                *lines,
                html.P(
                    f"{no_data_text(figures['no_data'], figures.get('baseline_year'))}.",
                    className="verdict",
                    **{"data-testid": f"{key}-no-data"},
                ),
            ],
            className="card",
            **{"data-testid": f"{key}-card"},
        )
    verdict = html.P(sentence, className="verdict", **{"data-testid": f"{key}-verdict"})
    return html.Div(
        [html.H2(title), *lines, verdict if sentence else None],
        className="card",
        **{"data-testid": f"{key}-card"},
    )


def _programme_name(summary: dict[str, Any]) -> str | None:
    return (summary.get("programme") or {}).get("name")


def programme_line(summary: dict[str, Any]) -> str | None:
    """`Giai đoạn 2022 - 2026 · căn cứ Kết luận 40-KL/TW … · so với số giao năm 2021`: which
    programme the figures are measured against, and its legal basis."""
    p = summary.get("programme")
    if not p:
        return None
    basis = f" · căn cứ {p['basis']}" if p.get("basis") else " · chưa ghi căn cứ"
    end = f" · kết thúc năm {p['end_year']}" if p.get("end_year") else " · chưa có năm kết thúc"
    return f"Giai đoạn {p['name']}{basis} · so với số giao năm {p['baseline_year']}{end}"


def make_summary_cards(summary: dict[str, Any], include_pending: bool = True) -> html.Div:
    return html.Div(
        [
            make_measure_card(
                "Biên chế công chức",
                summary[Measure.CONG_CHUC],
                "cong-chuc",
                include_pending=include_pending,
                programme=_programme_name(summary),
            ),
            make_measure_card(
                "Số lượng người làm việc hưởng lương từ NSNN",
                summary[Measure.NGUOI_LAM_VIEC],
                "nguoi-lam-viec",
                include_pending=include_pending,
                programme=_programme_name(summary),
            ),
        ],
        className="cards",
    )
