"""The measures of DOMAIN.md as pure functions over tidy frames (no database, no I/O).

`Dataset` holds the stored tables as frames; `summary()` computes the figures for a scope at a
cut-off date. Full precision is kept; rounding happens only where a figure is shown.

A `Dataset` is immutable and rebuilt after every accepted upload, so what is derived from it
(facts split by measure and status, existence per date, lineage homes, scope masks, whole
summaries) is kept in `Dataset.memo`: the cache is keyed by the data version by construction.
Derived arrays are aligned with `ds.units` by position; the figures are summed over the same
rows in the same order as a plain pandas computation would, so they are exactly the same.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from etl.core.normalize import district_key, name_key, text_key

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
    # the data version these frames are (etl.storage.db.DataVersion); None when not from a database
    version: tuple[Any, ...] | None = None
    # the key of every current fact as one integer (see _fact_keys), aligned with `facts`:
    # what `refresh_dataset` needs to find the facts a new return supersedes
    fact_keys: np.ndarray | None = field(default=None, repr=False)


def latest_by(frame: pd.DataFrame, keys: list[str], order: str = "submission_id") -> pd.DataFrame:
    """The row of each key from the latest submission (the later return supersedes)."""
    if frame.empty:
        return frame
    ordered = frame.sort_values([order, "id"], kind="stable")
    return ordered.drop_duplicates(keys, keep="last").reset_index(drop=True)


FACT_KEY = ["unit_id", "measure", "status", "year"]
# (measure, status) of the facts: their codes in the integer key (the domain has ten pairs)
FACT_PAIRS = tuple(
    (m, s)
    for m in COMMON_MEASURES
    for s in ("assigned", "pending", "norm", "present", "streamlined")
)
_YEAR0, _YEAR_BITS, _PAIR_BITS = 1900, 16, 8


def _fact_keys(facts: pd.DataFrame) -> np.ndarray | None:
    """FACT_KEY of every row as one int64 (unit id, year and (measure, status) in bit fields),
    equal exactly when the four are equal; None when a value does not fit (the frames are then
    deduplicated by pandas on the four columns, with the same result)."""
    if facts.empty:
        return np.zeros(0, dtype=np.int64)
    codes = {pair: i for i, pair in enumerate(FACT_PAIRS)}
    measures, measure_names = pd.factorize(facts["measure"])
    statuses, status_names = pd.factorize(facts["status"])
    table = np.array(
        [[codes.get((m, s), -1) for s in status_names] for m in measure_names], dtype=np.int64
    )
    if (measures < 0).any() or (statuses < 0).any():
        return None
    pair_code = table[measures, statuses]
    unit_id = facts["unit_id"].to_numpy(dtype=np.int64)
    year = facts["year"].to_numpy(dtype=np.int64) - _YEAR0
    if (
        (pair_code < 0).any()
        or unit_id.min() < 0
        or unit_id.max() >= 1 << (63 - _YEAR_BITS - _PAIR_BITS)
        or year.min() < 0
        or year.max() >= 1 << _YEAR_BITS
    ):
        return None
    return (unit_id << (_YEAR_BITS + _PAIR_BITS)) | (year << _PAIR_BITS) | pair_code


def _in_order(frame: pd.DataFrame, order: str = "submission_id") -> pd.DataFrame:
    """`frame` sorted by (order, id) as `latest_by` sorts it; as read (by id) it usually is."""
    first, ids = frame[order].to_numpy(), frame["id"].to_numpy()
    ordered = (first[1:] > first[:-1]) | ((first[1:] == first[:-1]) & (ids[1:] > ids[:-1]))
    if ordered.all():
        return frame
    return frame.sort_values([order, "id"], kind="stable")


def _latest_facts(facts: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None]:
    """`latest_by(facts, FACT_KEY)` and the integer keys of its rows."""
    if facts.empty:
        return latest_by(facts, FACT_KEY), _fact_keys(facts)
    ordered = _in_order(facts)
    keys = _fact_keys(ordered)
    if keys is None:
        return latest_by(facts, FACT_KEY), None
    keep = ~pd.Series(keys).duplicated(keep="last").to_numpy()
    return ordered[keep].reset_index(drop=True), keys[keep]


def _units(frame: pd.DataFrame) -> pd.DataFrame:
    """Unit rows as the Dataset holds them: validity as dates, no NULL district key."""
    units = frame.copy()
    for column in ("valid_from", "valid_to"):  # objects whatever the rows (none, all NULL)
        units[column] = pd.to_datetime(units[column]).dt.date.astype(object)
    units["district_key"] = units["district_key"].fillna("")
    return units


def _events(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    events = frame.copy()
    events["effective_date"] = pd.to_datetime(events["effective_date"]).dt.date.astype(object)
    return events


def _event_units(event_units: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The before/after rows of the current events."""
    if not len(events):
        return event_units
    return event_units[event_units["event_id"].isin(events["id"])].reset_index(drop=True)


def _event_sets(event_units: pd.DataFrame) -> dict[int, tuple[frozenset[int], frozenset[int]]]:
    sets: dict[int, tuple[set[int], set[int]]] = {}
    for event_id, role, unit_id in zip(
        event_units["event_id"].tolist(),
        event_units["role"].tolist(),
        event_units["unit_id"].tolist(),
        strict=True,
    ):
        before, after = sets.setdefault(event_id, (set(), set()))
        (before if role == "before" else after).add(unit_id)
    return {k: (frozenset(b), frozenset(a)) for k, (b, a) in sets.items()}


def build_dataset(
    tables: dict[str, pd.DataFrame], version: tuple[Any, ...] | None = None
) -> Dataset:
    """A `Dataset` from the raw tables of `etl.storage.db.read_tables` (every row of each)."""
    units = _units(tables["unit"])
    events = _events(latest_by(tables["event"], ["natural_key"]))
    event_units = _event_units(tables["event_unit"], events)
    facts, keys = _latest_facts(tables["fact"])
    return Dataset(
        event_sets=_event_sets(event_units),
        units=units.set_index("id", drop=False),
        facts=facts,
        fact_history=tables["fact"],
        job_positions=latest_by(tables["job_position"], ["unit_id"]),
        events=events,
        event_units=event_units,
        targets=latest_by(tables["target"], ["scope_unit_id", "measure"]),
        submissions=tables.get("submission", pd.DataFrame()),
        version=version,
        fact_keys=keys,
    )


def _append(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of `old` then `new`, in the order of their ids, as if read at once."""
    if not len(new):
        return old
    frame = pd.concat([old, new], ignore_index=True)
    if len(old) and new["id"].min() <= old["id"].max():
        frame = frame.sort_values("id", kind="stable", ignore_index=True)
    return frame


def refresh_dataset(
    old: Dataset, added: dict[str, pd.DataFrame], version: tuple[Any, ...] | None = None
) -> Dataset:
    """The `Dataset` after new submissions, from `old` and what they added: for each table the
    rows of the new submissions (`etl.storage.db.read_snapshot` with `since`), for units every row
    added or updated since. Equal, frame by frame, to `build_dataset` of all the rows: the new
    submissions are later than every stored one, so each of their rows supersedes the current
    row of its key, and their ids follow the stored ones. `old` is left as it was; nothing
    derived from it (its memo) is carried over."""
    new_units = _units(added["unit"])
    kept_units = old.units.reset_index(drop=True)
    kept_units = kept_units[~kept_units["id"].isin(new_units["id"])]
    units = _append(kept_units, new_units) if len(new_units) else kept_units

    new_facts = added["fact"]
    if old.fact_keys is None:
        facts, keys = _latest_facts(pd.concat([old.facts, new_facts], ignore_index=True))
    else:
        latest_new, new_keys = _latest_facts(new_facts)
        if new_keys is None:
            facts, keys = _latest_facts(pd.concat([old.facts, new_facts], ignore_index=True))
        else:
            kept = ~pd.Series(old.fact_keys).isin(new_keys).to_numpy()
            facts = pd.concat([old.facts[kept], latest_new], ignore_index=True)
            keys = np.concatenate([old.fact_keys[kept], new_keys])

    new_events = _events(added["event"])
    events = old.events
    if len(new_events):
        events = latest_by(pd.concat([old.events, new_events], ignore_index=True), ["natural_key"])
    event_units = _event_units(_append(old.event_units, added["event_unit"]), events)
    return Dataset(
        event_sets=_event_sets(event_units),
        units=units.reset_index(drop=True).set_index("id", drop=False),
        facts=facts,
        fact_history=_append(old.fact_history, new_facts),
        job_positions=_latest_added(old.job_positions, added["job_position"], ["unit_id"]),
        events=events,
        event_units=event_units,
        targets=_latest_added(old.targets, added["target"], ["scope_unit_id", "measure"]),
        submissions=_append(old.submissions, added["submission"]),
        version=version,
        fact_keys=keys,
    )


def _latest_added(current: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`latest_by` of every row, from the current rows and those of later submissions."""
    if not len(new):
        return current
    return latest_by(pd.concat([current, new], ignore_index=True), keys)


# ---------------------------------------------------------------- derived data, memoised

_MISSING = object()


def _memo(ds: Dataset, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """`build()` once per dataset (and so per data version) for `key`."""
    value = ds.memo.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        ds.memo[key] = value
    return value


# How many results of each family a dataset keeps (the least recently used go first): what
# depends on the cut-off date or the scope is bounded, so that memory does not grow with the
# number of views asked for (a unit table of a national dataset is about 10 MB).
LRU_SIZES = {
    "exists": 256,
    "scope": 256,
    "homes": 16,
    "merged": 24,
    "homes_positions": 16,
    "baseline_by_home": 8,
    "missing": 128,
    "summary": 256,
    "unit_table": 6,
    "unit_rows": 6,
    "shortages": 32,
    "chart": 96,
    "unit_grid": 6,
    "unit_grid_folded": 24,
}


def remembered(ds: Dataset, family: str, key: Any, build: Callable[[], Any]) -> Any:
    """`build()` for `key`, kept with this dataset (so until the data change) among the
    LRU_SIZES[family] most recently used: for results other modules derive from a view."""
    return _lru(ds, family, key, build)


def _lru(ds: Dataset, family: str, key: Any, build: Callable[[], Any]) -> Any:
    """`build()` for `key`, kept among the LRU_SIZES[family] most recently used of the family."""
    cache = ds.memo.get(("lru", family))
    if cache is None:
        cache = ds.memo.setdefault(("lru", family), OrderedDict())
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        try:
            cache.move_to_end(key)
        except KeyError:  # evicted meanwhile by another thread
            pass
        return value
    value = build()
    cache[key] = value
    while len(cache) > LRU_SIZES[family]:
        try:
            cache.popitem(last=False)
        except KeyError:
            break
    return value


def _held(ds: Dataset, family: str, frame: Any, key: tuple[Any, ...], build: Callable[[], Any]):
    """`_lru` keyed by the identity of `frame` (held in the entry, so its id is not reused)."""
    entry = _lru(ds, family, (id(frame), *key), lambda: (frame, build()))
    if entry[0] is not frame:  # pragma: no cover - an id reused after an eviction race
        return build()
    return entry[1]


def _take(mask: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`mask[positions]`, False where a position is -1 (not a known unit)."""
    if len(positions) and positions.min() < 0:
        return np.where(positions >= 0, mask[np.maximum(positions, 0)], False)
    return mask[positions]


def _unit_columns(ds: Dataset) -> dict[str, Any]:
    """Columns of `ds.units` as arrays: validity dates by day, and the keys filters compare."""

    def build() -> dict[str, Any]:
        units = ds.units
        days = {
            c: pd.to_datetime(units[c]).to_numpy().astype("datetime64[D]")
            for c in ("valid_from", "valid_to")
        }
        return {
            "ids": units["id"].to_numpy(),
            "valid_from": days["valid_from"],
            "valid_to": days["valid_to"],
            "district_key": units["district_key"].to_numpy(dtype=object),
            "sector_key": units["sector"].fillna("").map(text_key).to_numpy(dtype=object),
            "kind": units["kind"].to_numpy(dtype=object),
            "is_su_nghiep": (units["kind"] == SU_NGHIEP).to_numpy(dtype=bool),
        }

    return _memo(ds, ("unit_columns",), build)


def _exists(ds: Dataset, when: dt.date) -> np.ndarray:
    """`exists_at(ds.units, when)` as a boolean array aligned with `ds.units`."""

    def build() -> np.ndarray:
        cols = _unit_columns(ds)
        day = np.datetime64(pd.Timestamp(when).floor("D").date(), "D")
        valid_from, valid_to = cols["valid_from"], cols["valid_to"]
        born = np.isnat(valid_from) | (valid_from <= day)
        return born & (np.isnat(valid_to) | (valid_to > day))

    return _lru(ds, "exists", when, build)


def _exists_series(ds: Dataset, when: dt.date) -> pd.Series:
    return pd.Series(_exists(ds, when), index=ds.units.index)


def _scope(ds: Dataset, flt: Filter) -> np.ndarray:
    """`in_scope(ds.units, flt)` as a boolean array aligned with `ds.units`."""

    def build() -> np.ndarray:
        cols = _unit_columns(ds)
        mask = np.ones(len(ds.units), dtype=bool)
        if flt.unit_id is not None:
            mask &= cols["ids"] == flt.unit_id
        if flt.district:
            mask &= cols["district_key"] == district_key(flt.district)
        if flt.sector:
            mask &= cols["sector_key"] == text_key(flt.sector)
        if flt.kind:
            kinds = (
                {flt.kind} if flt.kind != "co_quan_hanh_chinh" else set(KIND_LABELS) - {SU_NGHIEP}
            )
            mask &= pd.Series(cols["kind"]).isin(kinds).to_numpy()
        return mask

    return _lru(ds, "scope", flt, build)


def _facts_by_status(ds: Dataset, status: str) -> pd.DataFrame:
    """Current facts of one status (measure, unit_id, year, value), in stored order."""

    def build() -> dict[str, pd.DataFrame]:
        facts = ds.facts
        if facts.empty:
            return {}
        columns = facts[["measure", "unit_id", "year", "value"]]
        return {key: frame for key, frame in columns.groupby(facts["status"], sort=False)}

    groups = _memo(ds, ("facts_by_status",), build)
    if status in groups:
        return groups[status]
    return pd.DataFrame(
        {c: ds.facts[c].iloc[0:0] for c in ("measure", "unit_id", "year", "value")}
        if len(ds.facts.columns)
        else {}
    )


def _facts_of(ds: Dataset, measure: str, status: str) -> pd.DataFrame:
    """Current facts of one measure and status (unit_id, year, value), in stored order."""

    def build() -> pd.DataFrame:
        frame = _facts_by_status(ds, status)
        if frame.empty:
            return frame.drop(columns=["measure"], errors="ignore")
        return frame.loc[frame["measure"] == measure, ["unit_id", "year", "value"]]

    return _memo(ds, ("facts", measure, status), build)


def _homes_positions(ds: Dataset, homes: pd.DataFrame) -> dict[str, np.ndarray]:
    """unit ids of a homes frame and the positions of their homes in `ds.units`."""
    return _held(
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
        merged = _facts_of(ds, measure, status).merge(homes, on="unit_id")
        index = ds.units.index
        return {
            "year": merged["year"].to_numpy(),
            "value": merged["value"].to_numpy(),
            "weight": merged["weight"].to_numpy(dtype=float),
            "upos": index.get_indexer(merged["unit_id"]).astype(np.int32),
            "hpos": index.get_indexer(merged["home_id"]).astype(np.int32),
        }

    return _held(ds, "merged", homes, (measure, status), build)


def _scoped(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, measure: str, status: str
) -> dict[str, Any]:
    """`_merged` restricted to the rows whose home is in scope (same rows, same order)."""
    merged = _merged(ds, homes, measure, status)
    scope = _scope(ds, flt)
    if scope.all():
        return merged
    rows = _take(scope, merged["hpos"])
    return {k: v[rows] for k, v in merged.items()}


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
    return _lru(ds, "homes", as_of, lambda: _home_units(ds, as_of))


def _home_units(ds: Dataset, as_of: dt.date) -> pd.DataFrame:
    ids = ds.units.index
    existing = set(ids[_exists(ds, as_of)])
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

    columns = ["unit_id", "home_id", "weight"]
    # Every unit is its own home but those that ended into successors: resolved in the order
    # of the units (the memo of `resolve` makes that order matter in a cycle), the rest are
    # identity rows, built as arrays.
    special = [u for u in ids if u in edges and u not in existing]
    if not len(ids):
        frame = pd.DataFrame([], columns=columns)
    elif not special:
        values = ids.to_numpy()
        frame = pd.DataFrame({"unit_id": values, "home_id": values, "weight": 1.0})
    else:
        resolved = {u: resolve(int(u), frozenset()) for u in special}
        rows = [
            (unit_id, home, weight)
            for unit_id in ids
            for home, weight in (
                resolved[unit_id].items() if unit_id in resolved else ((unit_id, 1.0),)
            )
        ]
        frame = pd.DataFrame(rows, columns=columns)
    return frame


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
    codes = _memo(ds, ("code_casefold",), lambda: units["code"].fillna("").str.casefold())
    by_code = units[codes == text.strip().casefold()]
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
    sectors = units[_unit_columns(ds)["sector_key"] == text_key(text)]
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
    merged = _facts_of(ds, measure, status).merge(homes, on="unit_id")
    rows = _take(_scope(ds, flt), _merged(ds, homes, measure, status)["hpos"])
    return merged[rows]


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
    assigned = _scoped(ds, homes, flt, measure, "assigned")
    base_rows = assigned["year"] == BASELINE_YEAR
    baseline = float(np.sum(assigned["value"][base_rows] * assigned["weight"][base_rows]))
    existing = _exists(ds, as_of)
    live = _take(existing, assigned["upos"])
    years = assigned["year"][live]
    years = years[years <= as_of.year]
    latest_year = int(years.max()) if len(years) else None
    current = (
        float(assigned["value"][live & (assigned["year"] == latest_year)].sum())
        if latest_year
        else 0.0
    )
    done = baseline - current
    out: dict[str, Any] = {
        "baseline_year": BASELINE_YEAR,
        "baseline": _number(baseline),
        "latest_year": latest_year,
        "current": _number(current),
    }
    reduced = done
    if measure == "nguoi_lam_viec":
        pending_facts = _scoped(ds, homes, flt, measure, "pending")
        pending_live = _take(existing, pending_facts["upos"])
        pending_rows = pending_live & (pending_facts["year"] == latest_year)
        pending = float(pending_facts["value"][pending_rows].sum())
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
    assigned = _scoped(ds, homes, flt, measure, "assigned")
    out = {}
    for year in sorted(y for y in np.unique(assigned["year"]) if y <= as_of.year):
        rows = assigned["year"] == year
        if year != BASELINE_YEAR:
            rows &= _take(_exists(ds, _year_end(int(year), as_of)), assigned["upos"])
        out[int(year)] = _number(float(assigned["value"][rows].sum()))
    return out


def streamlined(
    ds: Dataset, homes: pd.DataFrame, flt: Filter, as_of: dt.date
) -> dict[str, dict[str, int]]:
    """Individuals approved under the policy, by kind and year, up to the cut-off year."""
    out: dict[str, dict[str, int]] = {}
    for measure, kind in (("cong_chuc", "cong_chuc"), ("nguoi_lam_viec", "vien_chuc")):
        facts = _scoped(ds, homes, flt, measure, "streamlined")
        rows = facts["year"] <= as_of.year
        unit_ids, years, values = facts["upos"][rows], facts["year"][rows], facts["value"][rows]
        # one row per (unit, year): a unit split between homes is counted once
        pairs = pd.DataFrame({"unit_id": unit_ids, "year": years})
        first = ~pairs.duplicated(["unit_id", "year"]).to_numpy()
        by_year = pd.Series(values[first]).groupby(years[first]).sum()
        out[kind] = {str(int(y)): int(v) for y, v in by_year.items()}
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

    return _memo(ds, ("job_status",), build)


def job_positions(ds: Dataset, flt: Filter, as_of: dt.date) -> dict[str, Any]:
    """Approved / eligible / ineligible existing units, administrative and public service."""
    mask = _exists(ds, as_of) & _scope(ds, flt)
    jp = _job_status(ds)
    is_sn = _unit_columns(ds)["is_su_nghiep"]
    ids, names = _unit_columns(ds)["ids"], ds.units["name"].to_numpy(dtype=object)
    out: dict[str, Any] = {}
    ineligible_units = []
    for group, want_sn in (("co_quan_hanh_chinh", False), ("don_vi_su_nghiep", True)):
        members = mask & (is_sn == want_sn)
        if jp is None:
            approved_rows = ineligible_rows = np.zeros(len(mask), dtype=bool)
        else:
            approved_rows = members & (jp["status"] == APPROVED)
            ineligible_rows = members & (jp["status"] == INELIGIBLE)
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
    """(id, date, type, unit kind, internal counts) of every event, in stored order."""

    def build() -> list[tuple[Any, ...]]:
        ev = ds.events
        if ev.empty:
            return []
        columns = ["id", "effective_date", "event_type", "unit_kind"]
        columns += [f"internal_{k}" for k in ("phong", "khoa", "chi_nhanh", "khac")]
        return list(ev[columns].itertuples(index=False, name=None))

    return _memo(ds, ("event_rows",), build)


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
    positions = _homes_positions(ds, homes)
    in_scope_homes = _take(_scope(ds, flt), positions["hpos"])
    scope_homes = set(positions["unit_id"][in_scope_homes].tolist())
    restructured: dict[str, set[int]] = defaultdict(set)
    for event_id, date, event_type, unit_kind, *internal in _event_rows(ds):
        if date > as_of or (since is not None and date < since):
            continue
        if event_id not in ds.event_sets:
            continue
        before, after = ds.event_sets[event_id]
        if not (before | after) & scope_homes:
            continue
        bucket = out["don_vi_su_nghiep" if unit_kind == SU_NGHIEP else "co_quan_hanh_chinh"]
        ceased, created = before - after, after - before
        if event_type == "Thành lập mới":
            bucket["established"] += len(created)
        else:
            bucket["reduced"] += len(ceased) - len(created)
        if event_type == "Kiện toàn bên trong":
            restructured[unit_kind].update(before | after)
            for key, count in zip(("phong", "khoa", "chi_nhanh", "khac"), internal, strict=True):
                bucket["internal_reduced"][key] += int(count)
    for kind, ids in restructured.items():
        out["don_vi_su_nghiep" if kind == SU_NGHIEP else "co_quan_hanh_chinh"]["restructured"] = (
            len(ids)
        )
    return out


def _reported(ds: Dataset) -> tuple[np.ndarray, int]:
    """(units × years from BASELINE_YEAR) matrix: a quota fact exists for the unit and year."""

    def build() -> tuple[np.ndarray, int]:
        assigned = _facts_by_status(ds, "assigned")
        years = assigned["year"].to_numpy() if len(assigned) else np.array([], dtype=np.int64)
        pos = ds.units.index.get_indexer(assigned["unit_id"]) if len(assigned) else years
        keep = (pos >= 0) & (years >= BASELINE_YEAR)
        last = int(years[keep].max()) if keep.any() else BASELINE_YEAR
        matrix = np.zeros((len(ds.units), last - BASELINE_YEAR + 1), dtype=bool)
        matrix[pos[keep], years[keep] - BASELINE_YEAR] = True
        return matrix, last

    return _memo(ds, ("reported",), build)


def missing_data(ds: Dataset, flt: Filter, as_of: dt.date) -> list[dict[str, Any]]:
    """Units in scope that existed at a year's end but reported no quota for that year."""
    found = _lru(ds, "missing", (flt, as_of), lambda: _missing_data(ds, flt, as_of))
    return [{**m, "years": list(m["years"])} for m in found]


def _missing_data(ds: Dataset, flt: Filter, as_of: dt.date) -> list[dict[str, Any]]:
    scope = _scope(ds, flt)
    reported, last = _reported(ds)
    years = list(range(BASELINE_YEAR, as_of.year + 1))
    if not years:
        return []
    missing = np.zeros((len(ds.units), len(years)), dtype=bool)
    for j, year in enumerate(years):
        alive = scope & _exists(ds, _year_end(year, as_of))
        seen = reported[:, year - BASELINE_YEAR] if year <= last else False
        missing[:, j] = alive & ~seen
    rows = np.flatnonzero(missing.any(axis=1))
    if not len(rows):
        return []
    first = missing[rows].argmax(axis=1)
    rows = rows[np.lexsort((rows, first))]  # as found: by first missing year, then unit order
    units = ds.units
    ids = _unit_columns(ds)["ids"]
    codes = units["code"].to_numpy(dtype=object)
    names = units["name"].to_numpy(dtype=object)
    districts = units["district"].to_numpy(dtype=object)
    is_sn = _unit_columns(ds)["is_su_nghiep"]
    out = [
        {
            "unit_id": int(ids[pos]),
            "code": codes[pos] if isinstance(codes[pos], str) else None,
            "name": names[pos],
            "district": districts[pos] if isinstance(districts[pos], str) else None,
            "measure": "nguoi_lam_viec" if is_sn[pos] else "cong_chuc",
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
) -> dict[str, Any]:
    """Every headline figure for one scope at one cut-off date (the JSON of `etl summary`).

    Computed once per dataset (so per data version) and view; each caller gets its own copy."""
    flt = flt or Filter()
    found = _lru(
        ds,
        "summary",
        (as_of, flt, include_pending, since),
        lambda: _summary(ds, as_of, flt, include_pending=include_pending, since=since),
    )
    return copy.deepcopy(found)


def _summary(
    ds: Dataset,
    as_of: dt.date,
    flt: Filter,
    *,
    include_pending: bool,
    since: dt.date | None,
) -> dict[str, Any]:
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
