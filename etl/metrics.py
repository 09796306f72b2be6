"""The measures of DOMAIN.md as pure functions over tidy frames (no database, no I/O).

`Dataset` holds the stored tables as frames; `summary()` computes the figures for a scope at a
cut-off date. Full precision is kept; rounding happens only where a figure is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .normalize import district_key, name_key, text_key

BASELINE_YEAR = 2021
COMMON_MEASURES = ("cong_chuc", "nguoi_lam_viec")
SU_NGHIEP = "don_vi_su_nghiep"
APPROVED = "Đã phê duyệt"
INELIGIBLE = "Không đủ điều kiện"
KIND_LABELS = {
    "co_quan_chuyen_mon_tinh": "Cơ quan chuyên môn cấp tỉnh/thành phố",
    "chi_cuc": "Chi cục",
    "to_chuc_hanh_chinh_khac": "Tổ chức hành chính khác",
    "co_quan_chuyen_mon_huyen": "Cơ quan chuyên môn cấp huyện",
    SU_NGHIEP: "Đơn vị sự nghiệp công lập",
}
CITY_LABEL = "Toàn thành phố"


@dataclass(frozen=True)
class Filter:
    """Which units a figure covers; None everywhere means the whole city."""

    district: str | None = None
    sector: str | None = None
    kind: str | None = None
    unit_id: int | None = None
    label: str = CITY_LABEL


@dataclass
class Dataset:
    """The stored tables as frames, with superseded rows resolved."""

    units: pd.DataFrame
    facts: pd.DataFrame  # current values only
    fact_history: pd.DataFrame
    job_positions: pd.DataFrame  # latest per unit
    events: pd.DataFrame  # latest per natural key
    event_units: pd.DataFrame
    targets: pd.DataFrame  # latest per (scope, measure)
    submissions: pd.DataFrame = field(default_factory=pd.DataFrame)
    # event id → (units before, units after), built once
    event_sets: dict[int, tuple[frozenset[int], frozenset[int]]] = field(default_factory=dict)
    # results derived from this (immutable) data, e.g. lineage homes per cut-off
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)


def latest_by(frame: pd.DataFrame, keys: list[str], order: str = "submission_id") -> pd.DataFrame:
    """The row of each key from the latest submission (the later return supersedes)."""
    if frame.empty:
        return frame
    ordered = frame.sort_values([order, "id"], kind="stable")
    return ordered.drop_duplicates(keys, keep="last").reset_index(drop=True)


def build_dataset(tables: dict[str, pd.DataFrame]) -> Dataset:
    """A `Dataset` from the raw tables of `etl.db.read_tables`."""
    units = tables["unit"].copy()
    for column in ("valid_from", "valid_to"):
        units[column] = pd.to_datetime(units[column]).dt.date
    units["district_key"] = units["district_key"].fillna("")
    facts = tables["fact"]
    events = latest_by(tables["event"], ["natural_key"])
    if not events.empty:
        events["effective_date"] = pd.to_datetime(events["effective_date"]).dt.date
    event_units = tables["event_unit"]
    event_units = (
        event_units[event_units["event_id"].isin(events["id"])] if len(events) else event_units
    )
    sets: dict[int, tuple[set[int], set[int]]] = {}
    for event_id, role, unit_id in event_units[["event_id", "role", "unit_id"]].itertuples(
        index=False
    ):
        before, after = sets.setdefault(int(event_id), (set(), set()))
        (before if role == "before" else after).add(int(unit_id))
    return Dataset(
        event_sets={k: (frozenset(b), frozenset(a)) for k, (b, a) in sets.items()},
        units=units.set_index("id", drop=False),
        facts=latest_by(facts, ["unit_id", "measure", "status", "year"]),
        fact_history=facts,
        job_positions=latest_by(tables["job_position"], ["unit_id"]),
        events=events,
        event_units=event_units,
        targets=latest_by(tables["target"], ["scope_unit_id", "measure"]),
        submissions=tables.get("submission", pd.DataFrame()),
    )


# ---------------------------------------------------------------- existence and lineage


def exists_at(units: pd.DataFrame, when: dt.date) -> pd.Series:
    """Units that exist on `when`: established on or before it, not ended by it."""
    moment = pd.Timestamp(when)
    valid_from = pd.to_datetime(units["valid_from"])
    valid_to = pd.to_datetime(units["valid_to"])
    return (valid_from.isna() | (valid_from <= moment)) & (valid_to.isna() | (valid_to > moment))


def successors(ds: Dataset, as_of: dt.date) -> dict[int, list[int]]:
    """Lineage edges (predecessor → successors) from events up to the cut-off."""
    if ds.events.empty:
        return {}
    edges: dict[int, list[int]] = defaultdict(list)
    for event_id, date in zip(ds.events["id"], ds.events["effective_date"], strict=True):
        if date > as_of or event_id not in ds.event_sets:
            continue
        before, after = ds.event_sets[event_id]
        if after:
            for predecessor in before - after:
                edges[predecessor].extend(sorted(after))
    return edges


def home_units(ds: Dataset, as_of: dt.date) -> pd.DataFrame:
    """Where each unit's figures belong at the cut-off: (unit_id, home_id, weight).

    An existing unit is its own home; an ended one follows lineage to the successors that
    exist at the cut-off (weight split equally); a dissolved one with none stays its own home.
    """
    key = ("homes", as_of)
    if key in ds.memo:
        return ds.memo[key]
    existing = set(ds.units.index[exists_at(ds.units, as_of)])
    edges = successors(ds, as_of)
    memo: dict[int, dict[int, float]] = {}

    def resolve(unit_id: int, trail: frozenset[int]) -> dict[int, float]:
        if unit_id in memo:
            return memo[unit_id]
        if unit_id in existing or unit_id not in edges or unit_id in trail:
            result = {unit_id: 1.0}
        else:
            result = defaultdict(float)
            nexts = edges[unit_id]
            for nxt in nexts:
                for home, weight in resolve(nxt, trail | {unit_id}).items():
                    result[home] += weight / len(nexts)
            result = dict(result)
        memo[unit_id] = result
        return result

    rows = [
        (unit_id, home, weight)
        for unit_id in ds.units.index
        for home, weight in resolve(int(unit_id), frozenset()).items()
    ]
    ds.memo[key] = pd.DataFrame(rows, columns=["unit_id", "home_id", "weight"])
    return ds.memo[key]


def predecessors_of(ds: Dataset, unit_id: int, as_of: dt.date) -> list[int]:
    """Every unit whose figures flow into `unit_id` through lineage (not itself)."""
    homes = home_units(ds, as_of)
    found = homes.loc[(homes["home_id"] == unit_id) & (homes["unit_id"] != unit_id), "unit_id"]
    return sorted(int(u) for u in found)


# ---------------------------------------------------------------- scope


def in_scope(units: pd.DataFrame, flt: Filter) -> pd.Series:
    """Units (by their own attributes) that a filter covers."""
    mask = pd.Series(True, index=units.index)
    if flt.unit_id is not None:
        mask &= units["id"] == flt.unit_id
    if flt.district:
        mask &= units["district_key"] == district_key(flt.district)
    if flt.sector:
        mask &= units["sector"].fillna("").map(text_key) == text_key(flt.sector)
    if flt.kind:
        kinds = {flt.kind} if flt.kind != "co_quan_hanh_chinh" else set(KIND_LABELS) - {SU_NGHIEP}
        mask &= units["kind"].isin(kinds)
    return mask


def resolve_scope(ds: Dataset, text: str | None) -> Filter | None:
    """`--scope NAME|CODE`: the city, a unit (code or name), a district, a sector or a kind."""
    if not text or text_key(text) in (text_key("Toàn thành phố"), text_key("Toàn tỉnh")):
        return Filter(label=text or CITY_LABEL)
    units = ds.units
    by_code = units[units["code"].fillna("").str.casefold() == text.strip().casefold()]
    if len(by_code) == 1:
        row = by_code.iloc[0]
        return Filter(unit_id=int(row["id"]), label=row["name"])
    by_name = units[units["name_key"] == name_key(text)]
    if len(by_name) == 1:
        row = by_name.iloc[0]
        return Filter(unit_id=int(row["id"]), label=row["name"])
    dkey = district_key(text)
    districts = units[units["district_key"] == dkey]
    if dkey and len(districts):
        return Filter(district=text, label=districts["district"].dropna().iloc[0])
    sectors = units[units["sector"].fillna("").map(text_key) == text_key(text)]
    if len(sectors):
        return Filter(sector=sectors["sector"].iloc[0], label=sectors["sector"].iloc[0])
    for kind, label in {**KIND_LABELS, "co_quan_hanh_chinh": "Cơ quan hành chính"}.items():
        if text_key(text) in (text_key(label), text_key(kind)):
            return Filter(kind=kind, label=label)
    return None


# ---------------------------------------------------------------- the measures


def _number(value: float) -> int | float:
    return round(value) if abs(value - round(value)) < 1e-9 else float(value)


def _pct(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


def _year_end(year: int, as_of: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), as_of)


def _scoped_facts(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, measure: str, status: str
) -> pd.DataFrame:
    """Facts of one measure/status joined to their home unit, restricted to the scope."""
    facts = ds.facts[(ds.facts["measure"] == measure) & (ds.facts["status"] == status)]
    merged = facts.merge(homes, on="unit_id")
    home_ok = in_scope(ds.units, flt)
    return merged[merged["home_id"].map(home_ok).fillna(False).astype(bool)]


def target_for(
    ds: Dataset, flt: Filter, measure: str, baseline: float
) -> tuple[float | None, str | None]:
    """The target count for a scope: its own plan row, else the city's percentage."""
    targets = ds.targets[ds.targets["measure"] == measure] if len(ds.targets) else ds.targets
    if targets.empty:
        return None, "no-target"
    own = targets[targets["scope_unit_id"] == flt.unit_id] if flt.unit_id is not None else None
    rows = own if own is not None and len(own) else targets[targets["scope_unit_id"].isna()]
    if rows.empty:
        return None, "no-target"
    row = rows.iloc[-1]
    is_city = flt == Filter(label=flt.label)
    if pd.notna(row["count"]) and (is_city or (own is not None and len(own))):
        return float(row["count"]), None
    if pd.notna(row["pct"]):
        return float(row["pct"]) / 100 * baseline, None
    return None, "target-not-applicable"


def quota_measure(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    measure: str,
    as_of: dt.date,
    *,
    include_pending: bool = True,
) -> dict[str, Any]:
    """Baseline, current, done, pending, reduced and their percentages for one measure."""
    assigned = _scoped_facts(ds, homes, flt, measure, "assigned")
    baseline = float(
        (
            assigned.loc[assigned["year"] == BASELINE_YEAR, "value"]
            * assigned.loc[assigned["year"] == BASELINE_YEAR, "weight"]
        ).sum()
    )
    existing = exists_at(ds.units, as_of)
    live = assigned[assigned["unit_id"].map(existing).fillna(False).astype(bool)]
    years = live.loc[live["year"] <= as_of.year, "year"]
    latest_year = int(years.max()) if len(years) else None
    current = float(live.loc[live["year"] == latest_year, "value"].sum()) if latest_year else 0.0
    done = baseline - current
    out: dict[str, Any] = {
        "baseline_year": BASELINE_YEAR,
        "baseline": _number(baseline),
        "latest_year": latest_year,
        "current": _number(current),
    }
    reduced = done
    if measure == "nguoi_lam_viec":
        pending_facts = _scoped_facts(ds, homes, flt, measure, "pending")
        pending_live = pending_facts[
            pending_facts["unit_id"].map(existing).fillna(False).astype(bool)
        ]
        pending = float(pending_live.loc[pending_live["year"] == latest_year, "value"].sum())
        out["done"] = _number(done)
        out["pending"] = _number(pending)
        if include_pending:
            reduced = done + pending
    target, _ = target_for(ds, flt, measure, baseline)
    out["reduced"] = _number(reduced)
    out["reduced_pct"] = _pct(reduced, baseline)
    out["target"] = target
    out["pct_of_target"] = _pct(reduced, target) if target else None
    return out


def quota_by_year(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, measure: str, as_of: dt.date
) -> dict[int, int]:
    """Assigned quota per year of the units existing at each year's end (or the cut-off)."""
    assigned = _scoped_facts(ds, homes, flt, measure, "assigned")
    out = {}
    for year in sorted(y for y in assigned["year"].unique() if y <= as_of.year):
        when = _year_end(int(year), as_of)
        alive = exists_at(ds.units, when)
        rows = assigned[(assigned["year"] == year)]
        if year != BASELINE_YEAR:
            rows = rows[rows["unit_id"].map(alive).fillna(False).astype(bool)]
        out[int(year)] = _number(float(rows["value"].sum()))
    return out


def streamlined(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, as_of: dt.date
) -> dict[str, dict[str, int]]:
    """Individuals approved under the policy, by kind and year, up to the cut-off year."""
    out: dict[str, dict[str, int]] = {}
    for measure, kind in (("cong_chuc", "cong_chuc"), ("nguoi_lam_viec", "vien_chuc")):
        facts = _scoped_facts(ds, homes, flt, measure, "streamlined")
        facts = facts[facts["year"] <= as_of.year].drop_duplicates(["unit_id", "year"])
        by_year = facts.groupby("year")["value"].sum()
        out[kind] = {str(int(y)): int(v) for y, v in by_year.items()}
    return out


def job_positions(ds: Dataset, flt: Filter, as_of: dt.date) -> dict[str, Any]:
    """Approved / eligible / ineligible existing units, administrative and public service."""
    units = ds.units[exists_at(ds.units, as_of) & in_scope(ds.units, flt)]
    jp = ds.job_positions.set_index("unit_id") if len(ds.job_positions) else None
    out: dict[str, Any] = {}
    ineligible_units = []
    for group, is_sn in (("co_quan_hanh_chinh", False), ("don_vi_su_nghiep", True)):
        members = units[(units["kind"] == SU_NGHIEP) == is_sn]
        statuses = (
            members["id"].map(jp["status"])
            if jp is not None
            else pd.Series(None, index=members.index, dtype=object)
        )
        approved = int((statuses == APPROVED).sum())
        ineligible = int((statuses == INELIGIBLE).sum())
        out[group] = {
            "approved": approved,
            "eligible": int(len(members) - ineligible),
            "ineligible": ineligible,
        }
        for unit_id in members.loc[statuses == INELIGIBLE, "id"]:
            note = jp.loc[unit_id, "note"] if jp is not None else None
            ineligible_units.append(
                {
                    "unit_id": int(unit_id),
                    "name": ds.units.loc[unit_id, "name"],
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


def reorganization(
    ds: Dataset,
    homes: pd.DataFrame,
    flt: Filter,
    as_of: dt.date,
    since: dt.date | None = None,
) -> dict[str, Any]:
    """Units reduced and established, and internal organisations removed, from the events."""
    out = {"don_vi_su_nghiep": _empty_reorg(), "co_quan_hanh_chinh": _empty_reorg()}
    if ds.events.empty:
        return out
    events = ds.events[ds.events["effective_date"] <= as_of]
    if since is not None:
        events = events[events["effective_date"] >= since]
    scope_homes = set(
        homes.loc[
            homes["home_id"].map(in_scope(ds.units, flt)).fillna(False).astype(bool), "unit_id"
        ]
    )
    restructured: dict[str, set[int]] = defaultdict(set)
    for ev in events.itertuples():
        if ev.id not in ds.event_sets:
            continue
        before, after = ds.event_sets[ev.id]
        if not (before | after) & scope_homes:
            continue
        bucket = out["don_vi_su_nghiep" if ev.unit_kind == SU_NGHIEP else "co_quan_hanh_chinh"]
        ceased, created = before - after, after - before
        if ev.event_type == "Thành lập mới":
            bucket["established"] += len(created)
        else:
            bucket["reduced"] += len(ceased) - len(created)
        if ev.event_type == "Kiện toàn bên trong":
            restructured[ev.unit_kind].update(before | after)
            for key in ("phong", "khoa", "chi_nhanh", "khac"):
                bucket["internal_reduced"][key] += int(getattr(ev, f"internal_{key}"))
    for kind, ids in restructured.items():
        out["don_vi_su_nghiep" if kind == SU_NGHIEP else "co_quan_hanh_chinh"]["restructured"] = (
            len(ids)
        )
    return out


def missing_data(ds: Dataset, flt: Filter, as_of: dt.date) -> list[dict[str, Any]]:
    """Units in scope that existed at a year's end but reported no quota for that year."""
    units = ds.units[in_scope(ds.units, flt)]
    assigned = ds.facts[ds.facts["status"] == "assigned"]
    reported = set(zip(assigned["unit_id"], assigned["year"], strict=True))
    missing_years: dict[int, list[int]] = defaultdict(list)
    for year in range(BASELINE_YEAR, as_of.year + 1):
        alive = units.index[exists_at(units, _year_end(year, as_of))]
        for unit_id in alive:
            if (unit_id, year) not in reported:
                missing_years[int(unit_id)].append(year)
    out = []
    for unit_id, years in missing_years.items():
        unit = units.loc[unit_id]
        out.append(
            {
                "unit_id": unit_id,
                "code": unit["code"] if isinstance(unit["code"], str) else None,
                "name": unit["name"],
                "district": unit["district"] if isinstance(unit["district"], str) else None,
                "measure": "nguoi_lam_viec" if unit["kind"] == SU_NGHIEP else "cong_chuc",
                "years": years,
            }
        )
    return sorted(out, key=lambda m: (m["district"] or "", m["name"]))


def summary(
    ds: Dataset,
    as_of: dt.date,
    flt: Filter | None = None,
    *,
    include_pending: bool = True,
    since: dt.date | None = None,
) -> dict[str, Any]:
    """Every headline figure for one scope at one cut-off date (the JSON of `etl summary`)."""
    flt = flt or Filter()
    homes = home_units(ds, as_of)
    jp = job_positions(ds, flt, as_of)
    ineligible_units = jp.pop("_ineligible_units")
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "scope": flt.label,
        "cong_chuc": quota_measure(ds, homes, flt, "cong_chuc", as_of),
        "nguoi_lam_viec": quota_measure(
            ds, homes, flt, "nguoi_lam_viec", as_of, include_pending=include_pending
        ),
        "streamlined": streamlined(ds, homes, flt, as_of),
        "job_positions": jp,
        "reorganization": reorganization(ds, homes, flt, as_of, since),
        "missing": missing_data(ds, flt, as_of),
        "job_positions_ineligible": ineligible_units,
        "warnings": [],
    }
    for measure in COMMON_MEASURES:
        if out[measure]["target"] is None:
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
