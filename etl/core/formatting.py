"""Figures written the Vietnamese way: `1.694`, `1,02%`, `81,7%`, `30/06/2024`
(docs/domain.md, "How figures are written")."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from etl.core.clock import in_vietnam
from etl.core.vocabulary import (
    BASIS_LABELS,
    NOT_BROKEN_DOWN_LABEL,
    DepartureBasis,
    Measure,
    UnitGroup,
)

BASES = tuple(b.value for b in DepartureBasis)

PLOTLY_SEPARATORS = ",."  # decimal, thousands: plotly `layout.separators`


def _half_up(value: float | int, decimals: int) -> Decimal | float | int:
    """`value` rounded half away from zero at `decimals`, as written (4.25 → 4.3, where
    Python's binary rounding gives 4.2): the grids' Intl.NumberFormat rounds so too, and a
    figure reads the same on the page, in the report and in the table."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        return number
    return Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """`20734` → `20.734`; `2073.4` with decimals=1 → `2.073,4`; None → `—`."""
    if value is None:
        return "—"
    text = f"{_half_up(value, decimals):,.{decimals}f}"
    text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    if decimals and "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def fmt_cell(value: Any) -> str:
    """A cell's value as a message quotes it, the Vietnamese way: `-3.0` → `-3`, `12.5` → `12,5`,
    `1234567` → `1.234.567`, a date → `30/06/2024`; text as it is."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return fmt_number(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return fmt_number(int(value))
        text = format(value, ",.15g")
        return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return str(value)


def fmt_pct(value: float | None, decimals: int = 2) -> str:
    """A percent value rounded to at most `decimals`, trailing zeros dropped: `81,7%`, `100%`."""
    if value is None:
        return "—"
    text = f"{_half_up(value, decimals):.{decimals}f}".rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    return (
        (fmt_number(int(whole)) if whole.lstrip("-").isdigit() else whole)
        + (f",{frac}" if frac else "")
        + "%"
    )


def fmt_count_prose(value: int) -> str:
    """Counts under 10 with a leading zero, as in the Department's prose: `09`."""
    return f"{value:02d}" if 0 <= value < 10 else fmt_number(value)


def fmt_date(value: dt.date | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


def fmt_moment(value: dt.datetime | str | None, empty: str = "") -> str:
    """A stored moment (UTC, naive UTC from SQLite, a pandas Timestamp or ISO text) as staff
    read it: Vietnam time, `06/12/2026 12:22`; `empty` for None or NaT."""
    if value is None or value != value:  # NaT is not equal to itself
        return empty
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    return in_vietnam(value).strftime("%d/%m/%Y %H:%M")


def _measure_line(label: str, m: dict[str, Any], reduced: str) -> str:
    """One measure of `summary_text`; «chưa có số liệu» when the cut-off has none."""
    if m.get("no_data"):
        return f"{label}: chưa có số liệu đến ngày chốt."
    return (
        f"{label}: năm {m['baseline_year']} {fmt_number(m['baseline'])}, năm {m['latest_year']} "
        f"{fmt_number(m['current'])}; giảm {reduced}"
    )


def _basis_lines(by_basis: dict[str, dict[str, dict[str, int | None]]]) -> list[str]:
    """`Theo căn cứ pháp lý, công chức: năm 2024 …` for each kind some return broke down by
    legal basis; a basis not given in a year is written «chưa phân theo căn cứ», never 0."""
    lines = []
    for kind, noun in (("cong_chuc", "công chức"), ("vien_chuc", "viên chức")):
        years = by_basis.get(kind, {})
        if not any(v is not None for e in years.values() for b, v in e.items() if b in BASES):
            continue
        parts = []
        for year, entry in years.items():
            given = [
                f"{BASIS_LABELS[b]} {fmt_count_prose(entry[b])}"
                for b in BASES
                if entry.get(b) is not None
            ]
            if entry.get("not_broken_down"):
                given.append(
                    f"{NOT_BROKEN_DOWN_LABEL.lower()} {fmt_count_prose(entry['not_broken_down'])}"
                )
            parts.append(f"năm {year}: " + ", ".join(given))
        lines.append(f"Theo căn cứ pháp lý, {noun}: " + "; ".join(parts) + ".")
    return lines


def programme_text(p: dict[str, Any]) -> str:
    """`Giai đoạn 2026 - 2031 (căn cứ Kết luận …), so với số giao năm 2026`: which programme
    a summary's figures are measured against (its JSON `programme`)."""
    basis = f" (căn cứ {p['basis']})" if p.get("basis") else ""
    return f"Giai đoạn {p['name']}{basis}, so với số giao năm {p['baseline_year']}"


def summary_text(s: dict[str, Any]) -> str:
    """A plain-text rendering of the summary JSON, for the terminal."""
    cc, nlv = s[Measure.CONG_CHUC], s[Measure.NGUOI_LAM_VIEC]
    sl = s["streamlined"]
    lines = [
        f"{s['scope']} — số liệu tính đến ngày {fmt_date(s['as_of'])}",
        *([programme_text(s["programme"])] if s.get("programme") else []),
        "",
        _measure_line(
            "Biên chế công chức",
            cc,
            f"{fmt_number(cc['reduced'])} "
            f"({fmt_pct(cc['reduced_pct'])}), đạt {fmt_pct(cc['pct_of_target'])} kế "
            f"hoạch (chỉ tiêu {fmt_number(cc['target'], 2)}).",
        ),
        _measure_line(
            "Người làm việc",
            nlv,
            f"{fmt_number(nlv['reduced'])} (đã thực hiện "
            f"{fmt_number(nlv.get('done'))}, chờ phê duyệt "
            f"{fmt_number(nlv.get('pending'))}), {fmt_pct(nlv['reduced_pct'])}, đạt "
            f"{fmt_pct(nlv['pct_of_target'])} kế hoạch.",
        ),
        "Tinh giản theo chính sách: "
        + "; ".join(
            f"{label} " + ", ".join(f"{y}: {fmt_count_prose(v)}" for y, v in sl[k].items())
            for k, label in (("cong_chuc", "công chức"), ("vien_chuc", "viên chức"))
        ),
    ]
    lines += _basis_lines(s.get("streamlined_by_basis") or {})
    hc, sn = s["job_positions"][UnitGroup.ADMINISTRATIVE], s["job_positions"][UnitGroup.SERVICE]
    lines.append(
        f"Vị trí việc làm: {hc['approved']} cơ quan hành chính; "
        f"{sn['approved']}/{sn['eligible']} ĐVSNCL đủ "
        f"điều kiện ({sn['ineligible']} không đủ điều kiện)."
    )
    ro = s["reorganization"][UnitGroup.SERVICE]
    ir = ro["internal_reduced"]
    lines.append(
        f"Sắp xếp ĐVSNCL: giảm {ro['reduced']}, thành lập mới {ro['established']}; kiện toàn "
        f"bên trong {ro['restructured']} đơn vị (giảm {ir['phong']} phòng, {ir['khoa']} khoa, "
        f"{ir['chi_nhanh']} chi nhánh, {ir['khac']} khác)."
    )
    if s["missing"]:
        lines.append(f"Thiếu số liệu: {len(s['missing'])} đơn vị.")
    return "\n".join(lines)
