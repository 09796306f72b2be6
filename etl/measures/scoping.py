"""Which units a figure covers: the `Filter` of a scope and its resolution from text, units
existing at a date, and lineage (where an ended unit's figures belong at a cut-off).

Masks are boolean arrays aligned with `ds.units` by position, kept with the dataset
(`etl.measures.cache`); `exists_at` and `in_scope` are the same tests on any unit frame.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etl.core.normalize import commune_key, district_key, loose_key, name_key, text_key
from etl.core.vocabulary import ADMINISTRATIVE_KINDS, KIND_LABELS, UnitGroup, UnitKind
from etl.measures.cache import memoised, remembered
from etl.measures.communes import district_ends
from etl.measures.dataset import Dataset
from etl.measures.provinces import province_choices, resolve_province, unit_provinces

# a filter's `kind`: a unit kind, or every administrative agency
KIND_CHOICES = {**KIND_LABELS, UnitGroup.ADMINISTRATIVE: UnitGroup.ADMINISTRATIVE.label}
CITY_LABEL = "Toàn thành phố"


@dataclass(frozen=True)
class Filter:
    """Which units a figure covers; None everywhere means the whole city."""

    # "" (never from a user's filter: from a breakdown's row): the units without one, for a
    # district also not in a commune that took a former district's staff
    district: str | None = None
    sector: str | None = None
    kind: str | None = None
    unit_id: int | None = None
    label: str = CITY_LABEL
    commune: str | None = None  # a commune's label (docs/domain.md, "Communes")
    # a former province's key (`provinces.province_choices`): the units that were its own
    province: str | None = None

    @property
    def is_whole(self) -> bool:
        """Whether it covers every unit (the whole city or province), whatever its label."""
        return self == Filter(label=self.label)


# ---------------------------------------------------------------- unit masks, kept with the dataset


def mask_at(mask: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`mask[positions]`, False where a position is -1 (not a known unit)."""
    if len(positions) and positions.min() < 0:
        return np.where(positions >= 0, mask[np.maximum(positions, 0)], False)
    return mask[positions]


def unit_columns(ds: Dataset) -> dict[str, Any]:
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
            "commune_key": _commune_keys(units),
            "sector_key": units["sector"].fillna("").map(text_key).to_numpy(dtype=object),
            "kind": units["kind"].to_numpy(dtype=object),
            "is_su_nghiep": (units["kind"] == UnitKind.DON_VI_SU_NGHIEP).to_numpy(dtype=bool),
        }

    return memoised(ds, ("unit_columns",), build)


def exists_mask(ds: Dataset, when: dt.date) -> np.ndarray:
    """`exists_at(ds.units, when)` as a boolean array aligned with `ds.units`."""

    def build() -> np.ndarray:
        cols = unit_columns(ds)
        day = np.datetime64(pd.Timestamp(when).floor("D").date(), "D")
        valid_from, valid_to = cols["valid_from"], cols["valid_to"]
        born = np.isnat(valid_from) | (valid_from <= day)
        return born & (np.isnat(valid_to) | (valid_to > day))

    return remembered(ds, "exists", when, build)


def scope_mask(ds: Dataset, flt: Filter) -> np.ndarray:
    """`in_scope(ds.units, flt)` as a boolean array aligned with `ds.units`."""

    def build() -> np.ndarray:
        cols = unit_columns(ds)
        mask = np.ones(len(ds.units), dtype=bool)
        if flt.unit_id is not None:
            mask &= cols["ids"] == flt.unit_id
        if flt.district is not None:
            mask &= _in_district(ds, cols, district_key(flt.district))
        if flt.commune:
            mask &= cols["commune_key"] == commune_key(flt.commune)
        if flt.sector is not None:
            mask &= cols["sector_key"] == text_key(flt.sector)
        if flt.kind:
            kinds = _kinds_of(flt.kind)
            mask &= pd.Series(cols["kind"]).isin(kinds).to_numpy()
        if flt.province is not None:
            mask &= unit_provinces(ds) == flt.province
        return mask

    return remembered(ds, "scope", flt, build)


def _commune_keys(units: pd.DataFrame) -> np.ndarray:
    if "commune_key" not in units.columns:
        return np.full(len(units), "", dtype=object)
    return units["commune_key"].fillna("").to_numpy(dtype=object)


def _in_district(ds: Dataset, cols: dict[str, Any], key: str) -> np.ndarray:
    """The units of a district: those naming it, and after its level ended the units of the
    communes that took its staff (its former units' homes by lineage; docs/domain.md, "The
    end of the district level")."""
    mask = cols["district_key"] == key
    if not key:  # no district, not even a former one's commune
        taken = set().union(*former_district_communes(ds).values())
        return mask & ~pd.Series(cols["commune_key"]).isin(taken).to_numpy()
    communes = former_district_communes(ds).get(key)
    if communes:
        mask = mask | pd.Series(cols["commune_key"]).isin(communes).to_numpy()
    return mask


def former_district_communes(ds: Dataset) -> dict[str, frozenset[str]]:
    """District key → the keys of the communes its district-end rows send its staff to."""

    def build() -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        ends = district_ends(ds.events)
        communes = pd.Series(_commune_keys(ds.units), index=ds.units.index)
        for event_id, key in zip(ends["id"], ends["district_key"], strict=True):
            _before, after = ds.event_sets.get(event_id, (frozenset(), frozenset()))
            found[key].update(c for c in communes.reindex(sorted(after)).dropna() if c)
        return {k: frozenset(v) for k, v in found.items()}

    return memoised(ds, ("former_district_communes",), build)


def district_level_end(ds: Dataset) -> dt.date | None:
    """The earliest date a stored district-end row ends a district's level, or None: from
    it on the district filter is «Quận, huyện (cũ)» and the commune filter is offered."""

    def build() -> dt.date | None:
        ends = district_ends(ds.events)
        if not len(ends):
            return None
        return min(pd.Timestamp(d).date() for d in ends["effective_date"])

    return memoised(ds, ("district_level_end",), build)


def commune_choices(ds: Dataset) -> dict[str, str]:
    """Commune key → the commune's label (as its units write it, the most written), for
    every commune a unit names, in the order of the labels."""

    def build() -> dict[str, str]:
        units = ds.units
        if "commune_key" not in units.columns:
            return {}
        named = units[(units["commune_key"].fillna("") != "") & units["commune"].notna()]
        counts = named.groupby(["commune_key", "commune"]).size().reset_index(name="n")
        counts = counts.sort_values(["commune_key", "n", "commune"], ascending=[True, False, True])
        best = counts.drop_duplicates("commune_key")
        return dict(
            sorted(
                zip(best["commune_key"], best["commune"], strict=True),
                key=lambda kv: (loose_key(kv[1]), kv[1]),
            )
        )

    return memoised(ds, ("commune_choices",), build)


def resolve_commune(ds: Dataset, text: str | None) -> str | None:
    """The label of the commune `text` names (with or without `Xã`/`Phường`/`UBND`, any case
    or tone placement, or without diacritics when that names one commune only)."""
    return _match(commune_choices(ds), commune_key(text), _loose_commune)


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
    return remembered(ds, "homes", as_of, lambda: _home_units(ds, as_of))


def _home_units(ds: Dataset, as_of: dt.date) -> pd.DataFrame:
    ids = ds.units.index
    existing = set(ids[exists_mask(ds, as_of)])
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


def _kinds_of(kind: str) -> set[str]:
    """The unit kinds a filter's `kind` covers."""
    return set(ADMINISTRATIVE_KINDS) if kind == UnitGroup.ADMINISTRATIVE else {kind}


def in_scope(units: pd.DataFrame, flt: Filter, own: str = "") -> pd.Series:
    """Units (by their own attributes) that a filter covers (`own`: the key a unit of no
    province is of, `provinces.own_province`)."""
    mask = pd.Series(True, index=units.index)
    if flt.unit_id is not None:
        mask &= units["id"] == flt.unit_id
    if flt.district is not None:
        mask &= units["district_key"] == district_key(flt.district)
    if flt.commune:
        mask &= pd.Series(_commune_keys(units), index=units.index) == commune_key(flt.commune)
    if flt.sector is not None:
        mask &= units["sector"].fillna("").map(text_key) == text_key(flt.sector)
    if flt.kind:
        kinds = _kinds_of(flt.kind)
        mask &= units["kind"].isin(kinds)
    if flt.province is not None:
        mask &= units["province_key"].map(lambda k: k or own) == flt.province
    return mask


def district_choices(ds: Dataset) -> dict[str, str]:
    """District key → the district's one label (`ds.units["district"]`, docs/domain.md,
    "District labels"), for every district a unit names, in the order of the labels."""

    def build() -> dict[str, str]:
        units = ds.units
        named = units[(units["district_key"] != "") & units["district"].notna()]
        pairs = named.drop_duplicates("district_key")[["district_key", "district"]]
        return dict(
            sorted(
                zip(pairs["district_key"], pairs["district"], strict=True),
                key=lambda kv: (loose_key(kv[1]), kv[1]),
            )
        )

    return memoised(ds, ("district_choices",), build)


def sector_choices(ds: Dataset) -> dict[str, str]:
    """Sector key (`text_key`) → the sector's label as most units write it, in label order."""

    def build() -> dict[str, str]:
        sectors = ds.units["sector"].dropna()
        counts = sectors[sectors.map(text_key) != ""].value_counts()
        best: dict[str, tuple[int, str]] = {}
        for label, n in counts.items():
            key = text_key(label)
            if key not in best or (-n, label) < (-best[key][0], best[key][1]):
                best[key] = (int(n), str(label))
        return dict(sorted(((k, lb) for k, (_n, lb) in best.items()), key=lambda kv: kv[1]))

    return memoised(ds, ("sector_choices",), build)


# a district's kind written without diacritics (`huyen Co Do`), which `district_key` keeps
_LOOSE_DISTRICT_WORD = re.compile(r"^(uy ban nhan dan\s+)?(quan|huyen|thi xa|thanh pho)\s+")


def _match(
    choices: dict[str, str], key: str, loose: Callable[[str], str] = loose_key
) -> str | None:
    """The label of `key` among `choices`, else of the one choice whose loose key (no
    diacritics) is the key's; None when none or several are."""
    if not key:
        return None
    if key in choices:
        return choices[key]
    wanted = loose(key)
    found = {label for k, label in choices.items() if loose(k) == wanted}
    return found.pop() if len(found) == 1 else None


# a commune's kind written without diacritics (`xa Thoi Hung`), which `commune_key` keeps
_LOOSE_COMMUNE_WORD = re.compile(r"^(uy ban nhan dan\s+)?(xa|phuong|thi tran|dac khu)\s+")


def _loose_commune(key: str) -> str:
    return _LOOSE_COMMUNE_WORD.sub("", loose_key(key))


def _loose_district(key: str) -> str:
    return _LOOSE_DISTRICT_WORD.sub("", loose_key(key))


def resolve_district(ds: Dataset, text: str | None) -> str | None:
    """The label of the district `text` names, written as units write district names: with or
    without `Quận`/`Huyện`/`Thị xã`/`TP.`/`UBND`, any case, tone placement, or without
    diacritics when that names one district only; None when it names none."""
    return _match(district_choices(ds), district_key(text), _loose_district)


def resolve_sector(ds: Dataset, text: str | None) -> str | None:
    """The label of the sector `text` names (any case, tone placement, or without diacritics
    when that names one sector only); None when it names none."""
    return _match(sector_choices(ds), text_key(text))


def resolve_kind(text: str | None) -> str | None:
    """The kind (or `co_quan_hanh_chinh`) `text` names, by its code or its label; None when
    it names none."""
    if not text:
        return None
    choices = {text_key(kind): str(kind) for kind in KIND_CHOICES}
    choices.update({text_key(label): str(kind) for kind, label in KIND_CHOICES.items()})
    return _match(choices, text_key(text))


def resolve_scope(ds: Dataset, text: str | None) -> Filter | None:
    """`--scope NAME|CODE`: the city, a unit (code or name), a district, a commune, a sector
    or a kind."""
    if not text or text_key(text) in (text_key("Toàn thành phố"), text_key("Toàn tỉnh")):
        return Filter(label=text or CITY_LABEL)
    if not text_key(text):  # nothing a name could match (only marks or invisible characters)
        return None
    units = ds.units
    codes = memoised(ds, ("code_casefold",), lambda: units["code"].fillna("").str.casefold())
    by_code = units[codes == text.strip().casefold()]
    if len(by_code) == 1:
        row = by_code.iloc[0]
        return Filter(unit_id=int(row["id"]), label=row["name"])
    by_name = units[units["name_key"] == name_key(text)]
    if len(by_name) == 1:
        row = by_name.iloc[0]
        return Filter(unit_id=int(row["id"]), label=row["name"])
    district = resolve_district(ds, text)
    if district is not None:
        return Filter(district=district, label=district)
    commune = resolve_commune(ds, text)
    if commune is not None:
        return Filter(commune=commune, label=commune)
    sector = resolve_sector(ds, text)
    if sector is not None:
        return Filter(sector=sector, label=sector)
    kind = resolve_kind(text)
    if kind is not None:
        return Filter(kind=kind, label=KIND_CHOICES[kind])
    province = resolve_province(ds, text)
    if province is not None:
        return Filter(province=province, label=province_choices(ds)[province])
    return None
