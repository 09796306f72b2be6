"""What is kept so it is not computed or read again: results derived from a `Dataset`
(kept with it, so until the data change) and, per process, the `Dataset` of a database
(read again only when its data version changes).

A `Dataset` is immutable and rebuilt after every accepted upload, so what is derived from it
(facts split by measure and status, existence per date, lineage homes, scope masks, whole
summaries) is kept in `Dataset.memo`: the cache is keyed by the data version by construction.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from etl.measures.dataset import Dataset, build_dataset, refresh_dataset, with_units_updated
from etl.storage import db, review_reads

# ---------------------------------------------------------------- results derived from a Dataset

_MISSING = object()


def memoised(ds: Dataset, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
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
    "province_share": 48,
    "missing": 128,
    "summary": 256,
    "target_row": 512,  # the plan row of a scope: per plan rows, measure and unit
    "unit_table": 6,
    "unit_rows": 6,
    "scope_breakdown": 12,  # a view × sector, district or kind (the period-end report)
    "quota_by_year": 32,  # a view's quota per year and measure (the card and its chart)
    "furthest_behind": 64,  # a view's five units furthest from their targets, per measure
    "shortages": 32,
    "chart": 96,
    "chart_image": 24,  # a chart's PNG or PDF (50-200 kB): the report's pictures, downloads
    "unit_grid": 6,
    "unit_grid_folded": 48,  # folded texts and their ranks
    "owing": 8,
    "tracker": 4,  # a national tracker table and its rendered page are a few MB each
    "tracker_view": 4,
    "tracker_rows": 4,  # the tracker's units grid: its rows and their folded texts
    "tracker_folded": 48,
    "reorg_events": 8,  # the reorganisation page's list of events, per cut-off date
}


def remembered(ds: Dataset, family: str, key: Any, build: Callable[[], Any]) -> Any:
    """`build()` for `key`, kept with this dataset (so until the data change) among the
    LRU_SIZES[family] most recently used of the family."""
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


def remembered_for_frame(
    ds: Dataset, family: str, frame: Any, key: tuple[Any, ...], build: Callable[[], Any]
) -> Any:
    """`remembered` keyed by the identity of `frame` (held in the entry, so its id is not
    reused)."""
    entry = remembered(ds, family, (id(frame), *key), lambda: (frame, build()))
    if entry[0] is not frame:  # pragma: no cover - an id reused after an eviction race
        return build()
    return entry[1]


# ---------------------------------------------------------------- the Dataset of a database


def load_dataset(
    engine: Engine, previous: Dataset | None = None, *, figures: str = "approved"
) -> Dataset:
    """The stored figures as a `Dataset` (with its data version), read in one snapshot:
    the approved submissions' figures, or (`figures="all"`) the waiting ones' too; a returned
    submission's never.

    With `previous` (a Dataset of this database, of the same `figures`): when the figures it
    shows moved only by newly shown submissions later than every one it shows (a new upload
    for "all", the approval of the latest for "approved"), only their rows are read and the
    Dataset is derived from `previous`, equal to a full load; when the submissions shown are
    the same (a new waiting upload, a return, for "approved"), `previous` itself is kept
    (restamped with the new version: its frames and memo too) unless the units it holds were
    updated; anything else (an older submission approved, a deletion, an edit, a migration)
    loads everything. A derived Dataset keeps what `previous` derived from its units and
    events alone when the new rows changed neither (`carry_unit_results`)."""
    review_reads.check_figures(figures)
    if previous is not None and (previous.figures != figures or previous.shown is None):
        previous = None
    since = db.DataVersion(*previous.version) if previous and previous.version else None
    snapshot = db.read_snapshot(
        engine,
        since=since,
        figures=figures,
        shown_before=previous.shown if previous is not None else None,
    )
    if snapshot.since is not None and previous is not None:
        if snapshot.version == since:
            return previous
        if not snapshot.added:
            return with_units_updated(previous, snapshot.frames["unit"], snapshot.version)
        refreshed = refresh_dataset(
            previous, snapshot.frames, snapshot.version, shown=snapshot.shown
        )
        return carry_unit_results(previous, refreshed, snapshot.frames)
    return build_dataset(snapshot.frames, snapshot.version, shown=snapshot.shown, figures=figures)


# what is derived from the units and the events alone (etl/measures/scoping.py: the unit
# columns, existence per date, scope masks, lineage homes; metrics.py: the event rows and the
# positions of the homes): still true after new returns that change neither
UNIT_MEMO = (
    ("unit_columns",),
    ("code_casefold",),
    ("event_rows",),
    ("reorg_unit_labels",),
    # etl/measures/provinces.py and scoping.py: from the units, the events and the settings
    ("province_mergers",),
    ("unit_provinces",),
    ("province_choices",),
    ("district_level_end",),
    ("former_district_communes",),
)
UNIT_FAMILIES = ("exists", "scope", "homes", "homes_positions", "reorg_events")
# what is derived from the facts and can be brought up to date from a return's own fact rows
# (metrics._reported, programmes.first_assigned_year): kept with the rows, for their owner
FACT_MEMO = (("reported",), ("first_assigned_year",))


def before_upload(ds: Dataset, key: tuple[Any, ...]) -> tuple[Any, pd.DataFrame] | None:
    """(what the Dataset before the latest figures-only return held for `key`, that return's
    fact rows as read) when `ds` was derived from it by `carry_unit_results` (same units,
    same events); None otherwise. The caller updates the value from the rows, or builds it."""
    before = ds.memo.get(("before", key), _MISSING)
    added = ds.memo.get(("added_facts",))
    if before is _MISSING or added is None:
        return None
    return before, added


def carry_unit_results(old: Dataset, new: Dataset, added: dict[str, Any]) -> Dataset:
    """`new` (derived from `old` and the rows `added`) keeping what `old` derived from its
    units and events alone, when the new rows changed neither (figures only, the usual
    return): the next views need not rebuild existence, scopes and lineage; and, for the
    results of FACT_MEMO, what `old` held with the return's fact rows (`before_upload`), so
    that they are brought up to date rather than rebuilt. `new` itself otherwise."""
    if any(len(added.get(name, ())) for name in ("event", "event_unit")):
        return new
    same = (
        new.units is old.units  # kept as they were by refresh_dataset (compared there)
        or (
            new.units.equals(old.units)
            and new.units.index.equals(old.units.index)
            and (new.units.dtypes == old.units.dtypes).all()
        )
    ) and new.event_sets == old.event_sets
    if not same:
        return new
    carried = dataclasses.replace(new, units=old.units, memo={})
    for key in UNIT_MEMO:
        if key in old.memo:
            carried.memo[key] = old.memo[key]
    for key in FACT_MEMO:
        if key in old.memo:
            carried.memo[("before", key)] = old.memo[key]
    carried.memo[("added_facts",)] = added.get("fact", pd.DataFrame())
    for family in UNIT_FAMILIES:
        entries = old.memo.get(("lru", family))
        if entries is None:
            continue
        try:
            carried.memo[("lru", family)] = OrderedDict(entries)
        except RuntimeError:  # changed by another thread while copied: rebuilt when asked
            continue
    return carried


class DatasetCache:
    """The stored tables as a `Dataset` per choice of figures ("approved", "all"), rebuilt
    only when the data version changes.

    The version (`db.data_version`: the latest submission, the latest logged change and the
    latest review row) is read from the database on every call, so every worker process sees
    an accepted upload or a review at once. Then `load_dataset` with the previous Dataset of
    the same figures: a new waiting upload keeps the approved Dataset as it was, new shown
    submissions are read alone; anything else reloads everything. One thread of the process
    rebuilds while the others wait for its result. The cache itself is per process and lives
    on the app object, not in a module global; the "all" Dataset is built only when asked.
    """

    def __init__(self) -> None:
        self._datasets: dict[str, Dataset] = {}
        self._lock = threading.Lock()

    def get(self, engine: Engine, figures: str = "approved") -> Dataset:
        review_reads.check_figures(figures)
        version = db.data_version(engine)
        dataset = self._datasets.get(figures)
        if dataset is not None and dataset.version == version:
            return dataset
        with self._lock:
            dataset = self._datasets.get(figures)
            if dataset is None or dataset.version != version:
                dataset = load_dataset(engine, previous=dataset, figures=figures)
                self._datasets[figures] = dataset
            return dataset
