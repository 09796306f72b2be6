"""The review diff: exactly the figures a return changes against the approved ones, with the
cell they came from, baseline (2021) and past-year changes flagged and listed first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from etl.measures.review_diff import FACT_COLUMNS, diff_figures, review_diff
from tests.builders import units_return
from tests.test_approved_figures import FIRST, upload
from tests.test_refresh import _school

CC = "cong_chuc"


def facts(submission_id: int, rows: list[tuple[int, str, int, int, str]]) -> pd.DataFrame:
    """Fact rows (unit, status, year, value, cell) of one submission."""
    return pd.DataFrame(
        [
            (submission_id * 100 + i, submission_id, unit, CC, status, year, value, "Biểu 01", cell)
            for i, (unit, status, year, value, cell) in enumerate(rows)
        ],
        columns=FACT_COLUMNS,
    )


def test_one_baseline_one_past_year_one_new_key_and_n_unchanged() -> None:
    n = 7
    same = [(10 + i, "assigned", 2024, 50 + i, f"D{10 + i}") for i in range(n)]
    approved = pd.concat(
        [
            facts(1, [(1, "assigned", 2021, 120, "D7"), (1, "assigned", 2023, 118, "G7")]),
            facts(2, [(1, "assigned", 2021, 119, "D7"), *same]),  # the later one is current
        ],
        ignore_index=True,
    )
    new = facts(
        3,
        [
            (1, "assigned", 2021, 121, "D7"),  # baseline change (old 119: the current value)
            (1, "assigned", 2023, 117, "G7"),  # past-year change
            (2, "present", 2024, 30, "K8"),  # a new key
            *same,
        ],
    )
    names = {1: "Sở Y tế", 2: "Trường B"}
    diff = diff_figures(new, approved, names, dt.date(2024, 6, 30), 3)
    assert diff.unchanged == n
    assert len(diff.rows) == 3
    base, past, fresh = diff.rows
    assert (base.unit_name, base.year, base.old, base.new, base.cell) == (
        "Sở Y tế",
        2021,
        119,
        121,
        "D7",
    )
    assert base.baseline and base.past_year and base.sheet == "Biểu 01"
    assert (past.year, past.old, past.new, past.cell) == (2023, 118, 117, "G7")
    assert past.past_year and not past.baseline
    assert (fresh.unit_id, fresh.old, fresh.new, fresh.status) == (2, None, 30, "present")
    assert not fresh.baseline and not fresh.past_year
    assert diff.baseline_rows == (base,)


def test_the_latest_row_of_a_key_in_the_return_counts_and_nothing_approved() -> None:
    new = facts(3, [(1, "assigned", 2024, 5, "D7"), (1, "assigned", 2024, 6, "D9")])
    diff = diff_figures(new, facts(1, [])[:0], {}, None)
    assert [(r.new, r.cell, r.old, r.past_year) for r in diff.rows] == [(6, "D9", None, False)]
    assert diff_figures(new[:0], new, {}, None).rows == ()


def test_review_diff_reads_the_return_against_the_approved_figures(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    changed = [_school("Trường C", 41, 40, 85, 80, 3, "Đã phê duyệt")]  # 2021: 40 → 41
    waiting = upload(ingest, engine, units_return(changed), "02b.xlsx", "cho_duyet")
    diff = review_diff(engine, waiting)
    assert [(r.unit_name, r.year, r.old, r.new, r.baseline) for r in diff.rows] == [
        ("Trường C", 2021, 40, 41, True)
    ]
    assert diff.rows[0].sheet and diff.rows[0].cell
    assert diff.unchanged > 0
