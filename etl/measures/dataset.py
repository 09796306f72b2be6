"""The stored tables as frames: the `Dataset`, built from every row or refreshed after new
submissions (no database, no I/O: the rows come from `etl.storage.db`).

A `Dataset` is immutable and rebuilt after every change of the figures it shows; superseded
rows are resolved (the later return supersedes). It holds the rows of the submissions it shows
only (`shown`: the approved ones, or, `figures="all"`, the waiting ones too), the units they
create or refer to, their attributes overlaid with the revisions those submissions set
(`overlay_revisions`) and unit validity replayed from their Biểu 03 events. What is derived
from it is kept in `Dataset.memo` (`etl.measures.cache`), so keyed by the data version by
construction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from etl.core.normalize import canonical_district_labels
from etl.core.provinces import display_name
from etl.core.rules import RuleChoice, latest_choices
from etl.core.vocabulary import FactStatus, Measure
from etl.measures.communes import commune_dates, derived_event_units, end_district_levels

# what every file made from the waiting returns' figures too carries, visibly (a title line,
# a page header): a printed copy must not pass for the official, approved figures
UNREVIEWED_STAMP = "Bao gồm số liệu chưa duyệt (không phải số liệu chính thức)"


def unreviewed_stamp(figures: str) -> str | None:
    """`UNREVIEWED_STAMP` for the figures of a `Dataset` (`figures="all"`), else None."""
    return UNREVIEWED_STAMP if figures == "all" else None


@dataclass
class Dataset:
    """The stored tables as frames, with superseded rows resolved."""

    units: pd.DataFrame
    facts: pd.DataFrame  # current values only
    fact_history: pd.DataFrame
    job_positions: pd.DataFrame  # latest per unit
    events: pd.DataFrame  # latest per natural key
    event_units: pd.DataFrame
    targets: pd.DataFrame  # latest per (programme, scope, measure)
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
    # "approved" (the approved submissions' rows) or "all" (the waiting ones' too)
    figures: str = "approved"
    # the ids of the submissions whose rows these are; None: every row given
    shown: frozenset[int] | None = None
    # the stored programmes (etl.measures.programmes reads them with their targets)
    programmes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # every event row shown and their before/after rows: unit validity is replayed from them
    event_history: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    event_unit_history: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    # every unit_revision row shown: unit attributes are their rows overlaid with these
    unit_revisions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    # the latest stored choice of each rule an administrator chooses (etl.core.rules; none
    # stored: the setting's default rules); part of the data version, like every row here
    rules: dict[str, RuleChoice] = field(default_factory=dict)


def latest_by(frame: pd.DataFrame, keys: list[str], order: str = "submission_id") -> pd.DataFrame:
    """The row of each key from the latest submission (the later return supersedes)."""
    if frame.empty:
        return frame
    ordered = frame.sort_values([order, "id"], kind="stable")
    return ordered.drop_duplicates(keys, keep="last").reset_index(drop=True)


FACT_KEY = ["unit_id", "measure", "status", "year"]
# a plan row supersedes the earlier one of its programme, scope and measure (docs/domain.md,
# "Programme targets"); rows stored before programmes existed have none (NaN): one programme
TARGET_KEY = ["programme_id", "scope_unit_id", "measure"]


def target_key(frame: pd.DataFrame) -> list[str]:
    """TARGET_KEY, without `programme_id` for frames made without it (before programmes)."""
    return [k for k in TARGET_KEY if k in frame.columns or k != "programme_id"]


# (measure, status) of the facts: their codes in the integer key (the domain has ten pairs)
FACT_PAIRS = tuple((m, s) for m in Measure for s in FactStatus)
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


def fact_pair_mask(ds: Dataset, measure: str | None, statuses: list[str]) -> np.ndarray | None:
    """Which rows of `ds.facts` are of `measure` (any: None) and one of `statuses`, from the
    facts' integer keys (`Dataset.fact_keys`, the (measure, status) pair's code in the low
    bits), not by comparing 600.000 strings; None when the keys are not there."""
    keys = ds.fact_keys
    if keys is None or len(keys) != len(ds.facts):
        return None
    wanted = [
        i
        for i, (m, s) in enumerate(FACT_PAIRS)
        if (measure is None or m == measure) and s in statuses
    ]
    return np.isin(keys & ((1 << _PAIR_BITS) - 1), wanted)


def fact_cells(
    ds: Dataset, measure: str, statuses: list[str]
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The current facts of `measure` and one of `statuses`, laid out by (unit, year): `at`
    (each fact's row among the `n` pairs of unit and year that have any, in the order of unit
    then year), the pairs' `unit_id` and `year`, and of each fact which status (`of`, its
    place in `statuses`), its value and its submission (as floats). From the facts' integer
    keys (`Dataset.fact_keys`) when they are there, not by comparing 600.000 strings."""
    facts, keys = ds.facts, ds.fact_keys
    if keys is not None and len(keys) == len(facts):
        pair = keys & ((1 << _PAIR_BITS) - 1)
        code_of = np.full(1 << _PAIR_BITS, -1, dtype=np.int64)
        for i, (m, s) in enumerate(FACT_PAIRS):
            if m == measure and s in statuses:
                code_of[i] = statuses.index(s)
        of = code_of[pair]
    else:
        place = {s: i for i, s in enumerate(statuses)}
        of = facts["status"].map(place).fillna(-1).to_numpy(dtype=np.int64)
        of[(facts["measure"] != measure).to_numpy()] = -1
    rows = np.flatnonzero(of >= 0)
    of = of[rows]
    units = facts["unit_id"].to_numpy()[rows]
    years = facts["year"].to_numpy()[rows]
    value = facts["value"].to_numpy(dtype=float)[rows]
    sub = facts["submission_id"].to_numpy(dtype=float)[rows]
    if len(rows) and years.min() >= 0 and years.max() < 1 << 16 and units.min() >= 0:
        pairs, at = np.unique((units.astype(np.int64) << 16) | years, return_inverse=True)
        unit_id, year = pairs >> 16, pairs & 0xFFFF
    else:
        index = pd.MultiIndex.from_arrays([units, years])
        pairs = index.unique().sort_values()
        at = pairs.get_indexer(index)
        unit_id, year = pairs.get_level_values(0).to_numpy(), pairs.get_level_values(1).to_numpy()
    return (
        at.reshape(-1),
        len(unit_id),
        unit_id.astype(units.dtype),
        year.astype(years.dtype),
        of,
        value,
        sub,
    )


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
    """Unit rows as the Dataset holds them: validity as dates, no NULL district key, the
    district as the row writes it kept in `district_written` (`district` becomes the one label
    of the district, `_district_labels`)."""
    units = frame.copy()
    for column in ("valid_from", "valid_to"):  # objects whatever the rows (none, all NULL)
        units[column] = pd.to_datetime(units[column]).dt.date.astype(object)
    units["district_key"] = units["district_key"].fillna("")
    if "district_written" not in units.columns:
        units["district_written"] = units["district"]
    if "province_key" not in units.columns:  # frames made in code, without provinces
        units["province_key"] = ""
        units["province"] = None
    units["province_key"] = units["province_key"].fillna("")
    if "name_stored" not in units.columns:  # the name as stored; `name` is as shown
        units["name_stored"] = units["name"]
    return units


def merged_province_keys(events: pd.DataFrame) -> set[str]:
    """The keys of the provinces a stored merger of provinces ended (`event.provinces`)."""
    if not len(events) or "provinces" not in events.columns:
        return set()
    keys: set[str] = set()
    for provinces in events["provinces"].dropna():
        if isinstance(provinces, dict):
            after = (provinces.get("after") or [None, None])[1]
            keys |= {key for _name, key in provinces.get("before", []) if key != after}
    return keys


def _province_names(units: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """`units` with the `name` of a unit of another province shown with it: `Sở Y tế tỉnh Hậu
    Giang`, and `(cũ)` once that province merged (docs/domain.md, "Provinces and mergers");
    the units of the deployment's own province keep their name."""
    other = (units["province_key"] != "").to_numpy()
    if not other.any():
        return units
    merged = merged_province_keys(events)
    units = units.copy()
    stored = units["name_stored"].to_numpy(dtype=object)
    names = units["name"].to_numpy(dtype=object, copy=True)
    for i in np.flatnonzero(other):
        key = units["province_key"].iat[i]
        names[i] = display_name(stored[i], units["province"].iat[i] or key, key in merged)
    units["name"] = pd.array(names, dtype=units["name"].dtype)
    return units


def _district_labels(units: pd.DataFrame) -> pd.DataFrame:
    """`units` with `district` the one label of each district (the same for every unit of a
    district key, `normalize.canonical_district_labels` over every unit's written form), so
    the filter bar, the tables, the charts and the exports name a district alike
    (docs/domain.md, "District labels"). A unit with no district key keeps what it wrote."""
    if not len(units):
        return units
    written = units["district_written"]
    pairs = pd.DataFrame({"key": units["district_key"], "written": written}).dropna()
    counts = pairs[pairs["key"] != ""].value_counts(sort=False)
    labels = canonical_district_labels((k, w, n) for (k, w), n in counts.items())
    district = units["district_key"].map(labels).astype(object)
    units = units.copy()
    units["district"] = district.where(district.notna(), written)
    return units


# the unit attributes a revision sets (etl.storage.schema.unit_revision); valid_from and
# valid_to revisions are not overlaid: validity is replayed from the events shown
# (`_validity`), which wrote them and give the same dates
REVISED_ATTRIBUTES = ("parent", "sector", "autonomy")
SECTOR_IF_EMPTY = "sector_if_empty"


def _empty(values: np.ndarray) -> np.ndarray:
    return np.array([not isinstance(v, str) or not v for v in values], dtype=bool)


def overlay_revisions(units: pd.DataFrame, revisions: pd.DataFrame | None) -> pd.DataFrame:
    """`units` with the attributes `revisions` (unit_revision rows) set, in submission order
    (then id), as ingest used to update them: the later revision of a field wins; a
    `sector_if_empty` one sets the sector only when, at its place in that order, the unit has
    none. Revisions of other units are ignored; the columns keep their dtypes. Vectorised:
    at national size (50.000 units, 150.000 revisions) a few tens of milliseconds."""
    if revisions is None or not len(revisions) or not len(units):
        return units
    codes, names = pd.factorize(revisions["field"])
    code_of = {str(n): i for i, n in enumerate(names)}
    order = np.lexsort((revisions["id"].to_numpy(), revisions["submission_id"].to_numpy()))
    codes = codes[order]
    position = pd.Index(units["id"]).get_indexer(revisions["unit_id"].to_numpy())[order]
    given = revisions["value"].to_numpy(dtype=object)[order]
    known = position >= 0
    out = units
    for name in REVISED_ATTRIBUTES:
        code = code_of.get(name, -1)
        fill = code_of.get(SECTOR_IF_EMPTY, -1) if name == "sector" else -1
        if code < 0 and fill < 0:
            continue
        values = units[name].to_numpy(dtype=object, copy=True)
        last_set = np.full(len(units), -1, dtype=np.int64)  # rank of the unit's last set
        if code >= 0:
            last = _last_per_unit(np.flatnonzero(known & (codes == code)), position)
            values[position[last]] = given[last]
            last_set[position[last]] = last
        if fill >= 0:
            fills = np.flatnonzero(known & (codes == fill))
            fills = fills[fills > last_set[position[fills]]]
            _, first = np.unique(position[fills], return_index=True)
            first = fills[first]
            at = position[first]
            empty = _empty(values[at])
            values[at[empty]] = given[first][empty]
        if out is units:
            out = units.copy()
        out[name] = pd.array(values, dtype=units[name].dtype)
    return out


def _last_per_unit(ranks: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Of `ranks` (ascending), the greatest of each unit (`position[rank]`)."""
    backwards = ranks[::-1]
    _, first = np.unique(position[backwards], return_index=True)
    return backwards[first]


def _validity(units: pd.DataFrame, events: pd.DataFrame, event_units: pd.DataFrame) -> pd.DataFrame:
    """`units` (as read) with valid_from/valid_to replayed from `events` (every event row
    shown, with `event_units` their before/after rows), as ingest writes them
    (`etl.ingest.writer`): in the order the events were stored, a unit listed before an event
    and not after it ends at the event's date, one listed after and not before starts then;
    later events win. So an event that is not shown changes no unit."""
    valid_from = pd.Series(pd.NaT, index=units.index, dtype="datetime64[s]")
    valid_to = valid_from.copy()
    if len(events) and len(event_units):
        roles = event_units.assign(before=event_units["role"] == "before")
        roles = roles.assign(after=~roles["before"])
        sides = roles.groupby(["event_id", "unit_id"], sort=False)[["before", "after"]].any()
        sides = sides.reset_index()
        order = events[["id", "submission_id", "effective_date"]].rename(columns={"id": "event_id"})
        sides = sides.merge(order, on="event_id").sort_values(
            ["submission_id", "event_id"], kind="stable"
        )
        position = pd.Series(np.arange(len(units)), index=units["id"].to_numpy())
        for column, mask in (
            (valid_to, sides["before"] & ~sides["after"]),
            (valid_from, sides["after"] & ~sides["before"]),
        ):
            last = sides[mask].drop_duplicates("unit_id", keep="last")
            at = position.reindex(last["unit_id"].to_numpy())
            known = at.notna().to_numpy()
            column.iloc[at[known].astype(np.int64).to_numpy()] = last["effective_date"].to_numpy()[
                known
            ]
    return units.assign(valid_from=valid_from.to_numpy(), valid_to=valid_to.to_numpy())


def _referenced(tables: dict[str, pd.DataFrame]) -> set[int]:
    """The units the rows of `tables` refer to (facts, job positions, events, targets,
    unit revisions)."""
    ids: set[int] = set()
    for name, column in (
        ("fact", "unit_id"),
        ("job_position", "unit_id"),
        ("event_unit", "unit_id"),
        ("target", "scope_unit_id"),
        ("unit_revision", "unit_id"),
    ):
        frame = tables.get(name)
        if frame is not None and len(frame):
            ids.update(int(v) for v in pd.unique(frame[column].dropna()))
    return ids


def _shown_rows(
    tables: dict[str, pd.DataFrame], shown: frozenset[int] | None
) -> dict[str, pd.DataFrame]:
    """The rows of the submissions `shown` (all when None); units: those a shown submission
    created or a shown row refers to (a unit only a hidden submission knows is not there)."""
    if shown is None:
        return tables
    ids = np.fromiter(shown, dtype=np.int64, count=len(shown))
    kept = dict(tables)

    def rows(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        mask = frame[column].isin(ids).to_numpy()
        return frame if mask.all() else frame[mask].reset_index(drop=True)

    for name in ("fact", "job_position", "event", "target", "unit_revision"):
        if name in tables:
            kept[name] = rows(tables[name], "submission_id")
    kept["submission"] = rows(tables["submission"], "id")
    event_units = tables["event_unit"]
    mask = event_units["event_id"].isin(kept["event"]["id"]).to_numpy()
    kept["event_unit"] = event_units if mask.all() else event_units[mask].reset_index(drop=True)
    units = tables["unit"]
    visible = units["created_by"].isin(ids) | units["id"].isin(list(_referenced(kept)))
    kept["unit"] = units if visible.all() else units[visible.to_numpy()].reset_index(drop=True)
    return kept


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


def _with_derived(
    event_units: pd.DataFrame, units: pd.DataFrame, events: pd.DataFrame
) -> pd.DataFrame:
    """The stored before/after rows of the current events, and the derived before rows of
    those that end a district's level (`communes.derived_event_units`, negative ids)."""
    derived = derived_event_units(units, events)
    if not len(derived):
        return event_units
    return pd.concat([event_units, derived], ignore_index=True)


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


def rule_choices(frame: pd.DataFrame | None) -> dict[str, RuleChoice]:
    """The latest choice of each rule from the `rule_setting` rows (`latest_choices`)."""
    if frame is None or not len(frame):
        return {}
    return latest_choices(frame.sort_values("id", kind="stable").to_dict("records"))


def build_dataset(
    tables: dict[str, pd.DataFrame],
    version: tuple[Any, ...] | None = None,
    *,
    shown: frozenset[int] | None = None,
    figures: str = "approved",
) -> Dataset:
    """A `Dataset` from the raw tables of `etl.storage.db.read_snapshot` (every row of each),
    holding the rows of the submissions `shown` (every row when None)."""
    tables = _shown_rows(tables, shown)
    event_history, event_unit_history = tables["event"], tables["event_unit"]
    revisions = tables.get("unit_revision", pd.DataFrame())
    units = overlay_revisions(tables["unit"], revisions)
    units = _validity(units, event_history, event_unit_history)
    units = commune_dates(end_district_levels(units, event_history), tables["fact"])
    units = _district_labels(_units(units))
    events = _events(latest_by(event_history, ["natural_key"]))
    units = _province_names(units, events)
    event_units = _with_derived(_event_units(event_unit_history, events), units, events)
    facts, keys = _latest_facts(tables["fact"])
    return Dataset(
        event_sets=_event_sets(event_units),
        units=units.set_index("id", drop=False),
        facts=facts,
        fact_history=tables["fact"],
        job_positions=latest_by(tables["job_position"], ["unit_id"]),
        events=events,
        event_units=event_units,
        targets=latest_by(tables["target"], target_key(tables["target"])),
        programmes=tables.get("programme", pd.DataFrame()),
        submissions=tables.get("submission", pd.DataFrame()),
        version=version,
        fact_keys=keys,
        figures=figures,
        shown=shown,
        event_history=event_history,
        event_unit_history=event_unit_history,
        unit_revisions=revisions,
        rules=rule_choices(tables.get("rule_setting")),
    )


def concat_rows(
    old: pd.DataFrame, new: pd.DataFrame, keep: np.ndarray | None = None
) -> pd.DataFrame:
    """`pd.concat([old[keep], new], ignore_index=True)` of two frames with the same columns
    and dtypes, column by column: a national frame of facts is made of one block per column
    as read, and a frame-wide take or concat first copies them into one block (some hundred
    milliseconds after every upload); `pd.concat` when the columns or dtypes differ."""
    if list(old.columns) != list(new.columns) or not (old.dtypes == new.dtypes).all():
        kept = old if keep is None else old[keep]
        return pd.concat([kept, new], ignore_index=True)
    rows = None if keep is None else np.flatnonzero(keep)
    columns = {}
    for name in old.columns:
        first, second = old[name].array, new[name].array
        if rows is not None:
            first = first.take(rows)
        columns[name] = type(first)._concat_same_type([first, second])
    return pd.DataFrame(columns, copy=False)


def _append(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of `old` then `new`, in the order of their ids, as if read at once."""
    if not len(new):
        return old
    frame = concat_rows(old, new)
    if len(old) and new["id"].min() <= old["id"].max():
        frame = frame.sort_values("id", kind="stable", ignore_index=True)
    return frame


def refresh_dataset(
    old: Dataset,
    added: dict[str, pd.DataFrame],
    version: tuple[Any, ...] | None = None,
    *,
    shown: frozenset[int] | None = None,
) -> Dataset:
    """The `Dataset` after new submissions are shown, from `old` and what they added: for each
    table the rows of the new submissions (`etl.storage.db.read_snapshot` with `since`), for
    units every row they create or refer to, and every row updated since. Equal, frame by
    frame, to `build_dataset` of all the rows shown: the new submissions are later than every
    shown one, so each of their rows supersedes the current row of its key, and their ids
    follow the shown ones. `shown`: the submissions now shown (default: `old.shown` and those
    of `added`). `old` is left as it was; nothing derived from it (its memo) is carried over."""
    if shown is None and old.shown is not None:
        shown = old.shown | frozenset(int(i) for i in added["submission"]["id"])
    event_history = _append(old.event_history, added["event"])
    event_unit_history = _append(old.event_unit_history, added["event_unit"])
    new_units = added["unit"]
    if shown is not None:  # units of hidden submissions stay out, updated or not
        visible = (
            new_units["id"].isin(old.units.index)
            | new_units["created_by"].isin(list(shown))
            | new_units["id"].isin(list(_referenced(added)))
        )
        new_units = new_units[visible.to_numpy()]
    new_revisions = added.get("unit_revision", old.unit_revisions.iloc[:0])
    revisions = _append(old.unit_revisions, new_revisions)
    fact_history = _append(old.fact_history, added["fact"])
    if _units_unchanged(old, new_units, added, new_revisions, fact_history):
        units = old.units  # the usual return: figures only, of units as they were
    else:
        units = _refreshed_units(
            old,
            new_units,
            new_revisions,
            revisions,
            event_history,
            event_unit_history,
            fact_history,
        ).set_index("id", drop=False)

    new_facts = added["fact"]
    if old.fact_keys is None:
        facts, keys = _latest_facts(pd.concat([old.facts, new_facts], ignore_index=True))
    else:
        latest_new, new_keys = _latest_facts(new_facts)
        if new_keys is None:
            facts, keys = _latest_facts(pd.concat([old.facts, new_facts], ignore_index=True))
        else:
            kept = ~pd.Series(old.fact_keys).isin(new_keys).to_numpy()
            facts = concat_rows(old.facts, latest_new, kept)
            keys = np.concatenate([old.fact_keys[kept], new_keys])

    new_events = _events(added["event"])
    events = old.events
    if len(new_events):
        events = latest_by(pd.concat([old.events, new_events], ignore_index=True), ["natural_key"])
    stored = old.event_units[old.event_units["id"] > 0] if len(old.event_units) else old.event_units
    event_units = _event_units(_append(stored, added["event_unit"]), events)
    units = _province_names(units, events)
    event_units = _with_derived(event_units, units, events)
    return Dataset(
        event_sets=_event_sets(event_units),
        units=units,
        facts=facts,
        fact_history=fact_history,
        job_positions=_latest_added(old.job_positions, added["job_position"], ["unit_id"]),
        events=events,
        event_units=event_units,
        targets=_latest_added(old.targets, added["target"], target_key(old.targets)),
        programmes=added["programme"] if "programme" in added else old.programmes,
        submissions=_append(old.submissions, added["submission"]),
        version=version,
        fact_keys=keys,
        figures=old.figures,
        shown=shown,
        event_history=event_history,
        event_unit_history=event_unit_history,
        unit_revisions=revisions,
        rules=rule_choices(added["rule_setting"]) if "rule_setting" in added else old.rules,
    )


def _refreshed_units(
    old: Dataset,
    new_units: pd.DataFrame,
    new_revisions: pd.DataFrame,
    revisions: pd.DataFrame,
    event_history: pd.DataFrame,
    event_unit_history: pd.DataFrame,
    fact_history: pd.DataFrame,
) -> pd.DataFrame:
    """The units of `refresh_dataset` (not indexed): `old`'s with the rows read replaced."""
    kept_units = old.units.reset_index(drop=True)
    kept_units = kept_units[~kept_units["id"].isin(new_units["id"])]
    units = _append(kept_units, _units(new_units)) if len(new_units) else kept_units
    # the units read (their rows as stored) and those newly revised get every revision of
    # theirs overlaid; the others are as overlaid before (overlaying again changes nothing)
    touched = np.union1d(new_units["id"].to_numpy(), new_revisions["unit_id"].to_numpy())
    if len(touched) and len(revisions):
        units = overlay_revisions(units, revisions[revisions["unit_id"].isin(touched).to_numpy()])
    units = _validity(units, event_history, event_unit_history)
    units = commune_dates(end_district_levels(units, event_history), fact_history)
    units = _units(units).reset_index(drop=True)
    return _district_labels(units)


def _units_unchanged(
    old: Dataset,
    new_units: pd.DataFrame,
    added: dict[str, pd.DataFrame],
    revisions: pd.DataFrame,
    fact_history: pd.DataFrame,
) -> bool:
    """True when the units of `refresh_dataset` are `old.units` as they are: no new event
    and no new revision (so validity and attributes of the units kept do not move), and
    the rows read (the units the new rows refer to, as stored) made into Dataset rows alone
    — their revisions overlaid, validity replayed from the events, `_units` — equal the rows
    `old` holds for them, column by column and dtype by dtype (`district` aside: the same
    key and written form give the same label, the counts over every unit being unchanged).
    The usual return reports figures of known units: rebuilding every unit to find them as
    they were costs a national dataset more than the rest of the refresh. The rows read
    alone cannot see what other units tell of them (a commune body dated by its commune's
    council): such a row differs, and the units are rebuilt; `name` is left aside, the
    stored name being compared (`_province_names` is applied to every unit afterwards)."""
    if len(added["event"]) or len(added["event_unit"]) or len(revisions):
        return False
    if not len(new_units):
        return True
    ids = new_units["id"].to_numpy()
    if not old.units.index.is_unique or not pd.Index(ids).isin(old.units.index).all():
        return False
    own = old.unit_revisions
    if len(own):
        own = own[own["unit_id"].isin(ids).to_numpy()]
    rows = overlay_revisions(new_units.reset_index(drop=True), own)
    # a unit's validity is replayed from its own before/after rows: only theirs are grouped
    theirs = old.event_unit_history
    if len(theirs):
        theirs = theirs[theirs["unit_id"].isin(ids).to_numpy()]
    rows = _validity(rows, old.event_history, theirs)
    rows = _units(commune_dates(end_district_levels(rows, old.event_history), fact_history))
    before = old.units.loc[ids].reset_index(drop=True)
    columns = [c for c in before.columns if c not in ("district", "name")]
    if sorted(rows.columns) != sorted(before.columns):
        return False
    rows, before = rows[columns], before[columns]
    return bool((rows.dtypes == before.dtypes).all()) and rows.equals(before)


def with_units_updated(
    old: Dataset, updated: pd.DataFrame, version: tuple[Any, ...] | None
) -> Dataset:
    """`old` at `version` when only unit rows were updated (by submissions it does not show):
    the same Dataset (frames and memo) restamped when the units it holds are unchanged, else
    a Dataset with those units replaced (equal to a full load)."""
    shown = refresh_dataset(old, {**_no_rows(old), "unit": updated}, version, shown=old.shown)
    if shown.units.equals(old.units) and (shown.units.dtypes == old.units.dtypes).all():
        return dataclasses.replace(old, version=version)
    return shown


def _no_rows(ds: Dataset) -> dict[str, pd.DataFrame]:
    return {
        "fact": ds.fact_history.iloc[:0],
        "job_position": ds.job_positions.iloc[:0],
        "event": ds.event_history.iloc[:0],
        "event_unit": ds.event_unit_history.iloc[:0],
        "target": ds.targets.iloc[:0],
        "submission": ds.submissions.iloc[:0],
        "unit_revision": ds.unit_revisions.iloc[:0],
    }


def _latest_added(current: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`latest_by` of every row, from the current rows and those of later submissions."""
    if not len(new):
        return current
    return latest_by(pd.concat([current, new], ignore_index=True), keys)
