"""The unit table's per-unit figures, read for all units at once (arrays over the units'
positions), against the same figures read unit by unit from the current facts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from etl.core.vocabulary import FactStatus, Measure
from etl.measures import analysis
from etl.measures.metrics import facts_by_status
from etl.measures.query import Filter, ResolvedView


@pytest.fixture(scope="module")
def ds(sample_app):
    from etl.measures.cache import load_dataset

    return load_dataset(sample_app.server.extensions["tgbc_engine"])


def _one_by_one(ds, status: str, uid: int, year: float, default):
    """The fact of a unit, status and year as one would look it up by hand."""
    if year != year:  # no latest year
        return default
    facts = facts_by_status(ds, status)
    rows = facts[(facts["unit_id"] == uid) & (facts["year"] == int(year))]
    assert len(rows) <= 1
    return rows["value"].iloc[0] if len(rows) else default


@pytest.mark.parametrize("as_of", [dt.date(2022, 12, 31), dt.date(2024, 6, 30)])
@pytest.mark.parametrize("pending", [True, False])
def test_current_pending_and_targets_are_each_units_own(ds, as_of, pending):
    view = ResolvedView(as_of, Filter(), include_pending=pending)
    table = analysis.unit_table(ds, view)
    assert len(table) > 30
    for row in table.itertuples():
        current = _one_by_one(ds, FactStatus.ASSIGNED, row.unit_id, row.latest_year, None)
        if current is None:
            assert pd.isna(row.current)
        else:
            assert row.current == current
        expected = 0
        if row.measure == Measure.NGUOI_LAM_VIEC:
            expected = _one_by_one(ds, FactStatus.PENDING, row.unit_id, row.latest_year, 0)
        assert row.pending == expected
        reduced = row.baseline - row.current + (row.pending if pending else 0)
        assert row.reduced == pytest.approx(reduced, nan_ok=True)
    # the sample's city rows: every unit with a baseline has a target share of it
    with_base = table[table["baseline"].notna()]
    pct = {m: analysis._city_pct(ds, m, None) for m in Measure}
    pairs = zip(with_base["measure"], with_base["baseline"], strict=True)
    expected = [pct[m] / 100 * b for m, b in pairs]
    np.testing.assert_allclose(with_base["target"].to_numpy(dtype=float), expected)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_furthest_behind_are_the_largest_gaps_then_names(ds, n):
    table = analysis.unit_table(ds, ResolvedView(dt.date(2024, 6, 30)))
    for measure in Measure:
        rows = table[(table["measure"] == measure) & table["gap"].notna()]
        expected = rows.sort_values(["gap", "name"], ascending=[False, True]).head(n)
        got = analysis.furthest_behind(table, measure, n)
        pd.testing.assert_frame_equal(got, expected)
        assert len(got) == n
