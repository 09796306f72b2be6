"""Communes and the end of the district level, on the stored tables as frames (no `Dataset`:
`etl.measures.dataset` builds with these; docs/domain.md, "Communes" and "The end of the
district level").

A Biểu 03 row whose `Loại đơn vị` is `Quận, huyện` is stored as an event with the district's
key (`event.district_key`) and the communes' UBND units after it; its before units are not
stored but derived when read: the district's agencies (`DISTRICT_LEVEL_KINDS`) existing on its
date. So a district agency first reported after the row is ended by it too. Dates are the
data's: a commune-level body's `valid_from` is its event's, else its commune's council's,
else 1 January of its first assigned figure's year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.core.vocabulary import DISTRICT_LEVEL_KINDS, FactStatus, UnitKind

_LEVEL_KINDS = [str(k) for k in DISTRICT_LEVEL_KINDS]
_COMMUNE_KIND = UnitKind.CO_QUAN_CAP_XA.value


def district_ends(events: pd.DataFrame) -> pd.DataFrame:
    """The events that end a district's level (a district key set), in stored order."""
    if not len(events) or "district_key" not in events.columns:
        return events.iloc[:0]
    ends = events[events["district_key"].fillna("").astype(str) != ""]
    return ends.sort_values(["submission_id", "id"], kind="stable")


def end_district_levels(units: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """`units` (validity replayed from the ordinary events) with every agency of a district
    whose level ends (`district_ends` of `events`, every event row shown) ended on that
    date when it exists then."""
    ends = district_ends(events)
    if not len(ends) or not len(units):
        return units
    valid_from = pd.to_datetime(units["valid_from"]).reset_index(drop=True)
    valid_to = pd.to_datetime(units["valid_to"]).reset_index(drop=True)
    level = units["kind"].isin(_LEVEL_KINDS).to_numpy()
    dkey = units["district_key"].fillna("").to_numpy(dtype=object)
    for key, date in zip(ends["district_key"], pd.to_datetime(ends["effective_date"]), strict=True):
        alive = (
            level
            & (dkey == key)
            & (valid_from.isna() | (valid_from <= date)).to_numpy()
            & (valid_to.isna() | (valid_to > date)).to_numpy()
        )
        valid_to[alive] = date
    return units.assign(valid_to=valid_to.to_numpy())


def commune_dates(units: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """`units` with a `valid_from` for every commune-level body that no event dates: its
    commune's earliest dated body (the council a district-end or `Thành lập mới` row names),
    else 1 January of the first year it has an assigned figure for."""
    if not len(units) or "commune_key" not in units.columns:
        return units
    valid_from = pd.to_datetime(units["valid_from"]).reset_index(drop=True)
    commune = (units["kind"] == _COMMUNE_KIND).to_numpy()
    undated = commune & valid_from.isna().to_numpy()
    if not undated.any():
        return units
    ckey = units["commune_key"].fillna("").to_numpy(dtype=object)
    dated = commune & ~undated & (ckey != "")
    by_commune = pd.Series(valid_from[dated].to_numpy()).groupby(ckey[dated]).min()
    first_year = pd.Series(dtype="int64")
    if len(facts):
        assigned = facts[facts["status"] == FactStatus.ASSIGNED.value]
        first_year = assigned.groupby("unit_id")["year"].min()
    ids = units["id"].to_numpy()
    for i in np.flatnonzero(undated):
        if ckey[i] and ckey[i] in by_commune.index:
            valid_from.iloc[i] = by_commune[ckey[i]]
        elif ids[i] in first_year.index:
            valid_from.iloc[i] = pd.Timestamp(int(first_year[ids[i]]), 1, 1)
    return units.assign(valid_from=valid_from.to_numpy())


def derived_event_units(units: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The before rows of the current district-end events (`events`): the district's agencies
    that end on its date (`units`' validity as `end_district_levels` made it). Their ids are
    negative, so they are never taken for stored rows."""
    ends = district_ends(events)
    columns = ["id", "event_id", "unit_id", "role"]
    if not len(ends) or not len(units):
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns[:3]}).assign(
            role=pd.Series(dtype=object)
        )
    level = units["kind"].isin(_LEVEL_KINDS).to_numpy()
    dkey = units["district_key"].fillna("").to_numpy(dtype=object)
    valid_to = pd.to_datetime(units["valid_to"]).to_numpy()
    rows: list[tuple[int, int]] = []
    for event_id, key, date in zip(
        ends["id"], ends["district_key"], pd.to_datetime(ends["effective_date"]), strict=True
    ):
        ended = level & (dkey == key) & (valid_to == np.datetime64(date))
        rows += [(int(event_id), int(u)) for u in units["id"].to_numpy()[ended]]
    frame = pd.DataFrame(rows, columns=["event_id", "unit_id"], dtype="int64")
    frame.insert(0, "id", -np.arange(1, len(frame) + 1, dtype="int64"))
    frame["role"] = "before"
    return frame
