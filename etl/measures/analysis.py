"""Tables behind the dashboard: per-unit progress, yearly paths and projection, the spread of
cuts across units, shortages against sector norms, reorganisation over time, lineage and the
submission tracker. Pure functions over a `Dataset`, like the measures themselves."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etl.core.normalize import text_key
from etl.core.provinces import PROVINCE_EVENT_KIND
from etl.core.vocabulary import (
    KIND_LABELS,
    MEASURE_LABELS,
    FactStatus,
    Measure,
    UnitGroup,
    UnitKind,
)
from etl.measures.cache import memoised, remembered, remembered_for_frame
from etl.measures.dataset import Dataset
from etl.measures.metrics import (
    fact_positions,
    facts_by_status,
    facts_of,
    join_homes,
    missing_data,
    province_share,
    quota_by_year,
    quota_measure,
    target_for,
)
from etl.measures.programmes import (
    Programme,
    baseline_year,
    excluded_sectors,
    programme_for,
    targets_of,
)
from etl.measures.query import ResolvedView
from etl.measures.scoping import (
    Filter,
    district_choices,
    exists_mask,
    former_district_communes,
    home_units,
    mask_at,
    scope_mask,
    sector_choices,
)

# members used row by row, hoisted (an enum's attribute costs more than a module global)
_SERVICE_UNIT = UnitKind.DON_VI_SU_NGHIEP
_SERVICE_MEASURE, _AGENCY_MEASURE = Measure.NGUOI_LAM_VIEC, Measure.CONG_CHUC


def measure_of_kind(kind: str) -> str:
    return _SERVICE_MEASURE if kind == _SERVICE_UNIT else _AGENCY_MEASURE


def unit_table(ds: Dataset, view: ResolvedView, *, copy: bool = True) -> pd.DataFrame:
    """One row per unit of the view existing at its cut-off: baseline (with predecessors),
    current, reduced, %, pending, own target share, missing years and job-position status.

    Built once per dataset (so per data version) and view; each caller gets its own copy,
    or with `copy=False` the shared table, which the caller must only read."""
    table = remembered(
        ds,
        "unit_table",
        view.key,
        lambda: _unit_table(
            ds,
            view.as_of,
            view.filter,
            view.include_pending,
            programme_for(ds, view.as_of, view.programme),
        ),
    )
    return table.copy() if copy else table


def unit_rows(ds: Dataset, view: ResolvedView, measure: str) -> pd.DataFrame:
    """The rows of `unit_table` for one measure, kept per dataset and view like the table;
    shared, so callers must not change it (the units grid reads a page of it per request)."""

    def build() -> pd.DataFrame:
        table = unit_table(ds, view, copy=False)
        return table[table["measure"] == measure].reset_index(drop=True)

    return remembered(ds, "unit_rows", (*view.key, measure), build)


def _year_arrays(ds: Dataset, status: str, year: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The current facts of a status for one year as arrays over the positions of
    `ds.units`: (values, present); None when a unit has two (`_year_values` then reads
    them by their (unit, year) index)."""

    def build() -> tuple[np.ndarray, np.ndarray] | None:
        facts = facts_by_status(ds, status)
        facts = facts[facts["year"] == year]
        if facts["unit_id"].duplicated().any():
            return None
        positions = fact_positions(ds, facts)
        known = positions >= 0
        values = facts["value"].to_numpy()
        out = np.zeros(len(ds.units), dtype=values.dtype)
        present = np.zeros(len(ds.units), dtype=bool)
        out[positions[known]] = values[known]
        present[positions[known]] = True
        return out, present

    return memoised(ds, ("year_arrays", status, year), build)


def _year_values(
    ds: Dataset,
    status: str,
    years: set[Any],
    positions: np.ndarray,
    unit_years: np.ndarray,
    default: Any = None,
) -> np.ndarray | list[Any]:
    """Each table unit's current fact of `status` in its measure's latest year
    (`unit_years`, NaN: none): `default` where it has none. As the values would be read
    one by one: integers while every unit has one, floats with NaN (or `default`) else."""
    arrays = {y: _year_arrays(ds, status, y) for y in years}
    if any(a is None for a in arrays.values()):  # a unit with two facts: by its index
        by_index = facts_by_status(ds, status).set_index(["unit_id", "year"])["value"]
        uids = ds.units.index.to_numpy()[positions].tolist()
        return [
            by_index.get((uid, int(y)), default) if y == y else default
            for uid, y in zip(uids, unit_years.tolist(), strict=True)
        ]
    found = np.zeros(len(positions), dtype=bool)
    values: np.ndarray | None = None
    for year, (array, present) in arrays.items():
        rows = (unit_years == year) & (positions >= 0)
        at = positions[rows]
        hit = present[at]
        if values is None:
            values = np.zeros(len(positions), dtype=array.dtype)
        values[np.flatnonzero(rows)[hit]] = array[at[hit]]
        found[np.flatnonzero(rows)[hit]] = True
    if values is None:
        values = np.zeros(len(positions), dtype=np.int64)
    if found.all():
        return values
    if default is None and not found.any():  # nothing to read: None each, as one by one
        return [None] * len(positions)
    return np.where(found, values, np.nan if default is None else default)


def _baseline_by_home(ds: Dataset, homes: pd.DataFrame, year0: int | None) -> pd.Series:
    """The baseline year's quota of every unit's home (predecessors included), for one
    homes frame."""

    def build() -> pd.Series:
        assigned = facts_by_status(ds, FactStatus.ASSIGNED)
        assigned = assigned[assigned["year"].to_numpy() == year0]
        rows, home_rows = join_homes(ds, homes, fact_positions(ds, assigned))
        value = assigned["value"].to_numpy()[rows] * homes["weight"].to_numpy()[home_rows]
        home_id = pd.Series(homes["home_id"].to_numpy()[home_rows], name="home_id")
        return pd.Series(value).groupby(home_id).sum()

    return remembered_for_frame(ds, "baseline_by_home", homes, (year0,), build)


def _unit_table(
    ds: Dataset,
    as_of: dt.date,
    flt: Filter,
    include_pending: bool,
    programme: Programme | None = None,
) -> pd.DataFrame:
    kept = ["id", "code", "name", "kind", "district", "sector", "parent"]
    units = ds.units.loc[exists_mask(ds, as_of) & scope_mask(ds, flt), kept]
    columns = [
        "unit_id", "code", "name", "kind", "kind_label", "district", "sector", "parent",
        "measure", "baseline", "latest_year", "current", "done", "pending", "reduced",
        "reduced_pct", "target", "pct_of_target", "gap", "missing_years", "job_position",
    ]  # fmt: skip
    if units.empty:
        return pd.DataFrame(columns=columns)
    homes = home_units(ds, as_of)
    year0 = baseline_year(ds, programme)
    base = _baseline_by_home(ds, homes, year0)
    # by the few distinct kinds, not a call per unit
    units["measure"] = units["kind"].map({k: measure_of_kind(k) for k in units["kind"].unique()})
    latest_years = {}
    positions = ds.units.index.get_indexer(units["id"])
    measures = units["measure"].to_numpy()
    in_table = np.zeros(len(ds.units), dtype=bool)
    for measure in Measure:
        facts = facts_of(ds, measure, FactStatus.ASSIGNED)
        in_table[:] = False
        in_table[positions[measures == measure]] = True
        years = facts["year"].to_numpy()
        rows = mask_at(in_table, fact_positions(ds, facts)) & (years <= as_of.year)
        latest_years[measure] = int(years[rows].max()) if rows.any() else None
    units["latest_year"] = units["measure"].map(latest_years)
    wanted = {y for y in latest_years.values() if y}
    unit_years = units["latest_year"].to_numpy(dtype=float)
    service = measures == _SERVICE_MEASURE
    units["current"] = _year_values(ds, FactStatus.ASSIGNED, wanted, positions, unit_years)
    pending = _year_values(ds, FactStatus.PENDING, wanted, positions, unit_years, default=0)
    if isinstance(pending, list):
        units["pending"] = [p if own else 0 for p, own in zip(pending, service, strict=True)]
    else:
        units["pending"] = np.where(service, pending, 0)
    units["baseline"] = units["id"].map(base).astype(float)
    units["done"] = units["baseline"] - units["current"].astype(float)
    units["reduced"] = units["done"] + (units["pending"] if include_pending else 0)
    units["reduced_pct"] = units["reduced"] / units["baseline"].where(units["baseline"] > 0) * 100
    pct_by_measure = {m: _city_pct(ds, m, programme) for m in Measure}
    own = _own_targets(ds, programme)
    units["target"] = _unit_targets(units, own, pct_by_measure)
    stable = _stable_units(ds, units, own, programme)
    units.loc[stable, "target"] = None
    units["pct_of_target"] = units["reduced"] / units["target"].where(units["target"] > 0) * 100
    units["gap"] = units["target"] - units["reduced"]
    missing = {
        m["unit_id"]: ", ".join(str(y) for y in m["years"])
        for m in missing_data(ds, flt, as_of, programme)
    }
    units["missing_years"] = _by_position(ds, missing, "")[positions].tolist()
    # each unit's latest job-position status, by position in `ds.units` (None: no row)
    jp = memoised(
        ds,
        ("job_position_by_unit",),
        lambda: (
            _by_position(
                ds,
                dict(zip(ds.job_positions["unit_id"], ds.job_positions["status"], strict=True)),
                None,
            )
            if len(ds.job_positions)
            else None
        ),
    )
    units["job_position"] = jp[positions].tolist() if jp is not None else None
    units["kind_label"] = units["kind"].map(KIND_LABELS)
    units["unit_id"] = units["id"]
    if (
        year0 is not None and as_of.year < year0
    ):  # no figure exists yet: none shown (metrics.no_data_reason)
        figures = ["baseline", "current", "done", "pending", "reduced", "reduced_pct"]
        units[[*figures, "target", "pct_of_target", "gap"]] = np.nan
    return units[columns].reset_index(drop=True)


def _by_position(ds: Dataset, by_unit: dict[int, Any], default: Any) -> np.ndarray:
    """`by_unit.get(uid, default)` of every unit of `ds.units`, in its order, placed by
    position rather than looked up unit by unit."""
    out = np.full(len(ds.units), default, dtype=object)
    if by_unit:
        at = ds.units.index.get_indexer(list(by_unit))
        values = np.empty(len(by_unit), dtype=object)
        values[:] = list(by_unit.values())
        out[at[at >= 0]] = values[at >= 0]
    return out


def _city_pct(ds: Dataset, measure: str, programme: Programme | None) -> float | None:
    t = targets_of(ds, programme)
    if t.empty:
        return None
    rows = t[(t["measure"] == measure) & t["scope_unit_id"].isna() & t["pct"].notna()]
    return float(rows.iloc[-1]["pct"]) if len(rows) else None


def _stable_units(
    ds: Dataset,
    units: pd.DataFrame,
    own: dict[tuple[int, str], tuple[Any, Any]],
    programme: Programme | None,
) -> np.ndarray:
    """Units without their own plan row whose sector the city row of their measure keeps
    stable: no target (the summary's «giữ ổn định»), not a share of the city's."""
    t = targets_of(ds, programme)
    out = np.zeros(len(units), dtype=bool)
    if t.empty or "exclude_sectors" not in t.columns:
        return out
    for measure in Measure:
        rows = t[(t["measure"] == measure) & t["scope_unit_id"].isna()]
        sectors = excluded_sectors(rows.iloc[-1]) if len(rows) else ()
        if not sectors:
            continue
        mine = (units["measure"] == measure) & units["sector"].isin(sectors)
        mine = mine.to_numpy() & ~units["id"].isin({u for u, m in own if m == measure}).to_numpy()
        out |= mine
    return out


def _own_targets(
    ds: Dataset, programme: Programme | None
) -> dict[tuple[int, str], tuple[Any, Any]]:
    """(unit, measure) → (count, pct) of the programme's plan rows that name one unit."""
    t = targets_of(ds, programme)
    if t.empty:
        return {}
    rows = t[t["scope_unit_id"].notna()]
    return {
        (int(u), m): (c, p)
        for u, m, c, p in zip(
            rows["scope_unit_id"], rows["measure"], rows["count"], rows["pct"], strict=True
        )
    }


def _unit_targets(
    units: pd.DataFrame,
    own: dict[tuple[int, str], tuple[Any, Any]],
    pct_by_measure: dict[str, float | None],
) -> np.ndarray | list[None]:
    """`_unit_target` of every unit (NaN: none): the city's percentage times the baseline,
    computed for all units at once, but for the units with their own plan row."""
    baseline = units["baseline"].to_numpy(dtype=float)
    measures = units["measure"].to_numpy(dtype=object)
    out = np.full(len(units), np.nan)
    none = np.zeros(len(units), dtype=bool)
    for measure, city_pct in pct_by_measure.items():
        rows = measures == measure
        if city_pct is None:
            none |= rows
        else:
            out[rows] = city_pct / 100 * baseline[rows]
    values = np.where(none, np.nan, out)
    if own:  # the few units with their own plan row (or a measure without a city row)
        ids = units["id"].to_numpy()
        check = units["id"].isin({uid for uid, _ in own}).to_numpy()
        check = check | ~np.isin(measures, list(pct_by_measure))
        for i in np.flatnonzero(check):
            uid, m = int(ids[i]), measures[i]
            if (uid, m) in own or m not in pct_by_measure:
                target = _unit_target(own.get((uid, m)), baseline[i], pct_by_measure.get(m))
                values[i] = np.nan if target is None else target
    if np.isnan(values).all():  # none at all: None each, as the table has always had
        return [None] * len(units)
    return values


def _unit_target(
    own: tuple[Any, Any] | None, baseline: float, city_pct: float | None
) -> float | None:
    """A unit's own plan row, else the city's percentage applied to its baseline."""
    if own is not None:
        count, pct = own
        if pd.notna(count):
            return float(count)
        if pd.notna(pct):
            return float(pct) / 100 * baseline
    if city_pct is None or pd.isna(baseline):
        return None
    return city_pct / 100 * baseline


def subtotals(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sums of a unit table grouped by `district`, `sector` or `kind_label`, per measure."""
    if table.empty:  # the same columns, no row (a filter that leaves no unit)
        columns = ["units", "baseline", "current", "pending", "reduced", "target"]
        return pd.DataFrame(columns=[by, "measure", *columns, "reduced_pct", "pct_of_target"])
    blank = "Cấp thành phố" if by == "district" else "(không ghi)"
    grouped = (
        table.fillna({by: blank})
        .groupby([by, "measure"], dropna=False)
        .agg(
            units=("unit_id", "count"),
            baseline=("baseline", "sum"),
            current=("current", "sum"),
            pending=("pending", "sum"),
            reduced=("reduced", "sum"),
            target=("target", "sum"),
        )
        .reset_index()
    )
    grouped["reduced_pct"] = (
        grouped["reduced"] / grouped["baseline"].where(grouped["baseline"] > 0) * 100
    )
    grouped["pct_of_target"] = (
        grouped["reduced"] / grouped["target"].where(grouped["target"] > 0) * 100
    )
    return grouped


# what a breakdown's row of the units without a value reads (`scope_breakdown`)
NO_SECTOR_LABEL = "Chưa ghi lĩnh vực"
NO_DISTRICT_LABEL = "Cấp thành phố"
BREAKDOWNS = ("sector", "district", "kind")


def _area_keys(ds: Dataset) -> np.ndarray:
    """Each unit's district key (aligned with `ds.units`): its own, else that of the former
    district whose staff its commune took (docs/domain.md, "The end of the district level"),
    else ""."""

    def build() -> np.ndarray:
        keys = ds.units["district_key"].fillna("").to_numpy(dtype=object).copy()
        if "commune_key" not in ds.units.columns:
            return keys
        communes = ds.units["commune_key"].fillna("").to_numpy(dtype=object)
        for district, taken in sorted(former_district_communes(ds).items()):
            keys[(keys == "") & np.isin(communes, list(taken))] = district
        return keys

    return memoised(ds, ("area_keys",), build)


def scope_breakdown(ds: Dataset, view: ResolvedView, by: str) -> list[tuple[str, dict[str, Any]]]:
    """The view's figures split by `by` (`sector`, `district` or `kind`): one row (label, the
    figures of each measure) per value among the units whose figures the scope holds at its
    cut-off (their homes by lineage), each the summary's figures of the view's filter
    narrowed to that value (`metrics.quota_measure`, as `metrics.summary` computes them: the
    same programme and pending rule; kept per dataset and view), so a dissolved or merged unit
    counts in its home's row and a unit established after the baseline year in its own.
    The units without a sector (a district) form one row, `NO_SECTOR_LABEL`
    (`NO_DISTRICT_LABEL`); after the district level ended a commune counts in the former
    district whose staff it took. The rows' baselines, current figures and reductions add up
    to the view's when every row has figures of the same latest year (docs/report.md, "The
    period-end report"). Rows in the order of their labels, the row without a value first."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    found = remembered(ds, "scope_breakdown", (*view.key, by), lambda: _breakdown(ds, view, by))
    return copy.deepcopy(found)


def _breakdown(ds: Dataset, view: ResolvedView, by: str) -> list[tuple[str, dict[str, Any]]]:
    homes = home_units(ds, view.as_of)
    programme = programme_for(ds, view.as_of, view.programme)
    hpos = ds.units.index.get_indexer(homes["home_id"])
    held = np.zeros(len(ds.units), dtype=bool)
    flt = view.filter
    if flt.province is None:
        held[hpos[mask_at(scope_mask(ds, flt), hpos)]] = True
    else:  # a former province's figures are shares of homes that may be of another
        year0 = baseline_year(ds, programme)
        shared = np.zeros(len(ds.units), dtype=bool)
        for m in Measure:
            shared |= province_share(ds, homes, m, flt.province, year0) > 0
        rest = scope_mask(ds, dataclasses.replace(flt, province=None)) & shared
        held[hpos[mask_at(rest, hpos)]] = True
    if by == "sector":
        choices = sector_choices(ds)
        keys = ds.units["sector"].fillna("").map(text_key).to_numpy(dtype=object)
        blank = NO_SECTOR_LABEL
    elif by == "district":
        choices = district_choices(ds)
        keys = _area_keys(ds)
        blank = NO_DISTRICT_LABEL
    else:
        choices = {str(k): str(v) for k, v in KIND_LABELS.items()}
        keys = ds.units["kind"].fillna("").to_numpy(dtype=object)
        blank = "(không ghi)"
    found = sorted({str(k) for k in keys[held]}, key=lambda k: (k != "", choices.get(k, k)))
    rows = []
    for key in found:
        if by == "kind" and not key:  # every unit has a kind; "" would be no filter at all
            continue
        value = "" if not key else (key if by == "kind" else choices.get(key, key))
        label = blank if not key else choices.get(key, key)
        flt = dataclasses.replace(view.filter, **{by: value}, label=label)
        figures = {
            str(m): quota_measure(
                ds,
                homes,
                flt,
                m,
                view.as_of,
                include_pending=view.include_pending,
                programme=programme,
            )
            for m in Measure
        }
        rows.append((label, figures))
    return rows


@dataclass(frozen=True)
class Path:
    """A measure year by year, the planned path to the programme's end-year target and the
    projection to that year (`projected_2026`/`target_2026`: of the end year, named after the
    first programme's)."""

    years: list[int]
    actual: list[float]
    planned: dict[int, float]
    projected_2026: float | None
    target_2026: float | None
    on_track: bool | None
    sentence_vi: str
    target_year: int | None = None  # the programme's end year (None: not stated)


def yearly_path(
    ds: Dataset, view: ResolvedView, measure: str, summary_figures: dict[str, Any]
) -> Path:
    """Quota per year against the planned path from the baseline year to the programme's
    end-year target, with the end-year figure projected at the pace so far; `summary_figures`:
    the measure's part of the view's summary. The planned path follows the plan row's «Lộ
    trình» when the scope is that row's own (the city, or the unit of its own row): the
    baseline less the reductions planned up to each year; else a straight line (docs/domain.md,
    "Measures")."""
    programme = programme_for(ds, view.as_of, view.programme)
    year0 = summary_figures.get("baseline_year") or baseline_year(ds, programme)
    end = programme.end_year if programme is not None else None
    homes = home_units(ds, view.as_of)
    by_year = remembered_for_frame(  # the overview's card and its chart both ask
        ds,
        "quota_by_year",
        homes,
        (view.filter, measure, view.as_of, year0),
        lambda: quota_by_year(ds, homes, view.filter, measure, view.as_of, year0),
    )
    baseline = summary_figures["baseline"]
    target = summary_figures["target"]
    reduced = summary_figures["reduced"]
    latest = summary_figures["latest_year"]
    planned: dict[int, float] = {}
    steps = planned_steps(ds, view, measure, programme)
    if target is not None and baseline and year0 is not None and end is not None and end > year0:
        if steps:
            done = 0.0
            for year in range(year0, end + 1):
                done += steps.get(year, 0)
                planned[year] = baseline - done
        else:
            for year in range(year0, end + 1):
                planned[year] = baseline - target * (year - year0) / (end - year0)
    projected = on_track = None
    label = MEASURE_LABELS[measure].lower()
    from etl.core.formatting import fmt_number, fmt_pct

    if end is None or year0 is None:
        sentence = f"Giai đoạn chưa có năm kết thúc: chưa dự báo được {label}."
    elif latest and latest > year0 and baseline:
        pace = reduced / (latest - year0)
        projected_reduced = pace * (end - year0)
        projected = baseline - projected_reduced
        if target:
            on_track = projected_reduced >= target - 1e-9
            verdict = "đạt kế hoạch" if on_track else "chưa đạt kế hoạch"
            sentence = (
                f"Với tốc độ hiện nay ({fmt_number(pace, 1)} mỗi năm), đến năm {end} "
                f"dự kiến giảm {fmt_number(projected_reduced, 0)} {label}, bằng "
                f"{fmt_pct(projected_reduced / target * 100, 1)} chỉ tiêu: {verdict}."
            )
        else:
            sentence = f"Chưa có chỉ tiêu giảm {label} để so sánh."
    else:
        sentence = f"Chưa đủ số liệu các năm để dự báo {label}."
    return Path(
        years=sorted(by_year),
        actual=[by_year[y] for y in sorted(by_year)],
        planned=planned,
        projected_2026=projected,
        target_2026=(baseline - target) if target is not None and baseline else None,
        on_track=on_track,
        sentence_vi=sentence,
        target_year=end,
    )


def planned_steps(
    ds: Dataset, view: ResolvedView, measure: str, programme: Programme | None
) -> dict[int, int]:
    """The «Lộ trình» of the plan row that is the scope's own (the city's row for the whole
    city, a unit's row for that unit): reductions planned per year; {} otherwise."""
    t = targets_of(ds, programme)
    if t.empty:
        return {}
    t = t[t["measure"] == measure]
    flt = view.filter
    if flt.unit_id is not None:
        rows = t[t["scope_unit_id"] == flt.unit_id]
    elif flt == Filter(label=flt.label):
        rows = t[t["scope_unit_id"].isna()]
    else:
        return {}
    if rows.empty or not isinstance(rows.iloc[-1]["path"], dict):
        return {}
    return {int(y): int(v) for y, v in rows.iloc[-1]["path"].items()}


def spread(table: pd.DataFrame, measure: str) -> dict[str, Any]:
    """How equal the cuts are across units (the report's worry about 'cào bằng')."""
    rows = table[(table["measure"] == measure) & (table["baseline"] > 0)].dropna(
        subset=["reduced_pct"]
    )
    if rows.empty:
        return {"units": 0}
    pct = rows["reduced_pct"]
    median = float(pct.median())
    near_median = float(((pct - median).abs() <= 1.0).mean() * 100)
    return {
        "units": len(rows),
        "median_pct": median,
        "mean_pct": float(pct.mean()),
        "std_pct": float(pct.std(ddof=0)),
        "zero_share_pct": float((rows["reduced"] <= 0).mean() * 100),
        "near_median_share_pct": near_median,
        "values": pct.to_numpy(),
    }


def furthest_behind(table: pd.DataFrame, measure: str, n: int = 5) -> pd.DataFrame:
    """The units with the largest gap between their target share and what they reduced."""
    gap = table["gap"].to_numpy(dtype=float)
    at = np.flatnonzero((table["measure"].to_numpy() == measure) & ~np.isnan(gap))
    if len(at) > 4 * n > 0:  # sort only the rows that can be among the first n
        at = at[gap[at] >= np.sort(gap[at])[-n]]
    rows = table.iloc[at]  # the few rows, not a copy of the national table's columns
    return rows.sort_values(["gap", "name"], ascending=[False, True]).head(n)


def furthest_behind_in_view(ds: Dataset, view: ResolvedView, measure: str) -> pd.DataFrame:
    """`furthest_behind` of the view's unit table, kept per dataset and view (shared: callers
    only read it)."""
    return remembered(
        ds,
        "furthest_behind",
        (*view.key, measure),
        lambda: furthest_behind(unit_table(ds, view, copy=False), measure),
    )


def shortages(ds: Dataset, view: ResolvedView) -> pd.DataFrame:
    """Public service units of the view whose approved staff fall below the sector norm, by
    sector (pending reductions do not change approved staff: kept per cut-off and filter)."""
    return remembered(
        ds, "shortages", (view.as_of, view.filter), lambda: _shortages(ds, view)
    ).copy()


def _shortages(ds: Dataset, view: ResolvedView) -> pd.DataFrame:
    # the rows of the view counting pending reductions, whatever it says (shared by both)
    counting = dataclasses.replace(view, include_pending=True)
    table = unit_rows(ds, counting, Measure.NGUOI_LAM_VIEC)
    norms = facts_by_status(ds, FactStatus.NORM)
    if norms.empty or table.empty:
        return pd.DataFrame(columns=["sector", "units", "current", "norm", "shortage"])
    # the latest norm up to the cut-off, against a unit's approved staff of a year reported
    # (none before the data: nothing compared)
    norms = norms[norms["year"] <= view.as_of.year]
    norms = norms.sort_values("year").drop_duplicates("unit_id", keep="last")
    merged = table[["unit_id", "sector", "current"]].dropna(subset=["current"])
    merged = merged.merge(norms[["unit_id", "value"]].rename(columns={"value": "norm"}))
    if merged.empty:
        return pd.DataFrame(columns=["sector", "units", "current", "norm", "shortage"])
    merged["shortage"] = (merged["norm"] - merged["current"]).clip(lower=0)
    merged["short"] = merged["shortage"] > 0
    by_sector = (
        merged.fillna({"sector": "Khác"})
        .groupby("sector")
        .agg(
            units=("unit_id", "count"),
            current=("current", "sum"),
            norm=("norm", "sum"),
            shortage=("shortage", "sum"),
            units_short=("short", "sum"),
        )
        .reset_index()
        .sort_values("shortage", ascending=False)
    )
    by_sector["units_short"] = by_sector["units_short"].astype(int)
    return by_sector


def reorg_timeline(ds: Dataset, as_of: dt.date) -> pd.DataFrame:
    """Events per year, type and kind of unit, with units reduced and established."""
    columns = ["year", "event_type", "unit_kind", "events", "reduced", "established"]
    if ds.events.empty:
        return pd.DataFrame(columns=columns)
    events = ds.events[ds.events["effective_date"] <= as_of]
    events = events[events["unit_kind"] != PROVINCE_EVENT_KIND]  # no unit: not counted
    rows = []
    for ev in events.itertuples():
        before, after = ds.event_sets.get(ev.id, (frozenset(), frozenset()))
        created, ceased = len(after - before), len(before - after)
        established = created if ev.event_type == "Thành lập mới" else 0
        reduced = 0 if ev.event_type == "Thành lập mới" else ceased - created
        if isinstance(getattr(ev, "district_key", None), str) and ev.district_key:
            established, reduced = 0, ceased  # as metrics.reorganization counts it
        rows.append((ev.effective_date.year, ev.event_type, ev.unit_kind, 1, reduced, established))
    frame = pd.DataFrame(rows, columns=columns)
    return frame.groupby(columns[:3], as_index=False)[columns[3:]].sum()


def lineage(ds: Dataset, unit_id: int) -> list[dict[str, Any]]:
    """Every event that touched a unit or its predecessors, oldest first."""
    if not ds.event_sets:
        return []
    seen, frontier = {unit_id}, [unit_id]
    event_ids: set[int] = set()
    while frontier:
        current = frontier.pop()
        touching = {e for e, (b, a) in ds.event_sets.items() if current in b or current in a}
        for event_id in touching - event_ids:
            event_ids.add(event_id)
            before, after = ds.event_sets[event_id]
            if current in after:
                for pred in before - seen:
                    seen.add(pred)
                    frontier.append(pred)
    names = ds.units["name"]
    out = []
    for ev in ds.events[ds.events["id"].isin(event_ids)].sort_values("effective_date").itertuples():
        before, after = ds.event_sets[ev.id]
        out.append(
            {
                "event_id": int(ev.id),
                "date": ev.effective_date,
                "event_type": ev.event_type,
                "doc_ref": ev.doc_ref,
                "before": sorted(names[u] for u in before),
                "after": sorted(names[u] for u in after),
                "sheet": ev.sheet,
                "cell": ev.cell,
                "submission_id": int(ev.submission_id),
            }
        )
    return out


def unit_history(ds: Dataset, unit_id: int) -> pd.DataFrame:
    """Every stored figure of a unit, superseded ones included, with where it came from."""
    facts = ds.fact_history[ds.fact_history["unit_id"] == unit_id]
    if facts.empty:
        return pd.DataFrame(
            columns=["year", "measure", "status", "value", "file_name", "sheet", "cell"]
        )
    current_ids = memoised(ds, ("current_fact_ids",), lambda: pd.Index(ds.facts["id"]))
    subs = ds.submissions.set_index("id") if len(ds.submissions) else pd.DataFrame()
    out = facts.sort_values(["status", "year", "submission_id"]).copy()
    out["current"] = current_ids.get_indexer(out["id"]) >= 0
    out["file_name"] = out["submission_id"].map(subs["file_name"]) if len(subs) else None
    out["uploaded_at"] = out["submission_id"].map(subs["uploaded_at"]) if len(subs) else None
    return out[
        [
            "year",
            "measure",
            "status",
            "value",
            "current",
            "submission_id",
            "file_name",
            "uploaded_at",
            "sheet",
            "cell",
        ]
    ]


def tracker(
    ds: Dataset,
    year: int,
    as_of: dt.date,
    *,
    uploader: str | None = None,
    unit_ids: frozenset[int] | None = None,
) -> dict[str, pd.DataFrame]:
    """For a reporting year: the submissions (with superseded ones) and the units missing;
    limited to one uploader's submissions and units when given."""
    subs = ds.submissions.copy()
    if uploader is not None and len(subs):
        subs = subs[subs["uploader"] == uploader]
    if len(subs):
        subs["as_of"] = pd.to_datetime(subs["as_of"]).dt.date
        in_year = subs["as_of"].map(lambda d: d is not None and not pd.isna(d) and d.year == year)
        subs = subs[in_year]
        live = memoised(ds, ("live_submissions",), lambda: set(ds.facts["submission_id"].unique()))
        has_facts = memoised(
            ds, ("fact_submissions",), lambda: set(ds.fact_history["submission_id"].unique())
        )
        subs["superseded"] = subs["id"].map(lambda s: s in has_facts and s not in live)
        subs = subs.sort_values("uploaded_at", ascending=False)
    units = ds.units[exists_mask(ds, as_of)]
    if unit_ids is not None:
        units = units[units["id"].isin(unit_ids)]
    assigned = facts_by_status(ds, FactStatus.ASSIGNED)
    reported = assigned[assigned["year"] == year]
    missing = units[~units["id"].isin(reported["unit_id"])].copy()
    missing["kind_label"] = missing["kind"].map(KIND_LABELS)
    return {
        "submissions": subs,
        "missing": missing[["id", "code", "name", "kind_label", "district", "parent"]],
    }


def agency_counts(ds: Dataset, view: ResolvedView) -> dict[str, int]:
    """Units of the view existing at its cut-off, by kind."""
    units = ds.units[exists_mask(ds, view.as_of) & scope_mask(ds, view.filter)]
    return {str(k): int(v) for k, v in units["kind"].value_counts().items()}


def established_by_sector(ds: Dataset, as_of: dt.date) -> dict[str, int]:
    """Public service units established (`Thành lập mới`) up to the cut-off, by sector."""
    out: dict[str, int] = {}
    if ds.events.empty:
        return out
    events = ds.events[
        (ds.events["effective_date"] <= as_of)
        & (ds.events["event_type"] == "Thành lập mới")
        & (ds.events["unit_kind"] == UnitGroup.SERVICE)
    ]
    for ev in events.itertuples():
        before, after = ds.event_sets.get(ev.id, (frozenset(), frozenset()))
        for unit_id in after - before:
            sector = ev.sector if isinstance(ev.sector, str) else ds.units.loc[unit_id, "sector"]
            key = sector if isinstance(sector, str) else "Khác"
            out[key] = out.get(key, 0) + 1
    return out


def target_for_scope(
    ds: Dataset, flt: Filter, measure: str, baseline: float, programme: Programme | None = None
) -> float | None:
    """The target count for a scope (re-exported for the pages)."""
    return target_for(ds, flt, measure, baseline, programme)[0]
