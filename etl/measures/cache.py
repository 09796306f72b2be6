"""What is kept so it is not computed or read again: results derived from a `Dataset`
(kept with it, so until the data change) and, per process, the `Dataset` of a database
(read again only when its data version changes).

A `Dataset` is immutable and rebuilt after every accepted upload, so what is derived from it
(facts split by measure and status, existence per date, lineage homes, scope masks, whole
summaries) is kept in `Dataset.memo`: the cache is keyed by the data version by construction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from etl.measures.dataset import Dataset, build_dataset, refresh_dataset
from etl.storage import db

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


def load_dataset(engine: Engine, previous: Dataset | None = None) -> Dataset:
    """The stored figures as a `Dataset` (with its data version), read in one snapshot.

    With `previous` (a Dataset of this database): when only new submissions were stored since
    its version, only their rows are read and the Dataset is derived from `previous`, equal to
    a full load; anything else (a deletion, an edit, a migration) loads everything."""
    since = previous.version if previous is not None else None
    snapshot = db.read_snapshot(engine, since=db.DataVersion(*since) if since else None)
    if snapshot.since is not None and previous is not None:
        if snapshot.version == tuple(since or ()):
            return previous
        return refresh_dataset(previous, snapshot.frames, snapshot.version)
    return build_dataset(snapshot.frames, snapshot.version)


class DatasetCache:
    """The stored tables as a `Dataset`, rebuilt only when the data version changes.

    The version (`db.data_version`: the latest submission and the latest logged change) is
    read from the database on every call, so every worker process sees an accepted upload at
    once. After new uploads only their rows are read (`load_dataset` with the previous
    Dataset); anything else reloads everything. One thread of the process rebuilds while the
    others wait for its result. The cache itself is per process and lives on the app object,
    not in a module global.
    """

    def __init__(self) -> None:
        self._dataset: Dataset | None = None
        self._lock = threading.Lock()

    def get(self, engine: Engine) -> Dataset:
        version = db.data_version(engine)
        dataset = self._dataset
        if dataset is not None and dataset.version == version:
            return dataset
        with self._lock:
            dataset = self._dataset
            if dataset is None or dataset.version != version:
                dataset = load_dataset(engine, previous=dataset)
                self._dataset = dataset
            return dataset
