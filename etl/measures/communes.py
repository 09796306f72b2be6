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
    date when it exists then: applied in stored order that is the earliest such date (a
    later row of an earlier date ends it earlier; one of a later date finds it ended)."""
    pairs = _level_pairs(units, district_ends(events))
    if not len(pairs):
        return units
    alive = (pairs["valid_from"].isna() | (pairs["valid_from"] <= pairs["date"])) & (
        pairs["valid_to"].isna() | (pairs["valid_to"] > pairs["date"])
    )
    ended = pairs[alive].groupby("position")["date"].min()
    valid_to = pd.to_datetime(units["valid_to"]).to_numpy(copy=True)
    valid_to[ended.index.to_numpy()] = ended.to_numpy(dtype=valid_to.dtype)
    return units.assign(valid_to=valid_to)


def _level_pairs(units: pd.DataFrame, ends: pd.DataFrame) -> pd.DataFrame:
    """(position, unit id, valid_from, valid_to, event id, date) for each agency of a
    district's level and each district-end row of its district."""
    if not len(ends) or not len(units):
        return pd.DataFrame()
    level = units["kind"].isin(_LEVEL_KINDS).to_numpy()
    frame = pd.DataFrame(
        {
            "position": np.flatnonzero(level),
            "unit_id": units["id"].to_numpy()[level],
            "district_key": units["district_key"].fillna("").to_numpy(dtype=object)[level],
            "valid_from": pd.to_datetime(units["valid_from"]).to_numpy()[level],
            "valid_to": pd.to_datetime(units["valid_to"]).to_numpy()[level],
        }
    )
    rows = pd.DataFrame(
        {
            "event_id": ends["id"].to_numpy(),
            "district_key": ends["district_key"].astype(str).to_numpy(dtype=object),
            "date": pd.to_datetime(ends["effective_date"]).to_numpy(),
        }
    )
    return frame.merge(rows, on="district_key")


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
    at = np.flatnonzero(undated)
    first_year = pd.Series(dtype="int64")
    if len(facts):  # only the undated bodies' figures: not every fact of every unit
        wanted = facts["unit_id"].isin(units["id"].to_numpy()[at])
        assigned = facts[wanted & (facts["status"] == FactStatus.ASSIGNED.value)]
        first_year = assigned.groupby("unit_id")["year"].min()
    from_commune = pd.to_datetime(pd.Series(ckey[at]).map(by_commune.to_dict()))
    years = pd.Series(units["id"].to_numpy()[at]).map(first_year.to_dict())
    january = pd.to_datetime(
        {"year": years.fillna(1970), "month": 1, "day": 1}, errors="coerce"
    ).where(years.notna())
    found = from_commune.where(from_commune.notna(), january)
    filled = valid_from.to_numpy(copy=True)
    filled[at] = found.to_numpy(dtype="datetime64[ns]")
    return units.assign(valid_from=filled)


def derived_event_units(units: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The before rows of the current district-end events (`events`): the district's agencies
    that end on its date (`units`' validity as `end_district_levels` made it). Their ids are
    negative, so they are never taken for stored rows."""
    pairs = _level_pairs(units, district_ends(events))
    if len(pairs):
        pairs = pairs[pairs["valid_to"] == pairs["date"]]
    if not len(pairs):
        return pd.DataFrame(
            {c: pd.Series(dtype="int64") for c in ("id", "event_id", "unit_id")}
        ).assign(role=pd.Series(dtype=object))
    frame = pairs[["event_id", "unit_id"]].astype("int64").reset_index(drop=True)
    frame.insert(0, "id", -np.arange(1, len(frame) + 1, dtype="int64"))
    frame["role"] = "before"
    return frame
