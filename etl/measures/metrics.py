"""The measures of docs/domain.md (Measures, Counting rules) as pure functions over the
frames of a `Dataset` (no database, no I/O): `summary()` computes the figures for a scope at a
cut-off date. Full precision is kept; rounding happens only where a figure is shown.

What is derived from a `Dataset` is kept with it (`etl.measures.cache`). Derived arrays are
aligned with `ds.units` by position; the figures are summed over the same rows in the same
order as a plain pandas computation would, so they are exactly the same.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from etl.core.vocabulary import (
    MEASURE_LABELS,
    DepartureBasis,
    FactStatus,
    JobPositionStatus,
    Measure,
    UnitGroup,
)
from etl.measures.cache import before_upload, memoised, remembered, remembered_for_frame
from etl.measures.dataset import Dataset, fact_cells, fact_pair_mask
from etl.measures.programmes import (
    Programme,
    baseline_year,
    excluded_sectors,
    first_assigned_year,
    programme_for,
    targets_of,
)
from etl.measures.provinces import (
    baseline_rule,
    merger_rule,
    province_choices,
    unit_provinces,
)
from etl.measures.scoping import (
    Filter,
    exists_mask,
    home_units,
    mask_at,
    scope_mask,
    unit_columns,
)

# members used row by row, hoisted (an enum's attribute costs more than a module global)
_SERVICE, _ADMINISTRATIVE = UnitGroup.SERVICE, UnitGroup.ADMINISTRATIVE
_SERVICE_MEASURE, _AGENCY_MEASURE = Measure.NGUOI_LAM_VIEC, Measure.CONG_CHUC


# ---------------------------------------------------------------- current facts, by home and scope


def facts_by_status(ds: Dataset, status: str) -> pd.DataFrame:
    """Current facts of one status (measure, unit_id, year, value), in stored order."""

    def build() -> dict[str, pd.DataFrame]:
        facts = ds.facts
        if facts.empty:
            return {}
        columns = facts[["measure", "unit_id", "year", "value"]]
        return {key: frame for key, frame in columns.groupby(facts["status"], sort=False)}

    if ds.fact_keys is not None and len(ds.fact_keys) == len(ds.facts):
        # the rows of its group, in the same order, without grouping 600.000 texts
        return memoised(
            ds,
            ("facts_by_status", status),
            lambda: ds.facts.loc[
                fact_pair_mask(ds, None, [status]), ["measure", "unit_id", "year", "value"]
            ],
        )
    groups = memoised(ds, ("facts_by_status",), build)
    if status in groups:
        return groups[status]
    return pd.DataFrame(
        {c: ds.facts[c].iloc[0:0] for c in ("measure", "unit_id", "year", "value")}
        if len(ds.facts.columns)
        else {}
    )


def facts_of(ds: Dataset, measure: str, status: str) -> pd.DataFrame:
    """Current facts of one measure and status (unit_id, year, value), in stored order."""

    def build() -> pd.DataFrame:
        rows = fact_pair_mask(ds, measure, [status])
        if rows is not None:  # the same rows, in the same order, without the groupby
            at = np.flatnonzero(rows)  # column by column: not a take of every column's block
            columns = {c: ds.facts[c].array.take(at) for c in ("unit_id", "year", "value")}
            return pd.DataFrame(columns, index=ds.facts.index[at], copy=False)
        frame = facts_by_status(ds, status)
        if frame.empty:
            return frame.drop(columns=["measure"], errors="ignore")
        return frame.loc[frame["measure"] == measure, ["unit_id", "year", "value"]]

    return memoised(ds, ("facts", measure, status), build)


def _homes_positions(ds: Dataset, homes: pd.DataFrame) -> dict[str, np.ndarray]:
    """unit ids of a homes frame and the positions of their homes in `ds.units`."""
    return remembered_for_frame(
        ds,
        "homes_positions",
        homes,
        (),
        lambda: {
            "unit_id": homes["unit_id"].to_numpy(),
            "hpos": ds.units.index.get_indexer(homes["home_id"]),
        },
    )


def _merged(ds: Dataset, homes: pd.DataFrame, measure: str, status: str) -> dict[str, Any]:
    """Facts of one measure/status joined to their home units (the rows and order of
    `facts.merge(homes, on="unit_id")`), as compact arrays: year, value, weight, and the
    positions in `ds.units` of the unit (`upos`) and of its home (`hpos`)."""

    def build() -> dict[str, Any]:
        facts = facts_of(ds, measure, status)
        upos = fact_positions(ds, facts)
        rows, home_rows = join_homes(ds, homes, upos)
        return {
            "year": facts["year"].to_numpy()[rows],
            "value": facts["value"].to_numpy()[rows],
            "weight": _homes_by_unit(ds, homes)["weight"][home_rows],
            "upos": upos.astype(np.int32)[rows],
            "hpos": _homes_positions(ds, homes)["hpos"].astype(np.int32)[home_rows],
        }

    return remembered_for_frame(ds, "merged", homes, (measure, status), build)


def fact_positions(ds: Dataset, facts: pd.DataFrame) -> np.ndarray:
    """The positions in `ds.units` of the units of `facts`, rows of `ds.facts` (as
    `facts_of` and `facts_by_status` give them, by their index): from one lookup of every
    fact's unit per dataset; -1 for a unit not known."""
    index = ds.facts.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        every = memoised(
            ds, ("fact_unit_positions",), lambda: ds.units.index.get_indexer(ds.facts["unit_id"])
        )
        return every[facts.index.to_numpy()]
    return ds.units.index.get_indexer(facts["unit_id"])


def join_homes(ds: Dataset, homes: pd.DataFrame, upos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `frame.merge(homes, on="unit_id")` for a frame whose units are at
    positions `upos` of `ds.units`, by positions (a merge of 600.000 rows costs tens of
    milliseconds, after every upload): (the frame's row, the homes frame's row) of each,
    each frame row once per row of its unit in `homes`, those in their order."""
    by_unit = _homes_by_unit(ds, homes)
    first = np.where(upos >= 0, by_unit["first"][upos], 0)
    counts = np.where(upos >= 0, by_unit["count"][upos], 0)
    rows = np.repeat(np.arange(len(upos)), counts)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, by_unit["order"][np.repeat(first, counts) + within]


def _homes_by_unit(ds: Dataset, homes: pd.DataFrame) -> dict[str, np.ndarray]:
    """The rows of a homes frame sorted by unit id, stably (`order`: their positions in
    `homes`), every row's weight as floats, and for each unit of `ds.units` (by position)
    the first of its rows in that order and how many it has."""

    def build() -> dict[str, np.ndarray]:
        units = homes["unit_id"].to_numpy()
        order = np.argsort(units, kind="stable")
        ids = ds.units.index.to_numpy()
        first = np.searchsorted(units[order], ids, side="left")
        count = np.searchsorted(units[order], ids, side="right") - first
        weight = homes["weight"].to_numpy(dtype=float)
        return {"order": order, "weight": weight, "first": first, "count": count}

    return remembered_for_frame(ds, "homes_positions", homes, ("by_unit",), build)


def _scoped(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    measure: str,
    status: str,
    year0: int | None = None,
) -> dict[str, Any]:
    """`_merged` restricted to the rows whose home is in scope (same rows, same order);
    `year0`: the baseline year a former province's share is taken from."""
    merged = _merged(ds, homes, measure, status)
    if flt.province is not None:
        return _province_rows(ds, homes, flt, measure, status, merged, year0)
    scope = scope_mask(ds, flt)
    if scope.all():
        return merged
    rows = mask_at(scope, merged["hpos"])
    return {k: v[rows] for k, v in merged.items()}


def province_share(
    ds: Dataset, homes: pd.DataFrame, measure: str, province: str, year0: int | None
) -> np.ndarray:
    """The share of each unit's quota figures (aligned with `ds.units`, as a home) that
    belongs to the former province `province` (docs/domain.md, "Provinces and mergers"):
    under the baseline rule `tong_truoc_sap_nhap` (`provinces.baseline_rule`: the
    administrator's choice, else `MERGER_BASELINE_RULE`), the part of its baseline that came
    from units of that province (its own and its predecessors', by lineage weight; the
    baseline of the year `year0`, the programme's), so that
    a former province's baseline is the sum of its units' and a successor formed from units
    of several provinces has its current figure split in proportion to their baselines; a
    unit without a baseline, or under `theo_don_vi_tiep_nhan`, belongs wholly to its own."""

    rule = baseline_rule(ds)

    def build() -> np.ndarray:
        own = (unit_provinces(ds) == province).astype(float)
        if rule == "theo_don_vi_tiep_nhan":
            return own
        rows = _merged(ds, homes, measure, FactStatus.ASSIGNED)
        base = rows["year"] == year0
        amount = rows["value"][base] * rows["weight"][base]
        hpos, upos = rows["hpos"][base], rows["upos"][base]
        n = len(ds.units)
        total = np.bincount(hpos, weights=amount, minlength=n)
        mine = unit_provinces(ds)[upos] == province
        part = np.bincount(hpos[mine], weights=amount[mine], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, part / np.where(total > 0, total, 1), own)

    return remembered_for_frame(
        ds, "province_share", homes, (measure, province, rule, year0), build
    )


def _province_rows(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    measure: str,
    status: str,
    merged: dict[str, Any],
    year0: int | None,
) -> dict[str, Any]:
    """`_scoped` for a former province: quota figures (assigned, pending) of each home in the
    rest of the scope times the province's share of it (`province_share`), but in the years
    before the province merged a home formed from several provinces' units (a share strictly
    between 0 and 1) counts each unit's figure in its own province, as it was then: the
    chart by year at 30/06/2026 reads 588 for Cần Thơ (cũ) in 2024, as at 31/12/2024, and
    the baseline is the same sum; the other figures (individuals streamlined, norms…) by the
    province of their own unit."""
    rest = scope_mask(ds, dataclasses.replace(flt, province=None))
    rows = mask_at(rest, merged["hpos"])
    if status in (FactStatus.ASSIGNED, FactStatus.PENDING):
        factor = province_share(ds, homes, measure, flt.province or "", year0)[merged["hpos"]]
        merged_on = _merger_date(ds, flt.province or "")
        if merged_on is not None:
            own = (unit_provinces(ds)[merged["upos"]] == flt.province).astype(float)
            split = (factor > 0) & (factor < 1) & (merged["year"] < merged_on.year)
            factor = np.where(split, own, factor)
    else:
        factor = (unit_provinces(ds)[merged["upos"]] == flt.province).astype(float)
    rows &= factor > 0
    out = {k: v[rows] for k, v in merged.items()}
    out["value"] = out["value"] * factor[rows]
    return out


def _merger_date(ds: Dataset, province: str) -> dt.date | None:
    """The date the former province `province` (a key) merged, the first merger naming it
    before (`provinces.province_mergers`); None when it never did."""
    from etl.measures.provinces import province_mergers

    dates = [m.date for m in province_mergers(ds) if province in {k for _n, k in m.before}]
    return min(dates) if dates else None


def predecessors(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    as_of: dt.date,
    *,
    include_pending: bool,
    programme: Programme | None = None,
) -> list[dict[str, Any]]:
    """The figures of each former province in the scope (`"predecessors"` of the summary),
    when the units whose figures it holds were of more than one; else none."""
    if flt.province is not None:
        return []
    choices = province_choices(ds)
    if not choices:
        return []
    scope = scope_mask(ds, flt)
    hpos = ds.units.index.get_indexer(homes["home_id"])
    upos = ds.units.index.get_indexer(homes["unit_id"])
    held = set(unit_provinces(ds)[upos[mask_at(scope, hpos)]])
    if len(held) < 2:
        return []
    out = []
    for key in sorted(held, key=lambda k: choices.get(k, k)):
        part = dataclasses.replace(flt, province=key)
        out.append(
            {
                "province": choices.get(key, key).removesuffix(" (cũ)"),
                "key": key,
                Measure.CONG_CHUC.value: quota_measure(
                    ds, homes, part, Measure.CONG_CHUC, as_of, programme=programme
                ),
                Measure.NGUOI_LAM_VIEC.value: quota_measure(
                    ds,
                    homes,
                    part,
                    Measure.NGUOI_LAM_VIEC,
                    as_of,
                    include_pending=include_pending,
                    programme=programme,
                ),
            }
        )
    return out


# ---------------------------------------------------------------- the measures


def _number(value: float) -> int | float:
    return round(value) if abs(value - round(value)) < 1e-9 else float(value)


def _pct(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


def _year_end(year: int, as_of: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), as_of)


def target_for(
    ds: Dataset,
    flt: Filter,
    measure: str,
    baseline: float,
    programme: Programme | None = None,
    kept_stable: float = 0.0,
) -> tuple[float | None, str | None]:
    """The target count for a scope (docs/domain.md, "Target of a scope"): its own plan row
    of the programme, else the city's row: a count (the unit's own, or the whole city's), or
    the percentage × the part of the scope's baseline not in a sector the row keeps stable
    (`kept_stable`: that part's baseline, from `stable_baseline`). The reason when there is
    none: `no-target`, `target-not-applicable`, or `target-stable` (only sectors kept stable)."""
    row, own = _target_row(ds, flt, measure, programme)
    if row is None:
        return None, "no-target"
    is_city = flt.is_whole
    if pd.notna(row["count"]) and (is_city or own):
        return float(row["count"]), None
    if pd.notna(row["pct"]):
        base = baseline - kept_stable
        if base <= 0 and kept_stable > 0:
            return None, "target-stable"
        return float(row["pct"]) / 100 * base, None
    return None, "target-not-applicable"


def _target_row(
    ds: Dataset, flt: Filter, measure: str, programme: Programme | None
) -> tuple[pd.Series | None, bool]:
    """The plan row that applies to a scope (the unit's own, else the city's) and whether it
    is the unit's own; (None, False) when there is none. Kept per plan rows, measure and unit
    (the period-end report asks it twice per measure for each of ~700 districts); callers
    only read the row."""
    targets = targets_of(ds, programme)
    return remembered_for_frame(
        ds,
        "target_row",
        targets,
        (measure, flt.unit_id),
        lambda: _find_target_row(targets, flt.unit_id, measure),
    )


def _find_target_row(
    targets: pd.DataFrame, unit_id: int | None, measure: str
) -> tuple[pd.Series | None, bool]:
    targets = targets[targets["measure"] == measure] if len(targets) else targets
    if targets.empty:
        return None, False
    own = targets[targets["scope_unit_id"] == unit_id] if unit_id is not None else None
    rows = own if own is not None and len(own) else targets[targets["scope_unit_id"].isna()]
    if rows.empty:
        return None, False
    return rows.iloc[-1], own is not None and len(own) > 0


def stable_baseline(
    ds: Dataset, assigned: dict[str, Any], rows: np.ndarray, sectors: tuple[str, ...]
) -> float:
    """The part of a baseline (`assigned` facts, `rows` of its year) whose home unit is in
    one of `sectors` (kept stable by the plan row)."""
    if not sectors:
        return 0.0
    unit_sectors = ds.units["sector"].to_numpy(dtype=object)
    in_sector = np.isin(unit_sectors[assigned["hpos"]], list(sectors)) & rows
    return float(np.sum(assigned["value"][in_sector] * assigned["weight"][in_sector]))


def quota_measure(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    measure: str,
    as_of: dt.date,
    *,
    include_pending: bool = True,
    programme: Programme | None = None,
) -> dict[str, Any]:
    """Baseline, current, done, pending, reduced and their percentages for one measure,
    against `programme` (its baseline year and plan rows; docs/domain.md, "Measures");
    `no_data` says why there are none at the cut-off (`no_data_reason`), else None."""
    year0 = baseline_year(ds, programme)
    assigned = _scoped(ds, homes, flt, measure, FactStatus.ASSIGNED, year0)
    base_rows = assigned["year"] == year0
    baseline = float(np.sum(assigned["value"][base_rows] * assigned["weight"][base_rows]))
    row, _own = _target_row(ds, flt, measure, programme)
    sectors = excluded_sectors(row) if row is not None else ()
    kept = stable_baseline(ds, assigned, base_rows, sectors)
    existing = exists_mask(ds, as_of)
    live = mask_at(existing, assigned["upos"])
    years = assigned["year"][live]
    years = years[years <= as_of.year]
    latest_year = int(years.max()) if len(years) else None
    current = (
        float(assigned["value"][live & (assigned["year"] == latest_year)].sum())
        if latest_year
        else 0.0
    )
    reason = no_data_reason(as_of, latest_year, year0)
    if reason is not None:
        # no unit of the scope has a baseline figure: the baseline is missing, not 0
        base = baseline if base_rows.any() else None
        return _no_data(ds, flt, measure, base, reason, programme, kept, year0)
    done = baseline - current
    out: dict[str, Any] = {
        "baseline_year": year0,
        "baseline": _number(baseline),
        "latest_year": latest_year,
        "current": _number(current),
    }
    reduced = done
    if measure == Measure.NGUOI_LAM_VIEC:
        pending_facts = _scoped(ds, homes, flt, measure, FactStatus.PENDING, year0)
        pending_live = mask_at(existing, pending_facts["upos"])
        pending_rows = pending_live & (pending_facts["year"] == latest_year)
        pending = float(pending_facts["value"][pending_rows].sum())
        out["done"] = _number(done)
        out["pending"] = _number(pending)
        if include_pending:
            reduced = done + pending
    target, why = target_for(ds, flt, measure, baseline, programme, kept)
    out["reduced"] = _number(reduced)
    out["reduced_pct"] = _pct(reduced, baseline)
    out["target"] = target
    out["pct_of_target"] = _pct(reduced, target) if target else None
    out["no_data"] = None
    out["target_rule"] = _rule(row, sectors, kept, why)
    return out


def _rule(
    row: pd.Series | None, sectors: tuple[str, ...], kept: float, why: str | None
) -> dict[str, Any] | None:
    """How the target was set: the plan row's percentage or count, the sectors it keeps
    stable and their baseline (left out of the base), and `stable` when only such sectors
    are in scope (the target reads «giữ ổn định», not 0)."""
    if row is None:
        return None
    return {
        "pct": None if pd.isna(row["pct"]) else float(row["pct"]),
        "count": None if pd.isna(row["count"]) else int(row["count"]),
        "exclude_sectors": list(sectors),
        "excluded_baseline": _number(kept),
        "stable": why == "target-stable",
    }


NO_DATA_LABEL = "Chưa có số liệu"  # what a missing figure reads as, on pages and in files
# why a measure has no figures at a cut-off (`quota_measure`'s `no_data`), with what is said
NO_DATA = {
    "before-baseline": ("ngày chốt trước năm gốc", "the cut-off is before the baseline year"),
    "no-figures": (
        "chưa đơn vị nào trong phạm vi này có số liệu đến ngày chốt",
        "no unit in this scope has reported figures up to the cut-off",
    ),
}


def no_data_text(reason: str, baseline_year: int | None = None) -> str:
    """`Chưa có số liệu (ngày chốt trước năm gốc 2021)`: what a page or a file says of a
    measure without figures (`reason`: a key of NO_DATA; the year when known)."""
    said = NO_DATA[reason][0]
    if reason == "before-baseline" and baseline_year is not None:
        said = f"{said} {baseline_year}"
    return f"{NO_DATA_LABEL} ({said})"


def no_data_reason(
    as_of: dt.date, latest_year: int | None, baseline_year: int | None = None
) -> str | None:
    """Why a measure has no figures at `as_of` (a key of NO_DATA), or None when it has: the
    cut-off precedes the baseline year, or no unit in scope reported a figure up to it."""
    if baseline_year is not None and as_of.year < baseline_year:
        return "before-baseline"
    if latest_year is None:
        return "no-figures"
    return None


def _no_data(
    ds: Dataset,
    flt: Filter,
    measure: str,
    baseline: float | None,
    reason: str,
    programme: Programme | None,
    kept: float,
    year0: int | None,
) -> dict[str, Any]:
    """A measure without figures: every count and percentage missing (None), never a zero
    that would read as «reduced by the whole baseline»; `no_data` says why. `baseline` None:
    no unit of the scope has a baseline figure (a former province whose units all merged
    before the programme's baseline year), so the baseline and the target are missing too."""
    missing = reason == "before-baseline" or baseline is None
    out: dict[str, Any] = {
        "baseline_year": year0,
        # the baseline is a figure of its year: not yet there before it
        "baseline": None if missing else _number(baseline or 0.0),
        "latest_year": None,
        "current": None,
    }
    if measure == Measure.NGUOI_LAM_VIEC:
        out["done"] = None
        out["pending"] = None
    target, why = target_for(ds, flt, measure, baseline or 0.0, programme, kept)
    row, _own = _target_row(ds, flt, measure, programme)
    out["reduced"] = None
    out["reduced_pct"] = None
    out["target"] = None if missing else target
    out["pct_of_target"] = None
    out["no_data"] = reason
    out["target_rule"] = _rule(row, excluded_sectors(row) if row is not None else (), kept, why)
    return out


def quota_by_year(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    measure: str,
    as_of: dt.date,
    year0: int | None = None,
) -> dict[int, int]:
    """Assigned quota per year of the units existing at each year's end (or the cut-off);
    the baseline year `year0` counts every unit (ended ones included). A unit whose staff
    went to several successors counts once, in shares by lineage weight (as the baseline
    does), not once per successor."""
    assigned = _scoped(ds, homes, flt, measure, FactStatus.ASSIGNED, year0)
    out = {}
    for year in sorted(y for y in np.unique(assigned["year"]) if y <= as_of.year):
        rows = assigned["year"] == year
        if year != year0:
            rows &= mask_at(exists_mask(ds, _year_end(int(year), as_of)), assigned["upos"])
        weighted = assigned["value"][rows] * assigned["weight"][rows]
        out[int(year)] = _number(float(np.sum(weighted)))
    return out


def streamlined(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, as_of: dt.date
) -> dict[str, dict[str, int]]:
    """Individuals approved under the policy, by kind and year, up to the cut-off year."""
    out: dict[str, dict[str, int]] = {}
    for measure, kind in ((Measure.CONG_CHUC, "cong_chuc"), (Measure.NGUOI_LAM_VIEC, "vien_chuc")):
        facts = _scoped(ds, homes, flt, measure, FactStatus.STREAMLINED)
        rows = facts["year"] <= as_of.year
        unit_ids, years, values = facts["upos"][rows], facts["year"][rows], facts["value"][rows]
        # one row per (unit, year): a unit split between homes is counted once
        pairs = pd.DataFrame({"unit_id": unit_ids, "year": years})
        first = ~pairs.duplicated(["unit_id", "year"]).to_numpy()
        by_year = pd.Series(values[first]).groupby(years[first]).sum()
        out[kind] = {str(int(y)): int(v) for y, v in by_year.items()}
    return out


_BASES = tuple(DepartureBasis)
NOT_BROKEN_DOWN = "not_broken_down"


def _basis_table(ds: Dataset, measure: str) -> pd.DataFrame:
    """Per unit and year with any streamlined figure: `total` (the streamlined count, NaN
    when not reported) and one column per legal basis (NaN when not given). A basis figure
    from another return than the count's is left out: the later return that reported the
    count without a breakdown superseded the breakdown too."""

    def build() -> pd.DataFrame:
        facts = ds.facts
        columns = ["unit_id", "year", "total", *_BASES]
        if facts.empty:
            return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        # one pass over the facts, not an outer merge per basis (half a second at national
        # size, redone after every upload): the rows are the (unit, year) pairs with a
        # figure of any of these statuses, in the order of the pairs, as the merges gave them
        statuses = [FactStatus.STREAMLINED.value, *(b.status.value for b in _BASES)]
        at, n, unit_id, year, of, value, sub = fact_cells(ds, measure, statuses)
        out: dict[str, Any] = {"unit_id": unit_id, "year": year}
        subs: dict[str, np.ndarray] = {}
        for i, name in enumerate(["total", *(b.value for b in _BASES)]):
            this = of == i
            out[name] = np.full(n, np.nan)
            out[name][at[this]] = value[this]
            subs[name] = np.full(n, np.nan)
            subs[name][at[this]] = sub[this]
        for basis in _BASES:
            # a basis figure from another return than the count's: superseded with it
            other = ~np.isnan(subs[basis.value]) & ~np.isnan(subs["total"])
            other &= subs[basis.value] != subs["total"]
            out[basis.value][other] = np.nan
        return pd.DataFrame(out)[columns]

    return memoised(ds, ("basis_table", measure), build)


def streamlined_by_basis(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, as_of: dt.date
) -> dict[str, dict[str, dict[str, int | None]]]:
    """`streamlined` by legal basis: per kind and year, the figure of each basis (None when
    no unit in scope gave it: not broken down, never 0) and `not_broken_down`, the part of
    the streamlined count no basis accounts for (a unit's count less its figures by basis)."""
    out: dict[str, dict[str, dict[str, int | None]]] = {}
    scope = scope_mask(ds, flt)
    for measure, kind in ((Measure.CONG_CHUC, "cong_chuc"), (Measure.NGUOI_LAM_VIEC, "vien_chuc")):
        table = _basis_table(ds, measure)
        table = table[table["year"] <= as_of.year]
        if table.empty:
            out[kind] = {}
            continue
        # the units with a home in scope, each (unit, year) once however many homes it has
        # (arrays, not a merge with the homes and a group per year: this is redone after
        # every upload)
        units_in = homes["unit_id"].to_numpy()
        if not scope.all():
            units_in = units_in[mask_at(scope, _homes_positions(ds, homes)["hpos"])]
        table = table[np.isin(table["unit_id"].to_numpy(), units_in)]
        years, at = np.unique(table["year"].to_numpy(), return_inverse=True)
        at = at.reshape(-1)
        given = {b.value: table[b.value].to_numpy(dtype=float) for b in _BASES}
        total = table["total"].to_numpy(dtype=float)
        accounted = sum((np.nan_to_num(v) for v in given.values()), np.zeros(len(table)))
        rest = np.where(np.isnan(total), 0.0, total - accounted)
        sums = {
            name: np.bincount(at, weights=np.nan_to_num(values), minlength=len(years))
            for name, values in given.items()
        }
        seen = {
            name: np.bincount(at, weights=~np.isnan(values), minlength=len(years)) > 0
            for name, values in given.items()
        }
        rests = np.bincount(at, weights=rest, minlength=len(years))
        by_year: dict[str, dict[str, int | None]] = {}
        for i, year in enumerate(years.tolist()):
            entry: dict[str, int | None] = {
                b.value: int(sums[b.value][i]) if seen[b.value][i] else None for b in _BASES
            }
            entry[NOT_BROKEN_DOWN] = int(rests[i])
            by_year[str(int(year))] = entry
        out[kind] = by_year
    return out


def _job_status(ds: Dataset) -> dict[str, np.ndarray] | None:
    """The latest job-position status and note of every unit, aligned with `ds.units`."""

    def build() -> dict[str, np.ndarray] | None:
        if not len(ds.job_positions):
            return None
        jp = ds.job_positions.set_index("unit_id")
        return {
            "status": ds.units["id"].map(jp["status"]).to_numpy(dtype=object),
            "note": ds.units["id"].map(jp["note"]).to_numpy(dtype=object),
        }

    return memoised(ds, ("job_status",), build)


def job_positions(ds: Dataset, flt: Filter, as_of: dt.date) -> dict[str, Any]:
    """Approved / eligible / ineligible existing units, administrative and public service."""
    mask = exists_mask(ds, as_of) & scope_mask(ds, flt)
    jp = _job_status(ds)
    is_sn = unit_columns(ds)["is_su_nghiep"]
    ids, names = unit_columns(ds)["ids"], ds.units["name"].to_numpy(dtype=object)
    out: dict[str, Any] = {}
    ineligible_units = []
    for group, want_sn in ((UnitGroup.ADMINISTRATIVE, False), (UnitGroup.SERVICE, True)):
        members = mask & (is_sn == want_sn)
        if jp is None:
            approved_rows = ineligible_rows = np.zeros(len(mask), dtype=bool)
        else:
            approved_rows = members & (jp["status"] == JobPositionStatus.APPROVED)
            ineligible_rows = members & (jp["status"] == JobPositionStatus.INELIGIBLE)
        ineligible = int(ineligible_rows.sum())
        out[group] = {
            "approved": int(approved_rows.sum()),
            "eligible": int(members.sum() - ineligible),
            "ineligible": ineligible,
        }
        for pos in np.flatnonzero(ineligible_rows):
            note = jp["note"][pos] if jp is not None else None
            ineligible_units.append(
                {
                    "unit_id": int(ids[pos]),
                    "name": names[pos],
                    "reason": None if pd.isna(note) else note,
                }
            )
    out["_ineligible_units"] = ineligible_units
    return out


def _empty_reorg() -> dict[str, Any]:
    return {
        "reduced": 0,
        "established": 0,
        "restructured": 0,
        "internal_reduced": {"phong": 0, "khoa": 0, "chi_nhanh": 0, "khac": 0},
    }


def _event_rows(ds: Dataset) -> list[tuple[Any, ...]]:
    """(id, date, type, unit kind, whether it ends a district's level, internal counts) of
    every event, in stored order."""

    def build() -> list[tuple[Any, ...]]:
        ev = ds.events
        if ev.empty:
            return []
        if "district_key" not in ev.columns:
            ev = ev.assign(district_key=None)
        ev = ev.assign(district_end=ev["district_key"].fillna("").astype(str) != "")
        columns = ["id", "effective_date", "event_type", "unit_kind", "district_end"]
        columns += [f"internal_{k}" for k in ("phong", "khoa", "chi_nhanh", "khac")]
        return list(ev[columns].itertuples(index=False, name=None))

    return memoised(ds, ("event_rows",), build)


def reorganization(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    as_of: dt.date,
    since: dt.date | None = None,
) -> dict[str, Any]:
    """Units reduced and established, and internal organisations removed, from the events.
    For a former province (`flt.province`) the units of the events are taken by their own
    former province, each counted where it was (docs/domain.md, "Provinces and mergers"):
    Sóc Trăng's ten sở and eight phòng ended in 2025 are 18 fewer in Tỉnh Sóc Trăng (cũ), the
    Cần Thơ sở they merged into are none fewer in Thành phố Cần Thơ (cũ)."""
    out = {UnitGroup.SERVICE: _empty_reorg(), UnitGroup.ADMINISTRATIVE: _empty_reorg()}
    if ds.events.empty:
        return out
    positions = _homes_positions(ds, homes)
    own_only = flt.province is not None
    if own_only:
        rest = scope_mask(ds, dataclasses.replace(flt, province=None))
        upos = ds.units.index.get_indexer(positions["unit_id"])
        in_scope_homes = mask_at(rest, positions["hpos"]) & (
            unit_provinces(ds)[upos] == flt.province
        )
    else:
        in_scope_homes = mask_at(scope_mask(ds, flt), positions["hpos"])
    scope_homes = set(positions["unit_id"][in_scope_homes].tolist())
    restructured: dict[str, set[int]] = defaultdict(set)
    for event_id, date, event_type, unit_kind, district_end, *internal in _event_rows(ds):
        if date > as_of or (since is not None and date < since):
            continue
        if event_id not in ds.event_sets:
            continue
        before, after = ds.event_sets[event_id]
        if not (before | after) & scope_homes:
            continue
        bucket = out[_SERVICE if unit_kind == _SERVICE else _ADMINISTRATIVE]
        ceased, created = before - after, after - before
        if own_only:  # only the units that were the former province's
            ceased, created = ceased & scope_homes, created & scope_homes
            before, after = before & scope_homes, after & scope_homes
        if district_end:  # each agency ended counts; the communes' councils are not new here
            bucket["reduced"] += len(ceased)
        elif event_type == "Thành lập mới":
            bucket["established"] += len(created)
        else:
            bucket["reduced"] += len(ceased) - len(created)
        if event_type == "Kiện toàn bên trong":
            restructured[unit_kind].update(before | after)
            for key, count in zip(("phong", "khoa", "chi_nhanh", "khac"), internal, strict=True):
                bucket["internal_reduced"][key] += int(count)
    for kind, ids in restructured.items():
        out[_SERVICE if kind == _SERVICE else _ADMINISTRATIVE]["restructured"] = len(ids)
    return out


def _reported(ds: Dataset) -> tuple[np.ndarray, int]:
    """(units × years from the first assigned year) matrix: a quota fact exists for the unit
    and year; the last year."""

    def build() -> tuple[np.ndarray, int]:
        first = first_assigned_year(ds) or 0
        carried = before_upload(ds, ("reported",))
        if carried is not None:  # the matrix before the return, with its rows set
            updated = _reported_after(ds, *carried, first)
            if updated is not None:
                return updated
        assigned = facts_by_status(ds, FactStatus.ASSIGNED)
        years = assigned["year"].to_numpy() if len(assigned) else np.array([], dtype=np.int64)
        pos = fact_positions(ds, assigned) if len(assigned) else years
        keep = (pos >= 0) & (years >= first)
        last = int(years[keep].max()) if keep.any() else first
        matrix = np.zeros((len(ds.units), last - first + 1), dtype=bool)
        matrix[pos[keep], years[keep] - first] = True
        return matrix, last

    return memoised(ds, ("reported",), build)


def _reported_after(
    ds: Dataset, before: tuple[np.ndarray, int], added: pd.DataFrame, first: int
) -> tuple[np.ndarray, int] | None:
    """`_reported` from the matrix before a figures-only return and its fact rows: a key
    once reported stays reported (a later row supersedes its value, never its key); None
    when the return moves the first or the last year (the matrix is then built)."""
    matrix, last = before
    if last - matrix.shape[1] + 1 != first:
        return None
    rows = added[(added["status"] == FactStatus.ASSIGNED).to_numpy()]
    years = rows["year"].to_numpy()
    pos = ds.units.index.get_indexer(rows["unit_id"])
    keep = (pos >= 0) & (years >= first)
    if keep.any() and years[keep].max() > last:
        return None
    matrix = matrix.copy()
    matrix[pos[keep], years[keep] - first] = True
    return matrix, last


def missing_data(
    ds: Dataset, flt: Filter, as_of: dt.date, programme: Programme | None = None
) -> list[dict[str, Any]]:
    """Units in scope that existed at a year's end, from the baseline year of `programme`
    (default: the programme at the cut-off) to the cut-off's, but reported no quota for it."""
    if programme is None:
        programme = programme_for(ds, as_of)
    year0 = baseline_year(ds, programme)
    found = remembered(
        ds, "missing", (flt, as_of, year0), lambda: _missing_data(ds, flt, as_of, year0)
    )
    return [{**m, "years": list(m["years"])} for m in found]


def _missing_data(
    ds: Dataset, flt: Filter, as_of: dt.date, year0: int | None
) -> list[dict[str, Any]]:
    scope = scope_mask(ds, flt)
    reported, last = _reported(ds)
    first = first_assigned_year(ds) or 0
    years = list(range(year0, as_of.year + 1)) if year0 is not None else []
    if not years:
        return []
    missing = np.zeros((len(ds.units), len(years)), dtype=bool)
    for j, year in enumerate(years):
        alive = scope & exists_mask(ds, _year_end(year, as_of))
        seen = reported[:, year - first] if first <= year <= last else False
        missing[:, j] = alive & ~seen
    rows = np.flatnonzero(missing.any(axis=1))
    if not len(rows):
        return []
    first = missing[rows].argmax(axis=1)
    rows = rows[np.lexsort((rows, first))]  # as found: by first missing year, then unit order
    units = ds.units
    ids = unit_columns(ds)["ids"]
    codes = units["code"].to_numpy(dtype=object)
    names = units["name"].to_numpy(dtype=object)
    districts = units["district"].to_numpy(dtype=object)
    is_sn = unit_columns(ds)["is_su_nghiep"]
    out = [
        {
            "unit_id": int(ids[pos]),
            "code": codes[pos] if isinstance(codes[pos], str) else None,
            "name": names[pos],
            "district": districts[pos] if isinstance(districts[pos], str) else None,
            "measure": _SERVICE_MEASURE if is_sn[pos] else _AGENCY_MEASURE,
            "years": [years[j] for j in np.flatnonzero(missing[pos])],
        }
        for pos in rows
    ]
    return sorted(out, key=lambda m: (m["district"] or "", m["name"]))


def summary(
    ds: Dataset,
    as_of: dt.date,
    flt: Filter | None = None,
    *,
    include_pending: bool = True,
    since: dt.date | None = None,
    programme: str | Programme | None = None,
) -> dict[str, Any]:
    """Every headline figure for one scope at one cut-off date (the JSON of `etl summary`),
    against `programme` (a `Programme`, or its name; default: `programmes.programme_for` at
    the cut-off; an unknown name raises `programmes.UnknownProgramme`).

    Computed once per dataset (so per data version) and view; each caller gets its own copy."""
    flt = flt or Filter()
    if isinstance(programme, Programme):
        chosen: Programme | None = programme
    else:
        chosen = programme_for(ds, as_of, programme)
    found = remembered(
        ds,
        "summary",
        (as_of, flt, include_pending, since, chosen),
        lambda: _summary(
            ds, as_of, flt, include_pending=include_pending, since=since, programme=chosen
        ),
    )
    return copy.deepcopy(found)


def _summary(
    ds: Dataset,
    as_of: dt.date,
    flt: Filter,
    *,
    include_pending: bool,
    since: dt.date | None,
    programme: Programme | None,
) -> dict[str, Any]:
    homes = home_units(ds, as_of)
    jp = job_positions(ds, flt, as_of)
    ineligible_units = jp.pop("_ineligible_units")
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "scope": flt.label,
        "programme": programme.as_json() if programme is not None else None,
        Measure.CONG_CHUC: quota_measure(
            ds, homes, flt, Measure.CONG_CHUC, as_of, programme=programme
        ),
        Measure.NGUOI_LAM_VIEC: quota_measure(
            ds,
            homes,
            flt,
            Measure.NGUOI_LAM_VIEC,
            as_of,
            include_pending=include_pending,
            programme=programme,
        ),
        "streamlined": streamlined(ds, homes, flt, as_of),
        "streamlined_by_basis": streamlined_by_basis(ds, homes, flt, as_of),
        "job_positions": jp,
        "reorganization": reorganization(ds, homes, flt, as_of, since),
        "missing": missing_data(ds, flt, as_of, programme),
        "job_positions_ineligible": ineligible_units,
        "predecessors": predecessors(
            ds, homes, flt, as_of, include_pending=include_pending, programme=programme
        ),
        "merger_rule": merger_rule(ds),
        "warnings": [],
    }
    for measure in Measure:
        reason = out[measure]["no_data"]
        year0 = out[measure]["baseline_year"]
        rule = out[measure]["target_rule"]
        if reason is not None:
            said = no_data_text(reason, year0).lower()
            out["warnings"].append(
                {
                    "code": f"no-data-{reason}",
                    "measure": str(measure),
                    "message_vi": f"{MEASURE_LABELS[measure]}: {said}.",
                    "message_en": f"{measure}: no figures ({NO_DATA[reason][1]}).",
                }
            )
        elif rule is not None and rule["stable"]:
            out["warnings"].append(
                {
                    "code": "target-stable",
                    "measure": str(measure),
                    "message_vi": f"{MEASURE_LABELS[measure]}: phạm vi này chỉ gồm lĩnh vực "
                    f"giữ ổn định ({'; '.join(rule['exclude_sectors'])}), không phải giảm.",
                    "message_en": f"{measure}: this scope holds only sectors kept stable.",
                }
            )
        elif out[measure]["target"] is None:
            out["warnings"].append(
                {
                    "code": "no-target",
                    "message_vi": f"Chưa có chỉ tiêu giảm «{measure}» áp dụng cho phạm vi này.",
                    "message_en": f"No reduction target for {measure} applies to this scope.",
                }
            )
    if out["missing"]:
        n = len(out["missing"])
        out["warnings"].append(
            {
                "code": "missing-data",
                "message_vi": f"{n} đơn vị chưa báo cáo đủ số liệu các năm.",
                "message_en": f"{n} units have not reported every year.",
            }
        )
    return out
