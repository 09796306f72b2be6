"""The in-memory Dataset after an upload: derived from the previous one and the new rows only,
equal frame by frame to a full load; a full load whenever anything else changed."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, text

from etl.measures import cache, metrics
from etl.measures.cache import DatasetCache, load_dataset
from etl.measures.dataset import Dataset
from etl.measures.programmes import first_assigned_year
from etl.measures.scoping import home_units
from etl.storage import db
from tests.builders import SN, city_targets, events_return, units_return

AS_OF = dt.date(2024, 6, 30)
FRAMES = (
    "units",
    "facts",
    "fact_history",
    "job_positions",
    "events",
    "event_units",
    "targets",
    "submissions",
)
EDU = "Giáo dục và Đào tạo"


def assert_same(refreshed: Dataset, full: Dataset) -> None:
    """Every frame equal (values, dtypes, index, order), and the same figures."""
    for name in FRAMES:
        pd.testing.assert_frame_equal(
            getattr(refreshed, name), getattr(full, name), check_exact=True, obj=name
        )
    assert refreshed.event_sets == full.event_sets
    assert refreshed.version == full.version
    if full.fact_keys is None:
        assert refreshed.fact_keys is None
    else:
        np.testing.assert_array_equal(refreshed.fact_keys, full.fact_keys)
    for when in (dt.date(2022, 12, 31), dt.date(2023, 12, 31), AS_OF):
        assert metrics.summary(refreshed, when) == metrics.summary(full, when)
        pd.testing.assert_frame_equal(home_units(refreshed, when), home_units(full, when))


def _school(name: str, *values: Any, owner: str = "UBND quận Ninh Kiều") -> list[Any]:
    return [name, EDU, owner, *values]


def _uploads() -> list[tuple[str, bytes]]:
    """Targets, units, reorganisations, a replacing return with a new unit, a replacing
    reorganisation return, new targets — in the order they are uploaded."""
    first = [
        _school("Trường A", 30, 30, None, None, None, "Đã phê duyệt"),
        _school("Trường B", 20, 20, None, None, None, "Đã phê duyệt"),
        _school("Trường C", 40, 40, 85, 80, 3, "Đã phê duyệt"),
        _school("Trường D", 25, 25, None, None, None, None, owner="UBND quận Bình Thủy"),
        ["Bệnh viện", "Y tế", "Sở Y tế", 300, 290, 280, 270, 10, "Đã phê duyệt"],
    ]
    events = [
        ["01/08/2023", "QĐ 1", "Sáp nhập", "Trường A; Trường B", "Trường C", SN, EDU],
        ["15/03/2023", "QĐ 2", "Giải thể", "Trường D", None, SN, EDU],
    ]
    replacing = [
        _school("Trường C", 40, 40, 84, 79, 2, "Đã phê duyệt"),  # supersedes 2023, 2024
        ["Bệnh viện", "Y tế", "Sở Y tế", 300, 290, 281, 269, 12, "Không đủ điều kiện"],
        _school("Trường H", None, None, 12, 11, None, "Đã phê duyệt"),  # a new unit
    ]
    events_again = [  # the same events (same natural keys), another document: supersedes
        ["01/08/2023", "QĐ 1a", "Sáp nhập", "Trường A; Trường B", "Trường C", SN, EDU],
        ["01/02/2024", "QĐ 7", "Thành lập mới", None, "Trường H", SN, EDU],
    ]
    return [
        ("00.xlsx", city_targets()),
        ("02.xlsx", units_return(first)),
        ("03.xlsx", events_return(events)),
        ("02b.xlsx", units_return(replacing)),
        ("03b.xlsx", events_return(events_again)),
        ("00b.xlsx", city_targets("6%", "11%")),
    ]


def test_refresh_after_each_upload_equals_a_full_load(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    previous: Dataset | None = None
    for step, (name, content) in enumerate(_uploads()):
        result = ingest(content, name)
        assert result.status == "accepted", result.problems
        full = load_dataset(engine)
        if previous is not None:
            metrics.summary(previous, AS_OF)  # the previous Dataset has memoised results
            refreshed = load_dataset(engine, previous=previous)
            assert len(refreshes) == step  # derived, not loaded
            assert refreshed.memo is not previous.memo
            # only what depends on the units and events alone is kept, and only when the
            # upload changed neither (figures only: 02b adds a unit, 00b only targets)
            kept = {k if k[0] != "lru" else k[:2] for k in refreshed.memo}
            families = {("lru", f) for f in cache.UNIT_FAMILIES} | set(cache.UNIT_MEMO)
            families |= {("before", k) for k in cache.FACT_MEMO} | {("added_facts",)}
            assert kept <= families
            assert bool(kept) == (name == "00b.xlsx"), (name, kept)
            assert_same(refreshed, full)
            previous = refreshed
        else:
            previous = full
    assert len(previous.fact_history) > len(previous.facts)  # something was superseded
    assert previous.units["valid_to"].notna().sum() == 3  # A, B (merged) and D (dissolved)
    assert len(previous.events) == 3 and "QĐ 1a" in set(previous.events["doc_ref"])


def test_a_figures_only_return_keeps_existence_scopes_and_lineage(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    """A return that changes figures of known units only: the refreshed Dataset keeps the
    units frame and what was derived from units and events (homes, scopes), and its figures
    equal a full load's."""
    for name, content in _uploads()[:3]:
        assert ingest(content, name).status == "accepted"
    previous = load_dataset(engine)
    before = metrics.summary(previous, AS_OF)
    homes = home_units(previous, AS_OF)
    again = [_school("Trường C", 40, 40, 83, 78, 1, "Đã phê duyệt")]
    assert ingest(units_return(again), "02c.xlsx").status == "accepted"
    refreshed = load_dataset(engine, previous=previous)
    assert refreshed.units is previous.units
    assert home_units(refreshed, AS_OF) is homes  # kept, not rebuilt
    assert_same(refreshed, load_dataset(engine))
    assert metrics.summary(refreshed, AS_OF) != before  # the figures did move


def test_what_a_figures_only_return_reports_is_updated_from_its_own_rows(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    """Which units reported which year (the missing data) and the first year with a quota,
    after a return that adds a year of a known unit: brought up to date from the return's
    rows, equal to what a full load builds."""
    for name, content in _uploads()[:3]:
        assert ingest(content, name).status == "accepted"
    previous = load_dataset(engine)
    metrics.summary(previous, AS_OF)  # builds them
    assert ("reported",) in previous.memo and ("first_assigned_year",) in previous.memo
    again = [_school("Trường D", 25, 25, 24, None, None, None, owner="UBND quận Bình Thủy")]
    assert ingest(units_return(again), "02d.xlsx").status == "accepted"
    refreshed = load_dataset(engine, previous=previous)
    full = load_dataset(engine)
    assert ("before", ("reported",)) in refreshed.memo  # updated, not rebuilt
    (matrix, last), (expected, expected_last) = (
        metrics._reported(refreshed),
        metrics._reported(full),
    )
    np.testing.assert_array_equal(matrix, expected)
    assert last == expected_last
    assert not np.array_equal(matrix, metrics._reported(previous)[0])  # the year was added
    assert first_assigned_year(refreshed) == first_assigned_year(full) == 2021
    assert metrics.summary(refreshed, AS_OF) == metrics.summary(full, AS_OF)


def test_refresh_over_several_uploads_at_once(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    uploads = _uploads()
    for name, content in uploads[:2]:
        assert ingest(content, name).status == "accepted"
    previous = load_dataset(engine)
    for name, content in uploads[2:]:
        assert ingest(content, name).status == "accepted"
    refreshed = load_dataset(engine, previous=previous)
    assert refreshes == [1]
    assert_same(refreshed, load_dataset(engine))


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE fact SET value = value + 1 WHERE id = (SELECT MIN(id) FROM fact)",
        "DELETE FROM job_position WHERE id = (SELECT MAX(id) FROM job_position)",
        "UPDATE unit SET name = 'Trường Z' WHERE name = 'Trường D'",
        "UPDATE event SET doc_ref = 'QĐ 9' WHERE doc_ref = 'QĐ 2'",
        "DELETE FROM event_unit WHERE id = (SELECT MAX(id) FROM event_unit)",
        "UPDATE target SET pct = 7 WHERE pct = 5",
        "UPDATE submission SET file_name = 'x.xlsx' WHERE file_name = '00.xlsx'",
    ],
)
@pytest.mark.parametrize("then_upload", [False, True])
def test_any_other_change_is_seen_and_loads_everything(
    engine: Engine,
    ingest: Callable[..., Any],
    refreshes: list[int],
    change: str,
    then_upload: bool,
) -> None:
    """The data version moves with every change (the old one, the latest submission and the
    number of submissions, missed updates and deletions), and a change that is not a new
    submission's rows makes the next refresh a full load, also when an upload follows."""
    uploads = _uploads()
    for name, content in uploads[:3]:
        assert ingest(content, name).status == "accepted"
    previous = load_dataset(engine)
    with engine.begin() as conn:
        assert conn.execute(text(change)).rowcount == 1
    if then_upload:
        assert ingest(*reversed(uploads[3])).status == "accepted"
    assert db.data_version(engine) != previous.version
    refreshed = load_dataset(engine, previous=previous)
    assert refreshes == []
    assert_same(refreshed, load_dataset(engine))


def test_a_migration_loads_everything(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    uploads = _uploads()
    assert ingest(*reversed(uploads[0])).status == "accepted"
    previous = load_dataset(engine)
    previous.version = previous.version._replace(revision="0002")  # as loaded before it
    assert ingest(*reversed(uploads[1])).status == "accepted"
    load_dataset(engine, previous=previous)
    assert refreshes == []


def test_cache_refreshes_once_per_version_and_never_serves_a_stale_dataset(
    engine: Engine, ingest: Callable[..., Any], refreshes: list[int]
) -> None:
    uploads = _uploads()
    cache = DatasetCache()
    assert ingest(*reversed(uploads[0])).status == "accepted"
    first = cache.get(engine)
    assert cache.get(engine) is first
    for name, content in uploads[1:]:
        assert ingest(content, name).status == "accepted"
        seen: list[Dataset] = []

        def fetch(into: list[Dataset] = seen) -> None:
            into.append(cache.get(engine))

        threads = [threading.Thread(target=fetch) for _ in "abcd"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(ds) for ds in seen}) == 1  # one thread rebuilt, the others waited
        assert seen[0].version == db.data_version(engine)
        assert_same(seen[0], load_dataset(engine))
    assert len(refreshes) == len(uploads) - 1
