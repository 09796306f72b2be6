"""The period's summing-up (báo cáo tổng kết giai đoạn): what the report becomes when its cut-off
falls in the programme's end year or after it (docs/report.md, "The period-end report").

`period_end_context` says which programme the report sums up (the one place that knows where a
programme comes from); `build_period_end` writes the body from figures already computed (the
summary, the quota of every year, per-sector and per-district rows, former provinces' rows):
sentences built from the figures like `etl/measures/narrative.py`, figures written the
Vietnamese way, a missing figure written «chưa có số liệu», never 0. `gather_period_end` computes
those figures from a view. The PDF and Word builders lay the result out alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from etl import service
from etl.core.formatting import fmt_count_prose, fmt_date, fmt_number, fmt_pct
from etl.core.vocabulary import NOT_BROKEN_DOWN_LABEL, DepartureBasis, Measure
from etl.measures import analysis, metrics
from etl.measures.dataset import Dataset
from etl.measures.metrics import NO_DATA_LABEL, NOT_BROKEN_DOWN, no_data_text
from etl.measures.narrative import Narrative, Notes, Paragraph, basis_sentence
from etl.measures.programmes import programme_for
from etl.measures.query import ResolvedView
from etl.measures.scoping import district_level_end, home_units
from reporting.charts import ChartContext
from reporting.report_data import ROMAN, PeriodEnd, ReportSection, ReportTable

MISSING = NO_DATA_LABEL.lower()  # a missing figure in a table cell or a sentence
# column widths in mm, each set summing to the text width (A4 less the 30 + 20 mm margins)
BREAKDOWN_WIDTHS = (40.0, 19.0, 19.0, 19.0, 18.0, 21.0, 24.0)
YEARLY_WIDTHS = (14.0, 30.0, 22.0, 21.0, 22.0, 28.0, 23.0)
STREAMLINED_WIDTHS = (40.0, 40.0, 40.0, 40.0)
BASIS_WIDTHS = (80.0, 40.0, 40.0)

# the measures as the summing-up names them: (label in a sentence, table caption, noun of a count)
MEASURE_WORDS = {
    Measure.CONG_CHUC: ("Biên chế công chức", "Biên chế công chức", "biên chế"),
    Measure.NGUOI_LAM_VIEC: (
        "Số lượng người làm việc hưởng lương từ ngân sách nhà nước",
        "Người làm việc hưởng lương từ ngân sách nhà nước",
        "người",
    ),
}


@dataclass(frozen=True)
class PeriodProgramme:
    """What the summing-up needs of a programme: its name (`2022 - 2026`), its legal basis
    (None: not written in the plan), the baseline year (the assigned level it measures against)
    and the end year."""

    name: str
    basis: str | None
    baseline_year: int
    end_year: int

    @property
    def period(self) -> str:
        """`giai đoạn 2022 - 2026`."""
        return f"giai đoạn {self.name}"

    @property
    def first_year(self) -> int:
        return self.baseline_year + 1


def period_end_context(
    ds: Dataset | None = None,
    as_of: dt.date | None = None,
    summary: dict[str, Any] | None = None,
) -> PeriodProgramme | None:
    """The programme a report at `as_of` sums up: the summary's `programme`
    (`programmes.programme_for`, docs/domain.md "Programme targets"); None when the summary
    has none or it states no end year (nothing to sum up)."""
    given = (summary or {}).get("programme")
    if not given or given.get("end_year") is None or given.get("baseline_year") is None:
        return None
    return PeriodProgramme(
        name=str(given["name"]),
        basis=given.get("basis") or None,
        baseline_year=int(given["baseline_year"]),
        end_year=int(given["end_year"]),
    )


def is_period_end(as_of: dt.date, programme: PeriodProgramme | None) -> bool:
    """Whether a report at `as_of` is the period's summing-up: its cut-off falls in the
    programme's end year or after it (never without a programme)."""
    return programme is not None and as_of.year >= programme.end_year


# ---------------------------------------------------------------- figures from a view


def at_period_end(ctx: ChartContext, programme: PeriodProgramme) -> ChartContext:
    """The view at the programme's last day (31/12 of its end year) when its cut-off is later:
    the years after the end year belong to the next period; else `ctx` itself."""
    end = dt.date(programme.end_year, 12, 31)
    if ctx.view.as_of <= end:
        return ctx
    view = dataclasses.replace(ctx.view, as_of=end)
    return ChartContext(ctx.ds, service.summary_of(ctx.ds, view), view)


def _given(figures: dict[str, Any]) -> bool:
    """Whether a breakdown's row has anything of a measure to show: figures, or a baseline."""
    return not figures.get("no_data") or bool(figures.get("baseline"))


def by_measure(
    rows: Sequence[tuple[str, dict[str, Any]]],
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Rows (label, summary) of `analysis.scope_breakdown` as rows (label, figures) of each
    measure, leaving out a row without any figure of that measure (a sector of no agency has
    no row of công chức)."""
    return {str(m): [(label, s[m]) for label, s in rows if _given(s[m])] for m in Measure}


def missing_by_year(summary: dict[str, Any]) -> dict[str, dict[int, int]]:
    """Per measure and year, how many units of the scope existed but reported no quota."""
    out: dict[str, dict[int, int]] = {str(m): {} for m in Measure}
    for unit in summary.get("missing", []):
        counts = out.setdefault(unit["measure"], {})
        for year in unit["years"]:
            counts[int(year)] = counts.get(int(year), 0) + 1
    return out


def gather_period_end(
    ds: Dataset,
    view: ResolvedView,
    summary: dict[str, Any],
    programme: PeriodProgramme,
    narrative: Narrative,
    former_provinces: Sequence[tuple[str, dict[str, Any]]] | None = None,
) -> PeriodEnd:
    """The summing-up of a view: the quota of every year of each measure and the plan's
    yearly path where its row gives one, the rows by sector and by district (by kind of unit
    when the scope holds one district), each the summary of its scope
    (`analysis.scope_breakdown`, so they add up to the view's), `former_provinces` (label,
    summary-like figures) as given, then `build_period_end`."""
    homes = home_units(ds, view.as_of)
    year0 = programme.baseline_year
    quota = {
        str(m): metrics.quota_by_year(ds, homes, view.filter, m, view.as_of, year0) for m in Measure
    }
    stated = programme_for(ds, view.as_of, view.programme)
    steps = {str(m): analysis.planned_steps(ds, view, m, stated) for m in Measure}
    by_sector = by_measure(analysis.scope_breakdown(ds, view, "sector"))
    districts = analysis.scope_breakdown(ds, view, "district")
    area_is_district = len(districts) > 1
    area = by_measure(districts if area_is_district else analysis.scope_breakdown(ds, view, "kind"))
    ended = district_level_end(ds)
    return build_period_end(
        summary,
        programme,
        quota=quota,
        by_sector=by_sector,
        by_area=area,
        area_is_district=area_is_district,
        former_provinces=list(former_provinces or []),
        narrative=narrative,
        paths=steps,
        districts_ended=ended if area_is_district and ended and ended <= view.as_of else None,
    )


# ---------------------------------------------------------------- the document


def _years_phrase(years: Sequence[int]) -> str:
    """`năm 2025`, `năm 2025 và năm 2026`, `năm 2024, năm 2025 và năm 2026`."""
    named = [f"năm {y}" for y in years]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " và " + named[-1]


def _count(value: float | None, decimals: int = 0) -> str:
    return MISSING if value is None else fmt_number(value, decimals)


def _pct(value: float | None) -> str:
    return MISSING if value is None else fmt_pct(value)


def _target_cell(value: float | None) -> str:
    return "chưa có chỉ tiêu" if value is None else fmt_number(value, 1)


def _share_cell(value: float | None, target: float | None) -> str:
    if target is None:
        return "—"
    return _pct(value)


def _missing_years(m: dict[str, Any], as_of: dt.date, programme: PeriodProgramme) -> list[int]:
    """The programme's years up to the cut-off after the measure's latest year of figures."""
    latest = m.get("latest_year") or programme.baseline_year
    return list(range(latest + 1, min(as_of.year, programme.end_year) + 1))


def measure_sentence(
    measure: str, m: dict[str, Any], as_of: dt.date, programme: PeriodProgramme
) -> str:
    """The period's result of one measure in a sentence: the baseline, the latest year's
    figure, the reduction and its share of the target; the years without figures named as
    such, and whether the target was met only when the end year has figures."""
    label, _, noun = MEASURE_WORDS[Measure(measure)]
    if m.get("no_data"):
        return f"{label}: {no_data_text(m['no_data']).lower()}."
    latest = m["latest_year"]
    reduced = m["reduced"]
    text = (
        f"{label}: năm {m['baseline_year']} được giao {fmt_number(m['baseline'])} {noun}; "
        f"năm {latest} là {fmt_number(m['current'])} {noun}, giảm {fmt_number(reduced)} {noun}"
    )
    if m.get("pending"):
        text += (
            f" (trong đó đã thực hiện giảm {fmt_number(m['done'])} {noun} và chờ phê duyệt giảm "
            f"{fmt_number(m['pending'])} {noun})"
        )
    text += f", tương ứng giảm {fmt_pct(m['reduced_pct'])} so với năm {m['baseline_year']}"
    target = m.get("target")
    if target is None:
        text += f"; chưa có chỉ tiêu giảm của {programme.period}."
    else:
        text += (
            f", đạt {fmt_pct(m['pct_of_target'])} chỉ tiêu giảm {fmt_number(target, 1)} {noun} "
            f"của {programme.period}."
        )
    missing = _missing_years(m, as_of, programme)
    if missing:
        text += (
            f" {_years_phrase(missing).capitalize()} {MISSING}: kết quả trên tính đến năm "
            f"{latest}, chưa phải kết quả cả giai đoạn."
        )
    elif target is not None and latest >= programme.end_year:
        if reduced >= target - 1e-9:
            text += f" Đến năm {latest}, hoàn thành chỉ tiêu của giai đoạn."
        else:
            text += (
                f" Đến năm {latest}, chưa hoàn thành chỉ tiêu của giai đoạn (còn thiếu "
                f"{fmt_number(target - reduced, 1)} {noun})."
            )
    return text


def yearly_table(
    number: int,
    measure: str,
    quota: dict[int, int],
    target: float | None,
    programme: PeriodProgramme,
    missing: dict[int, int],
    as_of: dt.date,
    steps: dict[int, int] | None = None,
) -> tuple[ReportTable, list[int]]:
    """Bảng: each year of the programme: the assigned quota, the reduction in the year and
    since the baseline year, against the path to the target: the plan row's «Lộ trình»
    (`steps`, the reduction planned in each year, summed up to the year) where it gives one,
    else the straight line (the target's share of the years gone), the same path the chart
    draws (`analysis.yearly_path`); the note says which. A year without figures reads «chưa
    có số liệu». Also returns the years with figures that fell short of the path."""
    _, caption, _ = MEASURE_WORDS[Measure(measure)]
    base_year, end = programme.baseline_year, programme.end_year
    base = quota.get(base_year)
    rows, behind = [], []
    for year in range(base_year, end + 1):
        q = quota.get(year) if year <= as_of.year else None
        previous = quota.get(year - 1)
        cumulative = base - q if base is not None and q is not None else None
        if target is None:
            planned = None
        elif steps:
            planned = float(sum(n for y, n in steps.items() if base_year <= y <= year))
        else:
            planned = target * (year - base_year) / (end - base_year)
        if year == base_year or q is None:  # the baseline, or a year without figures
            rows.append([str(year), _count(q), "—", "—", "—", "—", "—"])
            if year != base_year and planned is not None:
                rows[-1][5] = fmt_number(planned, 1)
            continue
        in_year = previous - q if previous is not None and q is not None else None
        share = cumulative / planned * 100 if cumulative is not None and planned else None
        if share is not None and cumulative < planned - 1e-9:
            behind.append(year)
        rows.append(
            [
                str(year),
                _count(q),
                _count(in_year),
                _count(cumulative),
                _pct(cumulative / base * 100) if cumulative is not None and base else MISSING,
                "chưa có chỉ tiêu" if planned is None else fmt_number(planned, 1),
                "—" if planned is None else _pct(share),
            ]
        )
    if steps:
        path = (
            "theo lộ trình giảm từng năm của kế hoạch (Biểu 00), cộng dồn đến từng năm"
            f" ({', '.join(f'năm {y}: {fmt_number(n)}' for y, n in sorted(steps.items()))})"
        )
    else:
        path = (
            f"kế hoạch không ghi lộ trình từng năm, nên chỉ tiêu giảm của giai đoạn được chia "
            f"đều cho các năm từ {programme.first_year} đến {end}"
        )
    notes = [
        f"Số được giao là tổng số giao trong năm của các cơ quan, đơn vị có tại cuối năm; giảm "
        f"lũy kế so với năm {base_year}. Lộ trình: {path}."
    ]
    partial = [
        f"năm {y}: {fmt_count_prose(n)} đơn vị chưa có số liệu"
        for y, n in sorted(missing.items())
        if y in quota and base_year <= y <= end
    ]
    if partial:
        notes.append("Số liệu chưa đầy đủ (" + "; ".join(partial) + ").")
    table = ReportTable(
        caption=f"Bảng {number}. {caption} qua các năm",
        headings=[
            "Năm",
            "Số được giao",
            "Giảm trong năm",
            "Giảm lũy kế",
            "Tỷ lệ giảm lũy kế",
            "Lộ trình giảm lũy kế",
            "Đạt % lộ trình",
        ],
        rows=rows,
        widths_mm=YEARLY_WIDTHS,
        notes=notes,
    )
    return table, behind


def breakdown_table(
    caption: str,
    first_heading: str,
    rows: Sequence[tuple[str, dict[str, Any]]],
    baseline_year: int,
    notes: Sequence[str] = (),
) -> ReportTable:
    """Bảng: one row per group: the baseline, the figure now, the reduction, its percentage,
    the target and the share of it reached; a missing figure reads «chưa có số liệu»."""
    body = []
    for label, m in rows:
        if m.get("no_data"):
            body.append([label, _count(m.get("baseline")), MISSING, MISSING, "—", "—", "—"])
            continue
        target = m.get("target")
        body.append(
            [
                label,
                _count(m.get("baseline")),
                _count(m.get("current")),
                _count(m.get("reduced")),
                _pct(m.get("reduced_pct")),
                _target_cell(target),
                _share_cell(m.get("pct_of_target"), target),
            ]
        )
    return ReportTable(
        caption=caption,
        headings=[
            first_heading,
            f"Năm {baseline_year}",
            "Hiện có",
            "Đã giảm",
            "Tỷ lệ giảm",
            "Chỉ tiêu giảm",
            "Đạt % kế hoạch",
        ],
        rows=body,
        widths_mm=BREAKDOWN_WIDTHS,
        notes=list(notes),
    )


ADDED_UP = ("baseline", "current", "reduced")


def breakdown_notes(
    rows: Sequence[tuple[str, dict[str, Any]]],
    total: dict[str, Any],
    word: str,
    how: str | None = None,
) -> list[str]:
    """The note under a breakdown table: each row is the figures of its scope (a dissolved
    or merged unit in its successor's row, a unit established after the baseline year in its
    own), and whether the rows add up to the total (`total`: the measure's figures of the
    whole scope): when the baseline, the current figure or the reduction does not, the sums
    and why where it can be told (a row whose latest figures are of another year). `how`:
    the first sentence instead of the lineage rule (the former provinces' merger rule)."""
    notes = [
        how
        or f"Mỗi dòng là số liệu của các cơ quan, đơn vị thuộc {word} đó: đơn vị đã giải thể, "
        "sáp nhập tính vào đơn vị tiếp nhận, đơn vị thành lập mới tính ở dòng của đơn vị đó."
    ]
    if total.get("no_data"):
        return notes
    sums = {k: _given_sum(f.get(k) for _, f in rows) for k in ADDED_UP}
    if all(sums[k] is not None and abs(sums[k] - (total.get(k) or 0)) < 1e-6 for k in ADDED_UP):
        notes.append("Cộng các dòng bằng số liệu chung (năm gốc, hiện có, đã giảm).")
        targets = _given_sum(f.get("target") for _, f in rows)
        if total.get("target") is not None and (
            targets is None or abs(targets - total["target"]) > 0.05
        ):
            notes.append(
                "Chỉ tiêu giảm của từng dòng tính theo tỷ lệ của kế hoạch trên số năm gốc của "
                "dòng, nên cộng các dòng có thể khác chỉ tiêu chung."
            )
        return notes
    words = {"baseline": "năm gốc", "current": "hiện có", "reduced": "đã giảm"}
    differ = "; ".join(
        f"{words[k]} {_count(sums[k])} so với {_count(total.get(k))}"
        for k in ADDED_UP
        if sums[k] is None or abs(sums[k] - (total.get(k) or 0)) >= 1e-6
    )
    latest = total.get("latest_year")
    behind = [
        f"{label} có số liệu đến năm {f['latest_year']}"
        if f.get("latest_year")
        else f"{label} {MISSING}"
        for label, f in rows
        if f.get("latest_year") != latest
    ]
    why = (
        "; ".join(behind)
        if behind
        else "có cơ quan, đơn vị thuộc nhiều dòng hoặc không thuộc dòng nào"
    )
    notes.append(f"Cộng các dòng khác số liệu chung ({differ}) vì {why}.")
    return notes


def breakdown_sentence(rows: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """`Đạt hoặc vượt chỉ tiêu: A (132,45%). Chưa giảm: B. Chưa có số liệu: C.`; empty when
    nothing is worth saying."""
    met = [
        f"{label} ({fmt_pct(m['pct_of_target'])})"
        for label, m in sorted(rows, key=lambda r: -(r[1].get("pct_of_target") or 0))
        if m.get("pct_of_target") is not None and m["pct_of_target"] >= 100 - 1e-9
    ]
    none = [label for label, m in rows if m.get("reduced") == 0]
    unknown = [label for label, m in rows if m.get("reduced") is None]
    parts = []
    if met:
        parts.append("Đạt hoặc vượt chỉ tiêu giảm của giai đoạn: " + ", ".join(met) + ".")
    if none:
        parts.append("Chưa giảm: " + ", ".join(none) + ".")
    if unknown:
        parts.append(f"{NO_DATA_LABEL}: " + ", ".join(unknown) + ".")
    return " ".join(parts)


def _streamlined_tables(
    summary: dict[str, Any], programme: PeriodProgramme, as_of: dt.date, number: int
) -> list[ReportTable]:
    """Bảng: people approved for streamlining each year (công chức, viên chức) and, when any
    return gave it, by legal basis over the period."""
    sl = summary.get("streamlined", {})
    cc, vc = sl.get("cong_chuc", {}), sl.get("vien_chuc", {})
    years = sorted(
        {int(y) for y in (*cc, *vc)}
        | set(range(programme.first_year, min(as_of.year, programme.end_year) + 1))
    )
    rows = []
    for year in years:
        a, b = cc.get(str(year)), vc.get(str(year))
        total = None if a is None and b is None else (a or 0) + (b or 0)
        rows.append([f"Năm {year}", _count(a), _count(b), _count(total)])
    sums = [_given_sum(d.values()) for d in (cc, vc)]
    rows.append(["Cộng", _count(sums[0]), _count(sums[1]), _count(_given_sum(sums))])
    tables = [
        ReportTable(
            caption=f"Bảng {number}. Số người được phê duyệt tinh giản biên chế theo năm",
            headings=["Năm", "Công chức", "Viên chức", "Cộng"],
            rows=rows,
            widths_mm=STREAMLINED_WIDTHS,
        )
    ]
    by_basis = summary.get("streamlined_by_basis") or {}
    if basis_sentence(by_basis):
        kinds = ("cong_chuc", "vien_chuc")
        keys = [(b.value, b.label) for b in DepartureBasis]
        keys.append((NOT_BROKEN_DOWN, NOT_BROKEN_DOWN_LABEL))
        basis_rows = []
        for key, label in keys:
            values = [_given_sum(e.get(key) for e in by_basis.get(k, {}).values()) for k in kinds]
            basis_rows.append([label, *(_count(v) for v in values)])
        tables.append(
            ReportTable(
                caption=f"Bảng {number + 1}. Số người được phê duyệt tinh giản theo căn cứ",
                headings=["Căn cứ", "Công chức", "Viên chức"],
                rows=basis_rows,
                widths_mm=BASIS_WIDTHS,
            )
        )
    return tables


def _given_sum(values: Any) -> float | None:
    given = [v for v in values if v is not None]
    return sum(given) if given else None


def _streamlined_paragraph(
    summary: dict[str, Any], programme: PeriodProgramme, as_of: dt.date, notes: Notes
) -> Paragraph:
    """`Từ năm 2022 đến năm 2026, Sở Nội vụ đã tham mưu … 09 công chức¹ và 95 viên chức².`
    with each year in a footnote, the years without figures named as such; a kind without
    any figure is said to have none, never counted as 00."""
    sl = summary.get("streamlined", {})
    last = min(as_of.year, programme.end_year)
    since = f"Từ năm {programme.first_year} đến năm {last}"
    kinds = (("cong_chuc", "công chức"), ("vien_chuc", "viên chức"))
    counts = {kind: {int(y): n for y, n in sl.get(kind, {}).items()} for kind, _ in kinds}
    if not any(counts.values()):
        return Paragraph(
            parts=[f"{since}, số công chức, viên chức được phê duyệt tinh giản: {MISSING}."]
        )
    parts: list[str | int] = [
        f"{since}, Sở Nội vụ đã tham mưu Ủy ban nhân dân thành phố phê duyệt tinh giản đối với "
    ]
    years = range(programme.first_year, last + 1)
    for i, (kind, noun) in enumerate(kinds):
        mine = counts[kind]
        if i:
            parts.append(" và ")
        if not mine:
            parts.append(f"{noun} ({MISSING})")
            continue
        parts.append(f"{fmt_count_prose(sum(mine.values()))} {noun}")
        given = [f"năm {y} là {fmt_count_prose(mine[y])} {noun}" for y in years if y in mine]
        absent = [y for y in years if y not in mine]
        note = "Trong đó: " + ", ".join(given) if given else ""
        if absent:
            note += ("; " if note else "") + f"{_years_phrase(absent)} {MISSING}"
        if note:
            parts.append(notes.add(note[0].upper() + note[1:] + "."))
    parts.append(". ")
    if sentence := basis_sentence(summary.get("streamlined_by_basis")):
        parts.append(sentence)
    return Paragraph(parts=parts)


def _adopt(narrative: Narrative, notes: Notes, skip: str) -> list[Paragraph]:
    """The ordinary narrative's paragraphs but those under a heading starting with `skip`,
    their footnotes renumbered into `notes`."""
    out, skipping = [], False
    for paragraph in narrative.paragraphs:
        if paragraph.heading:
            skipping = paragraph.text().startswith(skip)
        if skipping:
            continue
        parts: list[str | int] = [
            notes.add(narrative.footnotes[p - 1]) if isinstance(p, int) else p
            for p in paragraph.parts
        ]
        out.append(Paragraph(parts=parts, heading=paragraph.heading))
    return out


def subject_of(programme: PeriodProgramme) -> str:
    """The line under «BÁO CÁO»: `Tổng kết thực hiện tinh giản biên chế giai đoạn 2022 - 2026`."""
    return f"Tổng kết thực hiện tinh giản biên chế {programme.period}"


def build_period_end(
    summary: dict[str, Any],
    programme: PeriodProgramme,
    *,
    quota: dict[str, dict[int, int]],
    by_sector: dict[str, list[tuple[str, dict[str, Any]]]],
    by_area: dict[str, list[tuple[str, dict[str, Any]]]],
    area_is_district: bool,
    former_provinces: Sequence[tuple[str, dict[str, Any]]],
    narrative: Narrative,
    department: str = "Sở Nội vụ",
    paths: dict[str, dict[int, int]] | None = None,
    districts_ended: dt.date | None = None,
) -> PeriodEnd:
    """The summing-up's body from figures: the opening (legal basis), the period's result,
    each year against the path, per sector, per district (or kind of unit), per former
    province (left out with fewer than two), streamlined people by year and legal basis, the
    reorganisation over the period (the ordinary narrative's paragraphs)."""
    as_of = dt.date.fromisoformat(summary["as_of"])
    notes = Notes()
    measures = [str(m) for m in Measure]
    base_year = programme.baseline_year
    opening_parts: list[str | int] = ["Thực hiện "]
    if programme.basis:
        opening_parts.append(f"{programme.basis} về tinh giản biên chế {programme.period}")
    else:
        opening_parts += [
            f"kế hoạch tinh giản biên chế {programme.period}",
            notes.add(f"Văn bản căn cứ của giai đoạn: {MISSING} (kế hoạch chưa ghi căn cứ)."),
        ]
    opening_parts.append(
        f", {department} báo cáo tổng kết kết quả thực hiện tinh giản biên chế "
        f"{programme.period} (phạm vi: {summary['scope']}; số liệu tính đến ngày "
        f"{fmt_date(as_of)}), cụ thể như sau:"
    )
    sections: list[ReportSection] = []
    table_no = 0

    def section(title: str, blocks: list[Paragraph | ReportTable]) -> None:
        sections.append(ReportSection(f"{ROMAN[len(sections)]}. {title}", blocks))

    def next_table() -> int:
        nonlocal table_no
        table_no += 1
        return table_no

    # the period as a whole
    overall: list[Paragraph | ReportTable] = [
        breakdown_table(
            f"Bảng {next_table()}. Kết quả chung {programme.period}",
            "Nội dung",
            [(MEASURE_WORDS[Measure(m)][1], summary[m]) for m in measures],
            base_year,
        )
    ]
    overall += [
        Paragraph(parts=[measure_sentence(m, summary[m], as_of, programme)]) for m in measures
    ]
    section(f"KẾT QUẢ CHUNG {programme.period.upper()}", overall)

    # year by year against the path
    yearly: list[Paragraph | ReportTable] = []
    missing = missing_by_year(summary)
    for i, m in enumerate(measures, 1):
        _, caption, _ = MEASURE_WORDS[Measure(m)]
        yearly.append(Paragraph(heading=True, parts=[f"{i}. {caption}"]))
        table, behind = yearly_table(
            next_table(), m, quota.get(m, {}), summary[m].get("target"), programme,
            missing.get(m, {}), as_of, (paths or {}).get(m),
        )  # fmt: skip
        yearly.append(table)
        if summary[m].get("target") is None:
            yearly.append(Paragraph(parts=[f"Chưa có chỉ tiêu giảm của {programme.period}."]))
        elif behind:
            yearly.append(Paragraph(parts=[f"Chưa đạt lộ trình: {_years_phrase(behind)}."]))
    section("KẾT QUẢ THỰC HIỆN TỪNG NĂM", yearly)

    sector_blocks: list[Paragraph | ReportTable] = []
    blank = analysis.NO_SECTOR_LABEL
    for m in measures:
        rows = sorted(
            by_sector.get(m, []),
            key=lambda r: (r[0] == blank, -(r[1].get("baseline") or 0)),
        )
        if not any(label != blank for label, _ in rows):
            continue  # no unit of this measure names a sector: nothing to break down
        _, caption, _ = MEASURE_WORDS[Measure(m)]
        remarks = breakdown_notes(rows, summary[m], "lĩnh vực")
        if any(label == blank for label, _ in rows):
            remarks.append(f"Cơ quan, đơn vị không ghi lĩnh vực tính ở dòng «{blank}».")
        sector_blocks.append(
            breakdown_table(
                f"Bảng {next_table()}. {caption} theo lĩnh vực", "Lĩnh vực", rows, base_year,
                remarks,
            )
        )  # fmt: skip
        if sentence := breakdown_sentence(rows):
            sector_blocks.append(Paragraph(parts=[sentence]))
    if sector_blocks:
        section("KẾT QUẢ THEO LĨNH VỰC", sector_blocks)

    area_blocks: list[Paragraph | ReportTable] = []
    former = " (cũ)" if districts_ended is not None else ""
    first = f"Quận, huyện{former}" if area_is_district else "Loại cơ quan, đơn vị"
    word = f"quận, huyện{former}" if area_is_district else "loại cơ quan, đơn vị"
    for m in measures:
        rows = by_area.get(m, [])
        if len(rows) < 2:
            continue  # one row is the total again
        _, caption, _ = MEASURE_WORDS[Measure(m)]
        remarks = breakdown_notes(rows, summary[m], word)
        if area_is_district and districts_ended is not None:
            remarks.append(
                f"Từ ngày {fmt_date(districts_ended)} cấp huyện kết thúc: số liệu của xã, phường "
                "tính vào quận, huyện (cũ) đã chuyển biên chế cho xã, phường đó."
            )
        area_blocks.append(
            breakdown_table(f"Bảng {next_table()}. {caption} theo {word}", first, rows, base_year,
                            remarks)
        )  # fmt: skip
        if sentence := breakdown_sentence(rows):
            area_blocks.append(Paragraph(parts=[sentence]))
    if area_blocks:
        title = first.upper()
        section(f"KẾT QUẢ THEO {title}", area_blocks)

    if len(former_provinces) > 1:
        province_blocks: list[Paragraph | ReportTable] = []
        for m in measures:
            rows = [(label, figures.get(m) or {}) for label, figures in former_provinces]
            _, caption, _ = MEASURE_WORDS[Measure(m)]
            province_blocks.append(
                breakdown_table(
                    f"Bảng {next_table()}. {caption} theo tỉnh, thành phố trước sắp xếp",
                    "Tỉnh, thành phố (cũ)", rows, base_year,
                    breakdown_notes(
                        rows, summary[m], "tỉnh, thành phố (cũ)", summary.get("merger_rule")
                    ),
                )
            )  # fmt: skip
            if sentence := breakdown_sentence(rows):
                province_blocks.append(Paragraph(parts=[sentence]))
        section("KẾT QUẢ THEO TỈNH, THÀNH PHỐ TRƯỚC SẮP XẾP", province_blocks)

    streamlined: list[Paragraph | ReportTable] = [
        _streamlined_paragraph(summary, programme, as_of, notes)
    ]
    streamlined += _streamlined_tables(summary, programme, as_of, next_table())
    table_no += len(streamlined) - 2
    section("TINH GIẢN BIÊN CHẾ THEO CHÍNH SÁCH", streamlined)

    section(
        "SẮP XẾP TỔ CHỨC BỘ MÁY TRONG GIAI ĐOẠN",
        list(_adopt(narrative, notes, "Về quản lý biên chế")),
    )
    return PeriodEnd(
        programme=programme.name,
        opening=[Paragraph(parts=opening_parts)],
        sections=sections,
        footnotes=notes.items,
    )
